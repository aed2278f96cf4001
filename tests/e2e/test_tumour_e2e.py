"""Tumour assessment in a real browser: an investigator chooses the baseline lesions of
an enrolled sarcoma subject (three targets, one a node, and a non-target), then enters
a follow-up assessment and watches the computed RECIST 1.1 response appear as the
measurements are typed, and saves it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from oncotrial.apps.accounts import services as account_services
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.apps.subjects import services as subject_services
from oncotrial.apps.tumour.models import TumourAssessment
from oncotrial.domain.permissions import Role
from tests.apps.permission_scenario import _eligible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).parents[2]
SARCOMA = REPO / "studies" / "anlotinib-toripalimab-sarcoma.yaml"
USERNAME = "dr.lin"
PASSWORD = "e2e-password-123"


@pytest.fixture
def enrolled(django_user_model):
    """The sarcoma trial at SH01 with an investigator and an enrolled subject (first dose
    2025-03-12)."""
    admin = django_user_model.objects.create_superuser(username="e2e-admin", password=PASSWORD)
    study = load_protocol_file(SARCOMA).study
    site = account_services.add_site(admin, code="SH01", name="Shanghai Cancer Hospital")
    account_services.add_study_site(admin, study, site, "01")
    investigator = django_user_model.objects.create_user(username=USERNAME, password=PASSWORD)
    account_services.grant_role(admin, investigator, study, Role.INVESTIGATOR, site)
    candidate = _eligible(study, site, investigator, investigator, "LW")
    subject = subject_services.enroll(investigator, candidate, dt.date(2025, 3, 10))
    subject_services.record_anchor_event(investigator, subject, "first_dose", dt.date(2025, 3, 12))
    return subject


LESIONS = [
    ("T1", "target", "liver", False, "40"),
    ("T2", "target", "lung", False, "25"),
    ("T3", "target", "lymph node", True, "20"),
    ("NT1", "non_target", "peritoneum", False, ""),
]


def test_enter_baseline_and_a_follow_up_with_the_live_response(
    page, live_server, enrolled, screenshot_dir
):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/studies/")

    base = f"{live_server.url}/studies/{enrolled.study.key}/subjects/{enrolled.subject_number}"
    page.goto(f"{base}/tumour/")
    expect(page.get_by_role("heading", name="Tumour assessments", level=1)).to_be_visible()
    page.get_by_role("link", name="Add a baseline lesion").click()

    for index, (code, kind, organ, nodal, mm) in enumerate(LESIONS):
        page.get_by_label("Code").fill(code)
        page.get_by_label("Kind").select_option(kind)
        page.get_by_label("Organ").fill(organ)
        if nodal:
            page.get_by_label("Lymph node (short axis measured)").check()
        page.get_by_label("Baseline imaging date").fill("2025-03-05")
        page.get_by_label("Longest diameter at baseline").fill(mm)
        last = index == len(LESIONS) - 1
        button = "Add lesion" if last else "Add and enter another"
        page.get_by_role("button", name=button, exact=True).click()
        page.wait_for_load_state()
        expect(page.get_by_text(f"Lesion {code} added to the baseline.")).to_be_visible()

    # back on the subject page: the baseline table with its sum (40 + 25 + 20 = 85 mm)
    expect(page.get_by_role("cell", name="85.0")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "tumour-baseline.png"), full_page=True)

    page.get_by_role("link", name="Record an assessment").click()
    page.get_by_label("Imaging date").fill("2025-04-23")
    page.get_by_label("T1 size (mm)", exact=True).fill("27")
    page.get_by_label("T2 size (mm)", exact=True).fill("17")
    page.get_by_label("T3 size (mm)", exact=True).fill("14")
    # 58 mm is 31.8 % below 85 mm: a partial response (≥ 30 %, RECIST 1.1 §4.3.1)
    expect(page.get_by_test_id("preview-response")).to_have_text("PR")
    expect(page.get_by_test_id("preview-sum")).to_have_text("58.0 mm")
    expect(page.get_by_test_id("preview-baseline")).to_have_text("-31.8 %")
    page.screenshot(path=str(screenshot_dir / "tumour-assessment-preview.png"), full_page=True)

    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_text("Assessment of 2025-04-23 saved: PR.")).to_be_visible()
    row = page.locator("tr", has_text="2025-04-23")
    expect(row).to_contain_text("58.0")
    expect(row).to_contain_text("-31.8 %")
    page.screenshot(path=str(screenshot_dir / "tumour-subject.png"), full_page=True)
    saved = TumourAssessment.objects.get(subject=enrolled)
    assert saved.computed_response == "PR"
