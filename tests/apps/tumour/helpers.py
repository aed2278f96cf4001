"""Entering a patient's lesions and assessments through the services, and the same data
in the input format of `oncotrial recist evaluate`."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from click.testing import CliRunner

from oncotrial.apps.tumour import services
from oncotrial.apps.tumour.series import AssessmentEntry, LesionEntry, NewLesionEntry
from oncotrial.cli.recist import recist


def lesion(code: str, kind: str, organ: str, mm: float | None, **more: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": code,
        "kind": kind,
        "organ": organ,
        "baseline_date": more.pop("baseline_date", dt.date(2024, 1, 8)),
        "baseline_mm": None if mm is None else Decimal(str(mm)),
        "method": "ct",
    }
    values.update(more)
    return values


def entry(
    day: dt.date,
    sizes: dict[str, Any],
    new: list[dict[str, Any]] | None = None,
) -> AssessmentEntry:
    """`sizes`: code → mm (a number), "too_small", "not_evaluable", or a non-target
    status word."""
    lesions = {}
    for code, value in sizes.items():
        if isinstance(value, (int, float)):
            lesions[code] = LesionEntry("measured", Decimal(str(value)))
        else:
            lesions[code] = LesionEntry(value)
    return AssessmentEntry(
        assessment_date=day,
        method="ct",
        lesions=lesions,
        new_lesions=[
            NewLesionEntry(
                code=n["code"],
                organ=n["organ"],
                nodal=n.get("nodal", False),
                equivocal=n.get("equivocal", False),
                mm=None if n.get("mm") is None else Decimal(str(n["mm"])),
            )
            for n in new or []
        ],
    )


def enter(user: Any, subject: Any, lesions: list[dict[str, Any]], entries: list[AssessmentEntry]):
    """Baseline lesions, then the follow-up assessments, through the services."""
    for values in lesions:
        services.add_lesion(user, subject, values)
    return [services.record_assessment(user, subject, e) for e in entries]


def cli_evaluate(record: dict[str, Any], tmp_path: Any) -> dict[str, Any]:
    """`oncotrial recist evaluate FILE --json` on `record`."""
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(recist, ["evaluate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.output)
    return out
