"""Corrections and deletions of treatment and follow-up rows: each writes one audit
record per changed field with its reason (or one per field on delete), and the events
the calendar is timed from follow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from oncotrial.apps.followup import services
from oncotrial.apps.followup.models import FollowUpContact
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.treatment import services as treatment
from oncotrial.apps.visits.models import Visit
from tests.apps.crfs.audit_helpers import audit_written

SARCOMA = "anlotinib-toripalimab-sarcoma.yaml"
SURGERY = "surgery-liver-metastatic-pancreatic-cancer.yaml"


def changes(written) -> list[tuple[str, str, str | None, str | None, str]]:
    return [
        (r.entity, r.field, r.old_value, r.new_value, r.reason)
        for r in written.records
        if r.entity.startswith(("treatment.", "followup.", "subjects.anchorevent"))
    ]


def _one_dose_then_end_of_treatment(w):
    """A dose of toripalimab on 2024-01-15, then the end of treatment (toxicity) on
    2024-02-01 stating that last dose."""
    treatment.record_administration(
        w.coordinator,
        w.subject,
        {
            "intervention_id": "toripalimab",
            "cycle": 1,
            "day": 1,
            "date": dt.date(2024, 1, 15),
            "dose": Decimal("240"),
            "dose_unit": "mg",
        },
    )
    return treatment.record_end_of_treatment(
        w.coordinator,
        w.subject,
        {
            "date": dt.date(2024, 2, 1),
            "primary_reason": "toxicity",
            "last_dose_date": dt.date(2024, 1, 15),
        },
    )


@pytest.mark.django_db
def test_correcting_the_end_of_treatment_moves_its_events(world):
    w = world(SARCOMA)
    end = _one_dose_then_end_of_treatment(w)
    with audit_written() as written:
        treatment.change_end_of_treatment(
            w.coordinator,
            end,
            {"date": dt.date(2024, 2, 3), "primary_reason": "progression"},
            expected_version=1,
            reason="decision date per clinic letter",
        )
    reason = "decision date per clinic letter"
    assert changes(written) == [
        ("treatment.endoftreatment", "date", "2024-02-01", "2024-02-03", reason),
        ("treatment.endoftreatment", "primary_reason", "toxicity", "progression", reason),
        ("subjects.anchorevent", "date", "2024-02-01", "2024-02-03", reason),
    ]
    assert AnchorEvent.objects.get(subject=w.subject, anchor="end_of_treatment").date == (
        dt.date(2024, 2, 3)
    )


@pytest.mark.django_db
def test_correcting_a_next_line_recurrence_and_withdrawal(world):
    w = world(SARCOMA)
    line = treatment.record_next_line(
        w.coordinator,
        w.subject,
        {"line_number": 2, "regimen": "Gemcitabine + docetaxel", "start_date": dt.date(2024, 4, 1)},
    )
    with audit_written() as written:
        treatment.change_next_line(
            w.coordinator,
            line,
            {"progression_date": dt.date(2024, 7, 2)},
            expected_version=1,
            reason="CT report received",
        )
    assert changes(written) == [
        ("treatment.nextlinetherapy", "progression_date", None, "2024-07-02", "CT report received")
    ]
    with pytest.raises(ValidationError) as exc:
        treatment.change_next_line(
            w.coordinator,
            line,
            {"progression_date": dt.date(2024, 3, 1)},
            expected_version=2,
            reason="typo",
        )
    assert exc.value.message_dict == {
        "progression_date": ["The progression is before the start (2024-04-01)."]
    }

    recurrence = services.record_recurrence(
        w.coordinator,
        w.subject,
        {"date": dt.date(2024, 5, 1), "site": "local", "diagnosed_by": "imaging"},
    )
    with audit_written() as written:
        services.change_recurrence(
            w.coordinator,
            recurrence,
            {"site": "both"},
            expected_version=1,
            reason="lung nodule confirmed",
        )
    assert changes(written) == [
        ("followup.recurrence", "site", "local", "both", "lung nodule confirmed")
    ]

    withdrawal = services.record_withdrawal(
        w.coordinator, w.subject, {"date": dt.date(2024, 8, 1), "kind": "lost_to_follow_up"}
    )
    with audit_written() as written:
        services.change_withdrawal(
            w.coordinator,
            withdrawal,
            {"kind": "consent_withdrawn", "withdrawal_reason": "Reached by phone: declines visits"},
            expected_version=1,
            reason="subject reached",
        )
    fields = [(e, f) for e, f, *_ in changes(written) if e == "followup.withdrawal"]
    assert fields == [("followup.withdrawal", "kind"), ("followup.withdrawal", "withdrawal_reason")]
    w.subject.refresh_from_db()
    assert w.subject.status == Subject.Status.WITHDRAWN


def _surgery_world(world):
    """A subject of the surgery study on the AG regimen, treatment not begun before it."""
    return world(
        SURGERY,
        anchor="treatment_start",
        values={"treated_before_study_start": False},
        regimen="ag",
    )


@pytest.mark.django_db
def test_deleting_the_first_surgery_moves_the_surgery_event(world):
    w = _surgery_world(world)
    first = treatment.record_surgery(
        w.investigator,
        w.subject,
        {"date": dt.date(2024, 5, 20), "procedure": "ablation", "intent": "radical"},
    )
    treatment.record_surgery(
        w.investigator,
        w.subject,
        {
            "date": dt.date(2024, 6, 3),
            "procedure": "whipple",
            "intent": "radical",
            "resection_margin": "R0",
        },
    )
    assert AnchorEvent.objects.get(subject=w.subject, anchor="surgery").date == dt.date(2024, 5, 20)
    with audit_written() as written:
        treatment.delete_record(
            w.investigator, first, expected_version=1, reason="entered for the wrong subject"
        )
    assert AnchorEvent.objects.get(subject=w.subject, anchor="surgery").date == dt.date(2024, 6, 3)
    deleted = [r for r in written.records if r.entity == "treatment.surgery"]
    assert {r.action for r in deleted} == {"delete"}
    assert {r.reason for r in deleted} == {"entered for the wrong subject"}


def _planned(subject, anchor: str) -> list[Visit]:
    """The subject's visits timed from `anchor` that are still planned."""
    return list(Visit.objects.filter(subject=subject, anchor=anchor, cancelled=False))


