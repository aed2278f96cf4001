"""The write path for laboratory results.

`record_panel` saves every analyte of one of the protocol's lab assessments collected on
one day, in one transaction: each value is checked (a unit the analyte is reported in,
not negative, not above the physiological limit, a sane normal range) and any problem
refuses the whole panel with a message under the analyte's id. `change_result` and
`delete_result` need a reason. `record_screening_labs` turns a screening candidate's lab
results into the screening variables eligibility rules read (in the variable's unit, or
×ULN). Every write goes through `oncotrial.apps.records` (role, locks, versions, audit).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from oncotrial.apps import records
from oncotrial.apps.labs.models import LabResult
from oncotrial.apps.screening import selectors as screening_selectors
from oncotrial.apps.screening import services as screening
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies.selectors import protocol_of
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import labs
from oncotrial.domain.eligibility import protocol_variables
from oncotrial.domain.permissions import Action
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.schedule import Assessment


@dataclass(frozen=True)
class Entry:
    """One analyte's result as checked for saving."""

    analyte: labs.Analyte
    value: float
    unit: str
    lower_limit: float | None
    upper_limit: float | None


def lab_assessments(protocol: Protocol) -> list[Assessment]:
    return [a for a in protocol.schedule.assessments if a.kind == "lab"]


def lab_assessment(protocol: Protocol, assessment_id: str) -> Assessment:
    for assessment in lab_assessments(protocol):
        if assessment.id == assessment_id:
            return assessment
    known = ", ".join(a.id for a in lab_assessments(protocol)) or "none"
    raise ValidationError(
        {
            "assessment_id": [
                f"{assessment_id!r} is not a lab assessment of this protocol (its lab "
                f"assessments: {known})."
            ]
        }
    )


def panel_analytes(assessment: Assessment) -> list[labs.Analyte]:
    try:
        return labs.assessment_analytes(assessment)
    except labs.UnknownAnalyteError as exc:
        raise ValidationError({"assessment_id": [str(exc)]}) from None


def _number(raw: Any, what: str) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError(f"Enter a number for the {what}.")
    try:
        number = float(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"Enter a number for the {what} (got {raw!r}).") from None
    if not math.isfinite(number):
        raise ValueError(f"Enter a finite number for the {what}.")
    return number


def _as_mapping(raw: Any) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, tuple):
        value, unit = raw
        return {"value": value, "unit": unit}
    return {"value": raw}


def check_entry(analyte: labs.Analyte, raw: Mapping[str, Any]) -> Entry | None:
    """The entry to save, or None when no value was given. ValueError names the problem."""
    value = _number(raw.get("value"), "value")
    if value is None:
        return None
    try:
        unit = labs.lab_unit(analyte, raw.get("unit") or None).symbol
    except labs.LabUnitError as exc:
        raise ValueError(f"{exc}.") from None
    check = labs.check_value(analyte, value, unit)
    if check.problems:
        raise ValueError(" ".join(check.problems))
    lower = _number(raw.get("lower_limit"), "lower limit of normal")
    upper = _number(raw.get("upper_limit"), "upper limit of normal")
    if lower is None and upper is None:
        default = labs.default_range(analyte, unit)
        lower, upper = default.lower, default.upper
    if (lower is not None and lower < 0) or (upper is not None and upper < 0):
        raise ValueError("A normal limit cannot be negative.")
    if lower is not None and upper is not None and lower >= upper:
        raise ValueError(
            f"The lower limit of normal ({lower:g}) must be below the upper ({upper:g})."
        )
    return Entry(analyte, value, unit, lower, upper)


def _check_date(collection_date: Any) -> dt.date:
    if not isinstance(collection_date, dt.date):
        try:
            collection_date = dt.date.fromisoformat(str(collection_date or "").strip())
        except ValueError:
            raise ValidationError(
                {"collection_date": ["Enter the collection date as YYYY-MM-DD."]}
            ) from None
    if collection_date > timezone.localdate():
        raise ValidationError({"collection_date": ["The collection date is in the future."]})
    return collection_date


def _check_visit(subject: Subject, visit: Visit | None, assessment_id: str) -> None:
    if visit is None:
        return
    if visit.subject_id != subject.pk:
        raise ValidationError({"visit": ["That visit is not one of this subject's."]})
    protocol = protocol_of(subject.protocol_version)
    planned = next((v for v in protocol.schedule.visits if v.id == visit.visit_id), None)
    if planned is not None and assessment_id not in planned.assessments:
        raise ValidationError(
            {"visit": [f"{assessment_id} is not collected at {visit.label} (see the schedule)."]}
        )


