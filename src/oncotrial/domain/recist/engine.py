"""Entry points: evaluate one patient under RECIST 1.1 or iRECIST."""

from __future__ import annotations

from typing import Any

from oncotrial.domain.recist import irecist
from oncotrial.domain.recist.best_response import best_overall_response
from oncotrial.domain.recist.models import PatientIn
from oncotrial.domain.recist.recist11 import PD, assess, new_lesions_label
from oncotrial.domain.recist.results import Result, TimePoint
from oncotrial.domain.recist.validation import parse_patient


def evaluate(patient: PatientIn) -> Result:
    """Time-point responses and best overall response of a checked patient record."""
    if patient.criteria == "iRECIST":
        return irecist.evaluate(patient)
    return evaluate_recist11(patient)


def evaluate_raw(raw: Any) -> Result:
    """Parse, check and evaluate a JSON-like patient record.

    Raises :class:`~oncotrial.domain.recist.validation.InvalidPatient` listing every
    problem when the record cannot be evaluated.
    """
    return evaluate(parse_patient(raw))


def evaluate_recist11(patient: PatientIn) -> Result:
    """RECIST 1.1: Tables 1-2 at each assessment, Table 3 / §4.4 for the best response."""
    assessed = assess(patient)
    timepoints = tuple(
        TimePoint(
            date=row.date,
            sum_mm=row.sum_mm,
            assessed_sum_mm=row.assessed_sum_mm,
            nadir_mm=row.nadir_mm,
            change_from_baseline_pct=row.change_from_baseline_pct,
            change_from_nadir_pct=row.change_from_nadir_pct,
            target=row.target,
            non_target=row.non_target,
            new_lesions=new_lesions_label(row),
            overall=row.overall,
            notes=row.notes,
        )
        for row in assessed.timepoints
    )
    start = patient.start_date or assessed.baseline_date
    best = best_overall_response(
        [(tp.date, tp.overall) for tp in timepoints],
        confirmation=patient.confirmation,
        min_sd_days=patient.min_sd_days,
        start_date=start,
        has_targets=assessed.has_targets,
    )
    progression = next((tp.date for tp in timepoints if tp.overall == PD), None)
    return Result(
        criteria=patient.criteria,
        patient_id=patient.patient_id,
        baseline_date=assessed.baseline_date,
        baseline_sum_mm=assessed.baseline_sum_mm,
        timepoints=timepoints,
        best_overall_response=best.code,
        best_overall_response_date=best.date,
        confirmed=best.confirmed,
        confirmation_date=best.confirmation_date,
        progression_date=progression,
        notes=best.notes,
    )
