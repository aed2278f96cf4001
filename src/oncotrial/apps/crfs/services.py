"""The write path for case report form data.

`save_form` is the only code that creates or changes item values. It checks the user's
role at the subject's site, refuses locked data, validates the values against the
protocol's form definition (`oncotrial.domain.crf`), refuses a save based on a stale
version of the form, requires a reason for changing a value that was already saved, and
writes the item values with one audit record per changed item (entity
``crfs.itemvalue``, field = the item id, old and new value, reason) in one transaction.
Values outside their expected range, and failed soft cross-checks, are saved and open an
automatic query; changing signed data invalidates the signatures covering it.

Values given to `save_form` are merged over the stored ones: an item not mentioned keeps
its value, an item given as ``None`` or ``""`` is cleared. A save that changes nothing
writes nothing (no audit record, no new version).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from oncotrial.apps.accounts.access import require
from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.audit.services import AuditContext, ValueChange, as_text, record_values
from oncotrial.apps.crfs import form_store, locks, queries, signatures
from oncotrial.apps.crfs.models import FormInstance, ItemValue, Query
from oncotrial.apps.studies.selectors import protocol_of
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import crf
from oncotrial.domain.permissions import Action
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.forms import Form

NON_FIELD = "__all__"
ITEM_ENTITY = "crfs.itemvalue"


# --------------------------------------------------------------------------- errors


class CrfError(ValidationError):
    """Bad input: ``message_dict`` maps item ids (or ``reason``, ``visit``, ``form_id``,
    ``__all__``) to messages. Nothing was changed."""

    def __init__(self, errors: Mapping[str, str | list[str]] | str) -> None:
        if isinstance(errors, str):
            errors = {NON_FIELD: [errors]}
        super().__init__({k: v if isinstance(v, list) else [v] for k, v in errors.items()})


@dataclass(frozen=True)
class ConflictItem:
    item_id: str
    label: str
    started_from: Any
    """The value the user's version held (None when not known)."""
    current: Any
    """The value stored now."""
    yours: Any
    """What the user tried to save (None when they did not give the item)."""
    changed_by: str
    changed_at: dt.datetime | None


class FormConflict(Exception):
    """The form changed since the version the user started from. Nothing was saved."""

    def __init__(
        self,
        form_instance: FormInstance,
        expected: int | None,
        items: list[ConflictItem],
    ) -> None:
        self.form_instance = form_instance
        self.expected = expected
        self.current = form_instance.version
        self.items = items
        names = ", ".join(item.item_id for item in items) or "no item you gave"
        super().__init__(
            f"Form {form_instance.form_id} of subject {form_instance.subject.subject_number} "
            f"was saved by someone else after you opened it (you started from version "
            f"{expected}, it is now at version {form_instance.version}). Changed: {names}. "
            "Nothing was saved; reload the form and enter your change again."
        )


@dataclass
class SaveResult:
    form_instance: FormInstance
    changed_items: list[str]
    raised_queries: list[Query]
    validation: crf.FormValidation | None = None
    created: bool = False
    audit_records: list[AuditRecord] = field(default_factory=list)
    form: Form | None = None
    items: dict[str, ItemValue] = field(default_factory=dict)
    """The form's item values as the save left them, by item id."""
    unresolved_queries: int | None = None
    """How many of the form's queries are open or answered after the save (None: not
    known, as when the save's checks raised queries)."""

    @property
    def soft_findings(self) -> list[crf.SoftFinding]:
        return self.validation.soft_findings if self.validation else []

    @property
    def notices(self) -> list[crf.SoftFinding]:
        return self.validation.notices if self.validation else []


# --------------------------------------------------------------------------- protocol


def protocol_for(subject: Subject) -> Protocol:
    """The protocol version the subject was enrolled under."""
    return protocol_of(subject.protocol_version)


def form_definition(protocol: Protocol, form_id: str) -> Form | None:
    return next((form for form in protocol.forms if form.id == form_id), None)


def visit_forms(protocol: Protocol) -> dict[str, list[str]]:
    """The form ids each protocol visit lists."""
    return {visit.id: list(visit.forms) for visit in protocol.schedule.visits}


