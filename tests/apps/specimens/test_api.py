"""The specimens API and pages: collection, handover, 400 per field, 409 from a stale
copy, 423 on locked data, 404 for another site."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from oncotrial.apps.crfs import locks
from oncotrial.apps.specimens import services
from oncotrial.apps.specimens.models import Specimen, SpecimenTransfer
from oncotrial.apps.visits.models import Visit

COLLECT = {
    "label": "S01-PL-0001",
    "specimen_type": "tumour_tissue",
    "amount": 500,
    "amount_unit": "mg",
    "collected_at": "2024-05-20T12:40:00Z",
    "storage_location": "Pathology grossing room",
    "assessment_id": "postop_specimen",
}
HANDOVER = {
    "to_location": "Biobank −80 °C freezer 1",
    "transferred_at": "2024-05-20T14:00:00Z",
    "handed_over_by": "Pathologist Wu",
    "received_by": "Biobank tech Lin",
    "condition": "frozen",
}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_collect_and_hand_over_through_the_api(subject, coordinator):
    client = _client(coordinator)
    url = reverse("api:specimens-list", args=[subject.study.key, subject.subject_number])
    created = client.post(url, COLLECT, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    moved = client.post(
        reverse("api:specimens-transfers", args=[subject.study.key, pk]),
        {**HANDOVER, "expected_version": 1},
        format="json",
    )
    assert moved.status_code == 201, moved.content
    data = moved.json()
    assert (data["storage_location"], data["status"], data["version"]) == (
        "Biobank −80 °C freezer 1",
        "stored",
        2,
    )
    assert [t["from_location"] for t in data["transfers"]] == ["Pathology grossing room"]
    stale = client.post(
        reverse("api:specimens-transfers", args=[subject.study.key, pk]),
        {**HANDOVER, "to_location": "Elsewhere", "expected_version": 1},
        format="json",
    )
    assert stale.status_code == 409
    early = client.post(
        reverse("api:specimens-transfers", args=[subject.study.key, pk]),
        {**HANDOVER, "to_location": "Elsewhere", "expected_version": 2,
         "transferred_at": "2024-05-20T13:00:00Z"},
        format="json",
    )  # fmt: skip
    assert early.status_code == 400
    assert "before the previous one" in early.json()["transferred_at"][0]
    assert SpecimenTransfer.objects.count() == 1


def test_a_duplicate_label_is_a_400_on_the_label(subject, coordinator):
    client = _client(coordinator)
    url = reverse("api:specimens-list", args=[subject.study.key, subject.subject_number])
    assert client.post(url, COLLECT, format="json").status_code == 201
    again = client.post(url, {**COLLECT, "amount": -1}, format="json")
    assert again.status_code == 400
    body = again.json()
    assert body["label"] == ["Label S01-PL-0001 is already used in this study."]
    assert body["amount"] == ["The amount must be more than zero."]
    assert Specimen.objects.count() == 1


def test_locked_specimen_is_a_423_and_another_site_a_404(
    subject, coordinator, data_manager, other_site_investigator, surgery
):
    surgery_day = Visit.objects.get(subject=subject, visit_id="surgery_day")
    specimen = services.collect_specimen(
        coordinator,
        subject,
        {**COLLECT, "collected_at": "2024-05-20T12:40:00Z", "visit": surgery_day},
    )
    locks.lock(data_manager, surgery, "visit", visit=surgery_day, reason="reviewed")
    url = reverse("api:specimens-detail", args=[surgery.key, specimen.pk])
    locked = _client(coordinator).patch(
        url, {"amount": 480, "expected_version": 1, "reason": "weighed"}, format="json"
    )
    assert locked.status_code == 423
    assert _client(other_site_investigator).get(url).status_code == 404
    assert _client(coordinator).get(url).json()["amount"] == 500


def test_subject_page_shows_custody_and_form_errors(client, subject, coordinator):
    specimen = services.collect_specimen(coordinator, subject, COLLECT)
    services.transfer_specimen(coordinator, specimen, HANDOVER, expected_version=1)
    client.force_login(coordinator)
    page = client.get(
        reverse("specimens:subject", args=[subject.study.key, subject.subject_number])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Pathology grossing room → <strong>Biobank −80 °C freezer 1</strong>" in html
    bad = client.post(
        reverse("specimens:transfer", args=[subject.study.key, specimen.pk]),
        {**HANDOVER, "to_location": "Biobank 2", "transferred_at": "2024-05-20T13:00",
         "expected_version": 2, "status_after": "stored"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert f'id="t{specimen.pk}_transferred_at-error">A transfer cannot be dated before' in (
        bad.content.decode()
    )
    worklist = client.get(reverse("specimens:worklist", args=[subject.study.key]))
    assert "Biobank −80 °C freezer 1" in worklist.content.decode()
