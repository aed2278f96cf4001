"""From screening to the visit calendar in a real browser: an investigator of one site
registers a candidate for the sarcoma trial, watches the live eligibility panel while
entering the screening values, attests the checklist, confirms eligibility, records
consent, enrolls, records the first dose and opens the calendar and the worklist."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from oncotrial.apps.accounts import services as account_services
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.domain.permissions import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).parents[2]
SARCOMA = REPO / "studies" / "anlotinib-toripalimab-sarcoma.yaml"
TITLE = "Anlotinib Combined With Toripalimab in Advanced Refractory Soft Tissue Sarcoma"
USERNAME = "dr.chen"
PASSWORD = "e2e-password-123"

# What the coordinator types (text fields) or picks (selects), by the field's label.
NUMBERS = {
    "Age at screening": "72",
    "ECOG performance status": "1",
    "Expected survival": "12",
    "Absolute neutrophil count": "2.1",
    "Platelet count": "180",
    "Total bilirubin": "0.8",
    "ALT": "1.0",
    "AST": "1.1",
    "Serum creatinine": "0.9",
    "Worst unresolved prior-therapy toxicity (CTCAE)": "1",
    "Days since major surgery": "60",
    "Days since incisional biopsy": "30",
    "Days since significant traumatic injury": "365",
    "Days since last investigational drug": "90",
}
CHOICES = {
    "At least one measurable lesion (RECIST 1.1)": "yes",
    "Liver metastases present": "no",
    "Sex": "male",
    "Agrees to effective contraception": "yes",
    "Previously treated with anlotinib": "no",
    "Previously treated with an anti-PD-1 or anti-PD-L1 antibody": "no",
    "Other malignancy within 5 years (excluding cured in situ)": "no",
    "Brain or CNS metastases": "none",
    "Active infection": "no",
    "Unexplained fever > 38.5 °C": "no",
}


@pytest.fixture
def sarcoma_site(django_user_model):
    """The sarcoma trial at one site, with an investigator of that site."""
    admin = django_user_model.objects.create_superuser(username="e2e-admin", password=PASSWORD)
    study = load_protocol_file(SARCOMA).study
    site = account_services.add_site(admin, code="SH01", name="Shanghai Cancer Hospital")
    account_services.add_study_site(admin, study, site, "01")
    investigator = django_user_model.objects.create_user(username=USERNAME, password=PASSWORD)
    account_services.grant_role(admin, investigator, study, Role.INVESTIGATOR, site)
    return study


def field(form, label: str):
    """The input or select of a screening variable (its label starts with `label`; the
    unit selects are labelled "Unit of …")."""
    return form.get_by_label(re.compile("^" + re.escape(label)))


def test_screen_consent_enroll_and_open_the_calendar(
    page, live_server, sarcoma_site, screenshot_dir
):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    page.set_default_timeout(10_000)
    study = sarcoma_site
    today = timezone.localdate()
    screened = today - dt.timedelta(days=10)
    consented_at = f"{today - dt.timedelta(days=9):%Y-%m-%d}T10:30"
    enrolled = today - dt.timedelta(days=5)
    first_dose = today - dt.timedelta(days=2)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / name), full_page=True)

    # Log in.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Studies", level=1)).to_be_visible()

    # Open the study, then its screening log.
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Screening").click()
    expect(page.get_by_role("heading", name="Screening log", level=1)).to_be_visible()
    expect(page.get_by_text("No candidates screened yet.")).to_be_visible()
    shot("screening-log-empty.png")

    # Register a candidate (the screening number comes from the site's sequence).
    page.get_by_role("link", name="Register a candidate").click()
    expect(page.get_by_role("heading", name="Register a screening candidate")).to_be_visible()
    expect(page.get_by_label("Site")).to_have_value("SH01")
    page.get_by_label("Screening date").fill(screened.isoformat())
    page.get_by_label("Initials").fill("ZW")
    page.get_by_label("Sex").select_option(label="Male")
    shot("register.png")
    page.get_by_role("button", name="Register").click()
    heading = page.get_by_role("heading", name=re.compile(r"^Candidate "), level=1)
    expect(heading).to_be_visible()
    number = heading.inner_text().removeprefix("Candidate ").strip()
    assert number

    # Enter the screening values; the eligibility panel follows as they are typed.
    values = page.locator("form.scr-values")
    panel = page.locator("#eligibility-panel")
    expect(panel).to_contain_text("Incomplete")
    for label, text in NUMBERS.items():
        field(values, label).fill(text)
    for label, option in CHOICES.items():
        field(values, label).select_option(option)
    field(values, "Haemoglobin").fill("12.5")
    field(values, "Unit of haemoglobin").select_option("g/dL")
    shot("screening-form.png")

    age_row = panel.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="age_range", exact=True)
    )
    expect(age_row).to_contain_text("Not met")
    expect(age_row).to_contain_text("age 72 years is above the maximum of 70")
    expect(panel.get_by_role("status")).to_contain_text("Not eligible")
    shot("eligibility-not-met.png")

    # Correct the age: the panel shows the age criterion met.
    field(values, "Age at screening").fill("54")
    expect(age_row).to_contain_text("Met")
    expect(age_row).not_to_contain_text("Not met")
    expect(age_row).to_contain_text("age 54 years")
    # Only the investigator's checklist is left.
    expect(panel.get_by_role("status")).not_to_contain_text("Not eligible")
    expect(panel).to_contain_text("Awaiting attestation")
    page.get_by_role("button", name="Save values").click()
    expect(page.get_by_text("Updates as you type")).to_be_visible()
    expect(field(page.locator("form.scr-values"), "Age at screening")).to_have_value("54")

    # Attest every checklist item.
    checklist = page.locator(
        "section", has=page.get_by_role("heading", name="Investigator's checklist")
    )
    groups = checklist.get_by_role("group")
    assert groups.count() > 0
    for i in range(groups.count()):
        groups.nth(i).get_by_role("radio", name=re.compile(r"^(Met|Does not apply)$")).check()
    checklist.get_by_role("button", name="Save attestations").click()
    panel = page.locator("#eligibility-panel")
    expect(panel.get_by_role("status")).to_contain_text("Eligible")
    expect(panel).not_to_contain_text("Awaiting attestation")
    expect(panel).not_to_contain_text("Not met")
    exclusion = panel.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="E1", exact=True)
    )
    expect(exclusion).to_contain_text("Does not apply")

    # Confirm eligibility.
    page.get_by_role("button", name="Confirm eligibility").click()
    expect(page.get_by_text(f"Confirmed by {USERNAME} on")).to_be_visible()
    shot("candidate-eligible.png")

    # Record consent: the day after screening, obtained by the investigator.
    consent = page.locator("section", has=page.get_by_role("heading", name="Informed consent"))
    consent.get_by_label("Consent given at (UTC)").fill(consented_at)
    expect(consent.get_by_label("Consent obtained by")).to_have_value(re.compile(r"\d+"))
    consent.get_by_role("button", name="Record consent").click()
    consent = page.locator("section", has=page.get_by_role("heading", name="Informed consent"))
    expect(consent).to_contain_text("Valid")
    expect(consent.get_by_role("cell", name=USERNAME)).to_be_visible()
    shot("consent.png")

    # Enroll.
    enrollment = page.locator("section", has=page.get_by_role("heading", name="Enrollment"))
    expect(enrollment).to_contain_text("Eligibility is confirmed and consent is valid.")
    enrollment.get_by_role("button", name="Enroll").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Enroll candidate"))).to_be_visible()
    page.get_by_label("Enrollment date").fill(enrolled.isoformat())
    shot("enroll.png")
    page.get_by_role("button", name="Enroll").click()
    subject_heading = page.get_by_role("heading", name=re.compile(r"^Subject "), level=1)
    expect(subject_heading).to_be_visible()
    subject_number = subject_heading.inner_text().removeprefix("Subject ").strip()
    expect(page.get_by_text(f"{number} enrolled as subject {subject_number}.")).to_be_visible()
    expect(page.get_by_text("Anlotinib + toripalimab")).to_be_visible()
    expect(page.get_by_text("No visits planned yet")).to_be_visible()

    # Record the first dose: the calendar appears.
    page.get_by_label("Event", exact=True).select_option("first_dose")
    page.get_by_label("Date", exact=True).fill(first_dose.isoformat())
    page.get_by_role("button", name="Record event").click()
    expect(page.get_by_text("Event recorded; the calendar is up to date.")).to_be_visible()
    calendar = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Window"))
    screening = calendar.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Screening")
    )
    expect(screening).to_contain_text((first_dose - dt.timedelta(days=7)).isoformat())
    expect(screening).to_contain_text("Overdue")
    cycle1 = (
        calendar.get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name="Cycle day 1"))
        .first
    )
    expect(cycle1).to_contain_text(first_dose.isoformat())
    expect(cycle1).to_contain_text(
        f"{first_dose.isoformat()} – {(first_dose + dt.timedelta(days=3)).isoformat()}"
    )
    expect(cycle1).to_contain_text("Due")
    expect(calendar.get_by_role("row").filter(has_text="Tumour assessment").first).to_contain_text(
        "Upcoming"
    )
    shot("subject-calendar.png")

    # Record the screening visit as done (on its last day in window).
    done_on = first_dose - dt.timedelta(days=2)
    screening.get_by_label("Visit date of Screening").fill(done_on.isoformat())
    screening.get_by_role("button", name="Record").click()
    expect(screening).to_contain_text("Done")
    expect(screening).to_contain_text(done_on.isoformat())

    # The worklist has the due and overdue visits of this subject.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Worklist"), level=1)).to_be_visible()
    rows = page.get_by_role("row").filter(has=page.get_by_role("link", name=subject_number))
    expect(rows.filter(has_text="Cycle day 1")).to_have_count(1)
    expect(rows.filter(has_text="Screening")).to_have_count(0)
    expect(rows.filter(has_text="Cycle day 1")).to_contain_text("Due")
    shot("worklist.png")

    # The dashboard counts the candidate and the subject.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    site_row = page.get_by_role("row").filter(has_text="Shanghai Cancer Hospital")
    expect(site_row).to_be_visible()
    shot("dashboard.png")
    assert study.key in page.url
