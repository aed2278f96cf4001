"""Tumour assessments: the lesions chosen at baseline, what each imaging date showed, and
the responses the RECIST 1.1 / iRECIST engine computes from them.

What a reader enters (lesions, sizes, statuses, new lesions, an investigator's own
assessment and its reason) is audited like every clinical table. What the engine
computes (sums, % changes, time-point responses, the subject's best overall response
and progression date) is stored beside the entry and recomputed by the services after
every change, so that pages, exports and endpoints read one consistent series.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from oncotrial.apps.records import ClinicalRecord
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit


def mm_field(help_text: str = "") -> models.DecimalField:
    """A size in millimetres, to 0.1 mm, never negative; empty when not given."""
    return models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=help_text,
    )


class Method(models.TextChoices):
    CT = "ct", "CT"
    MRI = "mri", "MRI"
    OTHER = "other", "Other"


class Lesion(ClinicalRecord):
    """A lesion chosen at baseline: a target (measured) or a non-target (followed)."""

    class Kind(models.TextChoices):
        TARGET = "target", "Target"
        NON_TARGET = "non_target", "Non-target"

    code = models.CharField(max_length=16, help_text="E.g. T1, T2, NT1; unique per subject.")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    organ = models.CharField(max_length=64)
    location = models.CharField(max_length=200, blank=True, default="")
    nodal = models.BooleanField(default=False, help_text="A lymph node (short axis measured).")
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.CT)
    slice_thickness_mm = mm_field("Slice thickness of the imaging, in mm.")
    baseline_date = models.DateField()
    baseline_mm = mm_field("Longest diameter (short axis for a node) at baseline, in mm.")

    audited_fields = (
        "code",
        "kind",
        "organ",
        "location",
        "nodal",
        "method",
        "slice_thickness_mm",
        "baseline_date",
        "baseline_mm",
    )

    class Meta:
        ordering = ["subject", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "code"], name="tumour_lesion_unique_code")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_target(self) -> bool:
        return self.kind == self.Kind.TARGET

    def clean(self) -> None:
        if self.kind == self.Kind.TARGET and self.baseline_mm is None:
            raise ValidationError(
                {"baseline_mm": ["A target lesion needs its baseline diameter in mm."]}
            )


class Response(models.TextChoices):
    """Time-point and best responses, spelled as the engine spells them."""

    CR = "CR", "CR – complete response"
    PR = "PR", "PR – partial response"
    SD = "SD", "SD – stable disease"
    NON_CR_NON_PD = "NON-CR/NON-PD", "Non-CR/non-PD"
    PD = "PD", "PD – progressive disease"
    NE = "NE", "NE – not evaluable"
    ICR = "iCR", "iCR"
    IPR = "iPR", "iPR"
    ISD = "iSD", "iSD"
    INON_CR_NON_PD = "iNON-CR/NON-PD", "iNon-CR/non-PD"
    IUPD = "iUPD", "iUPD – unconfirmed progression"
    ICPD = "iCPD", "iCPD – confirmed progression"


RECIST_CODES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
IRECIST_CODES = ("iCR", "iPR", "iSD", "iNON-CR/NON-PD", "iUPD", "iCPD", "NE")


class TumourAssessment(ClinicalRecord):
    """One imaging time point after baseline, with the engine's results beside it."""

    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessment_date = models.DateField()
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.CT)
    # the investigator's own time-point response, when it differs from the computed one
    investigator_response = models.CharField(
        max_length=16, choices=Response.choices, blank=True, default=""
    )
    override_reason = models.TextField(blank=True, default="")
    # computed by the engine (RECIST 1.1 or iRECIST, as the protocol says)
    criteria = models.CharField(max_length=16, blank=True, default="")
    sum_mm = models.FloatField(null=True, blank=True)
    assessed_sum_mm = models.FloatField(null=True, blank=True)
    nadir_mm = models.FloatField(null=True, blank=True)
    change_from_baseline_pct = models.FloatField(null=True, blank=True)
    change_from_nadir_pct = models.FloatField(null=True, blank=True)
    target_response = models.CharField(max_length=16, blank=True, default="")
    non_target_response = models.CharField(max_length=16, blank=True, default="")
    new_lesions_response = models.CharField(max_length=16, blank=True, default="")
    computed_response = models.CharField(max_length=16, blank=True, default="")
    computed_notes = models.JSONField(default=list, blank=True)

    audited_fields = (
        "visit",
        "assessment_date",
        "method",
        "investigator_response",
        "override_reason",
    )
    visit_field = "visit"
    computed_fields = (
        "criteria",
        "sum_mm",
        "assessed_sum_mm",
        "nadir_mm",
        "change_from_baseline_pct",
        "change_from_nadir_pct",
        "target_response",
        "non_target_response",
        "new_lesions_response",
        "computed_response",
        "computed_notes",
    )

    class Meta:
        ordering = ["subject", "assessment_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "assessment_date"], name="tumour_assessment_unique_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.assessment_date.isoformat()}"

    def clean(self) -> None:
        if self.investigator_response and not self.override_reason.strip():
            raise ValidationError(
                {
                    "override_reason": [
                        "Give the reason the investigator's response differs from the computed one."
                    ]
                }
            )
        if self.override_reason and not self.investigator_response:
            raise ValidationError(
                {"investigator_response": ["Choose the investigator's response, or clear both."]}
            )

    @property
    def overridden(self) -> bool:
        return bool(self.investigator_response)


