from __future__ import annotations

from pathlib import Path

import pytest

from oncotrial.apps.accounts.models import Membership
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.domain.permissions import Role

REPO = Path(__file__).parents[2]
FIXTURE = REPO / "tests" / "apps" / "fixtures" / "demo_trial.yaml"
SEEDS = sorted((REPO / "studies").glob("*.yaml"))

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-password-123"


@pytest.fixture
def demo_user(django_user_model):
    return django_user_model.objects.create_user(username="demo", password=PASSWORD)


@pytest.fixture
def studies(demo_user):
    loaded = [load_protocol_file(FIXTURE).study]
    for seed in SEEDS:
        loaded.append(load_protocol_file(seed).study)
    for study in loaded:
        Membership.objects.create(user=demo_user, study=study, role=Role.INVESTIGATOR)
    return loaded


def log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/studies/")


def test_login_list_and_study_page(page, live_server, demo_user, studies, screenshot_dir):
    page.goto(f"{live_server.url}/login/")
    page.screenshot(path=str(screenshot_dir / "login.png"))
    log_in(page, live_server)

    assert page.get_by_role("heading", name="Studies", level=1).is_visible()
    row = page.get_by_role("row").filter(has_text="NCT09999999")
    assert row.is_visible()
    assert "Phase 2" in row.inner_text()
    assert "Recruiting" in row.inner_text()
    assert page.get_by_role("row").count() == 1 + len(studies)
    page.screenshot(path=str(screenshot_dir / "study-list.png"), full_page=True)

    page.get_by_role("link", name="Low-dose intestinal radiotherapy with immunotherapy").click()
    page.wait_for_url(f"{live_server.url}/studies/demo_ildr/")
    for heading in ("Design", "Arms and interventions", "Eligibility", "Endpoints"):
        assert page.get_by_role("heading", name=heading, level=2).is_visible()
    assert page.get_by_role("heading", name="Schedule of assessments").is_visible()
    assert page.get_by_text("ECOG ≤ 2", exact=True).is_visible()
    assert page.get_by_text("ANC ≥ 1.5 ×10^9/L and Bilirubin ≤ 1.5 × ULN").is_visible()
    assert page.get_by_role("cell", name="Disease control rate").first.is_visible()
    page.screenshot(path=str(screenshot_dir / "study-page.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/login/")


@pytest.mark.skipif(not SEEDS, reason="no protocol files in studies/")
def test_every_seed_study_page_renders(page, live_server, demo_user, studies, screenshot_dir):
    log_in(page, live_server)
    for study in studies[1:]:
        response = page.goto(f"{live_server.url}/studies/{study.key}/")
        assert response is not None
        assert response.status == 200
        assert page.get_by_role("heading", name="Eligibility").is_visible()
        page.screenshot(path=str(screenshot_dir / f"study-{study.key}.png"), full_page=True)
