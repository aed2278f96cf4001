"""The adverse event pages: entry form and its errors, grade descriptions shown for the
chosen term, the change form with a reason, the worklists with their clocks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oncotrial.apps.safety import services
from oncotrial.apps.safety.catalogue import import_workbook
from oncotrial.apps.safety.models import AdverseEvent

from .conftest import RELATED, ae_values

pytestmark = pytest.mark.django_db

V5 = Path(__file__).parents[3].parent / "shared" / "reference" / "ctcae" / "CTCAE_v5.0.xlsx"

FORM = {
    "term": "Rash maculo-papular",
    "grade": "2",
    "onset_date": "2025-04-05",
    "ongoing": "on",
    "outcome": "not_recovered",
    "action_taken": "dose_not_changed",
    "rel_anlotinib": "possible",
    "rel_toripalimab": "probable",
}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def subject_url(w):
    return reverse("safety:subject", args=[w.study.key, w.subject.subject_number])


def test_enter_an_event_and_see_it_listed(safety_world):
    w = safety_world
    client = client_for(w.staff["coordinator"])
    page = client.get(subject_url(w))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<datalist id="ctcae-terms">' in html
    assert '<option value="Palmar-plantar erythrodysesthesia syndrome">' in html
    assert "Relationship to Anlotinib hydrochloride" in html

    saved = client.post(subject_url(w), FORM)
    assert saved.status_code == 302
    listed = client.get(subject_url(w)).content.decode()
    assert "Rash maculo-papular" in listed
    assert "Grade 2" in listed
    assert "Toripalimab: probable" in listed


def test_a_refused_grade_is_shown_next_to_the_field(safety_world):
    w = safety_world
    response = client_for(w.staff["coordinator"]).post(
        subject_url(w), {**FORM, "term": "Alopecia", "grade": "3"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        'id="id_grade-error">Alopecia allows grades 1–2 in CTCAE 5.0; 3 is not one of them.' in html
    )
    assert not AdverseEvent.objects.exists()


def test_a_monitor_sees_the_list_without_the_form(safety_world):
    w = safety_world
    html = client_for(w.staff["monitor"]).get(subject_url(w)).content.decode()
    assert "Record an adverse event" not in html


def test_grade_descriptions_of_the_imported_workbook_are_shown_as_help(safety_world):
    if not V5.exists():
        pytest.skip("the NCI CTCAE v5.0 workbook is not available")
    w = safety_world
    import_workbook(V5)
    url = reverse("safety:grade_help", args=[w.study.key])
    html = client_for(w.staff["coordinator"]).get(url, {"term": "anemia"}).content.decode()
    # CTCAE v5.0, Anemia: grade 3 is hemoglobin below 8.0 g/dL with transfusion indicated
    assert (
        "<dt>Grade 3</dt><dd>Hgb &lt;8.0 g/dL; &lt;4.9 mmol/L; &lt;80 g/L; "
        "transfusion indicated</dd>" in html
    )
    assert 'data-grades="1 2 3 4 5 "' in html
    alopecia = client_for(w.staff["coordinator"]).get(url, {"term": "Alopecia"}).content.decode()
    assert 'data-grades="1 2 "' in alopecia
    assert "<dt>Grade 3</dt>" not in alopecia


def test_builtin_list_offers_allowed_grades_without_descriptions(safety_world):
    w = safety_world
    url = reverse("safety:grade_help", args=[w.study.key])
    html = client_for(w.staff["coordinator"]).get(url, {"term": "Alopecia"}).content.decode()
    assert "Allowed grades: 1, 2." in html
    assert "oncotrial ctcae import" in html


def test_change_needs_a_reason_on_the_page(safety_world):
    w = safety_world
    event = services.report_event(w.staff["investigator"], w.subject, ae_values(), RELATED)
    url = reverse("safety:event", args=[w.study.key, event.pk])
    client = client_for(w.staff["investigator"])
    body = {
        "term": "Hypertension",
        "grade": "3",
        "onset_date": "2025-04-02",
        "ongoing": "on",
        "outcome": "not_recovered",
        "action_taken": "dose_reduced",
        "rel_anlotinib": "probable",
        "rel_toripalimab": "unlikely",
        "expected_version": "1",
    }
    refused = client.post(url, body)
    assert refused.status_code == 400
    assert "Give a reason for changing what was saved." in refused.content.decode()
    saved = client.post(url, {**body, "reason": "re-measured"})
    assert saved.status_code == 302
    event.refresh_from_db()
    assert (event.grade, event.action_taken) == (3, "dose_reduced")


def test_sae_worklist_shows_due_and_overdue_clocks_of_the_users_sites(safety_world):
    w = safety_world
    now = timezone.now()
    for term, hours_ago in (("Pneumonitis", 19.5), ("Febrile neutropenia", 27.5)):
        aware = now - dt.timedelta(hours=hours_ago)
        services.report_event(
            w.staff["investigator"],
            w.subject,
            ae_values(
                term=term,
                grade=3,
                serious=True,
                criteria=["hospitalisation"],
                aware_at=aware,
                onset_date=aware.date(),
            ),
            RELATED,
        )
    url = reverse("safety:sae_worklist", args=[w.study.key])
    html = client_for(w.staff["coordinator"]).get(url).content.decode()
    assert "Due in 4 h" in html
    assert "Overdue by 3 h" in html
    assert html.index("Febrile neutropenia") < html.index("Pneumonitis")
    other = client_for(w.bj02_staff["investigator"]).get(url).content.decode()
    assert "No SAE report due at your sites." in other
    worklist = client_for(w.staff["monitor"]).get(reverse("safety:worklist", args=[w.study.key]))
    assert "Febrile neutropenia" in worklist.content.decode()


def test_mark_sent_on_the_event_page(safety_world):
    w = safety_world
    aware = timezone.now() - dt.timedelta(hours=2)
    event = services.report_event(
        w.staff["investigator"],
        w.subject,
        ae_values(
            term="Sepsis",
            grade=4,
            serious=True,
            criteria=["life_threatening"],
            aware_at=aware,
            onset_date=aware.date(),
        ),
        RELATED,
    )
    report = event.sae_reports.get()
    sent_at = (timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(w.staff["coordinator"]).post(
        reverse("safety:report_sent", args=[w.study.key, report.pk]),
        {f"r{report.pk}-sent_to_sponsor_at": sent_at, f"r{report.pk}-expected_version": "1"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "sent"
    page = client_for(w.staff["coordinator"]).get(
        reverse("safety:event", args=[w.study.key, event.pk])
    )
    assert "sent on time" in page.content.decode()
