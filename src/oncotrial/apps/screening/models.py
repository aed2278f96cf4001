"""Screening: candidates, the values their eligibility is judged on, the investigator's
attestations and confirmation, and informed consent.

Identifying details (name, date of birth) are protected health information: they are
optional, and only roles allowed to see them are shown them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.studies.models import ProtocolVersion, Study


class Candidate(models.Model):
    class Status(models.TextChoices):
        SCREENING = "screening", "In screening"
        SCREEN_FAILED = "screen_failed", "Screen failure"
        ELIGIBLE = "eligible", "Eligible (confirmed)"
        ENROLLED = "enrolled", "Enrolled"
        DECLINED = "declined", "Declined / not enrolled"

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="candidates")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="candidates")
    screening_number = models.CharField(max_length=32)
    protocol_version = models.ForeignKey(
        ProtocolVersion,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The protocol version the candidate was screened under.",
    )
    initials = models.CharField(max_length=8, blank=True, default="")
    full_name = models.CharField("name (PHI)", max_length=200, blank=True, default="")
    date_of_birth = models.DateField("date of birth (PHI)", null=True, blank=True)
    sex = models.CharField(
        max_length=8, blank=True, default="", choices=[("female", "Female"), ("male", "Male")]
    )
    screening_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCREENING)
    outcome_reason = models.TextField(blank=True, default="")
    registered_at = models.DateTimeField()
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change.")

    class Meta:
        ordering = ["study", "site", "screening_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "screening_number"], name="screening_candidate_unique_number"
            )
        ]

    def __str__(self) -> str:
        return self.screening_number


class ScreeningValue(models.Model):
    """One screening variable's value for a candidate (the newest; history is audited)."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="values")
    variable = models.CharField(max_length=64)
    value = models.JSONField()
    unit = models.CharField(max_length=32, blank=True, default="")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["candidate", "variable"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "variable"], name="screening_value_unique_variable"
            )
        ]


class Attestation(models.Model):
    """The investigator's answer to a checklist criterion (one without a rule)."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="attestations")
    criterion_id = models.CharField(max_length=32)
    satisfied = models.BooleanField(
        help_text="Inclusion: the criterion is met. Exclusion: the criterion does not apply."
    )
    attested_at = models.DateTimeField()
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "criterion_id"], name="screening_attestation_unique"
            )
        ]


class EligibilityConfirmation(models.Model):
    """An investigator's confirmation of a passed eligibility check, with the evaluation
    as it stood (criterion by criterion) at that moment."""

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="confirmations")
    confirmed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    evaluation = models.JSONField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-confirmed_at"]


class Consent(models.Model):
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="consents")
    protocol_version = models.ForeignKey(
        ProtocolVersion,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The protocol version consented to.",
    )
    form_version = models.CharField(max_length=32, help_text="Consent form version signed.")
    consented_at = models.DateTimeField()
    obtained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-consented_at"]
