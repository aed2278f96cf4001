"""A coordinator records an adverse event on the subject's adverse event page."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncotrial.apps.accounts.services import add_site, add_study_site, grant_role
from oncotrial.apps.safety.models import AdverseEvent
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.domain.permissions import Role
from tests.apps.permission_scenario import build_site

REPO = Path(__file__).parents[2]
SARCOMA = REPO / "studies" / "anlotinib-toripalimab-sarcoma.yaml"
PASSWORD = "e2e-password-123"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(django_user_model):
    study = load_protocol_file(SARCOMA).study
    site = add_site(None, code="SH01", name="Shanghai Cancer Hospital")
    add_study_site(None, study, site, "01")
    coordinator = django_user_model.objects.create_user(username="coord", password=PASSWORD)
    investigator = django_user_model.objects.create_user(username="inv", password=PASSWORD)
    grant_role(None, coordinator, study, Role.COORDINATOR, site)
    grant_role(None, investigator, study, Role.INVESTIGATOR, site)
    objects = build_site(study, site, coordinator, investigator)
    return study, objects.subject


def test_coordinator_enters_a_graded_adverse_event(page, live_server, world, screenshot_dir):
    study, number = world
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("coord")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/studies/")

    page.goto(f"{live_server.url}/studies/{study.key}/subjects/{number}/adverse-events/")
    assert page.get_by_role("heading", name="Record an adverse event").is_visible()
    page.get_by_label("CTCAE term").fill("Alopecia")
    page.get_by_label("CTCAE term").dispatch_event("change")
    help_box = page.locator("#grade-help")
    help_box.get_by_text("Allowed grades: 1, 2.").wait_for()
    # grades Alopecia does not have cannot be chosen
    assert page.locator("#id_grade option[value='3']").is_disabled()
    page.get_by_label("Grade", exact=True).select_option("2")
    page.get_by_label("Onset date").fill("2025-04-15")
    page.get_by_label("Ongoing").check()
    page.get_by_label("Outcome").select_option("not_recovered")
    page.get_by_label("Relationship to Anlotinib hydrochloride").select_option("possible")
    page.get_by_label("Relationship to Toripalimab").select_option("probable")
    page.screenshot(path=str(screenshot_dir / "safety-ae-entry.png"), full_page=True)
    page.get_by_role("button", name="Record adverse event").click()

    page.get_by_text("Alopecia grade 2 recorded.").wait_for()
    row = page.get_by_role("row").filter(has_text="Alopecia")
    assert "Grade 2" in row.inner_text()
    assert "2025-04-15" in row.inner_text()
    assert "Toripalimab: probable" in row.inner_text()
    page.screenshot(path=str(screenshot_dir / "safety-ae-listed.png"), full_page=True)
    event = AdverseEvent.objects.get()
    assert (event.term, event.grade, event.ongoing) == ("Alopecia", 2, True)
