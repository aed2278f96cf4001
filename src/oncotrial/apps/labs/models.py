"""Laboratory results with units, normal ranges and xULN.

One row per analyte per collection: the value as the laboratory reported it, in its
unit, with the normal range it reported (the catalogue's adult range when the
laboratory gave none), so that the L/H flag and the multiple of the upper limit of
normal are those of the laboratory that measured it.
"""

from __future__ import annotations

from django.db import models

from oncotrial.apps.records import ClinicalRecord
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import labs


class LabResult(ClinicalRecord):
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="lab_results"
    )
    assessment_id = models.CharField(
        max_length=64, help_text="The protocol's lab assessment (panel) the result belongs to."
    )
    analyte = models.CharField(max_length=32, help_text="The catalogue's analyte id.")
    value = models.FloatField()
    unit = models.CharField(max_length=16, blank=True, default="")
    lower_limit = models.FloatField(null=True, blank=True, help_text="In the result's unit.")
    upper_limit = models.FloatField(null=True, blank=True, help_text="In the result's unit.")
    collection_date = models.DateField()

    audited_fields = (
        "visit",
        "assessment_id",
        "analyte",
        "value",
        "unit",
        "lower_limit",
        "upper_limit",
        "collection_date",
    )
    visit_field = "visit"

    class Meta:
        ordering = ["subject", "collection_date", "assessment_id", "analyte", "pk"]
        indexes = [models.Index(fields=["subject", "analyte", "collection_date"])]
        verbose_name = "lab result"

    def __str__(self) -> str:
        return f"{self.analyte} {self.value:g} {self.unit} on {self.collection_date}"

    @property
    def catalogue(self) -> labs.Analyte:
        return labs.BY_ID[self.analyte]

    @property
    def label(self) -> str:
        return self.catalogue.label

    @property
    def flag(self) -> labs.Flag:
        return labs.flag(self.value, self.lower_limit, self.upper_limit)

    @property
    def times_uln(self) -> float | None:
        return labs.times_uln(self.value, self.upper_limit)

    @property
    def value_in_default_unit(self) -> float:
        return labs.convert(self.catalogue, self.value, self.unit, self.catalogue.unit)
