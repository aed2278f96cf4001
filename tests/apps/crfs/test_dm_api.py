"""REST API for queries, signatures and locks: same services; field-level 400s, 404 for
another site's data, 403 for roles that may not (nothing changed), 409 on a stale
query version."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from oncotrial.apps.crfs.models import Lock, Query, Signature

from .audit_helpers import audit_written


@pytest.fixture
def world(dm_world):
    return dm_world


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def base(world) -> str:
    return f"/api/studies/{world.study.key}"


def _raise(world, user=None, **extra):
    body = {"subject": world.subject.subject_number, "text": "Please check the weight.", **extra}
    return client_for(user or world.data_manager).post(f"{base(world)}/queries/", body, "json")


def test_query_lifecycle_through_the_api(world):
    response = _raise(world, form_instance=world.form.pk, item_id="weight")
    assert response.status_code == 201, response.content
    query = response.json()
    assert (query["status"], query["item_id"], query["form_id"]) == (
        "open",
        "weight",
        "baseline_history",
    )
    url = f"{base(world)}/queries/{query['id']}"
    response = client_for(world.coordinator).post(
        f"{url}/answer/", {"text": "71 kg is right.", "expected_version": 1}, "json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "answered"
    # stale version
    response = client_for(world.data_manager).post(
        f"{url}/close/", {"text": "ok", "expected_version": 1}, "json"
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    response = client_for(world.data_manager).post(
        f"{url}/close/", {"text": "ok", "expected_version": 2}, "json"
    )
    assert response.json()["status"] == "closed"
    response = client_for(world.monitor).post(
        f"{url}/reopen/", {"text": "Source says 17 kg.", "expected_version": 3}, "json"
    )
    assert response.json()["status"] == "open"
    assert [m["action"] for m in response.json()["messages"]] == [
        "open",
        "answer",
        "close",
        "reopen",
    ]

    listed = client_for(world.coordinator).get(f"{base(world)}/queries/").json()
    assert [(q["id"], q["age_days"]) for q in listed] == [(query["id"], 0)]
    assert client_for(world.coordinator).get(f"{base(world)}/queries/?status=closed").json() == []
    assert client_for(world.other_investigator).get(f"{base(world)}/queries/").json() == []
    response = client_for(world.data_manager).get(f"{base(world)}/queries/?site=XX")
    assert response.status_code == 400
    assert "site" in response.json()


def test_query_field_errors_and_transition_errors(world):
    response = _raise(world, text="  ")
    assert response.status_code == 400
    assert "text" in response.json()
    response = _raise(world, item_id="weight")
    assert response.status_code == 400
    assert "item_id" in response.json()
    query = _raise(world).json()
    response = client_for(world.data_manager).post(
        f"{base(world)}/queries/{query['id']}/reopen/",
        {"text": "again", "expected_version": 1},
        "json",
    )
    assert response.status_code == 400
    assert "status" in response.json()
    response = client_for(world.data_manager).post(
        f"{base(world)}/queries/{query['id']}/close/", {"text": "x"}, "json"
    )
    assert response.status_code == 400
    assert "expected_version" in response.json()


def test_query_roles_and_sites(world):
    with audit_written() as written:
        assert _raise(world, user=world.coordinator).status_code == 403
        # another site's subject and form: 404
        other = world.other_subject.subject_number
        assert _raise(world, user=world.coordinator, subject=other).status_code == 404
        # a form of another subject
        assert _raise(world, form_instance=world.other_form.pk).status_code == 404
    assert written.records == []
    assert not Query.objects.exists()
    query = _raise(world).json()
    with audit_written() as written:
        response = client_for(world.data_manager).post(
            f"{base(world)}/queries/{query['id']}/answer/",
            {"text": "yes", "expected_version": 1},
            "json",
        )
        assert response.status_code == 403
        response = client_for(world.other_investigator).post(
            f"{base(world)}/queries/{query['id']}/answer/",
            {"text": "yes", "expected_version": 1},
            "json",
        )
        assert response.status_code == 404
    assert written.records == []
    assert Query.objects.get().status == "open"


def test_signatures_through_the_api(world):
    url = f"{base(world)}/subjects/{world.subject.subject_number}/signatures/"
    body = {
        "scope": "form",
        "form_instance": world.form.pk,
        "password": world.password,
        "meaning": "I approve the data in this form as complete and accurate.",
    }
    with audit_written() as written:
        response = client_for(world.investigator).post(url, {**body, "password": "wrong"}, "json")
    assert response.status_code == 400
    assert "password" in response.json()
    assert not Signature.objects.exists()
    assert [r.field for r in written.records] == ["attempt"]

    response = client_for(world.investigator).post(url, body, "json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "valid"
    assert response.json()["printed_name"] == world.investigator.username

    assert client_for(world.coordinator).post(url, body, "json").status_code == 403
    other = f"{base(world)}/subjects/{world.other_subject.subject_number}/signatures/"
    assert client_for(world.investigator).post(other, body, "json").status_code == 404
    assert client_for(world.investigator).get(other).status_code == 404
    other_form = {**body, "form_instance": world.other_form.pk}
    assert client_for(world.investigator).post(url, other_form, "json").status_code == 404
    assert Signature.objects.count() == 1

    from oncotrial.apps.crfs import signatures

    signatures.invalidate_for(world.form, "Weight corrected", user=world.coordinator)
    listed = client_for(world.coordinator).get(url).json()
    assert [(s["status"], s["invalidated_reason"]) for s in listed] == [
        ("invalidated", "Weight corrected")
    ]


def test_locks_through_the_api(world):
    url = f"{base(world)}/locks/"
    body = {"scope": "visit", "visit": world.visit.pk, "reason": "Monitoring done"}
    assert client_for(world.coordinator).post(url, body, "json").status_code == 403
    assert not Lock.objects.exists()
    response = client_for(world.data_manager).post(url, body, "json")
    assert response.status_code == 201, response.content
    lock = response.json()
    assert (lock["scope"], lock["active"], lock["subject"]) == (
        "visit",
        True,
        world.subject.subject_number,
    )
    assert client_for(world.data_manager).post(url, body, "json").status_code == 400
    assert client_for(world.data_manager).post(url, {"scope": "visit"}, "json").status_code == 400

    # the visit API refuses the change
    visit_url = f"{base(world)}/visits/{world.visit.pk}/"
    response = client_for(world.coordinator).patch(
        visit_url, {"actual_date": "2024-01-12", "expected_version": world.visit.version}, "json"
    )
    assert response.status_code == 400
    assert "lock" in response.json()

    listed = client_for(world.coordinator).get(f"{url}?active=true").json()
    assert [entry["id"] for entry in listed] == [lock["id"]]
    assert client_for(world.other_investigator).get(url).json() == []

    unlock = f"{url}{lock['id']}/unlock/"
    assert client_for(world.coordinator).post(unlock, {"reason": "x"}, "json").status_code == 403
    response = client_for(world.data_manager).post(unlock, {"reason": ""}, "json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = client_for(world.data_manager).post(unlock, {"reason": "Date correction"}, "json")
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert client_for(world.data_manager).get(f"{url}?active=true").json() == []


def test_other_study_members_get_404(world, django_user_model):
    stranger = django_user_model.objects.create(username="stranger")
    assert client_for(stranger).get(f"{base(world)}/queries/").status_code == 404
    assert client_for(stranger).get(f"{base(world)}/locks/").status_code == 404


def test_schema_builds(world):
    response = client_for(world.data_manager).get("/api/schema/")
    assert response.status_code == 200
    assert b"queries_answer" in response.content
