"""Comparing the audit records a service call wrote with what it should have written."""

from __future__ import annotations

from contextlib import contextmanager

from oncotrial.apps.audit.models import AuditRecord


class Written:
    records: list[AuditRecord]

    def fields(self) -> list[tuple[str, str, str]]:
        """(entity, field, action) of each record, in order."""
        return [(r.entity, r.field, r.action) for r in self.records]


@contextmanager
def audit_written():
    """Collect the audit records written inside the block."""
    last = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    written = Written()
    written.records = []
    yield written
    written.records = list(AuditRecord.objects.filter(id__gt=last).order_by("id"))
