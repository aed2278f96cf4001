"""The safety API: a subject's events, one event, SAE reports with their clocks, the
report-sent action and the term search; refusals 400, 404, 409 and 423."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.crfs import locks
from oncotrial.apps.safety import services
from oncotrial.apps.safety.models import AdverseEvent, SaeReport

from .conftest import RELATED, ae_values

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def events_url(w, number=None):
    return reverse(
        "api:safety-subject-events", args=[w.study.key, number or w.subject.subject_number]
    )


NEW = {
    "term": "Diarrhea",
    "grade": 2,
    "onset_date": "2025-04-03",
    "resolution_date": "2025-04-06",
    "outcome": "recovered",
    "action_taken": "drug_interrupted",
    "relationships": {"anlotinib": "probable", "toripalimab": "possible"},
}


def test_create_and_list(safety_world):
    w = safety_world
    client = client_for(w.staff["coordinator"])
    created = client.post(events_url(w), NEW, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["term"], body["grade"], body["soc"]) == (
        "Diarrhea",
        2,
        "Gastrointestinal disorders",
    )
    assert {r["intervention_id"]: r["relationship"] for r in body["relationships"]} == {
        "anlotinib": "probable",
        "toripalimab": "possible",
    }
    assert AuditRecord.objects.filter(
        entity="safety.adverseevent", entity_id=str(body["id"])
    ).exists()
    listed = client_for(w.staff["monitor"]).get(events_url(w))
    assert [e["term"] for e in listed.json()] == ["Diarrhea"]


def test_create_refused_with_field_messages(safety_world):
    w = safety_world
    response = client_for(w.staff["coordinator"]).post(
        events_url(w), {**NEW, "term": "Alopecia", "grade": 3}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["grade"] == [
        "Alopecia allows grades 1–2 in CTCAE 5.0; 3 is not one of them."
    ]
    assert not AdverseEvent.objects.exists()


def test_another_sites_subject_is_a_404(safety_world):
    w = safety_world
    response = client_for(w.staff["coordinator"]).post(
        events_url(w, w.bj02_subject.subject_number), NEW, format="json"
    )
    assert response.status_code == 404


def test_patch_with_a_stale_version_is_a_409(safety_world):
    w = safety_world
    event = services.report_event(w.staff["investigator"], w.subject, ae_values(), RELATED)
    url = reverse("api:safety-event", args=[w.study.key, event.pk])
    client = client_for(w.staff["investigator"])
    ok = client.patch(
        url, {"grade": 3, "expected_version": 1, "reason": "re-measured"}, format="json"
    )
    assert ok.status_code == 200, ok.content
    assert (ok.json()["grade"], ok.json()["version"]) == (3, 2)
    stale = client.patch(url, {"grade": 1, "expected_version": 1, "reason": "x"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    no_reason = client.patch(url, {"grade": 2, "expected_version": 2}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()


def test_a_locked_subject_is_a_423(safety_world):
    w = safety_world
    locks.lock(w.staff["data_manager"], w.study, "subject", subject=w.subject, reason="cleaned")
    response = client_for(w.staff["coordinator"]).post(events_url(w), NEW, format="json")
    assert response.status_code == 423
    assert not AdverseEvent.objects.exists()


def test_sae_reports_with_clocks_and_report_sent(safety_world):
    w = safety_world
    now = timezone.now().replace(microsecond=0)
    aware = now - dt.timedelta(hours=19)
    event = services.report_event(
        w.staff["investigator"],
        w.subject,
        ae_values(
            term="Pneumonitis",
            grade=3,
            serious=True,
            criteria=["hospitalisation"],
            aware_at=aware,
            onset_date=aware.date(),
        ),
        RELATED,
    )
    client = client_for(w.staff["coordinator"])
    url = reverse("api:safety-sae-reports", args=[w.study.key])
    [row] = client.get(url).json()
    assert (row["term"], row["status"], row["clock"]) == ("Pneumonitis", "draft", "due")
    assert row["hours"] in (4, 5)  # 24 h after awareness, 19 h ago
    # the BJ02 investigator does not see SH01's reports
    assert client_for(w.bj02_staff["investigator"]).get(url).json() == []
    report = event.sae_reports.get()
    sent_url = reverse("api:safety-report-sent", args=[w.study.key, report.pk])
    future = client.post(
        sent_url,
        {"sent_to_sponsor_at": (now + dt.timedelta(hours=2)).isoformat(), "expected_version": 1},
        format="json",
    )
    assert future.status_code == 400
    assert future.json()["sent_to_sponsor_at"] == ["This time is in the future."]
    sent = client.post(
        sent_url,
        {"sent_to_sponsor_at": (now - dt.timedelta(hours=1)).isoformat(), "expected_version": 1},
        format="json",
    )
    assert sent.status_code == 200, sent.content
    assert (sent.json()["status"], sent.json()["clock"]) == ("sent", "on_time")
    assert SaeReport.objects.get().status == "sent"
    assert client.get(url, {"status": "draft"}).json() == []


def test_terms_search(safety_world):
    w = safety_world
    url = reverse("api:safety-terms", args=[w.study.key])
    terms = client_for(w.staff["statistician"]).get(url, {"q": "neutro"}).json()
    assert [t["term"] for t in terms] == ["Neutrophil count decreased", "Febrile neutropenia"]
    assert terms[0]["grades"] == [1, 2, 3, 4]
