"""The statistician opens the live report of a seed study with the demo's data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.cli import demo_data

REPO = Path(__file__).parents[2]
SIROLIMUS = REPO / "studies" / "sirolimus-pancreatic-cancer.yaml"
PASSWORD = "e2e-password-123"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def study():
    study = load_protocol_file(SIROLIMUS).study
    demo_data.ensure_sites_and_users(PASSWORD, [study])
    demo_data.simulate_study(study, dt.date.today(), lambda line: None, PASSWORD, subjects=12)
    return study


def test_statistician_reads_the_study_report(page, live_server, study, screenshot_dir):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("statistician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/studies/")

    page.goto(f"{live_server.url}/studies/{study.key}/dashboard/")
    page.get_by_role("link", name="Report", exact=True).click()
    page.wait_for_url(f"{live_server.url}/studies/{study.key}/report/")
    for heading in (
        "Design",
        "Accrual",
        "Participant flow (CONSORT)",
        "Baseline characteristics",
        "Tumour response by subject",
    ):
        assert page.get_by_role("heading", name=heading, level=2).is_visible(), heading
    assert page.get_by_role("heading", name="Overall survival").is_visible()
    # every figure is an inline, labelled SVG that the browser lays out
    figures = page.locator("figure.report-figure svg[role='img']")
    assert figures.count() >= 5
    for index in range(figures.count()):
        box = figures.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 200
    # no identifying detail: the demo's dates of birth appear nowhere
    content = page.content()
    born = Candidate.objects.filter(study=study).values_list("date_of_birth", flat=True)
    assert [d for d in born if d and d.isoformat() in content] == []
    page.screenshot(path=str(screenshot_dir / "report.png"), full_page=True)