def _check_target(
    protocol: Protocol, subject: Subject, form_id: str, visit: Visit | None, repeat_index: int
) -> Form:
    form = form_definition(protocol, form_id)
    if form is None:
        raise CrfError({"form_id": f"The protocol has no form {form_id!r}."})
    listed = visit_forms(protocol)
    at_visits = [visit_id for visit_id, forms in listed.items() if form_id in forms]
    if visit is not None:
        if visit.subject_id != subject.pk:
            raise CrfError({"visit": "This visit belongs to another subject."})
        if form_id not in listed.get(visit.visit_id, []):
            raise CrfError({"visit": f"Form {form_id} is not collected at visit {visit.label}."})
    elif at_visits:
        raise CrfError({"visit": f"Form {form_id} is collected at a visit; say which one."})
    if repeat_index < 1:
        raise CrfError({"repeat_index": "Repeats are numbered from 1."})
    if repeat_index != 1 and not form.repeating:
        raise CrfError({"repeat_index": f"Form {form_id} is filled once per visit."})
    return form


# --------------------------------------------------------------------------- helpers


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


def _context(user: Any, subject: Subject, reason: str) -> AuditContext:
    return AuditContext(
        user,
        study_key=subject.study.key,
        site_code=subject.site.code,
        subject_ref=subject.subject_number,
        reason=reason,
    )


def _conflict_items(
    form: Form,
    stored: dict[str, ItemValue],
    raw: Mapping[str, Any],
    original: Mapping[str, Any] | None,
) -> list[ConflictItem]:
    labels = {item.id: item.label for item in form.fields}
    items = []
    for item in form.fields:
        row = stored.get(item.id)
        current = row.value if row is not None else None
        if original is not None:
            started = original.get(item.id)
            if crf.is_empty(started) and crf.is_empty(current):
                continue
            if _same(started, current):
                continue
        else:
            if item.id not in raw or row is None:
                continue
            if _same(raw.get(item.id), current) or (
                crf.is_empty(current) and crf.is_empty(raw.get(item.id))
            ):
                continue
            last = (
                AuditRecord.objects.filter(entity=ITEM_ENTITY, entity_id=str(row.pk), field=item.id)
                .order_by("-id")
                .first()
            )
            started = last.old_value if last is not None else None
        items.append(
            ConflictItem(
                item_id=item.id,
                label=labels[item.id],
                started_from=started,
                current=current,
                yours=raw.get(item.id),
                changed_by=row.updated_by.get_username() if row is not None else "",
                changed_at=row.updated_at if row is not None else None,
            )
        )
    return items


def _stored_items(instance: FormInstance) -> dict[str, ItemValue]:
    """The form's item values by item id, with who last changed each."""
    return {row.item_id: row for row in instance.items.select_related("updated_by").order_by("pk")}


def _raise_queries(
    form_instance: FormInstance, findings: list[crf.SoftFinding], changed: set[str]
) -> list[Query]:
    """An automatic query for each soft finding on a changed item (a finding on values
    that did not change was queried when they were entered)."""
    return [
        queries.raise_automatic(form_instance, finding.item_id, finding.check_id, finding.message)
        for finding in findings
        if changed.intersection(finding.items or (finding.item_id,))
    ]


# --------------------------------------------------------------------------- save


