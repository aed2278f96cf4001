"""Forms of the screening pages. They only collect input: the services validate it (one
implementation for pages and API) and their field messages are put back on the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from oncotrial.apps.screening import services
from oncotrial.apps.screening.models import Candidate
from oncotrial.domain.eligibility import ScreeningField
from oncotrial.domain.protocol.variables import ScreeningVariable

UNIT_SUFFIX = "__unit"
YES_NO = [("", "—"), ("yes", "Yes"), ("no", "No")]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's field messages on the form (unknown fields: non-field errors)."""
    for name, messages in error.message_dict.items():
        field = name if name in form.fields and name != "version" else None
        for message in messages:
            form.add_error(field, message)


class RegisterForm(forms.Form):
    site = forms.ChoiceField(label="Site")
    screening_number = forms.CharField(
        label="Screening number",
        required=False,
        max_length=32,
        help_text="Leave empty to get the next number of the site (S-<site>-001…).",
    )
    screening_date = forms.DateField(
        label="Screening date", widget=forms.DateInput(attrs={"type": "date"})
    )
    initials = forms.CharField(label="Initials", required=False, max_length=8)
    sex = forms.ChoiceField(
        label="Sex", required=False, choices=[("", "—"), ("female", "Female"), ("male", "Male")]
    )
    full_name = forms.CharField(
        label="Name (PHI)",
        required=False,
        max_length=200,
        help_text="Optional; shown only to roles allowed to see identifying details.",
    )
    date_of_birth = forms.DateField(
        label="Date of birth (PHI)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional; the age at screening is taken from it.",
    )

    def __init__(self, *args: Any, sites: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(s.code, f"{s.code} {s.name}") for s in sites]
        self.fields["site"].choices = choices
        if len(choices) == 1:
            self.fields["site"].initial = choices[0][0]
        self.fields["screening_date"].initial = dt.date.today()


def _value_field(variable: ScreeningField) -> forms.Field:
    label = variable.label
    attrs: dict[str, str] = {}
    if variable.type in ("number", "integer"):
        attrs["inputmode"] = "numeric" if variable.type == "integer" else "decimal"
        hint = []
        if variable.minimum is not None:
            hint.append(f"≥ {variable.minimum:g}")
        if variable.maximum is not None:
            hint.append(f"≤ {variable.maximum:g}")
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.TextInput(attrs={**attrs, "size": "8"}),
            help_text=", ".join(hint),
        )
    if variable.type == "boolean":
        return forms.ChoiceField(label=label, required=False, choices=YES_NO)
    if variable.type == "choice":
        choices = [("", "—"), *[(c, c.replace("_", " ")) for c in variable.choices]]
        return forms.ChoiceField(label=label, required=False, choices=choices)
    if variable.type == "date":
        return forms.CharField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    return forms.CharField(label=label, required=False, max_length=500)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    return str(value)


class ValuesForm(forms.Form):
    """One field per screening variable the protocol uses, with a unit select for
    numeric variables that have units."""

    reason = forms.CharField(
        label="Reason for change",
        required=False,
        max_length=500,
        help_text="Needed when you change or clear a value already recorded.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        fields: list[ScreeningField],
        variables: Mapping[str, ScreeningVariable],
        stored: Mapping[str, tuple[Any, str]],
        candidate: Candidate,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.screening_fields = fields
        self.fields["version"].initial = candidate.version
        for item in fields:
            self.fields[item.id] = _value_field(item)
            value, unit = stored.get(item.id, (None, ""))
            self.fields[item.id].initial = _shown(value)
            units = services.unit_choices(variables[item.id])
            if units:
                self.fields[item.id + UNIT_SUFFIX] = forms.ChoiceField(
                    label=f"Unit of {item.label.lower()}",
                    choices=[(u, u) for u in units],
                    required=False,
                    initial=unit or units[0],
                )
        self.order_fields([*[f.id for f in fields], "reason", "version"])

    def rows(self) -> list[dict[str, Any]]:
        """For the template: each variable's field, unit field and the criteria using it."""
        out = []
        for item in self.screening_fields:
            unit_name = item.id + UNIT_SUFFIX
            out.append(
                {
                    "field": self[item.id],
                    "unit": self[unit_name] if unit_name in self.fields else None,
                    "used_by": ", ".join(item.used_by),
                }
            )
        return out

    def raw_values(self) -> dict[str, tuple[Any, str | None]]:
        """The posted values as the services take them ({variable: (value, unit)})."""
        data = self.data
        out: dict[str, tuple[Any, str | None]] = {}
        for item in self.screening_fields:
            if item.id not in data:
                continue
            out[item.id] = (data.get(item.id, ""), data.get(item.id + UNIT_SUFFIX) or None)
        return out

    def changed_values(
        self, stored: Mapping[str, tuple[Any, str]]
    ) -> dict[str, tuple[Any, str | None]]:
        """Only what differs from the stored values (so an untouched field is no change)."""
        out = {}
        for name, (value, unit) in self.raw_values().items():
            old_value, old_unit = stored.get(name, (None, ""))
            same_value = _shown(old_value) == str(value).strip()
            same_unit = not unit or not old_unit or unit == old_unit
            if not (same_value and same_unit):
                out[name] = (value, unit)
        return out


class AttestationForm(forms.Form):
    reason = forms.CharField(
        label="Reason for change",
        required=False,
        max_length=500,
        help_text="Needed when you change an earlier answer.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        items: list[tuple[str, str, str]],
        answers: Mapping[str, bool],
        candidate: Candidate,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["version"].initial = candidate.version
        for criterion_id, section, text in items:
            yes = "Met" if section == "inclusion" else "Does not apply"
            no = "Not met" if section == "inclusion" else "Applies"
            self.fields[criterion_id] = forms.ChoiceField(
                label=f"{criterion_id}: {text}",
                required=False,
                choices=[("", "Not yet answered"), ("yes", yes), ("no", no)],
                widget=forms.RadioSelect,
                initial={True: "yes", False: "no"}.get(answers.get(criterion_id)),  # type: ignore[arg-type]
            )
        self.order_fields([*[i[0] for i in items], "reason", "version"])

    def answers(self) -> dict[str, bool | None]:
        out: dict[str, bool | None] = {}
        for criterion_id, _, _ in self.items:
            raw = self.cleaned_data.get(criterion_id, "")
            out[criterion_id] = {"yes": True, "no": False}.get(raw)
        return out


class ConsentForm(forms.Form):
    consented_at = forms.DateTimeField(
        label="Consent given at (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    obtained_by = forms.ChoiceField(label="Consent obtained by")
    form_version = forms.CharField(label="Consent form version", required=False, max_length=32)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        people: Iterable[Any],
        default_form: str,
        candidate: Candidate,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["obtained_by"].choices = [(p.pk, p.get_username()) for p in people]
        self.fields["form_version"].help_text = f"Default: {default_form}."
        self.fields["form_version"].widget.attrs["placeholder"] = default_form
        self.fields["version"].initial = candidate.version


class ScreenFailureForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the screen failure", widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
