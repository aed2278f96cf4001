"""Small builders for patient records in the JSON shape the engine reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from oncotrial.domain.recist import Result, evaluate_raw

BASELINE = dt.date(2024, 1, 1)


def day(n: int) -> str:
    """ISO date ``n`` days after the baseline (2024-01-01)."""
    return (BASELINE + dt.timedelta(days=n)).isoformat()


def tgt(lesion_id: str, mm: Any, organ: str = "liver", nodal: bool = False) -> dict[str, Any]:
    return {"id": lesion_id, "organ": organ, "nodal": nodal, "mm": mm}


def m(lesion_id: str, mm: Any) -> dict[str, Any]:
    """A follow-up target measurement (organ and nodal flag come from baseline)."""
    return {"id": lesion_id, "mm": mm}


def nt(
    lesion_id: str, status: str = "present", organ: str = "peritoneum", **extra: Any
) -> dict[str, Any]:
    return {"id": lesion_id, "organ": organ, "status": status, **extra}


def new(lesion_id: str, mm: float | None = 12, organ: str = "lung", **extra: Any) -> dict[str, Any]:
    return {"id": lesion_id, "organ": organ, "mm": mm, **extra}


def visit(
    n: int,
    targets: list[dict[str, Any]] | None = None,
    non_targets: list[dict[str, Any]] | None = None,
    new_lesions: list[dict[str, Any]] | None = None,
    markers_normal: bool | None = None,
) -> dict[str, Any]:
    return {
        "date": day(n),
        "targets": targets or [],
        "non_targets": non_targets or [],
        "new_lesions": new_lesions or [],
        "markers_normal": markers_normal,
    }


def patient(
    *visits: dict[str, Any],
    criteria: str = "RECIST 1.1",
    confirmation: bool = False,
    min_sd_days: int = 0,
    start: int = 0,
) -> dict[str, Any]:
    return {
        "criteria": criteria,
        "confirmation": confirmation,
        "min_sd_days": min_sd_days,
        "start_date": day(start),
        "assessments": list(visits),
    }


def run(*visits: dict[str, Any], **options: Any) -> Result:
    return evaluate_raw(patient(*visits, **options))


def single_target(*sizes: Any, step: int = 56, **options: Any) -> Result:
    """One liver target measured at baseline then every ``step`` days."""
    visits = [visit(0, [tgt("T1", sizes[0])])]
    visits += [visit(i * step, [m("T1", mm)]) for i, mm in enumerate(sizes) if i]
    return run(*visits, **options)


def overall(result: Result) -> list[str]:
    return [tp.overall for tp in result.timepoints]
