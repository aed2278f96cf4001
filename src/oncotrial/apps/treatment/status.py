"""A subject's status as treatment and follow-up move it on (on treatment, in follow-up,
withdrawn, lost, dead), changed in the caller's transaction with its audit record.

The subjects service changes the status itself when it records an anchor event (first
dose, end of treatment, death); this module covers the changes that have no anchor
event (a first administration without one, a loss to follow-up) and puts the status
back when the record that set it is deleted.
"""

from __future__ import annotations

from typing import Any

from oncotrial.apps.audit.services import record_update
from oncotrial.apps.records import audit_context
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject

TERMINAL = frozenset(
    {
        Subject.Status.DEAD,
        Subject.Status.WITHDRAWN,
        Subject.Status.LOST,
        Subject.Status.COMPLETED,
    }
)
"""Statuses that treatment records do not move a subject out of."""


def set_status(user: Any, subject: Subject, status: str, reason: str = "") -> Subject:
    """Move `subject` to `status` (no-op when it is there already); one audit record."""
    locked = subject_selectors.reread_locked(subject.pk)
    if locked.status == status:
        return locked
    old = locked.status
    locked.status = status
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    record_update(audit_context(user, locked, reason), locked, {"status": (old, status)})
    subject.status, subject.version = locked.status, locked.version
    return locked


def current_status(subject: Subject) -> str:
    """The subject's status re-read from the database."""
    return Subject.objects.values_list("status", flat=True).get(pk=subject.pk)
