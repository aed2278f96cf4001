"""Forms of the subject pages: enrollment and anchor events."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from oncotrial.apps.subjects.services import anchor_choices, regimen_choices
from oncotrial.domain.protocol import Protocol


class DateInput(forms.DateInput):
    input_type = "date"


class EnrollForm(forms.Form):
    enrollment_date = forms.DateField(widget=DateInput, initial=timezone.localdate)
    arm_id = forms.ChoiceField(label="Arm", required=False)

    def __init__(self, *args: Any, protocol: Protocol, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        design = protocol.design
        chosen_by_user = (
            design.randomization is None
            and len(design.arms) > 1
            and not any(a.assignment_rule is not None for a in design.arms)
        )
        if chosen_by_user:
            self.fields["arm_id"].choices = [("", "Choose an arm")] + [
                (a.id, a.label) for a in design.arms
            ]
            self.fields["arm_id"].required = True
        else:
            del self.fields["arm_id"]


class AnchorEventForm(forms.Form):
    anchor = forms.ChoiceField(label="Event")
    date = forms.DateField(widget=DateInput)
    reason = forms.CharField(
        required=False,
        max_length=500,
        help_text="Needed when you change a date already recorded.",
    )

    regimen = forms.ChoiceField(
        required=False,
        help_text="Times the visits counted in treatment cycles.",
    )

    def __init__(
        self, *args: Any, protocol: Protocol, arm_id: str = "", regimen: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["anchor"].choices = list(anchor_choices(protocol).items())
        regimens = regimen_choices(protocol, arm_id)
        if regimens:
            self.fields["regimen"].choices = [("", "—"), *regimens.items()]
            self.fields["regimen"].initial = regimen
        else:
            del self.fields["regimen"]
