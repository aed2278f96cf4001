"""The CRF REST API: same service as the pages; field-level 400s, 409 on a stale
version naming the items, 423 on locked data, 404 for another site, 403 for roles that
may not enter data, and each item's history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.crfs.models import FormInstance, Lock, Query
from tests.apps.crfs.sirolimus_form import BASELINE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["forced", "token"])
def authentication(request, monkeypatch):
    """Each test twice: as a user already authenticated (as a session is), and by API
    token, whose memberships and studies come with the token and spare the study read."""
    monkeypatch.setattr(f"{__name__}.AUTHENTICATION", request.param)
    return request.param


AUTHENTICATION = "forced"


def api(user):
    client = APIClient()
    if AUTHENTICATION == "token":
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    else:
        client.force_authenticate(user)
    return client


def url(world, subject=None, suffix=""):
    subject = subject or world.subject
    return f"/api/studies/{world.study.key}/subjects/{subject.subject_number}/forms/{suffix}"


def form_url(world, subject=None, visit=None, suffix=""):
    visit = visit or world.visit
    return url(world, subject, f"baseline_history/{suffix}") + f"?visit={visit.pk}"


def put(world, user=None, body=None, **kwargs):
    return api(user or world.coordinator).put(
        form_url(world, **kwargs),
        body or {"values": BASELINE, "expected_version": 0},
        format="json",
    )


def test_get_empty_then_save_then_get(crf_world):
    empty = api(crf_world.coordinator).get(form_url(crf_world))
    assert empty.status_code == 200, empty.content
    data = empty.json()
    assert data["version"] == 0
    assert data["status"] == "not_started"
    items = {item["id"]: item for item in data["items"]}
    assert items["height"]["unit"] == "cm"
    assert items["pathology_other"]["visible"] is False
    saved = put(crf_world)
    assert saved.status_code == 200, saved.json()
    body = saved.json()
    assert sorted(body["changed_items"]) == sorted(BASELINE)
    assert body["form"]["version"] == 1
    assert body["form"]["status"] == "complete"
    assert body["form"]["values"]["metastatic_sites"] == ["liver", "peritoneum"]
    again = api(crf_world.coordinator).get(form_url(crf_world)).json()
    assert again["values"]["height"] == 172.5


def test_field_level_400_changes_nothing(crf_world):
    response = put(
        crf_world,
        body={"values": {**BASELINE, "height": 300, "pathology": "x"}, "expected_version": 0},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"height", "pathology"}
    assert not FormInstance.objects.exists()
    missing = api(crf_world.coordinator).put(form_url(crf_world), {"values": {}}, format="json")
    assert missing.status_code == 400
    assert "expected_version" in missing.json()


def test_change_without_reason_is_400_then_with_reason(crf_world):
    put(crf_world)
    before = AuditRecord.objects.count()
    body = {"values": {"weight": 70}, "expected_version": 1}
    refused = put(crf_world, body=body)
    assert refused.status_code == 400
    assert set(refused.json()) == {"weight", "reason"}
    assert AuditRecord.objects.count() == before
    done = put(crf_world, body={**body, "reason": "Re-weighed"})
    assert done.status_code == 200
    assert done.json()["changed_items"] == ["weight"]
    assert AuditRecord.objects.count() == before + 1


def test_soft_finding_reported_and_query_opened(crf_world):
    response = put(crf_world, body={"values": {**BASELINE, "weight": 130}, "expected_version": 0})
    assert response.status_code == 200
    body = response.json()
    assert [f["check_id"] for f in body["soft_findings"]] == ["expected_range"]
    assert [q["item_id"] for q in body["raised_queries"]] == ["weight"]
    assert body["form"]["status"] == "open_queries"
    assert Query.objects.filter(origin="automatic", status="open").count() == 1


def test_stale_version_is_409_with_items(crf_world):
    put(crf_world)
    put(
        crf_world,
        user=crf_world.investigator,
        body={"values": {"weight": 72}, "expected_version": 1, "reason": "Re-weighed"},
    )
    before = AuditRecord.objects.count()
    response = put(
        crf_world, body={"values": {"weight": 69}, "expected_version": 1, "reason": "typo"}
    )
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 2
    assert body["expected_version"] == 1
    assert [item["item_id"] for item in body["items"]] == ["weight"]
    item = body["items"][0]
    assert item["current"] == 72
    assert item["yours"] == 69
    assert item["changed_by"] == crf_world.investigator.username
    assert AuditRecord.objects.count() == before


def test_locked_is_423(crf_world):
    put(crf_world)
    Lock.objects.create(
        study=crf_world.study,
        scope="subject",
        subject=crf_world.subject,
        locked_at=timezone.now(),
        locked_by=crf_world.data_manager,
    )
    response = put(crf_world, body={"values": {"symptoms": "cough"}, "expected_version": 1})
    assert response.status_code == 423
    assert "locked" in response.json()["detail"]


def test_other_site_is_404_and_roles_403(crf_world):
    other = crf_world.other_subject
    assert api(crf_world.coordinator).get(url(crf_world, other)).status_code == 404
    response = put(crf_world, subject=other, visit=crf_world.other_visit)
    assert response.status_code == 404
    for role in ("monitor", "data_manager"):
        user = getattr(crf_world, role)
        assert api(user).get(form_url(crf_world)).status_code == 200
        assert put(crf_world, user=user).status_code == 403
    assert not FormInstance.objects.exists()
    assert not AuditRecord.objects.filter(entity="crfs.itemvalue").exists()


def test_unknown_form_or_visit_is_404(crf_world):
    client = api(crf_world.coordinator)
    assert client.get(url(crf_world, suffix="nope/")).status_code == 404
    day1 = crf_world.subject.visits.get(visit_id="day1")
    assert (
        client.get(url(crf_world, suffix=f"baseline_history/?visit={day1.pk}")).status_code == 404
    )
    other_visit = crf_world.other_visit
    assert (
        client.get(url(crf_world, suffix=f"baseline_history/?visit={other_visit.pk}")).status_code
        == 404
    )


def test_a_save_to_an_unknown_subject_form_or_visit_is_404_and_changes_nothing(crf_world):
    client = api(crf_world.coordinator)
    body = {"values": BASELINE, "expected_version": 0}
    day1 = crf_world.subject.visits.get(visit_id="day1")
    base = url(crf_world)
    cases = {
        f"{base}baseline_history/?visit={day1.pk}": "not collected at visit",
        f"{base}baseline_history/?visit={crf_world.other_visit.pk}": "has no visit",
        f"{base}baseline_history/?visit=999999": "has no visit",
        f"{base}nope/?visit={crf_world.visit.pk}": "has no form",
        url(crf_world, suffix="baseline_history/").replace(
            crf_world.subject.subject_number, "XX-999"
        )
        + f"?visit={crf_world.visit.pk}": "No subject XX-999",
    }
    for address, message in cases.items():
        response = client.put(address, body, format="json")
        assert response.status_code == 404, address
        assert message in response.json()["detail"], (address, response.json())
    # a role that may not enter data is refused before the visit is looked at, as before
    refused = api(crf_world.monitor).put(
        f"{base}baseline_history/?visit=999999", body, format="json"
    )
    assert refused.status_code == 403
    assert not FormInstance.objects.exists()
    assert not AuditRecord.objects.filter(entity="crfs.itemvalue").exists()


def test_history(crf_world):
    put(crf_world)
    put(crf_world, body={"values": {"weight": 70}, "expected_version": 1, "reason": "Scale fixed"})
    response = api(crf_world.monitor).get(form_url(crf_world, suffix="history/") + "&item=weight")
    assert response.status_code == 200, response.content
    records = response.json()
    assert [(r["action"], r["old_value"], r["new_value"], r["reason"]) for r in records] == [
        ("create", None, "68.0", ""),
        ("update", "68.0", "70.0", "Scale fixed"),
    ]
    assert records[1]["username"] == crf_world.coordinator.username
    everything = api(crf_world.monitor).get(form_url(crf_world, suffix="history/")).json()
    assert len(everything) == len(BASELINE) + 1
    bad = api(crf_world.monitor).get(form_url(crf_world, suffix="history/") + "&item=nope")
    assert bad.status_code == 400


def test_casebook_api(crf_world):
    put(crf_world)
    response = api(crf_world.coordinator).get(url(crf_world))
    assert response.status_code == 200
    data = response.json()
    baseline = next(v for v in data["visits"] if v["visit_id"] == "baseline")
    assert [(f["form_id"], f["status"], f["version"]) for f in baseline["forms"]] == [
        ("baseline_history", "complete", 1)
    ]
    day1 = next(v for v in data["visits"] if v["visit_id"] == "day1")
    assert day1["forms"] == []


def test_schema_builds(crf_world):
    response = api(crf_world.coordinator).get("/api/schema/")
    assert response.status_code == 200
    assert b"crfs_form_save" in response.content


def test_a_save_by_token_reads_the_study_with_the_token(crf_world, authentication):
    with CaptureQueriesContext(connection) as queries:
        response = put(crf_world)
    assert response.status_code == 200, response.content
    [study_read] = [q["sql"] for q in queries.captured_queries if "studies_study" in q["sql"]]
    if authentication == "token":
        # with the token and the memberships; the subject's protocol version comes with
        # the subject, and the study's current one is not needed to save
        assert "authtoken_token" in study_read
        assert "accounts_membership" in study_read
    else:
        assert "studies_protocolversion" in study_read  # the study with its current protocol


def test_a_save_by_someone_outside_the_study_is_404_and_by_a_superuser_403(
    crf_world, django_user_model
):
    outsider = django_user_model.objects.create_user("outsider", password="a-long-pass-123")
    response = put(crf_world, user=outsider)
    assert response.status_code == 404
    assert "No study" in response.json()["detail"]
    assert not FormInstance.objects.exists()
    # a superuser sees every study, its subjects and data only with a role in it
    admin = django_user_model.objects.create_superuser("admin", password="a-long-pass-123")
    refused = put(crf_world, user=admin)
    assert refused.status_code == 403
    assert "does not allow this (view_subjects)" in refused.json()["detail"]
    assert not FormInstance.objects.exists()
