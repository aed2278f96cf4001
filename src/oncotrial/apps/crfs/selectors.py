"""Read queries for case report forms: a subject's casebook, one form with its values and
each item's history. Scoped by the user's sites through the subject selectors: a subject
of another site is `Subject.DoesNotExist`.

The casebook is built with a fixed number of queries whatever the number of visits and
forms (visits, form instances with their items, unresolved query counts, valid
signatures and active locks, each fetched once).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.crfs import form_store
from oncotrial.apps.crfs.models import FormInstance, ItemValue, Lock, Query, Signature
from oncotrial.apps.crfs.services import (
    ITEM_ENTITY,
    SaveResult,
    form_definition,
    protocol_for,
    visit_forms,
)
from oncotrial.apps.rows import fetch_one
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import crf
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.forms import Form, FormField

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETE = "complete"
OPEN_QUERIES = "open_queries"
SIGNED = "signed"
LOCKED = "locked"

STATUS_LABELS = {
    NOT_STARTED: "Not started",
    IN_PROGRESS: "In progress",
    COMPLETE: "Complete",
    OPEN_QUERIES: "Open queries",
    SIGNED: "Signed",
    LOCKED: "Locked",
}


@dataclass(frozen=True)
class ItemRow:
    item: FormField
    value: Any
    """As stored (JSON): None when empty."""
    display: str
    visible: bool
    row: ItemValue | None = None


@dataclass
class FormEntry:
    """One form of the casebook: filled (an instance) or not started."""

    form: Form
    visit: Visit | None
    repeat_index: int
    instance: FormInstance | None
    items: list[ItemRow]
    status: str
    open_queries: int = 0
    signed: bool = False
    locked: bool = False
    missing_required: list[str] = field(default_factory=list)

    @property
    def version(self) -> int:
        return self.instance.version if self.instance is not None else 0

    @property
    def values(self) -> dict[str, Any]:
        return {row.item.id: row.value for row in self.items if row.value is not None}

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class VisitForms:
    visit: Visit
    forms: list[FormEntry]
    locked: bool = False


@dataclass
class Casebook:
    subject: Subject
    protocol: Protocol
    visits: list[VisitForms]
    subject_forms: list[FormEntry]
    """Forms the protocol does not tie to a visit."""
    locked: bool = False

    @property
    def forms(self) -> list[FormEntry]:
        return [entry for visit in self.visits for entry in visit.forms] + self.subject_forms


def _items(form: Form, rows: list[ItemValue], visible: set[str] | None = None) -> list[ItemRow]:
    by_item = {row.item_id: row for row in rows}
    if visible is None:
        values = {
            key: crf.from_stored(item, by_item[key].value)
            for item in form.fields
            if (key := item.id) in by_item
        }
        visible = crf.visible_items(form, values)
    return [
        ItemRow(
            item=item,
            value=by_item[item.id].value if item.id in by_item else None,
            display=crf.display_value(item, by_item[item.id].value) if item.id in by_item else "",
            visible=item.id in visible,
            row=by_item.get(item.id),
        )
        for item in form.fields
    ]


def _missing(form: Form, items: list[ItemRow]) -> list[str]:
    values = {row.item.id: row.value for row in items if row.value is not None}
    return crf.validate_form(form, values, partial=True).missing_required


@dataclass
class _Context:
    """What decides each form's status, fetched once per subject."""

    queries: dict[int, int]
    signatures: list[Signature]
    locks: list[Lock]

    def locked(self, subject: Subject, visit: Visit | None, instance: FormInstance | None) -> bool:
        for lock in self.locks:
            if lock.scope == Lock.Scope.STUDY:
                return True
            if lock.scope == Lock.Scope.SUBJECT and lock.subject_id == subject.pk:
                return True
            if lock.scope == Lock.Scope.VISIT and visit is not None and lock.visit_id == visit.pk:
                return True
            if (
                lock.scope == Lock.Scope.FORM
                and instance is not None
                and lock.form_instance_id == instance.pk
            ):
                return True
        return False

    def signed(self, visit: Visit | None, instance: FormInstance | None) -> bool:
        if instance is None:
            return False
        for signature in self.signatures:
            if signature.scope == Signature.Scope.CASEBOOK:
                return True
            if (
                signature.scope == Signature.Scope.FORM
                and signature.form_instance_id == instance.pk
            ):
                return True
            if (
                signature.scope == Signature.Scope.VISIT
                and visit is not None
                and signature.visit_id == visit.pk
            ):
                return True
        return False


