"""The audit trail: one append-only, hash-chained record per changed value.

Records are written only by `audit.services.record_*`, inside the same transaction as
the change they describe. Each carries the hash of the record before it, so that any
edit or removal of a stored record breaks the chain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditRecord(models.Model):
    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"

    at = models.DateTimeField(help_text="When the change was made (UTC).")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, help_text="Who made the change, as recorded.")
    study_key = models.CharField(max_length=64, blank=True, default="")
    site_code = models.CharField(max_length=16, blank=True, default="")
    subject_ref = models.CharField(
        max_length=64, blank=True, default="", help_text="Subject or screening number."
    )
    entity = models.CharField(max_length=100, help_text="What changed, e.g. screening.candidate.")
    entity_id = models.CharField(max_length=64)
    field = models.CharField(max_length=100, blank=True, default="")
    action = models.CharField(max_length=8, choices=Action.choices)
    old_value = models.TextField(null=True, blank=True)
    new_value = models.TextField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["study_key", "subject_ref"]),
            models.Index(fields=["entity", "entity_id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.entity}:{self.entity_id}.{self.field}"


class AuditChainHead(models.Model):
    """One row holding the hash of the newest record; locked while a record is added so
    that concurrent writers extend the chain one after the other."""

    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)
