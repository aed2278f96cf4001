"""Treatment and follow-up API and pages: list/create/read/change with the refusals the
API promises (400 with field messages, 403, 404 across sites, 409 stale version, 423
locked), and the pages with their forms and worklists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.crfs import locks
from oncotrial.apps.followup.models import Death, FollowUpContact
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.treatment.models import Administration
from oncotrial.apps.visits.models import Visit

SARCOMA = "anlotinib-toripalimab-sarcoma.yaml"
DOSE = {
    "intervention_id": "anlotinib",
    "cycle": 1,
    "day": 1,
    "date": "2024-01-15",
    "dose": "12",
    "dose_unit": "mg",
}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args) -> str:
    return reverse(name, args=args)


@pytest.mark.django_db
def test_administration_api_round_trip(world):
    w = world(SARCOMA)
    key, number = w.study.key, w.subject.subject_number
    created = api(w.coordinator).post(
        url("api:treatment-administrations", key, number), DOSE, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["dose"] == "12.0000"
    assert body["version"] == 1
    assert body["subject_number"] == number
    assert body["given"] is True
    listed = api(w.monitor).get(url("api:treatment-administrations", key, number))
    assert [row["id"] for row in listed.json()] == [body["id"]]
    one = api(w.monitor).get(url("api:treatment-administration", key, body["id"]))
    assert one.json()["intervention_id"] == "anlotinib"

    changed = api(w.coordinator).patch(
        url("api:treatment-administration", key, body["id"]),
        {
            "dose": "10",
            "modification": "reduced",
            "modification_reason": "G2 HFSR",
            "expected_version": 1,
            "reason": "dose reduced per protocol",
        },
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["version"] == 2
    audit = AuditRecord.objects.filter(
        entity="treatment.administration", entity_id=str(body["id"]), action="update"
    )
    assert {(r.field, r.reason) for r in audit} == {
        ("dose", "dose reduced per protocol"),
        ("modification", "dose reduced per protocol"),
        ("modification_reason", "dose reduced per protocol"),
    }


@pytest.mark.django_db
def test_api_field_messages_conflict_and_lock(world):
    w = world(SARCOMA)
    key, number = w.study.key, w.subject.subject_number
    client = api(w.coordinator)
    bad = client.post(
        url("api:treatment-administrations", key, number),
        {**DOSE, "dose_unit": "mg/m2"},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["dose_unit"] == [
        "mg/m2 is not a unit of Anlotinib hydrochloride's dose, which the protocol gives in "
        "mg (mass)."
    ]
    missing = client.post(url("api:followup-contacts", key, number), {}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()) == {"date", "method", "vital_status"}

    made = client.post(
        url("api:followup-contacts", key, number),
        {"date": "2024-03-01", "method": "telephone", "vital_status": "alive"},
        format="json",
    ).json()
    row = url("api:followup-contact", key, made["id"])
    no_reason = client.patch(row, {"method": "visit", "expected_version": 1}, format="json")
    assert no_reason.status_code == 400
    assert no_reason.json() == {"reason": ["Give a reason for changing what was saved."]}
    assert (
        client.patch(
            row, {"method": "visit", "expected_version": 1, "reason": "clinic visit"}, format="json"
        ).status_code
        == 200
    )
    stale = client.patch(
        row, {"method": "email", "expected_version": 1, "reason": "e-mail"}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert stale.json()["current_values"]["method"] == "visit"

    locks.lock(w.data_manager, w.study, "subject", subject=w.subject, reason="reviewed")
    locked = client.post(
        url("api:followup-contacts", key, number),
        {"date": "2024-04-01", "method": "telephone", "vital_status": "alive"},
        format="json",
    )
    assert locked.status_code == 423
    assert FollowUpContact.objects.count() == 1


@pytest.mark.django_db
def test_api_scoping_and_roles(world):
    w = world(SARCOMA)
    key, number = w.study.key, w.subject.subject_number
    # another site's coordinator: the subject does not exist for them
    assert (
        api(w.other_coordinator).get(url("api:treatment-administrations", key, number)).status_code
        == 404
    )
    # a monitor reads but may not write; a role without the action learns no field message
    assert (
        api(w.monitor)
        .post(url("api:treatment-administrations", key, number), {}, format="json")
        .status_code
        == 403
    )
    # a visit of another subject cannot be named
    elsewhere = Visit.objects.filter(subject=w.other_subject).first()
    wrong_visit = api(w.coordinator).post(
        url("api:treatment-administrations", key, number),
        {**DOSE, "visit": elsewhere.pk},
        format="json",
    )
    assert wrong_visit.status_code == 400
    assert list(wrong_visit.json()) == ["visit"]
    given = (
        api(w.coordinator)
        .post(url("api:treatment-administrations", key, number), DOSE, format="json")
        .json()
    )
    assert (
        api(w.other_coordinator)
        .get(url("api:treatment-administration", key, given["id"]))
        .status_code
        == 404
    )
    assert (
        api(w.other_coordinator)
        .patch(
            url("api:treatment-administration", key, given["id"]),
            {"dose": "1", "expected_version": 1, "reason": "x"},
            format="json",
        )
        .status_code
        == 404
    )
    assert Administration.objects.get().dose == 12


@pytest.mark.django_db
def test_death_api_and_disposition(world):
    w = world(SARCOMA)
    key, number = w.study.key, w.subject.subject_number
    client = api(w.investigator)
    client.post(
        url("api:followup-contacts", key, number),
        {"date": "2024-05-01", "method": "visit", "vital_status": "alive"},
        format="json",
    )
    early = client.post(
        url("api:followup-deaths", key, number),
        {"date": "2024-04-20", "cause": "disease_progression"},
        format="json",
    )
    assert early.status_code == 400
    assert early.json() == {
        "date": ["The subject was known alive on 2024-05-01 (contact), after this date of death."]
    }
    died = client.post(
        url("api:followup-deaths", key, number),
        {"date": "2024-05-20", "cause": "disease_progression"},
        format="json",
    )
    assert died.status_code == 201
    again = client.post(
        url("api:followup-deaths", key, number),
        {"date": "2024-05-20", "cause": "unknown"},
        format="json",
    )
    assert again.status_code == 400
    assert Death.objects.count() == 1
    summary = client.get(url("api:followup-disposition", key, number)).json()
    assert summary["status"] == "dead"
    assert summary["death"]["date"] == "2024-05-20"
    assert summary["last_known_alive"] == {"date": "2024-05-01", "source": "contact"}
    assert summary["survival_follow_up"] is False


# --------------------------------------------------------------------------- pages


@pytest.mark.django_db
def test_treatment_page_records_and_shows_field_errors(world):
    w = world(SARCOMA)
    key, number = w.study.key, w.subject.subject_number
    client = page(w.coordinator)
    shown = client.get(url("treatment:subject", key, number))
    assert shown.status_code == 200
    assert b"No administration recorded yet." in shown.content
    bad = client.post(
        url("treatment:record", key, number, "administration"),
        {
            "administration-intervention_id": "anlotinib",
            "administration-date": "2024-01-15",
            "administration-dose": "12",
            "administration-dose_unit": "mg/m2",
            "administration-modification": "none",
            "administration-cycle": "1",
        },
    )
    assert bad.status_code == 400
    assert b'id="id_administration-dose_unit-error"' in bad.content
    assert b"is not a unit of Anlotinib hydrochloride" in bad.content
    good = client.post(
        url("treatment:record", key, number, "administration"),
        {
            "administration-intervention_id": "anlotinib",
            "administration-date": "2024-01-15",
            "administration-dose": "12",
            "administration-dose_unit": "mg",
            "administration-modification": "none",
            "administration-cycle": "1",
            "administration-day": "1",
        },
    )
    assert good.status_code == 302
    shown = client.get(url("treatment:subject", key, number))
    assert b"Cycle 1" in shown.content
    assert b"12 mg" in shown.content
    # a monitor sees the page without forms
    assert (
        b"Record administration"
        not in page(w.monitor).get(url("treatment:subject", key, number)).content
    )


@pytest.mark.django_db
def test_worklists_list_only_the_users_sites(world):
    w = world(SARCOMA)
    key = w.study.key
    rows = page(w.coordinator).get(url("treatment:worklist", key))
    assert rows.status_code == 200
    assert w.subject.subject_number.encode() in rows.content
    assert w.other_subject.subject_number.encode() not in rows.content
    # end the S01 subject's treatment long ago: its survival contact is overdue
    client = page(w.coordinator)
    client.post(
        url("treatment:record", key, w.subject.subject_number, "end_of_treatment"),
        {"end_of_treatment-date": "2024-02-01", "end_of_treatment-primary_reason": "completed"},
    )
    w.subject.refresh_from_db()
    assert w.subject.status == Subject.Status.FOLLOW_UP
    due = client.get(url("followup:worklist", key))
    assert due.status_code == 200
    assert w.subject.subject_number.encode() in due.content
    assert b"Overdue" in due.content
    assert b"2024-05-01" in due.content  # three months after the end of treatment
    assert (
        w.subject.subject_number.encode()
        not in page(w.other_coordinator).get(url("followup:worklist", key)).content
    )


@pytest.mark.django_db
def test_follow_up_page_shows_last_known_alive_and_refuses_a_late_alive_contact(world):
    w = world(SARCOMA)
    key, number = w.study.key, w.subject.subject_number
    client = page(w.investigator)
    assert (
        client.post(
            url("followup:record", key, number, "death"),
            {"death-date": "2024-06-01", "death-cause": "disease_progression"},
        ).status_code
        == 302
    )
    refused = client.post(
        url("followup:record", key, number, "contact"),
        {
            "contact-date": "2024-06-01",
            "contact-method": "telephone",
            "contact-vital_status": "alive",
        },
    )
    assert refused.status_code == 400
    assert b'id="id_contact-vital_status-error"' in refused.content
    shown = client.get(url("followup:subject", key, number))
    assert b"Died" in shown.content
    assert b'id="last-known-alive"' in shown.content
    assert dt.date(2024, 1, 10).isoformat().encode() in shown.content


@pytest.mark.django_db
def test_correction_page_needs_a_reason_and_the_current_version(world):
    from oncotrial.apps.followup import services as followup

    w = world(SARCOMA)
    key, number = w.study.key, w.subject.subject_number
    row = followup.record_contact(
        w.coordinator,
        w.subject,
        {"date": dt.date(2024, 3, 1), "method": "telephone", "vital_status": "alive"},
    )
    edit = url("followup:edit", key, number, "contact", row.pk)
    client = page(w.coordinator)
    shown = client.get(edit)
    assert shown.status_code == 200
    assert b'name="change-expected_version"' in shown.content
    fields = {
        "edit-date": "2024-03-01",
        "edit-method": "visit",
        "edit-vital_status": "alive",
        "edit-notes": "",
        "change-expected_version": "1",
    }
    no_reason = client.post(edit, fields)
    assert no_reason.status_code == 400
    assert b'id="id_change-reason-error"' in no_reason.content
    saved = client.post(edit, {**fields, "change-reason": "it was a clinic visit"})
    assert saved.status_code == 302
    assert saved["Location"] == url("followup:subject", key, number)
    [audit] = AuditRecord.objects.filter(entity="followup.followupcontact", action="update")
    assert (audit.field, audit.old_value, audit.new_value, audit.reason) == (
        "method",
        "telephone",
        "visit",
        "it was a clinic visit",
    )
    stale = client.post(edit, {**fields, "edit-method": "email", "change-reason": "again"})
    assert stale.status_code == 409
    assert b"was changed by someone else" in stale.content
    # a read-only role gets 403; another site's coordinator does not find the subject
    assert page(w.monitor).get(edit).status_code == 403
    assert page(w.other_coordinator).get(edit).status_code == 404
