"""Treatment given: administrations, surgery, end of treatment, next-line therapy.

Rows are written only through `treatment.services` (which go through the shared audited
write path in `apps/records.py`). Dates are dates; doses carry their unit; radiotherapy
is recorded per fraction with its dose in Gy.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models

from oncotrial.apps.records import ClinicalRecord
from oncotrial.apps.visits.models import Visit


class Administration(ClinicalRecord):
    """One administration (or one radiotherapy fraction) of a protocol intervention."""

    class Modification(models.TextChoices):
        NONE = "none", "As planned"
        REDUCED = "reduced", "Dose reduced"
        DELAYED = "delayed", "Delayed"
        INTERRUPTED = "interrupted", "Interrupted"
        OMITTED = "omitted", "Omitted"

    intervention_id = models.CharField(
        max_length=64, help_text="The protocol's intervention id (e.g. anlotinib)."
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="administrations"
    )
    cycle = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    day = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Day of the cycle."
    )
    date = models.DateField()
    dose = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    dose_unit = models.CharField(max_length=32, blank=True, default="")
    fraction_number = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    fraction_dose_gy = models.DecimalField(
        "fraction dose (Gy)",
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    modification = models.CharField(
        max_length=16, choices=Modification.choices, default=Modification.NONE
    )
    modification_reason = models.TextField(blank=True, default="")

    audited_fields = (
        "intervention_id",
        "visit_id",
        "cycle",
        "day",
        "date",
        "dose",
        "dose_unit",
        "fraction_number",
        "fraction_dose_gy",
        "modification",
        "modification_reason",
    )
    visit_field = "visit"

    class Meta:
        ordering = ["subject", "date", "intervention_id", "pk"]
        indexes = [models.Index(fields=["subject", "date"])]

    @property
    def given(self) -> bool:
        """A dose was given (the administration was not omitted)."""
        return self.modification != self.Modification.OMITTED


class Surgery(ClinicalRecord):
    class Procedure(models.TextChoices):
        WHIPPLE = "whipple", "Pancreaticoduodenectomy (Whipple)"
        PPPD = "pppd", "Pylorus-preserving pancreaticoduodenectomy"
        DISTAL_SPLENECTOMY = "distal_splenectomy", "Distal pancreatectomy with splenectomy"
        DISTAL_SPLEEN_PRESERVING = (
            "distal_spleen_preserving",
            "Distal pancreatectomy (spleen preserving)",
        )
        TOTAL = "total_pancreatectomy", "Total pancreatectomy"
        HEPATIC_WEDGE = "hepatic_wedge", "Hepatic wedge resection"
        HEPATIC_SEGMENTECTOMY = "hepatic_segmentectomy", "Hepatic segmentectomy"
        HEMIHEPATECTOMY = "hemihepatectomy", "Hemihepatectomy"
        ABLATION = "ablation", "Radiofrequency / microwave ablation"
        OTHER = "other", "Other"

    class Intent(models.TextChoices):
        RADICAL = "radical", "Radical"
        PALLIATIVE = "palliative", "Palliative"

    class Margin(models.TextChoices):
        R0 = "R0", "R0 (microscopically clear)"
        R1 = "R1", "R1 (microscopic residual)"
        R2 = "R2", "R2 (macroscopic residual)"

    date = models.DateField()
    procedure = models.CharField(max_length=32, choices=Procedure.choices)
    procedure_other = models.CharField(max_length=200, blank=True, default="")
    intent = models.CharField(max_length=16, choices=Intent.choices)
    resection_margin = models.CharField(
        max_length=2, choices=Margin.choices, blank=True, default=""
    )
    notes = models.TextField(blank=True, default="")

    audited_fields = (
        "date",
        "procedure",
        "procedure_other",
        "intent",
        "resection_margin",
        "notes",
    )

    class Meta:
        ordering = ["subject", "date", "pk"]
        verbose_name_plural = "surgeries"

    @property
    def procedure_label(self) -> str:
        if self.procedure == self.Procedure.OTHER and self.procedure_other:
            return f"Other: {self.procedure_other}"
        return self.get_procedure_display()


class EndOfTreatment(ClinicalRecord):
    """When and why study treatment ended (one per subject)."""

    class Reason(models.TextChoices):
        COMPLETED = "completed", "Completed per protocol"
        PROGRESSION = "progression", "Disease progression"
        TOXICITY = "toxicity", "Unacceptable toxicity"
        CONSENT_WITHDRAWN = "consent_withdrawn", "Withdrawal of consent"
        INVESTIGATOR = "investigator_decision", "Investigator decision"
        DEATH = "death", "Death"
        LOST = "lost_to_follow_up", "Lost to follow-up"
        OTHER = "other", "Other"

    date = models.DateField()
    primary_reason = models.CharField(max_length=32, choices=Reason.choices)
    reason_other = models.CharField(max_length=200, blank=True, default="")
    last_dose_date = models.DateField(null=True, blank=True)

    audited_fields = ("date", "primary_reason", "reason_other", "last_dose_date")

    class Meta:
        ordering = ["subject"]
        verbose_name = "end of treatment"
        verbose_name_plural = "ends of treatment"
        constraints = [
            models.UniqueConstraint(fields=["subject"], name="treatment_end_one_per_subject")
        ]

    @property
    def reason_label(self) -> str:
        if self.primary_reason == self.Reason.OTHER and self.reason_other:
            return f"Other: {self.reason_other}"
        return self.get_primary_reason_display()


class NextLineTherapy(ClinicalRecord):
    """A further line of anticancer therapy after study treatment (for PFS2)."""

    line_number = models.PositiveIntegerField(validators=[MinValueValidator(2)])
    regimen = models.CharField(max_length=200)
    start_date = models.DateField()
    progression_date = models.DateField(
        null=True, blank=True, help_text="Progression on this therapy (PFS2)."
    )

    audited_fields = ("line_number", "regimen", "start_date", "progression_date")

    class Meta:
        ordering = ["subject", "line_number"]
        verbose_name = "next-line therapy"
        verbose_name_plural = "next-line therapies"
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "line_number"], name="treatment_next_line_unique_number"
            )
        ]
