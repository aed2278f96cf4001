"""Follow-up services: contacts, recurrence, death and withdrawal, the date coherence
rules named by their field messages, status changes, and `last_known_alive` worked out
by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from oncotrial.apps.followup import selectors, services
from oncotrial.apps.followup.models import Death, FollowUpContact, Withdrawal
from oncotrial.apps.subjects import services as subject_services
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.treatment import services as treatment
from oncotrial.apps.visits import services as visit_services
from oncotrial.apps.visits.models import Visit
from tests.apps.crfs.audit_helpers import audit_written

SARCOMA = "anlotinib-toripalimab-sarcoma.yaml"
SURGERY = "surgery-liver-metastatic-pancreatic-cancer.yaml"


def refused(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        call(*args, **kwargs)
    return exc.value.message_dict


def contact(date: dt.date, vital_status: str = "alive", method: str = "telephone") -> dict:
    return {"date": date, "method": method, "vital_status": vital_status}


def dose(w, date: dt.date, cycle: int = 1):
    return treatment.record_administration(
        w.coordinator,
        w.subject,
        {
            "intervention_id": "anlotinib",
            "cycle": cycle,
            "day": 1,
            "date": date,
            "dose": Decimal("12"),
            "dose_unit": "mg",
        },
    )


DEATH = {"date": dt.date(2024, 6, 1), "cause": "disease_progression"}


# --------------------------------------------------------------------------- contacts


@pytest.mark.django_db
def test_contact_is_recorded_and_audited(world):
    w = world(SARCOMA)
    with audit_written() as written:
        row = services.record_contact(w.coordinator, w.subject, contact(dt.date(2024, 3, 1)))
    assert row.version == 1
    assert [(r.entity, r.field, r.new_value) for r in written.records] == [
        ("followup.followupcontact", "date", "2024-03-01"),
        ("followup.followupcontact", "method", "telephone"),
        ("followup.followupcontact", "vital_status", "alive"),
        ("followup.followupcontact", "notes", ""),
    ]
    with audit_written() as written:
        services.change_contact(
            w.coordinator, row, {"method": "visit"}, expected_version=1, reason="was a clinic visit"
        )
    assert [(r.field, r.old_value, r.new_value, r.reason) for r in written.records] == [
        ("method", "telephone", "visit", "was a clinic visit")
    ]


@pytest.mark.django_db
def test_contact_dates_future_before_enrollment_and_bad_method(world):
    w = world(SARCOMA)
    errors = refused(
        services.record_contact,
        w.coordinator,
        w.subject,
        contact(dt.date.today() + dt.timedelta(days=2)),
    )
    assert errors == {"date": ["The contact date cannot be in the future."]}
    errors = refused(
        services.record_contact, w.coordinator, w.subject, contact(dt.date(2023, 12, 31))
    )
    assert errors == {"date": ["The contact date is before enrollment (2024-01-10)."]}
    errors = refused(
        services.record_contact,
        w.coordinator,
        w.subject,
        contact(dt.date(2024, 3, 1), method="pigeon"),
    )
    assert list(errors) == ["method"]
    assert not FollowUpContact.objects.exists()


@pytest.mark.django_db
def test_nothing_is_dated_after_the_death(world):
    w = world(SARCOMA)
    services.record_death(w.investigator, w.subject, DEATH)
    errors = refused(
        services.record_contact, w.coordinator, w.subject, contact(dt.date(2024, 6, 2), "dead")
    )
    assert errors == {"date": ["The contact date is after the subject's death (2024-06-01)."]}
    errors = refused(
        services.record_contact, w.coordinator, w.subject, contact(dt.date(2024, 6, 1))
    )
    assert errors == {
        "vital_status": [
            "The subject's death is recorded on 2024-06-01; a contact on or after it cannot "
            "find them alive."
        ]
    }
    errors = refused(dose, w, dt.date(2024, 6, 3))
    assert errors["date"] == ["The administration date is after the subject's death (2024-06-01)."]
    errors = refused(
        services.record_recurrence,
        w.coordinator,
        w.subject,
        {"date": dt.date(2024, 6, 5), "site": "distant", "diagnosed_by": "imaging"},
    )
    assert errors == {"date": ["The recurrence date is after the subject's death (2024-06-01)."]}
    errors = refused(
        treatment.record_next_line,
        w.coordinator,
        w.subject,
        {"line_number": 2, "regimen": "Pazopanib", "start_date": dt.date(2024, 6, 4)},
    )
    assert errors == {"start_date": ["The start date is after the subject's death (2024-06-01)."]}
    # a contact reporting the death on its date is fine
    services.record_contact(w.coordinator, w.subject, contact(dt.date(2024, 6, 1), "dead"))


# --------------------------------------------------------------------------- death


@pytest.mark.django_db
def test_death_sets_the_status_and_the_death_event(world):
    w = world(SARCOMA)
    with audit_written() as written:
        death = services.record_death(w.investigator, w.subject, DEATH)
    w.subject.refresh_from_db()
    assert w.subject.status == Subject.Status.DEAD
    assert AnchorEvent.objects.get(subject=w.subject, anchor="death").date == dt.date(2024, 6, 1)
    assert [r.field for r in written.records if r.entity == "followup.death"] == [
        "date",
        "cause",
        "cause_other",
    ]
    status = [r for r in written.records if r.entity == "subjects.subject" and r.field == "status"]
    assert [(r.old_value, r.new_value) for r in status] == [("on_treatment", "dead")]
    # visits planned after the death are no longer due
    assert not Visit.objects.filter(
        subject=w.subject, target_date__gt=dt.date(2024, 6, 1), cancelled=False, actual_date=None
    ).exists()
    assert death.cause_label == "Disease progression"


@pytest.mark.django_db
def test_one_death_per_subject(world):
    w = world(SARCOMA)
    services.record_death(w.investigator, w.subject, DEATH)
    errors = refused(
        services.record_death,
        w.investigator,
        w.subject,
        {"date": dt.date(2024, 6, 1), "cause": "unknown"},
    )
    assert errors == {"date": ["A death is already recorded for this subject (2024-06-01)."]}
    assert Death.objects.count() == 1


@pytest.mark.django_db
def test_death_not_before_the_last_alive_contact(world):
    w = world(SARCOMA)
    services.record_contact(w.coordinator, w.subject, contact(dt.date(2024, 6, 10)))
    errors = refused(services.record_death, w.investigator, w.subject, DEATH)
    assert errors == {
        "date": ["The subject was known alive on 2024-06-10 (contact), after this date of death."]
    }
    errors = refused(
        services.record_death,
        w.investigator,
        w.subject,
        {"date": dt.date(2024, 7, 1), "cause": "other"},
    )
    assert errors == {"cause_other": ["Describe the cause of death."]}
    errors = refused(
        services.record_death,
        w.investigator,
        w.subject,
        {"date": dt.date.today() + dt.timedelta(days=1), "cause": "unknown"},
    )
    assert errors == {"date": ["The date of death cannot be in the future."]}


@pytest.mark.django_db
def test_correcting_the_date_of_death_moves_the_event(world):
    w = world(SARCOMA)
    death = services.record_death(w.investigator, w.subject, DEATH)
    with audit_written() as written:
        services.change_death(
            w.investigator,
            death,
            {"date": dt.date(2024, 6, 3)},
            expected_version=1,
            reason="death certificate received",
        )
    assert AnchorEvent.objects.get(subject=w.subject, anchor="death").date == dt.date(2024, 6, 3)
    changes = {(r.entity, r.field): (r.old_value, r.new_value) for r in written.records}
    assert changes[("followup.death", "date")] == ("2024-06-01", "2024-06-03")
    assert changes[("subjects.anchorevent", "date")] == ("2024-06-01", "2024-06-03")
    assert {r.reason for r in written.records if r.entity != "visits.visit"} == {
        "death certificate received"
    }


def _stopped(subject) -> set[int]:
    """The subject's visits cancelled and not recorded."""
    return set(
        Visit.objects.filter(
            subject=subject, cancelled=True, actual_date=None, missed=False
        ).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_deleting_a_death_removes_the_death_event_and_plans_the_visits_again(world):
    w = world(SARCOMA)
    death = services.record_death(w.investigator, w.subject, DEATH)
    event = AnchorEvent.objects.get(subject=w.subject, anchor="death")
    stopped = _stopped(w.subject)
    assert stopped  # the visits after the death
    reason = "entered for the wrong subject"
    with audit_written() as written:
        services.delete_record(w.investigator, death, expected_version=1, reason=reason)
    assert not AnchorEvent.objects.filter(subject=w.subject, anchor="death").exists()
    removed = [
        (r.entity_id, r.field, r.action, r.old_value, r.new_value, r.reason)
        for r in written.records
        if r.entity == "subjects.anchorevent"
    ]
    assert removed == [
        (str(event.pk), "subject_id", "delete", str(w.subject.pk), None, reason),
        (str(event.pk), "anchor", "delete", "death", None, reason),
        (str(event.pk), "date", "delete", "2024-06-01", None, reason),
    ]
    # the visits the death stopped are planned again, each with its audit record
    assert not _stopped(w.subject)
    restored = {
        int(r.entity_id)
        for r in written.records
        if r.entity == "visits.visit" and r.field == "cancelled" and r.new_value == "false"
    }
    assert restored == stopped
    w.subject.refresh_from_db()
    assert w.subject.status == Subject.Status.ON_TREATMENT
    assert {r.reason for r in written.records if r.entity == "followup.death"} == {reason}


@pytest.mark.django_db
def test_a_death_date_set_by_hand_stays_when_the_death_is_deleted(world):
    w = world(SARCOMA)
    death = services.record_death(w.investigator, w.subject, DEATH)
    subject_services.record_anchor_event(
        w.investigator, w.subject, "death", dt.date(2024, 6, 5), reason="per death certificate"
    )
    stopped = _stopped(w.subject)
    with audit_written() as written:
        services.delete_record(w.investigator, death, expected_version=1, reason="duplicate")
    assert not Death.objects.filter(subject=w.subject).exists()
    assert AnchorEvent.objects.get(subject=w.subject, anchor="death").date == dt.date(2024, 6, 5)
    assert {r.entity for r in written.records} == {"followup.death"}
    assert _stopped(w.subject) == stopped
    w.subject.refresh_from_db()
    assert w.subject.status == Subject.Status.DEAD


# --------------------------------------------------------------------------- withdrawal


@pytest.mark.django_db
def test_withdrawal_of_consent_and_loss_to_follow_up(world):
    w = world(SARCOMA)
    dose(w, dt.date(2024, 1, 15))
    errors = refused(
        services.record_withdrawal,
        w.coordinator,
        w.subject,
        {
            "date": dt.date(2024, 2, 1),
            "kind": "consent_withdrawn",
            "last_dose_date": dt.date(2024, 1, 16),
        },
    )
    assert errors == {
        "last_dose_date": [
            "The latest administration recorded is on 2024-01-15; the date of last dose must "
            "be that date."
        ],
        "withdrawal_reason": ["Give the reason for the withdrawal."],
    }
    with audit_written() as written:
        services.record_withdrawal(
            w.coordinator,
            w.subject,
            {
                "date": dt.date(2024, 2, 1),
                "kind": "consent_withdrawn",
                "withdrawal_reason": "Moved abroad",
                "last_dose_date": dt.date(2024, 1, 15),
                "survival_follow_up": True,
            },
        )
    w.subject.refresh_from_db()
    assert w.subject.status == Subject.Status.WITHDRAWN
    assert [r.field for r in written.records if r.entity == "followup.withdrawal"] == list(
        Withdrawal.audited_fields
    )
    status = [r for r in written.records if r.entity == "subjects.subject" and r.field == "status"]
    assert [(r.old_value, r.new_value) for r in status] == [("on_treatment", "withdrawn")]

    lost = w.enroll("S01")
    services.record_withdrawal(
        w.coordinator, lost, {"date": dt.date(2024, 3, 1), "kind": "lost_to_follow_up"}
    )
    lost.refresh_from_db()
    assert lost.status == Subject.Status.LOST


@pytest.mark.django_db
def test_deleting_a_withdrawal_puts_the_status_back(world):
    w = world(SARCOMA)
    row = services.record_withdrawal(
        w.coordinator, w.subject, {"date": dt.date(2024, 3, 1), "kind": "lost_to_follow_up"}
    )
    with audit_written() as written:
        services.delete_record(w.coordinator, row, expected_version=1, reason="subject found")
    w.subject.refresh_from_db()
    assert w.subject.status == Subject.Status.ON_TREATMENT
    # the withdrawal event it set goes too, and the visits it stopped are planned again
    assert not AnchorEvent.objects.filter(subject=w.subject, anchor="withdrawal").exists()
    assert not _stopped(w.subject)
    assert {(r.entity, r.action) for r in written.records} == {
        ("followup.withdrawal", "delete"),
        ("subjects.anchorevent", "delete"),
        ("visits.visit", "update"),
        ("subjects.subject", "update"),
    }
    assert {r.reason for r in written.records if r.entity != "visits.visit"} == {"subject found"}


# --------------------------------------------------------------------------- recurrence


@pytest.mark.django_db
def test_recurrence_follows_surgery(world):
    w = world(
        SURGERY,
        anchor="treatment_start",
        values={"treated_before_study_start": False},
        regimen="ag",
    )
    treatment.record_surgery(
        w.investigator,
        w.subject,
        {
            "date": dt.date(2024, 5, 20),
            "procedure": "whipple",
            "intent": "radical",
            "resection_margin": "R0",
        },
    )
    errors = refused(
        services.record_recurrence,
        w.coordinator,
        w.subject,
        {"date": dt.date(2024, 5, 1), "site": "local", "diagnosed_by": "imaging"},
    )
    assert errors == {"date": ["A recurrence follows surgery; the surgery is on 2024-05-20."]}
    with audit_written() as written:
        services.record_recurrence(
            w.coordinator,
            w.subject,
            {"date": dt.date(2024, 11, 4), "site": "distant", "diagnosed_by": "imaging"},
        )
    assert [(r.field, r.new_value) for r in written.records] == [
        ("date", "2024-11-04"),
        ("site", "distant"),
        ("diagnosed_by", "imaging"),
        ("notes", ""),
    ]


# --------------------------------------------------------------------------- last known alive


@pytest.mark.django_db
def test_last_known_alive_by_hand(world):
    """Enrollment 2024-01-10; visit done 2024-01-16; doses 2024-01-15 and 2024-02-05; an
    "alive" call 2024-03-01, a call that reached nobody ("unknown") 2024-04-01; a next
    line started 2024-03-20. The latest evidence of life is the next line on 2024-03-20:
    the unknown call does not count."""
    w = world(SARCOMA, anchor=None)
    assert selectors.last_known_alive(w.subject) == selectors.KnownAlive(
        dt.date(2024, 1, 10), "enrollment"
    )
    dose(w, dt.date(2024, 1, 15))
    visit = Visit.objects.filter(subject=w.subject, visit_id="treatment_cycle").first()
    visit_services.record_visit(w.coordinator, visit, dt.date(2024, 1, 16), visit.version)
    assert selectors.last_known_alive(w.subject) == selectors.KnownAlive(
        dt.date(2024, 1, 16), "visit"
    )
    dose(w, dt.date(2024, 2, 5), cycle=2)
    assert selectors.last_known_alive(w.subject).source == "administration"
    services.record_contact(w.coordinator, w.subject, contact(dt.date(2024, 3, 1)))
    services.record_contact(w.coordinator, w.subject, contact(dt.date(2024, 4, 1), "unknown"))
    assert selectors.last_known_alive(w.subject) == selectors.KnownAlive(
        dt.date(2024, 3, 1), "contact"
    )
    treatment.record_next_line(
        w.coordinator,
        w.subject,
        {"line_number": 2, "regimen": "Pazopanib", "start_date": dt.date(2024, 3, 20)},
    )
    assert selectors.last_known_alive(w.subject) == selectors.KnownAlive(
        dt.date(2024, 3, 20), "next-line therapy"
    )
    # a death before that is refused, naming the evidence
    errors = refused(
        services.record_death,
        w.investigator,
        w.subject,
        {"date": dt.date(2024, 3, 10), "cause": "unknown"},
    )
    assert errors["date"] == [
        "The subject was known alive on 2024-03-20 (next-line therapy), after this date of death."
    ]
    summary = selectors.disposition(w.subject)
    assert summary.first_dose == dt.date(2024, 1, 15)
    assert summary.last_dose == dt.date(2024, 2, 5)
    assert summary.death is None


# --------------------------------------------------------------------------- worklist


@pytest.mark.django_db
def test_contacts_due_per_the_follow_up_interval(world):
    """The sarcoma trial follows up every 3 months from the end of treatment: end of
    treatment 2024-02-20, so the first contact falls due on 2024-05-20 (shown from
    2024-05-06, overdue after 2024-06-03); an alive contact on 2024-05-21 moves the next
    one to 2024-08-21."""
    w = world(SARCOMA)
    dose(w, dt.date(2024, 2, 5))
    treatment.record_end_of_treatment(
        w.coordinator,
        w.subject,
        {
            "date": dt.date(2024, 2, 20),
            "primary_reason": "completed",
            "last_dose_date": dt.date(2024, 2, 5),
        },
    )
    due = lambda today: selectors.contacts_due(w.coordinator, w.study, today)  # noqa: E731
    assert due(dt.date(2024, 5, 5)) == []
    [row] = due(dt.date(2024, 5, 6))
    assert (row.subject, row.due_date, row.status) == (w.subject, dt.date(2024, 5, 20), "due")
    [row] = due(dt.date(2024, 6, 4))
    assert (row.status, row.days_overdue) == ("overdue", 15)
    services.record_contact(w.coordinator, w.subject, contact(dt.date(2024, 5, 21)))
    assert due(dt.date(2024, 6, 4)) == []
    [row] = due(dt.date(2024, 8, 21))
    assert row.due_date == dt.date(2024, 8, 21)
    # the other site's coordinator does not see the subject
    assert selectors.contacts_due(w.other_coordinator, w.study, dt.date(2024, 8, 21)) == []
