"""Forms of the treatment page: one per table, each validated again by its service."""

from __future__ import annotations

from typing import Any

from django import forms

from oncotrial.apps.subjects.forms import DateInput
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.treatment.models import (
    Administration,
    EndOfTreatment,
    NextLineTherapy,
    Surgery,
)
from oncotrial.apps.treatment.services import administered_interventions
from oncotrial.domain.protocol import Protocol


class AdministrationForm(forms.ModelForm):
    intervention_id = forms.ChoiceField(label="Intervention")

    class Meta:
        model = Administration
        fields = [
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
        widgets = {"date": DateInput, "modification_reason": forms.TextInput}
        help_texts = {
            "dose_unit": "As written on the prescription (mg, mg/m2, mg/kg…).",
            "fraction_number": "Radiotherapy only.",
        }

    def __init__(self, *args: Any, protocol: Protocol, subject: Subject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = administered_interventions(protocol, subject.arm_id)
        self.fields["intervention_id"].choices = [(i.id, i.name) for i in choices]
        self.fields["visit"].queryset = subject.visits.exclude(cancelled=True).order_by(
            "target_date"
        )
        self.fields["visit"].required = False
        if not any(i.type == "radiation" for i in choices):
            del self.fields["fraction_number"]
            del self.fields["fraction_dose_gy"]


class SurgeryForm(forms.ModelForm):
    class Meta:
        model = Surgery
        fields = ["date", "procedure", "procedure_other", "intent", "resection_margin", "notes"]
        widgets = {"date": DateInput, "notes": forms.Textarea(attrs={"rows": 2})}
        labels = {"procedure_other": "Other procedure"}


class EndOfTreatmentForm(forms.ModelForm):
    class Meta:
        model = EndOfTreatment
        fields = ["date", "primary_reason", "reason_other", "last_dose_date"]
        widgets = {"date": DateInput, "last_dose_date": DateInput}
        labels = {
            "primary_reason": "Reason",
            "reason_other": "Other reason",
            "last_dose_date": "Date of last dose",
        }


class NextLineForm(forms.ModelForm):
    class Meta:
        model = NextLineTherapy
        fields = ["line_number", "regimen", "start_date", "progression_date"]
        widgets = {"start_date": DateInput, "progression_date": DateInput}
        labels = {"progression_date": "Progression on this line"}