def record_panel(
    user: Any,
    subject: Subject,
    assessment_id: str,
    collection_date: Any,
    results: Mapping[str, Any],
    *,
    visit: Visit | None = None,
) -> list[LabResult]:
    """Save the results of lab assessment `assessment_id` collected on `collection_date`:
    `results` maps each analyte (as the protocol names it, or its id) to its value, or
    to {value, unit, lower_limit, upper_limit} (unit: the analyte's default unit when
    empty; limits: the catalogue's adult range when both are empty). Analytes without a
    value are skipped. Any problem refuses the whole panel."""
    records.check_access(user, subject, Action.ENTER_DATA, visit)
    protocol = protocol_of(subject.protocol_version)
    assessment = lab_assessment(protocol, assessment_id)
    allowed = {a.id: a for a in panel_analytes(assessment)}
    errors: dict[str, list[str]] = {}
    entries: list[Entry] = []
    try:
        collected = _check_date(collection_date)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _check_visit(subject, visit, assessment_id)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for name, raw in results.items():
        try:
            analyte = labs.resolve(name)
        except labs.UnknownAnalyteError as exc:
            errors[name] = [f"{exc}."]
            continue
        if analyte.id not in allowed:
            errors[analyte.id] = [
                f"{analyte.label} is not in {assessment.label} "
                f"({', '.join(a.label for a in allowed.values())})."
            ]
            continue
        try:
            entry = check_entry(analyte, _as_mapping(raw))
        except ValueError as exc:
            errors[analyte.id] = [str(exc)]
            continue
        if entry is not None:
            entries.append(entry)
    if not entries and not errors:
        errors["results"] = [f"Enter at least one result of {assessment.label}."]
    if errors:
        raise ValidationError(errors)
    return records.create_many(
        user,
        LabResult,
        subject,
        [
            {
                "visit": visit,
                "assessment_id": assessment.id,
                "analyte": entry.analyte.id,
                "value": entry.value,
                "unit": entry.unit,
                "lower_limit": entry.lower_limit,
                "upper_limit": entry.upper_limit,
                "collection_date": collected,
            }
            for entry in entries
        ],
    )


CHANGEABLE = ("value", "unit", "lower_limit", "upper_limit", "collection_date")


def change_result(
    user: Any,
    result: LabResult,
    values: Mapping[str, Any],
    *,
    expected_version: Any,
    reason: str,
) -> LabResult:
    """Correct a saved result (value, unit, normal limits, collection date) with a reason.
    A new unit without new limits converts the stored limits to it."""
    subject = Subject.objects.select_related("study", "site").get(pk=result.subject_id)
    records.check_access(user, subject, Action.ENTER_DATA, result.visit)
    unknown = sorted(set(values) - set(CHANGEABLE))
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    analyte = result.catalogue
    merged: dict[str, Any] = {
        "value": result.value,
        "unit": result.unit,
        "lower_limit": result.lower_limit,
        "upper_limit": result.upper_limit,
        **{k: v for k, v in values.items() if k != "collection_date"},
    }
    new_unit = values.get("unit")
    limits_given = "lower_limit" in values or "upper_limit" in values
    errors: dict[str, list[str]] = {}
    if new_unit and not limits_given:
        try:
            symbol = labs.lab_unit(analyte, new_unit).symbol
        except labs.LabUnitError as exc:
            errors["unit"] = [f"{exc}."]
        else:
            for name in ("lower_limit", "upper_limit"):
                if merged[name] is not None:
                    merged[name] = round(
                        labs.convert(analyte, merged[name], result.unit, symbol), 6
                    )
    changes: dict[str, Any] = {}
    if not errors:
        try:
            entry = check_entry(analyte, merged)
        except ValueError as exc:
            errors["value"] = [str(exc)]
        else:
            if entry is None:
                errors["value"] = ["Enter a value (delete the result to remove it)."]
            else:
                changes = {
                    "value": entry.value,
                    "unit": entry.unit,
                    "lower_limit": entry.lower_limit,
                    "upper_limit": entry.upper_limit,
                }
    if "collection_date" in values:
        try:
            changes["collection_date"] = _check_date(values["collection_date"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return records.update(user, result, changes, expected_version=expected_version, reason=reason)


def delete_result(user: Any, result: LabResult, *, expected_version: Any, reason: str) -> None:
    """Remove a result entered in error (the audit trail keeps its values)."""
    records.delete(user, result, expected_version=expected_version, reason=reason)


# --------------------------------------------------------------------------- screening


def record_screening_labs(
    user: Any,
    candidate: Candidate,
    results: Mapping[str, Any],
    *,
    reason: str = "",
) -> Candidate:
    """Record a screening candidate's lab results as the screening variables they give:
    `results` maps an analyte (as protocols name it) to its value, (value, unit) or
    {value, unit, upper_limit}. ANC, platelets, haemoglobin, albumin, CA19-9 and INR are
    converted to the variable's unit; bilirubin, ALT, AST, creatinine and APTT become
    ×ULN (the value over the laboratory's upper limit, or the catalogue's). The values go
    through the screening service, so eligibility is evaluated from them at once."""
    protocol = screening_selectors.candidate_protocol(candidate)
    variables = protocol_variables(protocol)
    values: dict[str, tuple[Any, str | None]] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in results.items():
        try:
            analyte = labs.resolve(name)
            entry = check_entry(analyte, _as_mapping(raw))
            if entry is None:
                continue
            if analyte.variable is None:
                raise ValueError(f"{analyte.label} does not give a screening variable.")
            variable = variables.get(analyte.variable)
            if variable is None:
                raise ValueError(
                    f"{analyte.label} gives {analyte.variable}, which this protocol does not use."
                )
            upper = entry.upper_limit if analyte.feeds == "xuln" else None
            given = labs.screening_value(
                analyte, entry.value, entry.unit, variable_unit=variable.unit, upper=upper
            )
        except (labs.UnknownAnalyteError, ValueError) as exc:
            errors[name] = [str(exc)]
            continue
        values[given.variable] = (given.value, given.unit)
    if errors:
        raise ValidationError(errors)
    try:
        return screening.record_screening_values(user, candidate, values, reason=reason)
    except ValidationError as exc:
        # name the analyte a refused variable came from
        back = {labs.resolve(n).variable: n for n in results if _resolves(n)}
        raise ValidationError({back.get(k, k): v for k, v in exc.message_dict.items()}) from exc


def _resolves(name: str) -> bool:
    try:
        labs.resolve(name)
    except labs.UnknownAnalyteError:
        return False
    return True
