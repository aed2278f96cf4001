"""Forms of the specimen pages: collection and transfer."""

from __future__ import annotations

from typing import Any

from django import forms

from oncotrial.apps.specimens.models import (
    AmountUnit,
    SpecimenTransfer,
    SpecimenType,
    TransferCondition,
)

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CollectForm(forms.Form):
    label = forms.CharField(max_length=64, label="Label or barcode")
    specimen_type = forms.ChoiceField(choices=SpecimenType.choices, label="Type")
    amount = forms.FloatField(min_value=0)
    amount_unit = forms.ChoiceField(choices=AmountUnit.choices, label="Unit")
    collected_at = forms.DateTimeField(widget=DATETIME, label="Collected at (UTC)")
    storage_location = forms.CharField(max_length=200, label="Where it is kept")
    assessment_id = forms.ChoiceField(required=False, label="Protocol assessment")
    visit = forms.ChoiceField(required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        assessments: dict[str, str] | None = None,
        visits: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessment_id"].choices = [
            ("", "Not scheduled by the protocol"),
            *(assessments or {}).items(),
        ]
        self.fields["visit"].choices = [
            ("", "No visit"),
            *[
                (str(v.pk), f"{v.label}" + (f" #{v.occurrence}" if v.occurrence > 1 else ""))
                for v in visits or []
            ],
        ]


class TransferForm(forms.Form):
    to_location = forms.CharField(max_length=200, label="To")
    transferred_at = forms.DateTimeField(widget=DATETIME, label="Handed over at (UTC)")
    handed_over_by = forms.CharField(max_length=150, label="Handed over by")
    received_by = forms.CharField(max_length=150, label="Received by")
    condition = forms.ChoiceField(choices=TransferCondition.choices)
    status_after = forms.ChoiceField(
        choices=SpecimenTransfer._meta.get_field("status_after").choices,
        label="Status on receipt",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
