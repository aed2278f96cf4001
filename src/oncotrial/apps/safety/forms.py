"""Forms of the adverse event pages. They parse what was typed; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from oncotrial.apps.safety.models import ActionTaken, Outcome, Relationship
from oncotrial.domain.ctcae.events import SERIOUSNESS_CRITERIA

GRADE_CHOICES = [("", "—"), *((str(g), f"Grade {g}") for g in range(1, 6))]


class AdverseEventForm(forms.Form):
    term = forms.CharField(
        label="CTCAE term",
        max_length=255,
        widget=forms.TextInput(attrs={"list": "ctcae-terms", "autocomplete": "off"}),
    )
    grade = forms.TypedChoiceField(choices=GRADE_CHOICES, coerce=int, empty_value=None)
    onset_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ongoing = forms.BooleanField(required=False, label="Ongoing")
    resolution_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    outcome = forms.ChoiceField(choices=[("", "—"), *Outcome.choices])
    action_taken = forms.ChoiceField(
        label="Action taken with the study treatment", choices=ActionTaken.choices
    )
    serious = forms.BooleanField(required=False, label="Serious adverse event")
    criteria = forms.MultipleChoiceField(
        label="Seriousness criteria",
        choices=SERIOUSNESS_CRITERIA,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    aware_at = forms.DateTimeField(
        label="Site became aware (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, interventions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interventions = interventions
        for intervention_id, name in interventions:
            self.fields[f"rel_{intervention_id}"] = forms.ChoiceField(
                label=f"Relationship to {name}",
                choices=[("", "—"), *Relationship.choices],
                required=False,
            )

    def event_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "term",
                "grade",
                "onset_date",
                "resolution_date",
                "ongoing",
                "serious",
                "criteria",
                "aware_at",
                "action_taken",
                "outcome",
                "description",
            )
        }

    def relationships(self) -> dict[str, str]:
        return {
            i: self.cleaned_data.get(f"rel_{i}") or ""
            for i, _name in self.interventions
            if self.cleaned_data.get(f"rel_{i}")
        }

    def relationship_fields(self) -> list[forms.BoundField]:
        return [self[f"rel_{i}"] for i, _name in self.interventions]

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            target = name if name in self.fields else None
            if name == "relationships" and self.interventions:
                target = f"rel_{self.interventions[0][0]}"
            for message in messages:
                self.add_error(target, message)


class ChangeEventForm(AdverseEventForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason for the change", max_length=500, required=False)


class SentForm(forms.Form):
    sent_to_sponsor_at = forms.DateTimeField(
        label="Sent to the sponsor (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    sent_to_ethics_at = forms.DateTimeField(
        label="Sent to the ethics committee (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    narrative = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason (when correcting)", required=False, max_length=500)
