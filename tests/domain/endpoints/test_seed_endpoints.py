"""Every endpoint the five seed protocols declare is derivable and exports flat rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from oncotrial.domain.endpoints import (
    COLUMNS,
    AdverseEvent,
    MarkerValue,
    Observation,
    derive_all,
    to_csv_rows,
    treatment_start_anchor,
)
from oncotrial.domain.endpoints.inputs import SubjectRecord
from tests.domain.endpoints.cohort import (
    ALL_STUDIES,
    RADIOTHERAPY,
    SIROLIMUS,
    START,
    day,
    protocol,
    scans,
)


def cohort(path: Path) -> list[SubjectRecord]:
    anchor = treatment_start_anchor(protocol(path))
    irecist = path == RADIOTHERAPY
    codes = ("iPR", "iPR", "iUPD", "iCPD") if irecist else ("PR", "PR", "SD", "PD")
    full = SubjectRecord(
        subject_id="S01",
        arm="A",
        site="SH01",
        enrollment_date=day(-10),
        anchors={anchor: START, "surgery": day(30)},
        treated=True,
        tumour_assessments=scans(*zip((56, 112, 168, 224), codes, strict=True)),
        death_date=day(400),
        last_known_alive=day(399),
        last_contact=day(399),
        recurrence_date=day(300),
        adverse_events=(AdverseEvent("Nausea", 2, day(5), related=True),),
        markers={"ca19_9": (MarkerValue(START, 400.0), MarkerValue(day(56), 200.0))},
        observations={"stool_sample": (Observation(day(-2), "collected"),)},
    )
    never = SubjectRecord(subject_id="S02", treated=False, enrollment_date=day(-5))
    return [full, never]


@pytest.mark.parametrize("path", ALL_STUDIES, ids=lambda p: p.stem)
def test_every_seed_endpoint_is_derivable(path: Path) -> None:
    proto = protocol(path)
    rows = derive_all(proto, cohort(path))
    assert len(rows) == 2 * len(proto.endpoints)
    full = [r for r in rows if r.subject_id == "S01"]
    assert all(r.evaluable for r in full), [(r.endpoint_id, r.reason) for r in full]
    never = [r for r in rows if r.subject_id == "S02"]
    assert not any(r.evaluable for r in never if r.kind != "descriptive")
    flat = to_csv_rows(rows)
    assert all(tuple(row) == COLUMNS for row in flat)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(flat)
    assert buffer.getvalue().count("\n") == 1 + len(rows)


def test_csv_row_of_each_kind() -> None:
    sirolimus = protocol(SIROLIMUS)
    flat = {r["endpoint_id"]: r for r in to_csv_rows(derive_all(sirolimus, cohort(SIROLIMUS)[:1]))}
    # OS: death on day 400 = 13.142 -> 13.14 months.
    assert (flat["os"]["days"], flat["os"]["months"], flat["os"]["event"]) == (400, 13.14, True)
    assert flat["os"]["start_date"] == "2024-01-01"
    # Response at 6 months (day 183): PR on days 56 and 112 -> PR, responder.
    assert (flat["response_6m"]["best_response"], flat["response_6m"]["responder"]) == ("PR", True)
    # CA19-9: 400 -> 200 on day 56 = -50%.
    marker = flat["ca19_9_change"]
    assert (marker["baseline_value"], marker["best_change_pct"]) == (400.0, -50.0)
    assert marker["visits"] == "2024-02-26=200 (-50%)"
    assert flat["treatment_related_aes"]["ae_worst_grade_by_term"] == "Nausea=2"
