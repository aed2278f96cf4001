"""Writing audit records. Every service that changes clinical data calls one of these
inside its own transaction."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from oncotrial.apps.audit.models import AuditChainHead, AuditRecord
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


def _append(context: AuditContext, rows: Iterable[dict[str, Any]]) -> list[AuditRecord]:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit records are written inside the change's transaction")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_hash": GENESIS_HASH}
    )
    now = timezone.now()
    previous = head.last_hash
    records = []
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
        records.append(
            AuditRecord(
                **{k: v for k, v in content.items() if k != "at"},
                at=now,
                user=context.user,
                previous_hash=previous,
                hash=digest,
            )
        )
        previous = digest
    AuditRecord.objects.bulk_create(records)
    head.last_hash = previous
    head.count += len(records)
    head.save(update_fields=["last_hash", "count"])
    return records


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
