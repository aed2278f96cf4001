"""Queries (discrepancy management): questions about a subject's data, raised by a data
manager or monitor, or by an automatic check when a value is saved.

Life of a query::

    open ──answer──▶ answered ──close──▶ closed
      ▲                 │                  │
      └────re-open──────┴──────────────────┘
    open ──close──▶ closed   (a data manager or monitor may close an open query)

Data managers and monitors (Action.RAISE_QUERY) open, re-open and close; investigators
and coordinators (Action.ANSWER_QUERY) answer. Each step writes a QueryMessage and the
audit records in one transaction; a step based on a stale version of the query is
refused with `QueryConflict`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from oncotrial.apps.accounts.access import require
from oncotrial.apps.audit.services import AuditContext, record_create, record_update
from oncotrial.apps.crfs.models import FormInstance, Query, QueryMessage
from oncotrial.apps.subjects.models import Subject
from oncotrial.domain.permissions import Action

QUERY_FIELDS = ["subject_id", "form_instance_id", "item_id", "check_id", "origin", "status", "text"]
MESSAGE_FIELDS = ["query_id", "action", "text"]

Status = Query.Status

# action → (statuses it may start from, status it leads to, permission it needs)
TRANSITIONS: dict[str, tuple[frozenset[str], str, Action]] = {
    QueryMessage.Action.ANSWER: (frozenset({Status.OPEN}), Status.ANSWERED, Action.ANSWER_QUERY),
    QueryMessage.Action.REOPEN: (
        frozenset({Status.ANSWERED, Status.CLOSED}),
        Status.OPEN,
        Action.RAISE_QUERY,
    ),
    QueryMessage.Action.CLOSE: (
        frozenset({Status.OPEN, Status.ANSWERED}),
        Status.CLOSED,
        Action.RAISE_QUERY,
    ),
}

VERBS = {
    QueryMessage.Action.ANSWER: "answered",
    QueryMessage.Action.REOPEN: "re-opened",
    QueryMessage.Action.CLOSE: "closed",
}


class QueryConflict(Exception):
    """The query changed since the user read it."""

    def __init__(self, query: Query, expected: int) -> None:
        self.query = query
        self.expected = expected
        self.current = query.version
        super().__init__(
            f"Query {query.pk} was changed by someone else (now {query.get_status_display()}, "
            f"version {query.version}; you read version {expected}). Reload and try again."
        )


def allowed_actions(query: Query) -> list[str]:
    """The steps the query's status allows (regardless of who asks)."""
    return [action for action, (sources, _, _) in TRANSITIONS.items() if query.status in sources]


def _context(user: Any, subject: Subject) -> AuditContext:
    return AuditContext(
        user,
        study_key=subject.study.key,
        site_code=subject.site.code,
        subject_ref=subject.subject_number,
    )


def _text(text: Any, what: str) -> str:
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise ValidationError({"text": [f"Write the {what}."]})
    return text


def _create(
    context: AuditContext,
    subject: Subject,
    *,
    text: str,
    origin: str,
    user: Any,
    form_instance: FormInstance | None,
    item_id: str,
    check_id: str = "",
) -> Query:
    now = timezone.now()
    query = Query.objects.create(
        study=subject.study,
        site=subject.site,
        subject=subject,
        form_instance=form_instance,
        item_id=item_id,
        check_id=check_id,
        origin=origin,
        status=Status.OPEN,
        text=text,
        raised_at=now,
        raised_by=user,
    )
    message = QueryMessage.objects.create(
        query=query, action=QueryMessage.Action.OPEN, text=text, at=now, by=user
    )
    record_create(context, query, QUERY_FIELDS)
    record_create(context, message, MESSAGE_FIELDS)
    return query


