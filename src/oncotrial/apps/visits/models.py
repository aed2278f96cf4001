"""Each subject's visit calendar, materialised from the protocol's schedule.

Planned dates and windows come from the domain's calendar; what happened (the actual
date, or that the visit was missed) is recorded here. Status (upcoming, due, overdue,
done, missed) depends on today and is computed when read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from oncotrial.apps.subjects.models import Subject


class Visit(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="visits")
    visit_id = models.CharField(max_length=64, help_text="The protocol's visit id.")
    occurrence = models.PositiveIntegerField(default=1)
    label = models.CharField(max_length=200)
    anchor = models.CharField(max_length=64)
    day = models.IntegerField(help_text="Days from the anchor date (day 0 = anchor).")
    target_date = models.DateField()
    window_start = models.DateField()
    window_end = models.DateField()
    is_follow_up = models.BooleanField(default=False)
    actual_date = models.DateField(null=True, blank=True)
    missed = models.BooleanField(default=False)
    missed_reason = models.TextField(blank=True, default="")
    cancelled = models.BooleanField(
        default=False, help_text="No longer due (e.g. after progression ended the cycle)."
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["subject", "target_date", "visit_id", "occurrence"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "visit_id", "occurrence"], name="visits_visit_unique"
            )
        ]
        indexes = [models.Index(fields=["window_start", "window_end"])]

    def __str__(self) -> str:
        return f"{self.subject} {self.visit_id}#{self.occurrence}"
