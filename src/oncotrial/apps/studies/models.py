"""Studies and the protocol versions loaded for them.

A study is identified by its protocol id (`key`). Each load of a changed protocol file
adds a `ProtocolVersion` holding the normalised protocol as JSON; the newest version (the
highest sequence number) is the current one. Writes go through `services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Study(models.Model):
    key = models.CharField(max_length=64, unique=True, help_text="The protocol id.")
    nct_id = models.CharField("NCT id", max_length=11, blank=True, default="")
    title = models.CharField(max_length=500)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.key


class ProtocolVersion(models.Model):
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="versions")
    label = models.CharField(max_length=64, help_text="The protocol's own version label.")
    sequence = models.PositiveIntegerField(help_text="1 for the first version loaded, then 2…")
    loaded_at = models.DateTimeField()
    source_name = models.CharField(max_length=255, help_text="Name of the file loaded.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file text (UTF-8).")
    protocol = models.JSONField(help_text="The normalised protocol.")
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["study", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "sequence"], name="studies_protocolversion_unique_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.study.key} v{self.label} (#{self.sequence})"
