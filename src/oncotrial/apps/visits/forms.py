"""Forms of the calendar: record a visit date, mark a visit missed."""

from __future__ import annotations

from django import forms


class RecordVisitForm(forms.Form):
    actual_date = forms.DateField(
        label="Visit date", widget=forms.DateInput(attrs={"type": "date"})
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        required=False, max_length=500, help_text="Needed when you change what was recorded."
    )


class MissedVisitForm(forms.Form):
    reason = forms.CharField(label="Reason missed", max_length=500)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
