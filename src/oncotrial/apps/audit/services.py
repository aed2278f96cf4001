"""Writing audit records. Every service that changes clinical data calls one of these
inside its own transaction."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from django.db import models, transaction
from django.utils import timezone

from oncotrial.apps.audit.models import AuditChainHead, AuditRecord
from oncotrial.apps.rows import cursor, execute_together
from oncotrial.domain.audit_chain import GENESIS_HASH, record_hash


def as_text(value: Any) -> str | None:
    """How a value is written in the audit trail."""
    if value is None:
        return None
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


class AuditContext:
    """Who changes what, where: the part of an audit record shared by its fields."""

    def __init__(
        self,
        user: Any,
        *,
        study_key: str = "",
        site_code: str = "",
        subject_ref: str = "",
        reason: str = "",
    ) -> None:
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.username = self.user.get_username() if self.user is not None else "system"
        self.study_key = study_key
        self.site_code = site_code
        self.subject_ref = subject_ref
        self.reason = reason


def _entity(instance: models.Model) -> str:
    return f"{instance._meta.app_label}.{instance._meta.model_name}"


_ATTNAMES = [field.attname for field in AuditRecord._meta.concrete_fields]
assert _ATTNAMES[0] == "id"


def _append(context: AuditContext, rows: Iterable[dict[str, Any]]) -> list[AuditRecord]:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit records are written inside the change's transaction")
    last_hash, count = _lock_head()
    now = timezone.now()
    previous = last_hash
    records = []
    user_id = context.user.pk if context.user is not None else None
    for row in rows:
        content = {
            "at": now.isoformat(),
            "username": context.username,
            "study_key": context.study_key,
            "site_code": context.site_code,
            "subject_ref": context.subject_ref,
            "reason": row.pop("reason", context.reason),
            **row,
        }
        digest = record_hash(previous, content)
        content.update(at=now, user_id=user_id, previous_hash=previous, hash=digest)
        # positional values in field order: Django's fast way to build an instance
        records.append(AuditRecord(None, *(content.get(name) for name in _ATTNAMES[1:])))
        previous = digest
    _insert(records, (previous, count + len(records)))
    return records


_TEXT_COLUMNS = (
    "username",
    "study_key",
    "site_code",
    "subject_ref",
    "entity",
    "entity_id",
    "field",
    "action",
    "old_value",
    "new_value",
    "reason",
    "previous_hash",
    "hash",
)


def _insert(records: list[AuditRecord], head: tuple[str, int]) -> None:
    """`bulk_create` of the records of one change (same rows, ids set), as multi-row
    INSERT … RETURNING statements built directly: the records share their time and are
    plain text otherwise, and the ORM's per-value preparation was most of the cost of
    writing a calendar's audit trail. The chain head then moves to `head` (last hash,
    count), with the last records (`rows.execute_together`: one statement on
    PostgreSQL)."""
    connection = transaction.get_connection()
    if not records or not connection.features.can_return_rows_from_bulk_insert:
        AuditRecord.objects.bulk_create(records)
        _move_head(*head)
        return
    quote = connection.ops.quote_name
    meta = AuditRecord._meta
    columns = ["at", "user_id", *_TEXT_COLUMNS]
    at = meta.get_field("at").get_db_prep_save(records[0].at, connection)
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    insert = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    per_statement = max(1, 999 // len(columns))  # within SQLite's default parameter limit
    _select, move_head = _head_sql()
    for start in range(0, len(records), per_statement):
        chunk = records[start : start + per_statement]
        params: list[Any] = []
        for record in chunk:
            assert record.at == records[0].at
            params.append(at)
            params.append(record.user_id)
            for name in _TEXT_COLUMNS:
                value = getattr(record, name)
                params.append(None if value is None else str(value))
        statements = [
            (insert + ", ".join([row] * len(chunk)) + f" RETURNING {quote('id')}", params)
        ]
        if start + per_statement >= len(records):
            statements.append((move_head, list(head)))  # after the records it moves to
        inserted = execute_together(statements, answer=0)
        for record, (pk,) in zip(chunk, inserted, strict=True):
            record.pk = pk
            record._state.adding = False
            record._state.db = connection.alias


def _head_sql() -> tuple[str, str]:
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table = quote(AuditChainHead._meta.db_table)
    lock = (
        " " + connection.ops.for_update_sql() if connection.features.has_select_for_update else ""
    )
    last_hash, count, key = quote("last_hash"), quote("count"), quote("id")
    select = f"SELECT {last_hash}, {count} FROM {table} WHERE {key} = 1"
    update = f"UPDATE {table} SET {last_hash} = %s, {count} = %s WHERE {key} = 1"
    return select + lock, update


def _lock_head() -> tuple[str, int]:
    """The chain head's hash and count, its row locked until the transaction ends (the
    head is made on first use). Plain SQL: it runs for every change."""
    select, _update = _head_sql()
    kept = cursor()
    kept.execute(select)
    row = kept.fetchone()
    if row is None:
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS_HASH}
        )
        return head.last_hash, head.count
    return str(row[0]), int(row[1])


def _move_head(last_hash: str, count: int) -> None:
    _select, update = _head_sql()
    cursor().execute(update, [last_hash, count])


def record_create(
    context: AuditContext, instance: models.Model, fields: Iterable[str]
) -> list[AuditRecord]:
    """One record per field of a newly created `instance`."""
    return _append(
        context,
        (
            {
                "entity": _entity(instance),
                "entity_id": str(instance.pk),
                "field": name,
                "action": AuditRecord.Action.CREATE,
                "old_value": None,
                "new_value": as_text(getattr(instance, name)),
            }
            for name in fields
        ),
    )


def record_create_many(
    context: AuditContext, instances: Iterable[models.Model], fields: Iterable[str]
) -> list[AuditRecord]:
    """The records of `record_create` for each of `instances`, in order, appended to the
    chain at once (one write instead of one per instance)."""
    names = list(fields)
    return _append(
        context,
        (
            {
                "entity": _entity(instance),
                "entity_id": str(instance.pk),
                "field": name,
                "action": AuditRecord.Action.CREATE,
                "old_value": None,
                "new_value": as_text(getattr(instance, name)),
            }
            for instance in instances
            for name in names
        ),
    )


def record_update(
    context: AuditContext, instance: models.Model, changes: Mapping[str, tuple[Any, Any]]
) -> list[AuditRecord]:
    """One record per changed field: `changes` maps field → (old, new)."""
    return _append(
        context,
        (
            {
                "entity": _entity(instance),
                "entity_id": str(instance.pk),
                "field": name,
                "action": AuditRecord.Action.UPDATE,
                "old_value": as_text(old),
                "new_value": as_text(new),
            }
            for name, (old, new) in changes.items()
            if as_text(old) != as_text(new)
        ),
    )


def record_updates(
    context: AuditContext, changed: Iterable[tuple[models.Model, Mapping[str, tuple[Any, Any]]]]
) -> list[AuditRecord]:
    """The records of `record_update` for each (instance, changes) of `changed`, in
    order, appended to the chain at once."""
    return _append(
        context,
        (
            {
                "entity": _entity(instance),
                "entity_id": str(instance.pk),
                "field": name,
                "action": AuditRecord.Action.UPDATE,
                "old_value": as_text(old),
                "new_value": as_text(new),
            }
            for instance, changes in changed
            for name, (old, new) in changes.items()
            if as_text(old) != as_text(new)
        ),
    )


class ValueChange(NamedTuple):
    """A value stored in a row under a name of its own rather than a model field (a CRF
    item in an item-value row): `created` when the row is new."""

    row: models.Model
    name: str
    old: Any
    new: Any
    created: bool = False


def record_values(context: AuditContext, changes: Iterable[ValueChange]) -> list[AuditRecord]:
    """One record per change, in order, appended to the chain at once: a create for a
    new row, else an update (none when old and new read the same)."""
    return _append(
        context,
        (
            {
                "entity": _entity(change.row),
                "entity_id": str(change.row.pk),
                "field": change.name,
                "action": AuditRecord.Action.CREATE
                if change.created
                else AuditRecord.Action.UPDATE,
                "old_value": None if change.created else as_text(change.old),
                "new_value": as_text(change.new),
            }
            for change in changes
            if change.created or as_text(change.old) != as_text(change.new)
        ),
    )


def record_delete(
    context: AuditContext, instance: models.Model, fields: Iterable[str]
) -> list[AuditRecord]:
    return _append(
        context,
        (
            {
                "entity": _entity(instance),
                "entity_id": str(instance.pk),
                "field": name,
                "action": AuditRecord.Action.DELETE,
                "old_value": as_text(getattr(instance, name)),
                "new_value": None,
            }
            for name in fields
        ),
    )
