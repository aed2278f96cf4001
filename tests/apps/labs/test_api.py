"""The labs API and pages: a panel recorded in one request, per-analyte 400s, a stale
correction (409), locked data (423), another site's subject (404), the series and the
subject page with its flags and changes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.crfs import locks
from oncotrial.apps.labs import services
from oncotrial.apps.labs.models import LabResult
from oncotrial.apps.visits.models import Visit


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _results_url(subject):
    return reverse("api:labs-results", args=[subject.study.key, subject.subject_number])


def test_a_panel_posted_in_one_request(subject, coordinator):
    response = _client(coordinator).post(
        _results_url(subject),
        {
            "assessment_id": "liver_function",
            "collection_date": "2024-01-14",
            "results": {
                "ALT": {"value": 88},
                "AST": {"value": 30},
                "total bilirubin": {"value": 1.5, "unit": "mg/dL"},
                "albumin": {"value": ""},
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    by = {r["analyte"]: r for r in response.json()}
    assert sorted(by) == ["alt", "ast", "bilirubin"]
    assert by["alt"]["flag"] == "H"
    assert by["alt"]["times_uln"] == pytest.approx(88 / 40)
    assert by["bilirubin"]["times_uln"] == pytest.approx(1.5 / (20.5 / 17.1))
    listed = _client(coordinator).get(_results_url(subject), {"assessment": "liver_function"})
    assert len(listed.json()) == 3


def test_per_analyte_400_and_nothing_saved(subject, coordinator):
    before = AuditRecord.objects.count()
    response = _client(coordinator).post(
        _results_url(subject),
        {
            "assessment_id": "blood_routine",
            "collection_date": "2024-01-14",
            "results": {"WBC": {"value": 5}, "platelets": {"value": 180, "unit": "mmol/L"}},
        },
        format="json",
    )
    assert response.status_code == 400
    assert "mmol/L is not a unit of Platelets" in response.json()["platelets"][0]
    assert LabResult.objects.count() == 0
    assert AuditRecord.objects.count() == before


def test_a_stale_correction_is_a_409_and_a_locked_visit_a_423(
    subject, coordinator, data_manager, sirolimus
):
    baseline = Visit.objects.get(subject=subject, visit_id="baseline")
    (wbc,) = services.record_panel(
        coordinator, subject, "blood_routine", "2024-01-14", {"WBC": 5}, visit=baseline
    )
    url = reverse("api:labs-result", args=[sirolimus.key, wbc.pk])
    client = _client(coordinator)
    ok = client.patch(
        url, {"value": 5.4, "expected_version": 1, "reason": "re-read"}, format="json"
    )
    assert ok.status_code == 200, ok.content
    assert (ok.json()["value"], ok.json()["version"]) == (5.4, 2)
    stale = client.patch(url, {"value": 6, "expected_version": 1, "reason": "x"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert stale.json()["current_values"]["value"] == "5.4"
    no_reason = client.patch(url, {"value": 6, "expected_version": 2}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()
    locks.lock(data_manager, sirolimus, "visit", visit=baseline, reason="reviewed")
    locked = client.patch(url, {"value": 6, "expected_version": 2, "reason": "x"}, format="json")
    assert locked.status_code == 423
    assert "locked" in locked.json()["detail"]
    gone = client.delete(url, {"expected_version": 2, "reason": "x"}, format="json")
    assert gone.status_code == 423
    assert LabResult.objects.get(pk=wbc.pk).value == 5.4


def test_another_sites_subject_and_result_are_404(subject, coordinator, other_site_investigator):
    (wbc,) = services.record_panel(coordinator, subject, "blood_routine", "2024-01-14", {"WBC": 5})
    client = _client(other_site_investigator)
    assert client.get(_results_url(subject)).status_code == 404
    url = reverse("api:labs-result", args=[subject.study.key, wbc.pk])
    assert client.get(url).status_code == 404
    assert client.patch(url, {"value": 1, "expected_version": 1}, format="json").status_code == 404


def test_series_api_gives_percent_change(subject, coordinator):
    for date, value in [("2024-01-14", 200), ("2024-02-05", 150), ("2024-02-26", 250)]:
        services.record_panel(coordinator, subject, "ca19_9", date, {"CA19-9": value})
    url = reverse("api:labs-series", args=[subject.study.key, subject.subject_number, "CA19-9"])
    data = _client(coordinator).get(url).json()
    assert data["baseline"]["value"] == 200
    assert [p["change"]["percent"] if p["change"] else None for p in data["points"]] == [
        None,
        pytest.approx(-25.0),
        pytest.approx(25.0),
    ]
    assert data["best"]["percent"] == pytest.approx(-25.0)
    unknown = reverse("api:labs-series", args=[subject.study.key, subject.subject_number, "zz"])
    assert _client(coordinator).get(unknown).status_code == 404


def test_subject_page_shows_flags_xuln_and_change(client, subject, coordinator):
    services.record_panel(
        coordinator,
        subject,
        "liver_function",
        "2024-01-14",
        {"ALT": 80, "total bilirubin": 10},
    )
    services.record_panel(coordinator, subject, "ca19_9", "2024-01-14", {"CA19-9": 400})
    services.record_panel(coordinator, subject, "ca19_9", "2024-02-05", {"CA19-9": 100})
    client.force_login(coordinator)
    page = client.get(reverse("labs:subject", args=[subject.study.key, subject.subject_number]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "2.00 ×ULN" in html  # ALT 80 / 40
    assert "lab-flag-H" in html
    assert "-75.0%" in html  # CA19-9 400 → 100
    assert "Best change from baseline: <strong>-75.0%" in html


def test_entry_page_shows_errors_next_to_the_analyte_and_saves_nothing(
    client, subject, coordinator
):
    client.force_login(coordinator)
    url = reverse("labs:enter", args=[subject.study.key, subject.subject_number, "blood_routine"])
    assert client.get(url).status_code == 200
    page = client.post(
        url,
        {"collection_date": "2024-01-14", "value_wbc": "5", "value_anc": "-2", "unit_anc": "/uL"},
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="value_anc-error">Absolute neutrophil count cannot be negative.' in html
    assert LabResult.objects.count() == 0
    done = client.post(url, {"collection_date": "2024-01-14", "value_wbc": "5"})
    assert done.status_code == 302
    assert LabResult.objects.get().analyte == "wbc"


def test_worklist_page_lists_abnormal_results(client, subject, coordinator):
    services.record_panel(coordinator, subject, "blood_routine", "2024-01-14", {"ANC": 0.9})
    client.force_login(coordinator)
    page = client.get(reverse("labs:worklist", args=[subject.study.key]))
    assert page.status_code == 200
    assert "Absolute neutrophil count" in page.content.decode()
