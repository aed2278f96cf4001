"""Forms of the follow-up page: one per table, each validated again by its service."""

from __future__ import annotations

from django import forms

from oncotrial.apps.followup.models import Death, FollowUpContact, Recurrence, Withdrawal
from oncotrial.apps.subjects.forms import DateInput


class ContactForm(forms.ModelForm):
    class Meta:
        model = FollowUpContact
        fields = ["date", "method", "vital_status", "notes"]
        widgets = {"date": DateInput, "notes": forms.Textarea(attrs={"rows": 2})}


class RecurrenceForm(forms.ModelForm):
    class Meta:
        model = Recurrence
        fields = ["date", "site", "diagnosed_by", "notes"]
        widgets = {"date": DateInput, "notes": forms.Textarea(attrs={"rows": 2})}
        labels = {"site": "Where", "diagnosed_by": "How diagnosed"}


class DeathForm(forms.ModelForm):
    class Meta:
        model = Death
        fields = ["date", "cause", "cause_other"]
        widgets = {"date": DateInput}
        labels = {"date": "Date of death", "cause_other": "Other cause"}


class WithdrawalForm(forms.ModelForm):
    class Meta:
        model = Withdrawal
        fields = ["date", "kind", "withdrawal_reason", "last_dose_date", "survival_follow_up"]
        widgets = {
            "date": DateInput,
            "last_dose_date": DateInput,
            "withdrawal_reason": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "withdrawal_reason": "Reason",
            "last_dose_date": "Date of last dose",
            "survival_follow_up": "Survival follow-up continues",
        }
