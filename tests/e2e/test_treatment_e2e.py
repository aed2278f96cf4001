"""The treatment and follow-up pages in a real browser: an investigator records a cycle-1
dose of anlotinib for an enrolled sarcoma subject, sees it under its cycle, then records
a survival contact and reads the date last known alive."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from oncotrial.apps.accounts import services as account_services
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.apps.subjects import services as subject_services
from oncotrial.domain.permissions import Role
from tests.apps.permission_scenario import _eligible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SARCOMA = Path(__file__).parents[2] / "studies" / "anlotinib-toripalimab-sarcoma.yaml"
USERNAME = "dr.tx"
PASSWORD = "e2e-password-123"


@pytest.fixture
def enrolled(django_user_model):
    admin = django_user_model.objects.create_superuser(username="tx-admin", password=PASSWORD)
    study = load_protocol_file(SARCOMA).study
    site = account_services.add_site(admin, code="SH01", name="Shanghai Cancer Hospital")
    account_services.add_study_site(admin, study, site, "01")
    investigator = django_user_model.objects.create_user(username=USERNAME, password=PASSWORD)
    account_services.grant_role(admin, investigator, study, Role.INVESTIGATOR, site)
    candidate = _eligible(study, site, investigator, investigator, "TX")
    subject = subject_services.enroll(investigator, candidate, dt.date(2025, 3, 10))
    subject_services.record_anchor_event(investigator, subject, "first_dose", dt.date(2025, 3, 12))
    return subject


def test_record_a_dose_and_a_survival_contact(page, live_server, enrolled, screenshot_dir):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    key, number = enrolled.study.key, enrolled.subject_number
    page.goto(f"{live_server.url}/studies/{key}/subjects/{number}/treatment/")
    page.locator("#id_administration-intervention_id").select_option("anlotinib")
    page.locator("#id_administration-cycle").fill("1")
    page.locator("#id_administration-day").fill("1")
    page.locator("#id_administration-date").fill("2025-03-12")
    page.locator("#id_administration-dose").fill("12")
    page.locator("#id_administration-dose_unit").fill("mg/m2")
    page.get_by_role("button", name="Record administration").click()
    expect(page.locator("#id_administration-dose_unit-error")).to_contain_text(
        "is not a unit of Anlotinib hydrochloride's dose"
    )
    page.locator("#id_administration-dose_unit").fill("mg")
    page.get_by_role("button", name="Record administration").click()
    expect(page.get_by_text("Administration recorded.")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Cycle 1")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "treatment-subject.png"), full_page=True)

    page.get_by_role("link", name="Follow-up").click()
    page.locator("#id_contact-date").fill("2025-04-02")
    page.locator("#id_contact-method").select_option("telephone")
    page.locator("#id_contact-vital_status").select_option("alive")
    page.get_by_role("button", name="Record contact").click()
    expect(page.locator("#last-known-alive")).to_contain_text("2025-04-02")
    expect(page.locator("#last-known-alive")).to_contain_text("contact")
    page.screenshot(path=str(screenshot_dir / "followup-subject.png"), full_page=True)
