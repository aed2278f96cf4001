"""Enrolled subjects, their arm, the events their calendar is timed from, and the
concealed allocation lists of randomized studies."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies.models import ProtocolVersion, Study


class Subject(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        ON_TREATMENT = "on_treatment", "On treatment"
        FOLLOW_UP = "follow_up", "In follow-up"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        LOST = "lost", "Lost to follow-up"
        DEAD = "dead", "Died"

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="subjects")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="subjects")
    candidate = models.OneToOneField(Candidate, on_delete=models.PROTECT, related_name="subject")
    subject_number = models.CharField(max_length=32)
    arm_id = models.CharField(max_length=64)
    assignment_method = models.CharField(
        max_length=16,
        choices=[("single_arm", "Single arm"), ("randomized", "Randomized"), ("rule", "By rule")],
    )
    stratum = models.CharField(max_length=200, blank=True, default="")
    regimen = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="The intervention whose cycle length times visits counted in cycles, where "
        "the protocol allows several regimens (e.g. AG or FOLFIRINOX).",
    )
    protocol_version = models.ForeignKey(
        ProtocolVersion,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The protocol version the subject was enrolled under.",
    )
    enrollment_date = models.DateField()
    enrolled_at = models.DateTimeField()
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ENROLLED)
    version = models.PositiveIntegerField(default=1)
    calendar_planned_until = models.DateField(
        null=True,
        blank=True,
        help_text="The day repeating visits are planned up to (bookkeeping of the visit "
        "calendar; recorded visits move it on).",
    )

    class Meta:
        ordering = ["study", "subject_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "subject_number"], name="subjects_subject_unique_number"
            )
        ]

    def __str__(self) -> str:
        return self.subject_number


class AnchorEvent(models.Model):
    """The date of an event a subject's visits are timed from (first dose, surgery…)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="anchor_events")
    anchor = models.CharField(max_length=64)
    date = models.DateField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["subject", "date"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "anchor"], name="subjects_anchor_unique")
        ]


class AllocationList(models.Model):
    """A concealed randomization list: generated once per study from a recorded seed."""

    study = models.OneToOneField(Study, on_delete=models.PROTECT, related_name="allocation_list")
    seed = models.CharField(max_length=64)
    ratio = models.JSONField()
    block_sizes = models.JSONField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )


class AllocationSlot(models.Model):
    allocation_list = models.ForeignKey(
        AllocationList, on_delete=models.PROTECT, related_name="slots"
    )
    stratum = models.CharField(max_length=200)
    sequence = models.PositiveIntegerField()
    arm_id = models.CharField(max_length=64)
    subject = models.OneToOneField(
        Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="allocation"
    )
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["allocation_list", "stratum", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation_list", "stratum", "sequence"], name="subjects_slot_unique"
            )
        ]
