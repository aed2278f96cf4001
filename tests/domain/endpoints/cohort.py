"""Shared helpers: the seed protocols and a subject factory counting days from a start."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from oncotrial.domain.endpoints import SubjectRecord, TumourAssessment
from oncotrial.domain.protocol import load_protocol
from oncotrial.domain.protocol.endpoints import ResponseRate, TimeToEvent
from oncotrial.domain.protocol.model import Protocol

STUDIES = Path(__file__).resolve().parents[3] / "studies"
SARCOMA = STUDIES / "anlotinib-toripalimab-sarcoma.yaml"
RADIOTHERAPY = STUDIES / "intestinal-radiotherapy-pd1.yaml"
SIROLIMUS = STUDIES / "sirolimus-pancreatic-cancer.yaml"
SURGERY = STUDIES / "surgery-liver-metastatic-pancreatic-cancer.yaml"
PNEN = STUDIES / "surufatinib-gefitinib-pnen.yaml"
ALL_STUDIES = [SARCOMA, RADIOTHERAPY, SIROLIMUS, SURGERY, PNEN]

START = dt.date(2024, 1, 1)


def day(n: int) -> dt.date:
    """The date ``n`` days after the start (day 0 = 2024-01-01)."""
    return START + dt.timedelta(days=n)


def protocol(path: Path) -> Protocol:
    return load_protocol(path)


def endpoint(proto: Protocol, endpoint_id: str) -> Any:
    return next(e for e in proto.endpoints if e.id == endpoint_id)


def tte(**fields: Any) -> TimeToEvent:
    data = {"id": "x", "role": "secondary", "title": "X", "kind": "time_to_event"}
    return TimeToEvent.model_validate({**data, **fields})


def response_endpoint(**fields: Any) -> ResponseRate:
    data = {"id": "r", "role": "secondary", "title": "R", "criteria": "RECIST 1.1"}
    return ResponseRate.model_validate({**data, **fields})


def scans(*items: tuple[int, str]) -> tuple[TumourAssessment, ...]:
    return tuple(TumourAssessment(day(n), code) for n, code in items)


def subject(subject_id: str = "S01", *, anchor: str = "first_dose", **fields: Any) -> SubjectRecord:
    """A treated subject whose ``anchor`` date is day 0 unless told otherwise."""
    fields.setdefault("anchors", {anchor: START})
    fields.setdefault("treated", True)
    return SubjectRecord(subject_id=subject_id, **fields)
