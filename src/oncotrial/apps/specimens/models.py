"""Biospecimens and their chain of custody.

A specimen is collected from a subject (at a visit, for one of the protocol's specimen
assessments), labelled with a code unique in the study, and kept somewhere. Each
handover is a transfer: from where it was to where it goes, when, who handed it over,
who received it and in what condition. A transfer moves the specimen (its storage
location and status) in the same transaction, so the specimen always says where the
last transfer left it.
"""

from __future__ import annotations

from django.db import models

from oncotrial.apps.records import ClinicalRecord
from oncotrial.apps.studies.models import Study
from oncotrial.apps.visits.models import Visit


class SpecimenType(models.TextChoices):
    TUMOUR_TISSUE = "tumour_tissue", "Tumour tissue"
    ADJACENT_NORMAL = "adjacent_normal_tissue", "Adjacent normal tissue"
    BLOOD = "blood", "Whole blood"
    PLASMA = "plasma", "Plasma"
    SERUM = "serum", "Serum"
    PBMC = "pbmc", "PBMC"
    STOOL = "stool", "Stool"
    URINE = "urine", "Urine"
    OTHER = "other", "Other"


class AmountUnit(models.TextChoices):
    MG = "mg", "mg"
    G = "g", "g"
    ML = "mL", "mL"
    UL = "uL", "µL"
    CORES = "cores", "cores"
    SLIDES = "slides", "slides"


class SpecimenStatus(models.TextChoices):
    COLLECTED = "collected", "Collected"
    STORED = "stored", "Stored"
    SHIPPED = "shipped", "Shipped"
    USED = "used", "Used up"
    DESTROYED = "destroyed", "Destroyed"


FINAL_STATUSES = (SpecimenStatus.USED, SpecimenStatus.DESTROYED)


class Specimen(ClinicalRecord):
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="specimens")
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="specimens"
    )
    assessment_id = models.CharField(
        max_length=64, blank=True, default="", help_text="The protocol's specimen assessment."
    )
    specimen_type = models.CharField(max_length=32, choices=SpecimenType.choices)
    amount = models.FloatField()
    amount_unit = models.CharField(max_length=8, choices=AmountUnit.choices)
    collected_at = models.DateTimeField()
    label = models.CharField(max_length=64, help_text="Label or barcode, unique in the study.")
    storage_location = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=SpecimenStatus.choices, default=SpecimenStatus.COLLECTED
    )
    notes = models.TextField(blank=True, default="")

    audited_fields = (
        "visit",
        "assessment_id",
        "specimen_type",
        "amount",
        "amount_unit",
        "collected_at",
        "label",
        "storage_location",
        "status",
        "notes",
    )
    visit_field = "visit"

    class Meta:
        ordering = ["subject", "collected_at", "label"]
        constraints = [
            models.UniqueConstraint(fields=["study", "label"], name="specimens_label_unique")
        ]
        indexes = [models.Index(fields=["study", "status", "storage_location"])]
        verbose_name = "specimen"

    def __str__(self) -> str:
        return self.label


class TransferCondition(models.TextChoices):
    FROZEN = "frozen", "Frozen (dry ice or −80 °C)"
    CHILLED = "chilled", "Chilled (2–8 °C)"
    AMBIENT = "ambient", "Ambient temperature"
    FIXED = "fixed", "Fixed (formalin or paraffin)"
    COMPROMISED = "compromised", "Compromised (thawed, leaking or damaged)"


class SpecimenTransfer(ClinicalRecord):
    specimen = models.ForeignKey(Specimen, on_delete=models.PROTECT, related_name="transfers")
    from_location = models.CharField(max_length=200)
    to_location = models.CharField(max_length=200)
    transferred_at = models.DateTimeField()
    handed_over_by = models.CharField(max_length=150)
    received_by = models.CharField(max_length=150)
    condition = models.CharField(max_length=16, choices=TransferCondition.choices)
    status_after = models.CharField(
        max_length=16,
        choices=[(s.value, s.label) for s in SpecimenStatus if s != SpecimenStatus.COLLECTED],
        default=SpecimenStatus.STORED,
        help_text="The specimen's status once received.",
    )
    notes = models.TextField(blank=True, default="")

    audited_fields = (
        "specimen",
        "from_location",
        "to_location",
        "transferred_at",
        "handed_over_by",
        "received_by",
        "condition",
        "status_after",
        "notes",
    )

    class Meta:
        ordering = ["specimen", "transferred_at", "pk"]
        verbose_name = "specimen transfer"

    def __str__(self) -> str:
        return f"{self.specimen} {self.from_location} → {self.to_location}"