def _context(subject: Subject) -> _Context:
    queries = {
        row["form_instance"]: row["n"]
        for row in Query.objects.filter(
            subject=subject,
            form_instance__isnull=False,
            status__in=[Query.Status.OPEN, Query.Status.ANSWERED],
        )
        .order_by()
        .values("form_instance")
        .annotate(n=Count("pk"))
    }
    signatures = list(
        Signature.objects.filter(subject=subject, invalidated_at__isnull=True).order_by("pk")
    )
    locks = list(
        Lock.objects.filter(study_id=subject.study_id, unlocked_at__isnull=True)
        .filter(
            Q(scope=Lock.Scope.STUDY)
            | Q(subject=subject)
            | Q(visit__subject=subject)
            | Q(form_instance__subject=subject)
        )
        .order_by("pk")
    )
    return _Context(queries, signatures, locks)


def _entry(
    form: Form,
    subject: Subject,
    visit: Visit | None,
    repeat_index: int,
    instance: FormInstance | None,
    rows: list[ItemValue],
    context: _Context,
    checked: crf.FormValidation | None = None,
) -> FormEntry:
    """`checked`: the validation of the values just saved, which says which items are
    shown and which required ones are empty (else worked out from the rows)."""
    items = _items(form, rows, checked.visible if checked is not None else None)
    has_values = any(row.value is not None for row in items)
    if checked is not None:
        missing = list(checked.missing_required)
    else:
        missing = _missing(form, items) if instance is not None else []
    open_queries = context.queries.get(instance.pk, 0) if instance is not None else 0
    signed = context.signed(visit, instance)
    locked = context.locked(subject, visit, instance)
    if locked:
        status = LOCKED
    elif open_queries:
        status = OPEN_QUERIES
    elif signed:
        status = SIGNED
    elif instance is None or not has_values:
        status = NOT_STARTED
    elif missing:
        status = IN_PROGRESS
    else:
        status = COMPLETE
    return FormEntry(
        form=form,
        visit=visit,
        repeat_index=repeat_index,
        instance=instance,
        items=items,
        status=status,
        open_queries=open_queries,
        signed=signed,
        locked=locked,
        missing_required=missing,
    )


def _entries(
    form: Form,
    subject: Subject,
    visit: Visit | None,
    instances: dict[tuple[int | None, str], list[FormInstance]],
    context: _Context,
) -> list[FormEntry]:
    filled = instances.get((visit.pk if visit else None, form.id), [])
    if not filled:
        return [_entry(form, subject, visit, 1, None, [], context)]
    return [
        _entry(
            form,
            subject,
            visit,
            instance.repeat_index,
            instance,
            list(instance.items.all()),
            context,
        )
        for instance in sorted(filled, key=lambda i: i.repeat_index)
    ]


def casebook(user: Any, study: Study, subject_number: str) -> Casebook:
    """Every visit of the subject with the protocol's forms for it, filled or not, and
    the forms not tied to a visit. Subject.DoesNotExist for a subject the user may not
    see. A fixed number of queries."""
    subject = subject_selectors.get_subject(user, study, subject_number)
    return casebook_for(subject)


def casebook_for(subject: Subject) -> Casebook:
    protocol = protocol_for(subject)
    listed = visit_forms(protocol)
    visits = list(
        subject.visits.exclude(cancelled=True, actual_date__isnull=True, missed=False).order_by(
            "target_date", "visit_id", "occurrence"
        )
    )
    instances: dict[tuple[int | None, str], list[FormInstance]] = {}
    for instance in (
        FormInstance.objects.filter(subject=subject)
        .select_related("updated_by")
        .prefetch_related(Prefetch("items", queryset=ItemValue.objects.order_by("pk")))
        .order_by("pk")
    ):
        instances.setdefault((instance.visit_id, instance.form_id), []).append(instance)
    context = _context(subject)
    at_visits = {form_id for forms in listed.values() for form_id in forms}
    rows = []
    for visit in visits:
        entries = []
        for form_id in listed.get(visit.visit_id, []):
            form = form_definition(protocol, form_id)
            if form is not None:
                entries.extend(_entries(form, subject, visit, instances, context))
        rows.append(VisitForms(visit, entries, context.locked(subject, visit, None)))
    subject_forms = [
        entry
        for form in protocol.forms
        if form.id not in at_visits
        for entry in _entries(form, subject, None, instances, context)
    ]
    return Casebook(
        subject=subject,
        protocol=protocol,
        visits=rows,
        subject_forms=subject_forms,
        locked=context.locked(subject, None, None),
    )