class LesionResult(ClinicalRecord):
    """What one baseline lesion showed at one assessment."""

    class Result(models.TextChoices):
        MEASURED = "measured", "Measured"
        TOO_SMALL = "too_small", "Too small to measure (5 mm)"
        PRESENT = "present", "Present"
        ABSENT = "absent", "Absent"
        UNEQUIVOCAL_PROGRESSION = "unequivocal_progression", "Unequivocal progression"
        NOT_EVALUABLE = "not_evaluable", "Not evaluable"

    TARGET_RESULTS = ("measured", "too_small", "not_evaluable")
    NON_TARGET_RESULTS = ("present", "absent", "unequivocal_progression", "not_evaluable")

    assessment = models.ForeignKey(
        TumourAssessment, on_delete=models.CASCADE, related_name="lesion_results"
    )
    lesion = models.ForeignKey(Lesion, on_delete=models.PROTECT, related_name="results")
    result = models.CharField(max_length=32, choices=Result.choices)
    mm = mm_field("Longest diameter (short axis for a node) in mm; 0 when it disappeared.")
    increased_since_last = models.BooleanField(
        null=True,
        blank=True,
        help_text="iRECIST: non-target disease increased since the previous assessment.",
    )

    audited_fields = ("lesion", "result", "mm", "increased_since_last")

    class Meta:
        ordering = ["assessment", "lesion__kind", "lesion__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "lesion"], name="tumour_result_unique_lesion"
            )
        ]


class NewLesion(ClinicalRecord):
    """A lesion not present at baseline, seen at one assessment. The same code at later
    assessments is the same lesion (its size followed under iRECIST)."""

    assessment = models.ForeignKey(
        TumourAssessment, on_delete=models.CASCADE, related_name="new_lesions"
    )
    code = models.CharField(max_length=16, help_text="E.g. NL1; the same code when seen again.")
    organ = models.CharField(max_length=64)
    location = models.CharField(max_length=200, blank=True, default="")
    nodal = models.BooleanField(default=False)
    equivocal = models.BooleanField(default=False)
    mm = mm_field("Size in mm where measurable (iRECIST new-lesion targets); 0 = resolved.")
    increased_since_last = models.BooleanField(null=True, blank=True)

    audited_fields = (
        "code",
        "organ",
        "location",
        "nodal",
        "equivocal",
        "mm",
        "increased_since_last",
    )

    class Meta:
        ordering = ["assessment", "code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "code"], name="tumour_new_unique_code")
        ]


class TumourSummary(models.Model):
    """The subject's best overall response and progression date, as of the last change."""

    subject = models.OneToOneField(Subject, on_delete=models.CASCADE, related_name="tumour_summary")
    criteria = models.CharField(max_length=16)
    start_date = models.DateField(null=True, blank=True)
    start_source = models.CharField(
        max_length=64, blank=True, default="", help_text="first_dose, another anchor, enrollment"
    )
    baseline_date = models.DateField(null=True, blank=True)
    baseline_sum_mm = models.FloatField(null=True, blank=True)
    best_overall_response = models.CharField(max_length=16, blank=True, default="")
    best_overall_response_date = models.DateField(null=True, blank=True)
    confirmed = models.BooleanField(null=True, blank=True)
    confirmation_date = models.DateField(null=True, blank=True)
    progression_date = models.DateField(null=True, blank=True)
    iupd_dates = models.JSONField(default=list, blank=True)
    icpd_date = models.DateField(null=True, blank=True)
    notes = models.JSONField(default=list, blank=True)
    problems = models.JSONField(
        default=list, blank=True, help_text="Why the series could not be evaluated."
    )
    evaluated_at = models.DateTimeField()

    tracked_fields = (
        "criteria",
        "start_date",
        "baseline_sum_mm",
        "best_overall_response",
        "best_overall_response_date",
        "confirmed",
        "confirmation_date",
        "progression_date",
        "icpd_date",
    )
