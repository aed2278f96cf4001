"""Adverse events graded by CTCAE, their relationship to each study intervention, the
serious adverse event reports with their expedited-reporting clock, and the imported
CTCAE catalogues."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from oncotrial.apps.records import ClinicalRecord
from oncotrial.domain.ctcae.events import SERIOUSNESS_CRITERIA


class CtcaeCatalogue(models.Model):
    """One imported NCI CTCAE workbook (one per version; a new import replaces it)."""

    version = models.CharField(max_length=8, unique=True, help_text="5.0 or 4.03.")
    source = models.CharField(max_length=255, help_text="The file name imported.")
    sheet = models.CharField(max_length=128)
    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["version"]

    def __str__(self) -> str:
        return f"CTCAE {self.version}"


class CtcaeTerm(models.Model):
    catalogue = models.ForeignKey(CtcaeCatalogue, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=255)
    term_key = models.CharField(max_length=255, help_text="The term, case-folded.")
    soc = models.CharField(max_length=255)
    meddra_code = models.CharField(max_length=16, blank=True, default="")
    descriptions = models.JSONField(
        default=dict, help_text='Grade → description, for the grades the term allows ("1": …).'
    )
    definition = models.TextField(blank=True, default="")
    navigational_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "term_key"], name="safety_term_once")
        ]

    def __str__(self) -> str:
        return self.term


class Outcome(models.TextChoices):
    RECOVERED = "recovered", "Recovered / resolved"
    RECOVERING = "recovering", "Recovering / resolving"
    NOT_RECOVERED = "not_recovered", "Not recovered / not resolved"
    SEQUELAE = "recovered_with_sequelae", "Recovered with sequelae"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


class ActionTaken(models.TextChoices):
    NONE = "dose_not_changed", "Dose not changed"
    REDUCED = "dose_reduced", "Dose reduced"
    INTERRUPTED = "drug_interrupted", "Drug interrupted"
    WITHDRAWN = "drug_withdrawn", "Drug withdrawn"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    UNKNOWN = "unknown", "Unknown"


class Relationship(models.TextChoices):
    NOT_RELATED = "not_related", "Not related"
    UNLIKELY = "unlikely", "Unlikely"
    POSSIBLE = "possible", "Possible"
    PROBABLE = "probable", "Probable"
    DEFINITE = "definite", "Definite"


RELATED = {Relationship.POSSIBLE, Relationship.PROBABLE, Relationship.DEFINITE}
"""The relationships counted as treatment-related."""

CRITERIA = tuple(name for name, _label in SERIOUSNESS_CRITERIA)


class AdverseEvent(ClinicalRecord):
    term_entered = models.CharField(max_length=255, help_text="The term as entered.")
    term = models.CharField(max_length=255, help_text="The matched CTCAE term.")
    soc = models.CharField("MedDRA SOC", max_length=255)
    meddra_code = models.CharField(max_length=16, blank=True, default="")
    ctcae_version = models.CharField(max_length=8, help_text="The protocol's CTCAE version.")
    grade = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    onset_date = models.DateField()
    resolution_date = models.DateField(null=True, blank=True)
    ongoing = models.BooleanField(default=False)
    serious = models.BooleanField(default=False)
    death = models.BooleanField("Results in death", default=False)
    life_threatening = models.BooleanField("Life-threatening", default=False)
    hospitalisation = models.BooleanField(
        "Requires hospitalisation or prolongation of hospitalisation", default=False
    )
    disability = models.BooleanField(
        "Results in persistent or significant disability or incapacity", default=False
    )
    congenital_anomaly = models.BooleanField("Congenital anomaly or birth defect", default=False)
    medically_important = models.BooleanField("Other important medical event", default=False)
    aware_at = models.DateTimeField(
        "Site aware at",
        null=True,
        blank=True,
        help_text="When the site became aware of the serious event (UTC).",
    )
    action_taken = models.CharField(
        max_length=24, choices=ActionTaken.choices, default=ActionTaken.NONE
    )
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    description = models.TextField(blank=True, default="")

    audited_fields: ClassVar[tuple[str, ...]] = (
        "term_entered",
        "term",
        "soc",
        "meddra_code",
        "ctcae_version",
        "grade",
        "onset_date",
        "resolution_date",
        "ongoing",
        "serious",
        *CRITERIA,
        "aware_at",
        "action_taken",
        "outcome",
        "description",
    )

    class Meta:
        ordering = ["onset_date", "pk"]
        verbose_name = "adverse event"

    def __str__(self) -> str:
        return f"{self.term} grade {self.grade}"

    @property
    def criteria(self) -> list[str]:
        return [name for name in CRITERIA if getattr(self, name)]

    @property
    def criteria_labels(self) -> list[str]:
        return [str(self._meta.get_field(name).verbose_name) for name in self.criteria]


class AeRelationship(ClinicalRecord):
    """The investigator's assessment of the event's relationship to one intervention."""

    adverse_event = models.ForeignKey(
        AdverseEvent, on_delete=models.CASCADE, related_name="relationships"
    )
    intervention_id = models.CharField(max_length=64)
    relationship = models.CharField(max_length=16, choices=Relationship.choices)

    audited_fields: ClassVar[tuple[str, ...]] = ("intervention_id", "relationship")

    class Meta:
        ordering = ["pk"]
        verbose_name = "relationship to an intervention"
        constraints = [
            models.UniqueConstraint(
                fields=["adverse_event", "intervention_id"], name="safety_relationship_once"
            )
        ]


class SaeReport(ClinicalRecord):
    """An expedited report of a serious adverse event to the sponsor (and ethics
    committee): the initial report, then follow-ups."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial"
        FOLLOW_UP = "follow_up", "Follow-up"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"

    adverse_event = models.ForeignKey(
        AdverseEvent, on_delete=models.PROTECT, related_name="sae_reports"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sequence = models.PositiveSmallIntegerField(help_text="0 for the initial report, then 1, 2…")
    due_at = models.DateTimeField(help_text="When the report is due at the sponsor (UTC).")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    sent_to_sponsor_at = models.DateTimeField(null=True, blank=True)
    sent_to_ethics_at = models.DateTimeField(null=True, blank=True)
    narrative = models.TextField(blank=True, default="")

    audited_fields: ClassVar[tuple[str, ...]] = (
        "kind",
        "sequence",
        "due_at",
        "status",
        "sent_to_sponsor_at",
        "sent_to_ethics_at",
        "narrative",
    )

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = "SAE report"
        constraints = [
            models.UniqueConstraint(
                fields=["adverse_event", "sequence"], name="safety_report_sequence_once"
            )
        ]

    @property
    def label(self) -> str:
        return "Initial report" if self.sequence == 0 else f"Follow-up #{self.sequence}"

    @property
    def on_time(self) -> bool | None:
        if self.sent_to_sponsor_at is None:
            return None
        return self.sent_to_sponsor_at <= self.due_at
