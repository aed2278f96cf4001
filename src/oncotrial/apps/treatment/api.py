"""REST endpoints of the treatment tables: administrations, surgeries, end of treatment and
next-line therapies (per subject: list and create; per row: read and change). They call
the same services as the pages."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from oncotrial.apps.treatment import services
from oncotrial.apps.treatment.models import (
    Administration,
    EndOfTreatment,
    NextLineTherapy,
    Surgery,
)
from oncotrial.apps.treatment.record_api import BOOKKEEPING, RecordSerializer, Spec, record_views
from oncotrial.apps.visits.models import Visit

ADMINISTRATION_FIELDS = [
    "intervention_id",
    "visit",
    "cycle",
    "day",
    "date",
    "dose",
    "dose_unit",
    "fraction_number",
    "fraction_dose_gy",
    "modification",
    "modification_reason",
]
SURGERY_FIELDS = ["date", "procedure", "procedure_other", "intent", "resection_margin", "notes"]
END_FIELDS = ["date", "primary_reason", "reason_other", "last_dose_date"]
NEXT_LINE_FIELDS = ["line_number", "regimen", "start_date", "progression_date"]


class AdministrationInput(serializers.ModelSerializer):
    class Meta:
        model = Administration
        fields = ADMINISTRATION_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        subject = self.context.get("subject")
        if subject is not None:
            # only the subject's own visits can be named (another site's do not exist)
            self.fields["visit"].queryset = Visit.objects.filter(subject=subject)


class AdministrationSerializer(RecordSerializer):
    given = serializers.BooleanField(read_only=True)

    class Meta:
        model = Administration
        fields = [*BOOKKEEPING, *ADMINISTRATION_FIELDS, "given"]


class SurgeryInput(serializers.ModelSerializer):
    class Meta:
        model = Surgery
        fields = SURGERY_FIELDS


class SurgerySerializer(RecordSerializer):
    procedure_label = serializers.CharField(read_only=True)

    class Meta:
        model = Surgery
        fields = [*BOOKKEEPING, *SURGERY_FIELDS, "procedure_label"]


class EndOfTreatmentInput(serializers.ModelSerializer):
    class Meta:
        model = EndOfTreatment
        fields = END_FIELDS


class EndOfTreatmentSerializer(RecordSerializer):
    reason_label = serializers.CharField(read_only=True)

    class Meta:
        model = EndOfTreatment
        fields = [*BOOKKEEPING, *END_FIELDS, "reason_label"]


class NextLineInput(serializers.ModelSerializer):
    class Meta:
        model = NextLineTherapy
        fields = NEXT_LINE_FIELDS


class NextLineSerializer(RecordSerializer):
    class Meta:
        model = NextLineTherapy
        fields = [*BOOKKEEPING, *NEXT_LINE_FIELDS]


AdministrationListApi, AdministrationDetailApi = record_views(
    Spec(
        "treatment_administrations",
        Administration,
        AdministrationSerializer,
        AdministrationInput,
        services.record_administration,
        services.change_administration,
        "administration",
    )
)
SurgeryListApi, SurgeryDetailApi = record_views(
    Spec(
        "treatment_surgeries",
        Surgery,
        SurgerySerializer,
        SurgeryInput,
        services.record_surgery,
        services.change_surgery,
        "surgery",
    )
)
EndOfTreatmentListApi, EndOfTreatmentDetailApi = record_views(
    Spec(
        "treatment_end_of_treatment",
        EndOfTreatment,
        EndOfTreatmentSerializer,
        EndOfTreatmentInput,
        services.record_end_of_treatment,
        services.change_end_of_treatment,
        "end of treatment",
    )
)
NextLineListApi, NextLineDetailApi = record_views(
    Spec(
        "treatment_next_lines",
        NextLineTherapy,
        NextLineSerializer,
        NextLineInput,
        services.record_next_line,
        services.change_next_line,
        "next-line therapy",
    )
)
