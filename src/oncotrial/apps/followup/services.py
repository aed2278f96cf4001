"""The write path for follow-up: survival contacts, recurrence, death and withdrawal.

Each function checks the dates against the subject's other records (`coherence`), then
writes through `records.create / update / delete` (role at the subject's site, locks,
version conflicts, reason for changes, audit) in one transaction. A death records the
`death` event through the subjects service (status dead, visits after it no longer
planned); a withdrawal sets the status withdrawn or lost. Bad input raises
`ValidationError` with messages per field, and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from oncotrial.apps import records
from oncotrial.apps.followup import coherence, selectors
from oncotrial.apps.followup.coherence import Errors, add, iso
from oncotrial.apps.followup.models import Death, FollowUpContact, Recurrence, Withdrawal
from oncotrial.apps.studies.selectors import protocol_of
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects import services as subject_services
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.treatment.models import EndOfTreatment, Surgery
from oncotrial.apps.treatment.status import current_status, set_status
from oncotrial.domain.permissions import Action

DEATH_ANCHOR = "death"
WITHDRAWAL_ANCHOR = "withdrawal"


def _subject(subject: Subject) -> Subject:
    return subject_selectors.reread(subject.pk)


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _merged(record: records.ClinicalRecord, values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.audited_fields} | dict(values)


# --------------------------------------------------------------------------- contacts


def _check_contact(subject: Subject, values: dict[str, Any]) -> None:
    errors: Errors = {}
    date = values.get("date")
    coherence.check_date(errors, subject, "date", date, label="The contact date")
    died = coherence.death_date(subject)
    if (
        died is not None
        and isinstance(date, dt.date)
        and date >= died
        and values.get("vital_status") == FollowUpContact.VitalStatus.ALIVE
    ):
        add(
            errors,
            "vital_status",
            f"The subject's death is recorded on {iso(died)}; a contact on or after it "
            "cannot find them alive.",
        )
    _raise(errors)


@transaction.atomic
def record_contact(
    user: Any, subject: Subject, values: Mapping[str, Any], *, reason: str = ""
) -> FollowUpContact:
    subject = _subject(subject)
    records.check_access(user, subject, Action.ENTER_DATA)
    _check_contact(subject, dict(values))
    return records.create(user, FollowUpContact, subject, values, reason=reason)


@transaction.atomic
def change_contact(
    user: Any,
    record: FollowUpContact,
    values: Mapping[str, Any],
    *,
    expected_version: Any,
    reason: str,
) -> FollowUpContact:
    subject = _subject(record.subject)
    locked = records.lock_for_change(record, expected_version)
    records.check_access(user, subject, Action.ENTER_DATA)
    _check_contact(subject, _merged(locked, values))
    return records.update(user, locked, values, expected_version=expected_version, reason=reason)


# --------------------------------------------------------------------------- recurrence


def _check_recurrence(subject: Subject, values: dict[str, Any]) -> None:
    errors: Errors = {}
    date = values.get("date")
    coherence.check_date(errors, subject, "date", date, label="The recurrence date")
    surgery = Surgery.objects.filter(subject=subject).order_by("date").first()
    if surgery is not None and isinstance(date, dt.date) and date <= surgery.date:
        add(
            errors,
            "date",
            f"A recurrence follows surgery; the surgery is on {iso(surgery.date)}.",
        )
    _raise(errors)


@transaction.atomic
def record_recurrence(
    user: Any, subject: Subject, values: Mapping[str, Any], *, reason: str = ""
) -> Recurrence:
    subject = _subject(subject)
    records.check_access(user, subject, Action.ENTER_DATA)
    _check_recurrence(subject, dict(values))
    return records.create(user, Recurrence, subject, values, reason=reason)


@transaction.atomic
def change_recurrence(
    user: Any, record: Recurrence, values: Mapping[str, Any], *, expected_version: Any, reason: str
) -> Recurrence:
    subject = _subject(record.subject)
    locked = records.lock_for_change(record, expected_version)
    records.check_access(user, subject, Action.ENTER_DATA)
    _check_recurrence(subject, _merged(locked, values))
    return records.update(user, locked, values, expected_version=expected_version, reason=reason)


# --------------------------------------------------------------------------- death


def _check_death(subject: Subject, values: dict[str, Any], current: Death | None) -> None:
    errors: Errors = {}
    existing = Death.objects.filter(subject=subject).first()
    if current is None and existing is not None:
        add(
            errors,
            "date",
            f"A death is already recorded for this subject ({iso(existing.date)}).",
        )
    date = values.get("date")
    coherence.check_date(errors, subject, "date", date, label="The date of death", death=False)
    if isinstance(date, dt.date):
        alive = selectors.last_known_alive(subject)
        if alive.date > date and alive.source != "enrollment":
            add(
                errors,
                "date",
                f"The subject was known alive on {iso(alive.date)} ({alive.source}), after "
                "this date of death.",
            )
    if values.get("cause") == Death.Cause.OTHER and not (values.get("cause_other") or "").strip():
        add(errors, "cause_other", "Describe the cause of death.")
    _raise(errors)


def _sync_death_anchor(user: Any, subject: Subject, death: Death, reason: str) -> None:
    subject_services.follow_anchor_event(
        user, subject, DEATH_ANCHOR, death.date, reason=reason, corrected="date of death corrected"
    )
    set_status(user, subject, Subject.Status.DEAD, reason or "death recorded")


@transaction.atomic
def record_death(
    user: Any, subject: Subject, values: Mapping[str, Any], *, reason: str = ""
) -> Death:
    subject = _subject(subject)
    records.check_access(user, subject, Action.ENTER_DATA)
    _check_death(subject, dict(values), None)
    created = records.create(user, Death, subject, values, reason=reason)
    _sync_death_anchor(user, subject, created, reason)
    return created


@transaction.atomic
def change_death(
    user: Any, record: Death, values: Mapping[str, Any], *, expected_version: Any, reason: str
) -> Death:
    subject = _subject(record.subject)
    locked = records.lock_for_change(record, expected_version)
    records.check_access(user, subject, Action.ENTER_DATA)
    _check_death(subject, _merged(locked, values), locked)
    changed = records.update(user, locked, values, expected_version=expected_version, reason=reason)
    _sync_death_anchor(user, subject, changed, reason)
    return changed


# --------------------------------------------------------------------------- withdrawal

_WITHDRAWAL_STATUS = {
    Withdrawal.Kind.CONSENT_WITHDRAWN: Subject.Status.WITHDRAWN,
    Withdrawal.Kind.INVESTIGATOR: Subject.Status.WITHDRAWN,
    Withdrawal.Kind.LOST: Subject.Status.LOST,
}


def _check_withdrawal(subject: Subject, values: dict[str, Any], current: Withdrawal | None) -> None:
    errors: Errors = {}
    existing = Withdrawal.objects.filter(subject=subject).first()
    if current is None and existing is not None:
        add(
            errors,
            "date",
            f"A withdrawal is already recorded for this subject ({iso(existing.date)}).",
        )
    date, last = values.get("date"), values.get("last_dose_date")
    coherence.check_date(errors, subject, "date", date, label="The withdrawal date")
    coherence.check_date(errors, subject, "last_dose_date", last, label="The date of last dose")
    coherence.check_last_dose(errors, subject, "last_dose_date", last)
    if isinstance(date, dt.date) and isinstance(last, dt.date) and date < last:
        add(errors, "date", f"The withdrawal is before the last dose ({iso(last)}).")
    end = EndOfTreatment.objects.filter(subject=subject).first()
    if end is not None and end.last_dose_date and last and last != end.last_dose_date:
        add(
            errors,
            "last_dose_date",
            f"The end of treatment records the last dose on {iso(end.last_dose_date)}.",
        )
    if (
        values.get("kind") != Withdrawal.Kind.LOST
        and not (values.get("withdrawal_reason") or "").strip()
    ):
        add(errors, "withdrawal_reason", "Give the reason for the withdrawal.")
    _raise(errors)


def _sync_withdrawal(user: Any, subject: Subject, withdrawal: Withdrawal, reason: str) -> None:
    if current_status(subject) == Subject.Status.DEAD:
        return
    protocol = protocol_of(subject.protocol_version)
    if WITHDRAWAL_ANCHOR in subject_services.anchor_choices(protocol):
        subject_services.follow_anchor_event(
            user,
            subject,
            WITHDRAWAL_ANCHOR,
            withdrawal.date,
            reason=reason,
            corrected="withdrawal date corrected",
        )
    status = _WITHDRAWAL_STATUS[Withdrawal.Kind(withdrawal.kind)]
    set_status(user, subject, status, reason or withdrawal.get_kind_display().lower())


@transaction.atomic
def record_withdrawal(
    user: Any, subject: Subject, values: Mapping[str, Any], *, reason: str = ""
) -> Withdrawal:
    subject = _subject(subject)
    records.check_access(user, subject, Action.ENTER_DATA)
    _check_withdrawal(subject, dict(values), None)
    created = records.create(user, Withdrawal, subject, values, reason=reason)
    _sync_withdrawal(user, subject, created, reason)
    return created


@transaction.atomic
def change_withdrawal(
    user: Any, record: Withdrawal, values: Mapping[str, Any], *, expected_version: Any, reason: str
) -> Withdrawal:
    subject = _subject(record.subject)
    locked = records.lock_for_change(record, expected_version)
    records.check_access(user, subject, Action.ENTER_DATA)
    _check_withdrawal(subject, _merged(locked, values), locked)
    changed = records.update(user, locked, values, expected_version=expected_version, reason=reason)
    _sync_withdrawal(user, subject, changed, reason)
    return changed


# --------------------------------------------------------------------------- delete


@transaction.atomic
def delete_record(
    user: Any, record: records.ClinicalRecord, *, expected_version: Any, reason: str
) -> None:
    """Remove a follow-up row entered in error (the audit trail keeps its values). Deleting
    a death or a withdrawal removes the event it set (`death`, `withdrawal`) when the event
    still has the record's date, re-planning the calendar, and puts the status back to
    what the remaining records say."""
    subject = _subject(record.subject)
    records.delete(user, record, expected_version=expected_version, reason=reason)
    if isinstance(record, Death | Withdrawal):
        _unfollow_anchor(user, subject, record, reason)
        set_status(user, subject, selectors.resting_status(subject), reason)


def _unfollow_anchor(user: Any, subject: Subject, record: Death | Withdrawal, reason: str) -> None:
    """Remove the event a deleted death or withdrawal set (see `_sync_death_anchor`,
    `_sync_withdrawal`)."""
    if isinstance(record, Death):
        anchor = DEATH_ANCHOR
    else:
        protocol = protocol_of(subject.protocol_version)
        if WITHDRAWAL_ANCHOR not in subject_services.anchor_choices(protocol):
            return
        anchor = WITHDRAWAL_ANCHOR
    subject_services.unfollow_anchor_event(user, subject, anchor, record.date, reason=reason)