def save_form(
    user: Any,
    subject: Subject,
    form_id: str,
    raw_values: Mapping[str, Any],
    *,
    visit: Visit | None = None,
    repeat_index: int = 1,
    expected_version: int | None = None,
    reason: str = "",
    units: Mapping[str, str] | None = None,
    partial: bool = False,
    original: Mapping[str, Any] | None = None,
) -> SaveResult:
    """Save the values of one form of `subject` (at `visit`, for forms collected at
    visits). See the module docstring.

    `expected_version` is the form's version the user started from (0 for a form not yet
    saved; None skips the check, for imports). `original` optionally gives the stored
    values the user started from, so a conflict can name exactly what others changed.
    `partial` saves a form with required items still empty ("in progress").

    Raises PermissionDenied (role), CrfError (bad values, missing reason, lock) or
    FormConflict (stale version); in each case nothing is changed.
    """
    require(user, subject.study, Action.ENTER_DATA, subject.site)
    protocol = protocol_for(subject)
    form = _check_target(protocol, subject, form_id, visit, repeat_index)
    reason = (reason or "").strip()
    with transaction.atomic():
        existing = form_store.instance_for_update(
            subject.pk, visit.pk if visit is not None else None, form_id, repeat_index
        )
        locks.assert_unlocked(form_instance=existing, visit=visit, subject=subject)
        stored: dict[str, ItemValue] = {}
        if existing is not None:
            existing.subject = subject
            if visit is not None:
                existing.visit = visit
            if expected_version is not None and expected_version != existing.version:
                raise FormConflict(
                    existing,
                    expected_version,
                    _conflict_items(form, _stored_items(existing), raw_values, original),
                )
            stored = form_store.item_values(existing.pk)
        merged: dict[str, Any] = {key: row.value for key, row in stored.items()}
        merged.update(raw_values)
        validation = crf.validate_form(form, merged, units, partial=partial)
        if validation.hard_errors:
            raise CrfError(validation.hard_errors)

        changes: dict[str, tuple[Any, Any]] = {}
        for item in form.fields:
            new = crf.to_stored(validation.values.get(item.id))
            row = stored.get(item.id)
            old = row.value if row is not None else None
            if crf.is_empty(old) and crf.is_empty(new):
                continue
            if not _same(old, new):
                changes[item.id] = (old, new)
        if not changes:
            unsaved = FormInstance(
                subject=subject, visit=visit, form_id=form_id, repeat_index=repeat_index, version=0
            )
            return SaveResult(existing or unsaved, [], [], validation, form=form, items=stored)
        needing_reason = [key for key, (old, _) in changes.items() if not crf.is_empty(old)]
        if needing_reason and not reason:
            errors: dict[str, str | list[str]] = dict.fromkeys(
                needing_reason, "This value was saved before; give a reason for changing it."
            )
            errors["reason"] = "A reason is required to change " + ", ".join(needing_reason) + "."
            raise CrfError(errors)

        now = timezone.now()
        created = existing is None
        if existing is None:
            try:
                with transaction.atomic():
                    instance = FormInstance.objects.create(
                        subject=subject,
                        visit=visit,
                        form_id=form_id,
                        repeat_index=repeat_index,
                        created_at=now,
                        created_by=user,
                        updated_at=now,
                        updated_by=user,
                        version=1,
                    )
            except IntegrityError:
                current = FormInstance.objects.select_related("subject").get(
                    subject=subject, visit=visit, form_id=form_id, repeat_index=repeat_index
                )
                raise FormConflict(
                    current,
                    expected_version or 0,
                    _conflict_items(form, _stored_items(current), raw_values, original),
                ) from None
        else:
            instance = existing
            instance.version += 1
            instance.updated_at = now
            instance.updated_by = user
        instance.subject = subject

        context = _context(user, subject, reason)
        units_of = {item.id: item.unit or "" for item in form.fields}
        audited: list[ValueChange] = []
        changed_rows: list[ItemValue] = []
        for item_id, (old, new) in changes.items():
            row = stored.get(item_id)
            if row is None:
                row = ItemValue.objects.create(
                    form_instance=instance,
                    item_id=item_id,
                    value=new,
                    unit=units_of[item_id],
                    updated_at=now,
                    updated_by=user,
                )
                stored[item_id] = row
                audited.append(ValueChange(row, item_id, None, new, created=True))
            else:
                row.value = new
                row.unit = units_of[item_id]
                row.updated_at = now
                row.updated_by = user
                changed_rows.append(row)
                audited.append(ValueChange(row, item_id, old, new))
        unresolved = form_store.save_changes(instance, changed_rows, created=created)
        # read before the audit append: the chain head stays locked from there to commit
        signed = [] if created else signatures.covering_ids(instance)
        records = record_values(context, audited)
        raised = _raise_queries(instance, validation.soft_findings, set(changes))
        # a raised query may be new or one already counted
        known_unresolved = None if raised else unresolved
        if signed:
            signatures.invalidate_for(
                instance,
                reason or f"Data changed: {', '.join(changes)}.",
                user=user,
                covering=signed,
            )
    return SaveResult(
        instance,
        list(changes),
        raised,
        validation,
        created,
        records,
        form=form,
        items=stored,
        unresolved_queries=known_unresolved,
    )


def audit_text(value: Any) -> str | None:
    """A stored value as the audit trail writes it."""
    return as_text(value)