def form_target(
    subject: Subject, form_id: str, visit_pk: int | None = None, visit: Visit | None = None
) -> tuple[Form, Visit | None]:
    """The protocol form `form_id` of the subject and the visit (of that subject) it is
    filled at: `visit`, when the caller has read the subject's visit `visit_pk` already
    (`visits.selectors.subject_and_visit`), else read here. Visit.DoesNotExist or
    LookupError when there is no such form or visit."""
    protocol = protocol_for(subject)
    form = form_definition(protocol, form_id)
    if form is None:
        raise LookupError(f"The protocol has no form {form_id!r}.")
    if visit_pk is None:
        return form, None
    if visit is None or visit.pk != visit_pk or visit.subject_id != subject.pk:
        visit = fetch_one(Visit, "{id} = %s AND {subject_id} = %s", [visit_pk, subject.pk])
        if visit is None:
            raise Visit.DoesNotExist(f"Subject {subject.subject_number} has no visit {visit_pk}.")
        visit.subject = subject
    if form_id not in visit_forms(protocol).get(visit.visit_id, []):
        raise LookupError(f"Form {form_id} is not collected at visit {visit.label}.")
    return form, visit


def form_for(
    user: Any,
    study: Study,
    subject_number: str,
    form_id: str,
    visit_pk: int | None = None,
    repeat_index: int = 1,
) -> FormEntry:
    """One form of a subject (at a visit), filled or not. Subject.DoesNotExist,
    Visit.DoesNotExist or LookupError (no such form) when it is not there for the user."""
    subject = subject_selectors.get_subject(user, study, subject_number)
    form, visit = form_target(subject, form_id, visit_pk)
    instance = (
        FormInstance.objects.filter(
            subject=subject, visit=visit, form_id=form_id, repeat_index=repeat_index
        )
        .select_related("updated_by")
        .order_by("pk")
        .first()
    )
    rows = (
        list(instance.items.select_related("updated_by").order_by("pk"))
        if instance is not None
        else []
    )
    return _entry(form, subject, visit, repeat_index, instance, rows, _context(subject))


def saved_entry(
    subject: Subject, visit: Visit | None, repeat_index: int, result: SaveResult
) -> FormEntry:
    """The form as `save_form` just left it, built from the rows the save wrote. A save
    that changed something found no lock in force and invalidated every signature
    covering the form, so only the form's unresolved queries are needed: counted by the
    save, or read here (one query) when the save's checks raised queries; a save that
    changed nothing reads the subject's queries, signatures and locks."""
    assert result.form is not None
    instance = result.form_instance if result.form_instance.pk is not None else None
    rows = sorted(result.items.values(), key=lambda row: row.pk)
    if instance is not None and result.changed_items:
        unresolved = result.unresolved_queries
        if unresolved is None:
            unresolved = form_store.unresolved_queries(instance.pk)
        context = _Context({instance.pk: unresolved}, [], [])
        return _entry(
            result.form, subject, visit, repeat_index, instance, rows, context, result.validation
        )
    return _entry(result.form, subject, visit, repeat_index, instance, rows, _context(subject))


@dataclass(frozen=True)
class HistoryEntry:
    item_id: str
    action: str
    at: Any
    username: str
    old_value: str | None
    new_value: str | None
    reason: str


def _field_history_function() -> Any:
    try:
        module = importlib.import_module("oncotrial.apps.audit.selectors")
    except ModuleNotFoundError:
        return None
    return getattr(module, "field_history", None)


def item_history(entry: FormEntry, item_id: str | None = None) -> dict[str, list[HistoryEntry]]:
    """Each item's audit records, oldest first: who, when, old → new, reason. One query
    for the whole form; for one item through the audit selectors' `field_history`."""
    rows = {row.item.id: row.row for row in entry.items if row.row is not None}
    if item_id is not None:
        rows = {key: row for key, row in rows.items() if key == item_id}
    history: dict[str, list[HistoryEntry]] = {key: [] for key in rows}
    if not rows:
        return history
    field_history = _field_history_function()
    if item_id is not None and field_history is not None:
        (row,) = rows.values()
        records = list(field_history(ITEM_ENTITY, row.pk, item_id).order_by("id"))
    else:
        by_pk = {str(row.pk): key for key, row in rows.items()}
        records = [
            record
            for record in AuditRecord.objects.filter(
                entity=ITEM_ENTITY, entity_id__in=list(by_pk)
            ).order_by("id")
            if by_pk.get(record.entity_id) == record.field
        ]
    for record in records:
        history.setdefault(record.field, []).append(
            HistoryEntry(
                item_id=record.field,
                action=record.action,
                at=record.at,
                username=record.username,
                old_value=record.old_value,
                new_value=record.new_value,
                reason=record.reason,
            )
        )
    return history