@transaction.atomic
def raise_query(
    user: Any,
    subject: Subject,
    text: str,
    *,
    form_instance: FormInstance | None = None,
    item_id: str = "",
) -> Query:
    """Open a query on a subject, one of their forms, or one item of a form."""
    subject = Subject.objects.select_related("study", "site").get(pk=subject.pk)
    require(user, subject.study, Action.RAISE_QUERY, subject.site)
    errors: dict[str, list[str]] = {}
    item_id = (item_id or "").strip()
    if form_instance is not None and form_instance.subject_id != subject.pk:
        errors["form_instance"] = ["That form does not belong to this subject."]
    if item_id and form_instance is None:
        errors["item_id"] = ["Name the form the item belongs to."]
    elif len(item_id) > 64:
        errors["item_id"] = ["Item ids are at most 64 characters."]
    try:
        text = _text(text, "question")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return _create(
        _context(user, subject),
        subject,
        text=text,
        origin=Query.Origin.MANUAL,
        user=user,
        form_instance=form_instance,
        item_id=item_id,
    )


@transaction.atomic
def raise_automatic(form_instance: FormInstance, item_id: str, check_id: str, text: str) -> Query:
    """Open a query raised by a check (no user; recorded as the system). When the same
    check already has an unresolved (open or answered) query on the same item, that
    query is returned and nothing new is written."""
    form_instance = (
        FormInstance.objects.select_for_update(of=("self",))
        .select_related("subject__study", "subject__site")
        .get(pk=form_instance.pk)
    )
    existing = (
        Query.objects.filter(
            form_instance=form_instance,
            item_id=item_id,
            check_id=check_id,
            origin=Query.Origin.AUTOMATIC,
            status__in=[Status.OPEN, Status.ANSWERED],
        )
        .order_by("raised_at", "id")
        .first()
    )
    if existing is not None:
        return existing
    subject = form_instance.subject
    return _create(
        _context(None, subject),
        subject,
        text=_text(text, "query text"),
        origin=Query.Origin.AUTOMATIC,
        user=None,
        form_instance=form_instance,
        item_id=item_id,
        check_id=check_id,
    )


def _step(user: Any, query: Query, action: str, text: str, expected_version: Any) -> Query:
    sources, target, permission = TRANSITIONS[action]
    query = (
        Query.objects.select_for_update(of=("self",))
        .select_related("study", "site", "subject__study", "subject__site")
        .get(pk=query.pk)
    )
    require(user, query.study, permission, query.site)
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise ValidationError(
            {"expected_version": ["Give the version of the query you read."]}
        ) from None
    if expected != query.version:
        raise QueryConflict(query, expected)
    if query.status not in sources:
        allowed = ", ".join(VERBS[a] for a in allowed_actions(query)) or "none"
        raise ValidationError(
            {
                "status": [
                    f"A query that is {query.get_status_display().lower()} cannot be "
                    f"{VERBS[action]} (it can be: {allowed})."
                ]
            }
        )
    text = _text(text, {"answer": "answer", "reopen": "reason", "close": "reason"}[action])
    now = timezone.now()
    changes: dict[str, tuple[Any, Any]] = {"status": (query.status, target)}
    query.status = target
    if target == Status.CLOSED:
        changes["closed_at"] = (query.closed_at, now)
        query.closed_at = now
    elif query.closed_at is not None:
        changes["closed_at"] = (query.closed_at, None)
        query.closed_at = None
    changes["version"] = (query.version, query.version + 1)
    query.version += 1
    query.save(update_fields=["status", "closed_at", "version"])
    message = QueryMessage.objects.create(query=query, action=action, text=text, at=now, by=user)
    context = _context(user, query.subject)
    record_update(context, query, changes)
    record_create(context, message, MESSAGE_FIELDS)
    return query


@transaction.atomic
def answer(user: Any, query: Query, text: str, expected_version: int) -> Query:
    """Answer an open query (investigator or coordinator at the query's site)."""
    return _step(user, query, QueryMessage.Action.ANSWER, text, expected_version)


@transaction.atomic
def reopen(user: Any, query: Query, text: str, expected_version: int) -> Query:
    """Re-open an answered or closed query, saying why (data manager or monitor)."""
    return _step(user, query, QueryMessage.Action.REOPEN, text, expected_version)


@transaction.atomic
def close(user: Any, query: Query, text: str, expected_version: int) -> Query:
    """Close an open or answered query, saying why (data manager or monitor)."""
    return _step(user, query, QueryMessage.Action.CLOSE, text, expected_version)
