"""REST API and pages for subjects and visits: same services, site isolation (404),
roles (403), field-level 400s, conflicts (409) and concealment of the allocation list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.subjects import services
from oncotrial.apps.subjects.models import AllocationList, Subject
from oncotrial.apps.visits.models import Visit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SIROLIMUS = "sirolimus-pancreatic-cancer.yaml"
ENROLLED_ON = dt.date(2024, 1, 10)


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def sirolimus(conduct_study):
    return conduct_study(SIROLIMUS)


@pytest.fixture
def people(sirolimus, conduct_member):
    return {
        "coordinator": conduct_member(sirolimus, "coordinator", "S01"),
        "monitor": conduct_member(sirolimus, "monitor", "S01"),
        "other_site": conduct_member(sirolimus, "coordinator", "S02"),
        "admin": conduct_member(sirolimus, "study_admin", None),
    }


@pytest.fixture
def enrolled(sirolimus, people, conduct_candidate):
    subject = services.enroll(people["coordinator"], conduct_candidate(sirolimus), ENROLLED_ON)
    services.record_anchor_event(people["coordinator"], subject, "first_dose", dt.date(2024, 1, 15))
    return subject


def test_enroll_by_api(sirolimus, people, conduct_candidate):
    candidate = conduct_candidate(sirolimus)
    url = f"/api/studies/{sirolimus.key}/subjects/"
    body = {"screening_number": candidate.screening_number, "enrollment_date": "2024-01-10"}
    response = api(people["coordinator"]).post(url, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["subject_number"] == "01-001"
    assert response.json()["arm_id"] == "sirolimus"
    listed = api(people["coordinator"]).get(url).json()
    assert [s["subject_number"] for s in listed] == ["01-001"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"enrollment_date": "2024-01-10"}, "screening_number"),
        ({"screening_number": "NOPE", "enrollment_date": "2024-01-10"}, "screening_number"),
        ({"screening_number": "{n}", "enrollment_date": "10/01/2024"}, "enrollment_date"),
        ({"screening_number": "{n}", "enrollment_date": "2099-01-01"}, "enrollment_date"),
    ],
)
def test_bad_enrollment_requests_are_field_level_400s(
    sirolimus, people, conduct_candidate, body, field
):
    candidate = conduct_candidate(sirolimus)
    body = {k: v.format(n=candidate.screening_number) for k, v in body.items()}
    response = api(people["coordinator"]).post(
        f"/api/studies/{sirolimus.key}/subjects/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Subject.objects.exists()


def test_enrollment_without_consent_is_a_400(sirolimus, people, conduct_candidate):
    candidate = conduct_candidate(sirolimus, consent=False)
    before = AuditRecord.objects.count()
    response = api(people["coordinator"]).post(
        f"/api/studies/{sirolimus.key}/subjects/",
        {"screening_number": candidate.screening_number, "enrollment_date": "2024-01-10"},
        format="json",
    )
    assert response.status_code == 400
    assert "consent" in response.json()
    assert AuditRecord.objects.count() == before


def test_roles_and_sites_on_enrollment(sirolimus, people, conduct_candidate):
    candidate = conduct_candidate(sirolimus)
    body = {"screening_number": candidate.screening_number, "enrollment_date": "2024-01-10"}
    url = f"/api/studies/{sirolimus.key}/subjects/"
    assert api(people["monitor"]).post(url, body, format="json").status_code == 403
    # a candidate of another site is not found among the user's candidates
    assert api(people["other_site"]).post(url, body, format="json").status_code == 400
    assert api().post(url, body, format="json").status_code in (401, 403)
    assert not Subject.objects.exists()


def test_subject_detail_with_calendar_and_site_isolation(sirolimus, people, enrolled):
    url = f"/api/studies/{sirolimus.key}/subjects/{enrolled.subject_number}/"
    data = api(people["coordinator"]).get(url).json()
    assert data["anchor_events"] == [{"anchor": "first_dose", "date": "2024-01-15"}]
    markers = [v for v in data["calendar"] if v["visit_id"] == "tumour_markers_q3w"]
    assert markers[0]["target_date"] == "2024-02-05"
    assert markers[0]["window_start"] == "2024-02-02"
    assert api(people["other_site"]).get(url).status_code == 404
    assert api(people["monitor"]).get(url).status_code == 200
    page = reverse("subjects:detail", args=[sirolimus.key, enrolled.subject_number])
    client = APIClient()
    client.force_login(people["other_site"])
    assert client.get(page).status_code == 404
    client.force_login(people["coordinator"])
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tumour markers every 3 weeks" in html
    assert "Sirolimus" in html


def test_anchor_event_by_api(sirolimus, people, enrolled):
    url = f"/api/studies/{sirolimus.key}/subjects/{enrolled.subject_number}/anchor-events/"
    response = api(people["coordinator"]).post(
        url, {"anchor": "progression", "date": "2024-03-01"}, format="json"
    )
    assert response.status_code == 201
    bad = api(people["coordinator"]).post(url, {"anchor": "nope", "date": "x"}, format="json")
    assert bad.status_code == 400
    assert "date" in bad.json()
    bad = api(people["coordinator"]).post(
        url, {"anchor": "nope", "date": "2024-03-01"}, format="json"
    )
    assert "anchor" in bad.json()
    assert (
        api(people["monitor"])
        .post(url, {"anchor": "death", "date": "2024-03-02"}, format="json")
        .status_code
        == 403
    )
    assert (
        api(people["other_site"])
        .post(url, {"anchor": "death", "date": "2024-03-02"}, format="json")
        .status_code
        == 404
    )
    enrolled.refresh_from_db()
    assert enrolled.status == Subject.Status.ON_TREATMENT


def test_visit_patch_records_and_conflicts(sirolimus, people, enrolled):
    visit = Visit.objects.get(subject=enrolled, visit_id="day1")
    url = f"/api/studies/{sirolimus.key}/visits/{visit.pk}/"
    client = api(people["coordinator"])
    ok = client.patch(url, {"actual_date": "2024-01-15", "expected_version": 1}, format="json")
    assert ok.status_code == 200
    assert ok.json()["status"] == "done"
    stale = client.patch(url, {"missed": True, "reason": "x", "expected_version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert client.patch(url, {"expected_version": 2}, format="json").status_code == 400
    assert client.patch(
        url, {"actual_date": "2024-01-16", "expected_version": 2}, format="json"
    ).json() == {"reason": ["Give a reason for changing what was recorded."]}
    assert (
        api(people["other_site"])
        .patch(url, {"actual_date": "2024-01-16", "expected_version": 2}, format="json")
        .status_code
        == 404
    )
    assert (
        api(people["monitor"])
        .patch(
            url, {"actual_date": "2024-01-16", "expected_version": 2, "reason": "x"}, format="json"
        )
        .status_code
        == 403
    )
    visit.refresh_from_db()
    assert (visit.actual_date, visit.version) == (dt.date(2024, 1, 15), 2)


def test_worklist_and_dashboard_api(sirolimus, people, enrolled):
    rows = api(people["coordinator"]).get(f"/api/studies/{sirolimus.key}/worklist/").json()
    assert rows
    assert {r["subject_number"] for r in rows} == {"01-001"}
    assert {r["status"] for r in rows} <= {"due", "overdue"}
    assert api(people["other_site"]).get(f"/api/studies/{sirolimus.key}/worklist/").json() == []
    bad = api(people["other_site"]).get(f"/api/studies/{sirolimus.key}/worklist/?site=S01")
    assert bad.status_code == 400
    counts = api(people["admin"]).get(f"/api/studies/{sirolimus.key}/dashboard/").json()
    assert {c["site"]: c["enrolled"] for c in counts} == {"S01": 1, "S02": 0}
    assert (
        api(people["other_site"])
        .get(f"/api/studies/{sirolimus.key}/dashboard/")
        .json()[0]["enrolled"]
        == 0
    )


def test_pages_render_for_site_roles(sirolimus, people, enrolled):
    client = APIClient()
    client.force_login(people["coordinator"])
    for name in ("subjects:dashboard", "subjects:list", "visits:worklist"):
        response = client.get(reverse(name, args=[sirolimus.key]))
        assert response.status_code == 200, name
        assert "01-001" in response.content.decode() or name == "subjects:dashboard"
    study_page = client.get(reverse("studies:detail", args=[sirolimus.key])).content.decode()
    assert reverse("subjects:dashboard", args=[sirolimus.key]) in study_page


def test_enroll_page_posts_and_redirects(sirolimus, people, conduct_candidate):
    candidate = conduct_candidate(sirolimus)
    client = APIClient()
    client.force_login(people["coordinator"])
    url = reverse("subjects:enroll", args=[sirolimus.key, candidate.screening_number])
    bad = client.post(url, {"enrollment_date": "not a date"})
    assert bad.status_code == 400
    assert "Enter a valid date" in bad.content.decode()
    response = client.post(url, {"enrollment_date": "2024-01-10"})
    assert response.status_code == 302
    assert response["Location"] == reverse("subjects:detail", args=[sirolimus.key, "01-001"])


def test_visit_forms_on_the_page(sirolimus, people, enrolled):
    visit = Visit.objects.get(subject=enrolled, visit_id="day1")
    client = APIClient()
    client.force_login(people["coordinator"])
    record = reverse("visits:record", args=[sirolimus.key, visit.pk])
    response = client.post(record, {"actual_date": "2024-01-15", "expected_version": 1})
    assert response.status_code == 302
    conflict = client.post(
        reverse("visits:missed", args=[sirolimus.key, visit.pk]),
        {"reason": "x", "expected_version": 1},
    )
    assert conflict.status_code == 409
    client.force_login(people["other_site"])
    assert (
        client.post(record, {"actual_date": "2024-01-16", "expected_version": 2}).status_code == 404
    )


def test_the_allocation_list_is_concealed_from_site_roles(
    conduct_study, conduct_member, conduct_candidate
):
    study = conduct_study(FIXTURES / "randomized_trial.yaml")
    coordinator = conduct_member(study, "coordinator", "S01")
    candidate = conduct_candidate(study, values={"liver_metastases": True})
    response = api(coordinator).post(
        f"/api/studies/{study.key}/subjects/",
        {"screening_number": candidate.screening_number, "enrollment_date": "2024-01-10"},
        format="json",
    )
    assert response.status_code == 201
    seed = AllocationList.objects.get(study=study).seed
    text = response.content.decode()
    assert seed not in text
    assert "allocation" not in text
    assert "slot" not in text
    detail = api(coordinator).get(f"/api/studies/{study.key}/subjects/01-001/").content.decode()
    assert seed not in detail
    assert "slot" not in detail
    client = APIClient()
    client.force_login(coordinator)
    page = client.get(reverse("subjects:detail", args=[study.key, "01-001"])).content.decode()
    assert seed not in page
    assert "sequence" not in page
    # only the arm given to this subject is known; the rest of the list is not shown
    other_arm = {"low": "High dose", "high": "Low dose"}[response.json()["arm_id"]]
    assert other_arm not in page
