"""Forms of the tumour pages: a baseline lesion, an assessment with one row per baseline
lesion (and a few rows for new lesions), and the investigator's response."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from oncotrial.apps.tumour.models import Lesion, LesionResult, Method
from oncotrial.apps.tumour.series import AssessmentEntry, LesionEntry, NewLesionEntry
from oncotrial.apps.visits.models import Visit

NEW_ROWS = 3
"""Rows offered for new lesions (more can be added through the API)."""

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _mm_field(label: str, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_digits=6,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "inputmode": "decimal"}),
    )


class LesionForm(forms.Form):
    code = forms.CharField(max_length=16, help_text="T1, T2… for targets; NT1… for non-targets.")
    kind = forms.ChoiceField(label="Kind", choices=Lesion.Kind.choices)
    organ = forms.CharField(max_length=64, help_text="All lymph nodes count as one organ.")
    location = forms.CharField(max_length=200, required=False)
    nodal = forms.BooleanField(label="Lymph node (short axis measured)", required=False)
    method = forms.ChoiceField(choices=Method.choices, initial=Method.CT)
    slice_thickness_mm = _mm_field("Slice thickness (mm)")
    baseline_date = forms.DateField(label="Baseline imaging date", widget=DATE)
    baseline_mm = _mm_field("Longest diameter at baseline (mm; short axis for a node)")

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["location"] = data.get("location") or ""
        return data


class OverrideForm(forms.Form):
    investigator_response = forms.ChoiceField(label="Investigator's response", required=False)
    override_reason = forms.CharField(
        label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, codes: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["investigator_response"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "— none (clear) —"), *((c, c) for c in codes)]


class AssessmentForm(forms.Form):
    """One row per baseline lesion: `result_<code>` and `mm_<code>` (and, for iRECIST
    non-targets, `increased_<code>`), then `new<i>_…` rows for new lesions."""

    assessment_date = forms.DateField(label="Imaging date", widget=DATE)
    method = forms.ChoiceField(choices=Method.choices, initial=Method.CT)
    visit = forms.ModelChoiceField(queryset=Visit.objects.none(), required=False)

    def __init__(
        self,
        *args: Any,
        lesions: list[Lesion],
        visits: list[Visit],
        irecist: bool = False,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lesions = lesions
        self.irecist = irecist
        visit_field = self.fields["visit"]
        assert isinstance(visit_field, forms.ModelChoiceField)
        visit_field.queryset = Visit.objects.filter(pk__in=[v.pk for v in visits]).order_by(
            "target_date"
        )
        visit_field.label_from_instance = lambda v: (  # type: ignore[method-assign]
            f"{v.label} #{v.occurrence} ({v.target_date.isoformat()})"
        )
        labels = dict(LesionResult.Result.choices)
        for lesion in lesions:
            allowed = (
                LesionResult.TARGET_RESULTS if lesion.is_target else LesionResult.NON_TARGET_RESULTS
            )
            self.fields[f"result_{lesion.code}"] = forms.ChoiceField(
                label=f"{lesion.code} result",
                choices=[(c, labels[c]) for c in allowed],
                initial="measured" if lesion.is_target else "present",
            )
            self.fields[f"mm_{lesion.code}"] = _mm_field(f"{lesion.code} size (mm)")
            if irecist and not lesion.is_target:
                self.fields[f"increased_{lesion.code}"] = forms.BooleanField(
                    label=f"{lesion.code} increased since the last assessment", required=False
                )
        for i in range(NEW_ROWS):
            self.fields[f"new{i}_code"] = forms.CharField(
                label=f"New lesion {i + 1} code", max_length=16, required=False
            )
            self.fields[f"new{i}_organ"] = forms.CharField(
                label=f"New lesion {i + 1} organ", max_length=64, required=False
            )
            self.fields[f"new{i}_location"] = forms.CharField(
                label=f"New lesion {i + 1} location", max_length=200, required=False
            )
            self.fields[f"new{i}_nodal"] = forms.BooleanField(
                label=f"New lesion {i + 1} is a node", required=False
            )
            self.fields[f"new{i}_equivocal"] = forms.BooleanField(
                label=f"New lesion {i + 1} equivocal", required=False
            )
            self.fields[f"new{i}_mm"] = _mm_field(f"New lesion {i + 1} size (mm)")
        if editing:
            self.fields["reason"] = forms.CharField(
                label="Reason for the change", widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields["expected_version"] = forms.IntegerField(widget=forms.HiddenInput)

    def rows(self) -> list[dict[str, Any]]:
        """The lesion rows of the table: the lesion and its bound fields."""
        return [
            {
                "lesion": lesion,
                "result": self[f"result_{lesion.code}"],
                "mm": self[f"mm_{lesion.code}"],
                "increased": self[f"increased_{lesion.code}"]
                if f"increased_{lesion.code}" in self.fields
                else None,
            }
            for lesion in self.lesions
        ]

    def new_rows(self) -> list[dict[str, Any]]:
        names = ("code", "organ", "location", "nodal", "equivocal", "mm")
        return [{n: self[f"new{i}_{n}"] for n in names} for i in range(NEW_ROWS)]

    def entry(self) -> AssessmentEntry:
        """The entry from the cleaned data (call after is_valid)."""
        data = self.cleaned_data
        lesions = {}
        for lesion in self.lesions:
            result = data.get(f"result_{lesion.code}")
            if not result:
                continue
            lesions[lesion.code] = LesionEntry(
                result,
                data.get(f"mm_{lesion.code}"),
                data.get(f"increased_{lesion.code}") or None
                if self.irecist and not lesion.is_target
                else None,
            )
        news = []
        for i in range(NEW_ROWS):
            code = (data.get(f"new{i}_code") or "").strip()
            if not code:
                continue
            news.append(
                NewLesionEntry(
                    code=code,
                    organ=data.get(f"new{i}_organ") or "",
                    location=data.get(f"new{i}_location") or "",
                    nodal=bool(data.get(f"new{i}_nodal")),
                    equivocal=bool(data.get(f"new{i}_equivocal")),
                    mm=data.get(f"new{i}_mm"),
                )
            )
        return AssessmentEntry(
            assessment_date=data["assessment_date"],
            method=data.get("method") or Method.CT,
            visit=data.get("visit"),
            lesions=lesions,
            new_lesions=news,
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        """A service's errors next to the field: a lesion's under its result, new-lesion
        problems under the first new-lesion code."""
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        codes = {lesion.code for lesion in self.lesions}
        for key, messages in errors.items():
            for message in messages:
                if key in codes:
                    self.add_error(f"result_{key}", message)
                elif key == "new_lesions":
                    self.add_error("new0_code", message)
                elif key in self.fields:
                    self.add_error(key, message)
                else:
                    self.add_error(None, message)


def initial_from(entry: AssessmentEntry, version: int) -> dict[str, Any]:
    """The form's initial values for a saved assessment."""
    initial: dict[str, Any] = {
        "assessment_date": entry.assessment_date,
        "method": entry.method,
        "visit": entry.visit,
        "expected_version": version,
    }
    for code, given in entry.lesions.items():
        initial[f"result_{code}"] = given.result
        initial[f"mm_{code}"] = given.mm
        initial[f"increased_{code}"] = bool(given.increased_since_last)
    for i, new in enumerate(entry.new_lesions[:NEW_ROWS]):
        initial.update(
            {
                f"new{i}_code": new.code,
                f"new{i}_organ": new.organ,
                f"new{i}_location": new.location,
                f"new{i}_nodal": new.nodal,
                f"new{i}_equivocal": new.equivocal,
                f"new{i}_mm": new.mm,
            }
        )
    return initial
