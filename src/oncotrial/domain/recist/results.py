"""Output of the response engine: one row per follow-up assessment plus the summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class TimePoint:
    """Responses at one follow-up assessment.

    ``sum_mm`` is the sum of diameters when every target lesion was assessed, else
    ``None``; ``assessed_sum_mm`` always holds the sum over the assessed targets.
    Percentages are relative to the baseline sum and to the nadir *before* this
    assessment (``nadir_mm``), rounded to 0.1 for display; decisions use exact values.
    """

    date: dt.date
    sum_mm: float | None
    assessed_sum_mm: float | None
    nadir_mm: float | None
    change_from_baseline_pct: float | None
    change_from_nadir_pct: float | None
    target: str | None
    non_target: str | None
    new_lesions: str
    overall: str
    new_lesion_target_sum_mm: float | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "date": self.date.isoformat(),
            "sum_mm": self.sum_mm,
            "assessed_sum_mm": self.assessed_sum_mm,
            "nadir_mm": self.nadir_mm,
            "change_from_baseline_pct": _round(self.change_from_baseline_pct),
            "change_from_nadir_pct": _round(self.change_from_nadir_pct),
            "target": self.target,
            "non_target": self.non_target,
            "new_lesions": self.new_lesions,
            "overall": self.overall,
        }
        if self.new_lesion_target_sum_mm is not None:
            data["new_lesion_target_sum_mm"] = self.new_lesion_target_sum_mm
        data["notes"] = list(self.notes)
        return data


@dataclass(frozen=True, slots=True)
class Result:
    """Time-point responses and best overall response of one patient.

    ``progression_date`` is the date of PD (RECIST 1.1) or, for iRECIST, the date iUPD
    was first documented in the episode that was confirmed as iCPD; ``None`` when there
    is no (confirmed) progression. ``confirmed`` says whether a CR/PR best response was
    confirmed by a later assessment at least 28 days on (``None`` for other responses).
    """

    criteria: str
    baseline_date: dt.date
    baseline_sum_mm: float | None
    timepoints: tuple[TimePoint, ...]
    best_overall_response: str
    best_overall_response_date: dt.date | None
    confirmed: bool | None
    confirmation_date: dt.date | None
    progression_date: dt.date | None
    patient_id: str | None = None
    iupd_dates: tuple[dt.date, ...] = ()
    icpd_date: dt.date | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.patient_id is not None:
            data["patient_id"] = self.patient_id
        data.update(
            {
                "criteria": self.criteria,
                "baseline_date": self.baseline_date.isoformat(),
                "baseline_sum_mm": self.baseline_sum_mm,
                "timepoints": [tp.to_dict() for tp in self.timepoints],
                "best_overall_response": self.best_overall_response,
                "best_overall_response_date": _iso(self.best_overall_response_date),
                "confirmed": self.confirmed,
                "confirmation_date": _iso(self.confirmation_date),
                "progression_date": _iso(self.progression_date),
            }
        )
        if self.criteria == "iRECIST":
            data["iupd_dates"] = [d.isoformat() for d in self.iupd_dates]
            data["icpd_date"] = _iso(self.icpd_date)
        data["notes"] = list(self.notes)
        return data


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
