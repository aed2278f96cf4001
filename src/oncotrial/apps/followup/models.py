"""Follow-up: contacts, recurrence, death, withdrawal and loss to follow-up.

Rows are written only through `followup.services` (which go through the shared audited
write path in `apps/records.py`). These dates feed the survival endpoints (OS, RFS).
"""

from __future__ import annotations

from django.db import models

from oncotrial.apps.records import ClinicalRecord


class FollowUpContact(ClinicalRecord):
    """A survival contact: how the subject was reached and whether they were alive."""

    class Method(models.TextChoices):
        VISIT = "visit", "Visit"
        TELEPHONE = "telephone", "Telephone"
        EMAIL = "email", "E-mail"
        OTHER = "other", "Other"

    class VitalStatus(models.TextChoices):
        ALIVE = "alive", "Alive"
        DEAD = "dead", "Dead"
        UNKNOWN = "unknown", "Unknown"

    date = models.DateField()
    method = models.CharField(max_length=16, choices=Method.choices)
    vital_status = models.CharField(max_length=8, choices=VitalStatus.choices)
    notes = models.TextField(blank=True, default="")

    audited_fields = ("date", "method", "vital_status", "notes")

    class Meta:
        ordering = ["subject", "date", "pk"]
        verbose_name = "follow-up contact"


class Recurrence(ClinicalRecord):
    """Recurrence of disease after surgery (for relapse-free survival)."""

    class Site(models.TextChoices):
        LOCAL = "local", "Local"
        DISTANT = "distant", "Distant"
        BOTH = "both", "Local and distant"

    class Diagnosis(models.TextChoices):
        IMAGING = "imaging", "Imaging"
        BIOPSY = "biopsy", "Biopsy / pathology"
        MARKER = "tumour_marker", "Tumour marker rise"
        CLINICAL = "clinical", "Clinical examination"
        OTHER = "other", "Other"

    date = models.DateField()
    site = models.CharField(max_length=8, choices=Site.choices)
    diagnosed_by = models.CharField(max_length=16, choices=Diagnosis.choices)
    notes = models.TextField(blank=True, default="")

    audited_fields = ("date", "site", "diagnosed_by", "notes")

    class Meta:
        ordering = ["subject", "date", "pk"]


class Death(ClinicalRecord):
    class Cause(models.TextChoices):
        PROGRESSION = "disease_progression", "Disease progression"
        ADVERSE_EVENT = "adverse_event", "Adverse event"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    date = models.DateField()
    cause = models.CharField(max_length=32, choices=Cause.choices)
    cause_other = models.CharField(max_length=200, blank=True, default="")

    audited_fields = ("date", "cause", "cause_other")

    class Meta:
        ordering = ["subject"]
        constraints = [
            models.UniqueConstraint(fields=["subject"], name="followup_death_one_per_subject")
        ]

    @property
    def cause_label(self) -> str:
        if self.cause == self.Cause.OTHER and self.cause_other:
            return f"Other: {self.cause_other}"
        return self.get_cause_display()


class Withdrawal(ClinicalRecord):
    """The subject left the study early: consent withdrawn, lost, or taken off by the
    investigator (one per subject)."""

    class Kind(models.TextChoices):
        CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
        LOST = "lost_to_follow_up", "Lost to follow-up"
        INVESTIGATOR = "investigator_decision", "Investigator decision"

    date = models.DateField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    withdrawal_reason = models.TextField(blank=True, default="")
    last_dose_date = models.DateField(null=True, blank=True)
    survival_follow_up = models.BooleanField(
        default=False, help_text="Survival status may still be collected."
    )

    audited_fields = ("date", "kind", "withdrawal_reason", "last_dose_date", "survival_follow_up")

    class Meta:
        ordering = ["subject"]
        constraints = [
            models.UniqueConstraint(fields=["subject"], name="followup_withdrawal_one_per_subject")
        ]
