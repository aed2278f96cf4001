"""The tumour REST API: lesions, assessments, one assessment (change, investigator's
response), preview and summary, with 400 / 409 / 423 refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.crfs import locks
from oncotrial.apps.tumour.models import Lesion, TumourAssessment

from .helpers import enter, entry, lesion

D = dt.date


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(name: str, subject, *more) -> str:
    return reverse(f"api:tumour-{name}", args=[subject.study.key, subject.subject_number, *more])


@pytest.fixture
def world(tumour_world):
    return tumour_world()


def test_lesions_list_and_create(world):
    api = client_for(world.coordinator)
    made = api.post(
        url("lesions", world.subject),
        {
            "code": "t1",
            "kind": "target",
            "organ": "liver",
            "baseline_date": "2024-01-08",
            "baseline_mm": 40,
            "location": "segment VII",
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["code"] == "T1"
    assert made.json()["baseline_mm"] == "40.0"
    listed = client_for(world.monitor).get(url("lesions", world.subject))
    assert [le["code"] for le in listed.json()] == ["T1"]
    refused = api.post(
        url("lesions", world.subject),
        {
            "code": "T2",
            "kind": "target",
            "organ": "lymph node",
            "nodal": True,
            "baseline_date": "2024-01-08",
            "baseline_mm": 12,
        },
        format="json",
    )
    assert refused.status_code == 400
    assert "T2: node of 12 mm short axis is not measurable" in refused.json()["baseline_mm"][0]
    assert Lesion.objects.count() == 1


def test_assessment_create_detail_and_summary(world):
    enter(
        world.coordinator,
        world.subject,
        [lesion("T1", "target", "liver", 40), lesion("NT1", "non_target", "bone", None)],
        [],
    )
    api = client_for(world.coordinator)
    made = api.post(
        url("assessments", world.subject),
        {
            "assessment_date": "2024-02-26",
            "lesions": {"T1": {"result": "measured", "mm": 26}, "NT1": {"result": "present"}},
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    # 26 / 40 = -35 %: PR (≥ 30 % decrease, RECIST 1.1 §4.3.1)
    assert body["computed"]["sum_mm"] == 26.0
    assert body["computed"]["change_from_baseline_pct"] == -35.0
    assert body["computed"]["computed_response"] == "PR"
    assert sorted(r["code"] for r in body["lesions"]) == ["NT1", "T1"]
    detail = client_for(world.monitor).get(url("assessment", world.subject, body["id"]))
    assert detail.json()["computed"]["computed_response"] == "PR"
    summary = client_for(world.monitor).get(url("summary", world.subject)).json()
    assert summary["criteria"] == "RECIST 1.1"
    assert summary["best_overall_response"] == "SD"  # the PR is not confirmed yet
    assert summary["start_date"] == "2024-01-15"
    bad = api.post(
        url("assessments", world.subject),
        {"assessment_date": "2024-04-08", "lesions": {"T1": {"result": "absent"}}},
        format="json",
    )
    assert bad.status_code == 400
    assert "T1" in bad.json()


def test_patch_change_override_conflict_and_lock(world, django_user_model):
    (saved,) = enter(
        world.coordinator,
        world.subject,
        [lesion("T1", "target", "liver", 40)],
        [entry(D(2024, 2, 26), {"T1": 26})],
    )
    api = client_for(world.investigator)
    target = url("assessment", world.subject, saved.pk)
    no_reason = api.patch(
        target,
        {"investigator_response": "SD", "expected_version": saved.version},
        format="json",
    )
    assert no_reason.status_code == 400
    assert "override_reason" in no_reason.json()
    kept = api.patch(
        target,
        {
            "investigator_response": "SD",
            "override_reason": "oblique cut of T1",
            "expected_version": saved.version,
        },
        format="json",
    )
    assert kept.status_code == 200, kept.content
    assert kept.json()["investigator_response"] == "SD"
    assert kept.json()["computed"]["computed_response"] == "PR"
    stale = api.patch(
        target,
        {
            "lesions": {"T1": {"result": "measured", "mm": 30}},
            "reason": "re-read",
            "expected_version": saved.version,
        },
        format="json",
    )
    assert stale.status_code == 409
    assert int(stale.json()["current_version"]) == saved.version + 1
    changed = api.patch(
        target,
        {
            "lesions": {"T1": {"result": "measured", "mm": 30}},
            "reason": "re-read",
            "expected_version": saved.version + 1,
        },
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["computed"]["change_from_baseline_pct"] == -25.0
    assert changed.json()["computed"]["computed_response"] == "SD"
    assert changed.json()["investigator_response"] == "SD"  # kept beside
    locks.lock(world.data_manager, world.study, "subject", subject=world.subject, reason="reviewed")
    count = AuditRecord.objects.count()
    locked = api.patch(
        target,
        {
            "lesions": {"T1": {"result": "measured", "mm": 31}},
            "reason": "re-read",
            "expected_version": changed.json()["version"],
        },
        format="json",
    )
    assert locked.status_code == 423
    assert AuditRecord.objects.count() == count
    assert TumourAssessment.objects.get(pk=saved.pk).sum_mm == 30.0


def test_preview_writes_nothing(world):
    enter(world.coordinator, world.subject, [lesion("T1", "target", "liver", 20)], [])
    count = AuditRecord.objects.count()
    shown = client_for(world.monitor).post(
        url("preview", world.subject),
        {"assessment_date": "2024-02-26", "lesions": {"T1": {"result": "measured", "mm": 25}}},
        format="json",
    )
    assert shown.status_code == 200
    # +25 % and +5 mm over the nadir (baseline 20 mm): PD
    assert shown.json()["timepoint"]["overall"] == "PD"
    assert shown.json()["result"]["progression_date"] == "2024-02-26"
    assert AuditRecord.objects.count() == count
    assert not TumourAssessment.objects.exists()


def test_another_site_subject_is_404(world):
    api = client_for(world.other_coordinator)
    assert api.get(url("lesions", world.subject)).status_code == 404
    assert api.get(url("summary", world.subject)).status_code == 404
