"""The audited write path shared by the typed clinical tables (adverse events, tumour
assessments, labs, treatment, follow-up, specimens).

Each table is a `ClinicalRecord`: it belongs to a subject (and so to a study and a site),
carries a version that every change bumps, and names the fields its audit records cover.
An app's services validate what is specific to their table (a grade the CTCAE term
allows, a dose in a unit of mass…) and then call `create`, `update` or `delete` here,
inside their own transaction. These check the user's role at the subject's site, refuse
locked data, refuse a change made from a stale copy (`RecordConflict`), require a reason
for changing what was saved, run the model's own validation, and write one audit record
per field in the same transaction. Bad input raises `ValidationError` with messages per
field; nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from oncotrial.apps.accounts.access import require
from oncotrial.apps.audit.services import (
    AuditContext,
    as_text,
    record_create,
    record_create_many,
    record_delete,
    record_update,
)
from oncotrial.apps.crfs.locks import assert_unlocked
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import Action

R = TypeVar("R", bound="ClinicalRecord")


class ClinicalRecord(models.Model):
    """A row of clinical data about one subject, changed only through this module."""

    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="%(app_label)s_%(class)s_set"
    )
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change.")
    recorded_at = models.DateTimeField(help_text="When the row was last written (UTC).")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    audited_fields: ClassVar[tuple[str, ...]] = ()
    """The fields an audit record is written for (on create, change and delete)."""
    visit_field: ClassVar[str | None] = None
    """The name of a foreign key to the visit the row belongs to, whose lock covers it."""

    class Meta:
        abstract = True

    def visit_of(self) -> Visit | None:
        if self.visit_field is None:
            return None
        visit: Visit | None = getattr(self, self.visit_field)
        return visit


class RecordConflict(Exception):
    """The row changed since the user read it (someone else saved first)."""

    def __init__(self, record: ClinicalRecord, expected: int) -> None:
        self.record = record
        self.expected = expected
        self.current = record.version
        self.current_values = {
            name: as_text(getattr(record, name)) for name in record.audited_fields
        }
        label = record._meta.verbose_name
        super().__init__(
            f"This {label} was changed by someone else (version {record.version}, you edited "
            f"version {expected}); reload it and apply your change again."
        )


def audit_context(user: Any, subject: Subject, reason: str = "") -> AuditContext:
    return AuditContext(
        user,
        study_key=subject.study.key,
        site_code=subject.site.code,
        subject_ref=subject.subject_number,
        reason=reason,
    )


def check_access(user: Any, subject: Subject, action: Action, visit: Visit | None = None) -> None:
    """Refuse (PermissionDenied) a user whose role at the subject's site does not allow
    `action`, and (Locked) data covered by a visit, subject or study lock."""
    require(user, subject.study, action, subject.site)
    assert_unlocked(visit=visit, subject=subject, study=subject.study)


BOOKKEEPING_FIELDS = ["subject", "recorded_at", "recorded_by", "version"]


def validate(record: models.Model) -> None:
    """The model's own checks (choices, lengths, required fields, `clean`), with the
    bookkeeping fields left out of the messages. A relation set to an object read from
    the database is not looked up again (the database's foreign key keeps it valid)."""
    record.full_clean(exclude=[*BOOKKEEPING_FIELDS, *_loaded_relations(record)])


def _loaded_relations(record: models.Model) -> list[str]:
    loaded = []
    for field in record._meta.concrete_fields:
        if not field.many_to_one or not field.is_cached(record):
            continue
        related = field.get_cached_value(record)
        if related is not None and related.pk is not None and not related._state.adding:
            loaded.append(field.name)
    return loaded


def _expected(expected_version: Any) -> int:
    try:
        return int(expected_version)
    except (TypeError, ValueError):
        raise ValidationError(
            {"expected_version": ["Give the version of the record you edited."]}
        ) from None


@transaction.atomic
def create(
    user: Any,
    model: type[R],
    subject: Subject,
    values: Mapping[str, Any],
    *,
    action: Action = Action.ENTER_DATA,
    reason: str = "",
) -> R:
    """A new row of `model` for `subject` with `values`, and its audit records."""
    record = model(subject=subject, recorded_at=timezone.now(), recorded_by=user, **values)
    check_access(user, subject, action, record.visit_of())
    validate(record)
    record.save()
    record_create(audit_context(user, subject, reason), record, record.audited_fields)
    return record


@transaction.atomic
def create_many(
    user: Any,
    model: type[R],
    subject: Subject,
    rows: list[Mapping[str, Any]],
    *,
    action: Action = Action.ENTER_DATA,
    reason: str = "",
) -> list[R]:
    """`create` for several rows of `model` for `subject` that belong to the same visit
    (a lab panel): the access and lock check once, each row validated, the rows saved in
    one statement, and their audit records (the same as `create` writes, in the same
    order) appended at once."""
    records = [
        model(subject=subject, recorded_at=timezone.now(), recorded_by=user, **values)
        for values in rows
    ]
    if not records:
        return []
    visits = {getattr(r.visit_of(), "pk", None) for r in records}
    if len(visits) > 1:
        raise ValueError("create_many takes rows of one visit; use create for each")
    check_access(user, subject, action, records[0].visit_of())
    for record in records:
        validate(record)
    saved = model.objects.bulk_create(records)
    if any(record.pk is None for record in saved):  # a backend that returns no ids
        raise RuntimeError("create_many needs a database that returns the ids it inserts")
    record_create_many(audit_context(user, subject, reason), records, model.audited_fields)
    return records


def lock_for_change(record: R, expected_version: Any) -> R:
    """The row re-read under a row lock; RecordConflict when it moved on since
    `expected_version`. Call inside the change's transaction."""
    expected = _expected(expected_version)
    locked = type(record).objects.select_for_update().get(pk=record.pk)
    if locked.version != expected:
        raise RecordConflict(locked, expected)
    return locked


@transaction.atomic
def update(
    user: Any,
    record: R,
    values: Mapping[str, Any],
    *,
    expected_version: Any,
    reason: str,
    action: Action = Action.ENTER_DATA,
) -> R:
    """Change `values` of a saved row. A reason is required when anything changes;
    unchanged values write nothing."""
    locked = lock_for_change(record, expected_version)
    subject = Subject.objects.select_related("study", "site").get(pk=locked.subject_id)
    check_access(user, subject, action, locked.visit_of())
    unknown = sorted(set(values) - set(locked.audited_fields))
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    changes = {
        name: (getattr(locked, name), value)
        for name, value in values.items()
        if as_text(getattr(locked, name)) != as_text(value)
    }
    if not changes:
        return locked
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Give a reason for changing what was saved."]})
    for name, (_old, new) in changes.items():
        setattr(locked, name, new)
    check_access(user, subject, action, locked.visit_of())
    validate(locked)
    locked.version += 1
    locked.recorded_at = timezone.now()
    locked.recorded_by = user
    locked.save()
    record_update(audit_context(user, subject, reason), locked, changes)
    return locked


@transaction.atomic
def delete(
    user: Any,
    record: ClinicalRecord,
    *,
    expected_version: Any,
    reason: str,
    action: Action = Action.ENTER_DATA,
) -> None:
    """Remove a row entered in error. The audit trail keeps every value it held."""
    locked = lock_for_change(record, expected_version)
    subject = Subject.objects.select_related("study", "site").get(pk=locked.subject_id)
    check_access(user, subject, action, locked.visit_of())
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Give a reason for deleting this record."]})
    record_delete(audit_context(user, subject, reason), locked, locked.audited_fields)
    locked.delete()