@pytest.mark.django_db
def test_deleting_the_only_surgery_removes_the_surgery_event_and_its_visits(world):
    w = _surgery_world(world)
    surgery = treatment.record_surgery(
        w.investigator,
        w.subject,
        {"date": dt.date(2024, 6, 3), "procedure": "ablation", "intent": "radical"},
    )
    post_op = _planned(w.subject, "surgery")
    assert len(post_op) == 6  # the day of surgery and post-operative days 1, 3, 5, 7, 30
    reason = "entered for the wrong subject"
    with audit_written() as written:
        treatment.delete_record(w.investigator, surgery, expected_version=1, reason=reason)
    assert not AnchorEvent.objects.filter(subject=w.subject, anchor="surgery").exists()
    assert _planned(w.subject, "surgery") == []
    cancelled = {
        int(r.entity_id)
        for r in written.records
        if r.entity == "visits.visit" and r.field == "cancelled" and r.new_value == "true"
    }
    assert {v.pk for v in post_op} <= cancelled
    removed = [r for r in written.records if r.entity == "subjects.anchorevent"]
    assert {(r.field, r.action, r.reason) for r in removed} == {
        ("subject_id", "delete", reason),
        ("anchor", "delete", reason),
        ("date", "delete", reason),
    }


@pytest.mark.django_db
def test_deleting_the_end_of_treatment_removes_its_events(world):
    w = world(SARCOMA)
    end = _one_dose_then_end_of_treatment(w)
    assert _planned(w.subject, "last_dose")
    assert _planned(w.subject, "end_of_treatment")
    with audit_written() as written:
        treatment.delete_record(w.coordinator, end, expected_version=1, reason="duplicate entry")
    assert not AnchorEvent.objects.filter(
        subject=w.subject, anchor__in=["last_dose", "end_of_treatment"]
    ).exists()
    # the end-of-treatment visit and the follow-up contacts are no longer planned
    assert _planned(w.subject, "last_dose") == []
    assert _planned(w.subject, "end_of_treatment") == []
    removed = {
        (r.old_value, r.reason)
        for r in written.records
        if r.entity == "subjects.anchorevent" and r.field == "anchor"
    }
    assert removed == {("last_dose", "duplicate entry"), ("end_of_treatment", "duplicate entry")}
    w.subject.refresh_from_db()
    assert w.subject.status == Subject.Status.ON_TREATMENT


@pytest.mark.django_db
def test_deleting_a_contact(world):
    w = world(SARCOMA)
    row = services.record_contact(
        w.coordinator,
        w.subject,
        {"date": dt.date(2024, 3, 1), "method": "email", "vital_status": "alive"},
    )
    with pytest.raises(ValidationError) as exc:
        services.delete_record(w.coordinator, row, expected_version=1, reason=" ")
    assert exc.value.message_dict == {"reason": ["Give a reason for deleting this record."]}
    with audit_written() as written:
        services.delete_record(w.coordinator, row, expected_version=1, reason="duplicate")
    assert [(r.field, r.old_value) for r in written.records] == [
        ("date", "2024-03-01"),
        ("method", "email"),
        ("vital_status", "alive"),
        ("notes", ""),
    ]
    assert not FollowUpContact.objects.exists()
