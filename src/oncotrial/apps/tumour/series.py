"""A subject's tumour assessments as the RECIST engine reads them.

The engine (`oncotrial.domain.recist`) takes one patient record: the protocol's
settings, the baseline (every lesion chosen, first) and the follow-up assessments in
date order. This module builds that record from the saved rows, or from saved rows with
one unsaved entry put in (for the live preview and for checking a change before it is
kept). The format is the one `oncotrial recist evaluate` reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from oncotrial.apps.rows import fetch
from oncotrial.apps.studies.selectors import current_version, protocol_of
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.tumour.models import Lesion, LesionResult, NewLesion, TumourAssessment
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.protocol import Protocol

FIRST_DOSE = "first_dose"


@dataclass(frozen=True)
class Settings:
    """How the study evaluates tumour response (the protocol's `tumour_response`)."""

    criteria: str = "RECIST 1.1"
    confirmation: bool = True
    min_sd_days: int = 0
    assessment: str | None = None
    """The schedule assessment (e.g. tumour_imaging) whose visits capture imaging."""


def protocol_for(subject: Subject) -> Protocol:
    version = current_version(subject.study) or subject.protocol_version
    return protocol_of(version)


def settings_for(subject: Subject) -> Settings:
    response = protocol_for(subject).tumour_response
    if response is None:
        return Settings()
    return Settings(
        criteria=response.criteria,
        confirmation=response.confirmation,
        min_sd_days=response.min_sd_days,
        assessment=response.assessment,
    )


def start_of(subject: Subject) -> tuple[dt.date, str]:
    """The date the minimum duration of stable disease is timed from, and what it is:
    the first-dose event, else the first treatment event the protocol's calendar is timed
    from (e.g. the first radiotherapy), else the enrollment date."""
    events = subject_selectors.event_dates(subject.pk)
    if FIRST_DOSE in events:
        return events[FIRST_DOSE], FIRST_DOSE
    protocol = protocol_for(subject)
    for anchor in protocol.schedule.anchors:
        if not anchor.event_triggered and anchor.id in events:
            return events[anchor.id], anchor.id
    return subject.enrollment_date, "enrollment"


def imaging_visit_ids(protocol: Protocol, assessment: str | None) -> set[str]:
    """The protocol's visits that include the tumour imaging assessment."""
    if assessment is None:
        ids = {a.id for a in protocol.schedule.assessments if a.kind == "tumour_assessment"}
    else:
        ids = {assessment}
    return {v.id for v in protocol.schedule.visits if ids & set(v.assessments)}


# --------------------------------------------------------------------------- entries


@dataclass
class LesionEntry:
    """What one baseline lesion showed: `result` is measured / too_small /
    not_evaluable for a target, present / absent / unequivocal_progression /
    not_evaluable for a non-target."""

    result: str
    mm: Decimal | None = None
    increased_since_last: bool | None = None


@dataclass
class NewLesionEntry:
    code: str
    organ: str
    location: str = ""
    nodal: bool = False
    equivocal: bool = False
    mm: Decimal | None = None
    increased_since_last: bool | None = None


@dataclass
class AssessmentEntry:
    """One imaging date as entered (not yet saved, or a change to a saved one)."""

    assessment_date: dt.date
    method: str = "ct"
    visit: Visit | None = None
    lesions: dict[str, LesionEntry] = field(default_factory=dict)
    """Baseline lesion code → what it showed; a lesion left out was not evaluated."""
    new_lesions: list[NewLesionEntry] = field(default_factory=list)


def entry_of(assessment: TumourAssessment) -> AssessmentEntry:
    """A saved assessment as an entry."""
    results: Iterable[LesionResult] = assessment.lesion_results.all()
    return AssessmentEntry(
        assessment_date=assessment.assessment_date,
        method=assessment.method,
        visit=assessment.visit,
        lesions={
            r.lesion.code: LesionEntry(r.result, r.mm, r.increased_since_last) for r in results
        },
        new_lesions=[
            NewLesionEntry(
                n.code, n.organ, n.location, n.nodal, n.equivocal, n.mm, n.increased_since_last
            )
            for n in assessment.new_lesions.all()
        ],
    )


# --------------------------------------------------------------------------- engine input


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def baseline_raw(lesions: Sequence[Lesion]) -> dict[str, Any]:
    """The baseline assessment: every lesion chosen, dated by the earliest baseline date."""
    day = min(lesion.baseline_date for lesion in lesions)
    targets, non_targets = [], []
    for lesion in lesions:
        if lesion.kind == Lesion.Kind.TARGET:
            item: dict[str, Any] = {
                "id": lesion.code,
                "organ": lesion.organ,
                "nodal": lesion.nodal,
                "mm": _num(lesion.baseline_mm),
            }
            if lesion.slice_thickness_mm is not None:
                item["slice_thickness_mm"] = float(lesion.slice_thickness_mm)
            targets.append(item)
        else:
            item = {
                "id": lesion.code,
                "organ": lesion.organ,
                "nodal": lesion.nodal,
                "status": "present",
            }
            if lesion.baseline_mm is not None:
                item["mm"] = float(lesion.baseline_mm)
            non_targets.append(item)
    return {"date": day.isoformat(), "targets": targets, "non_targets": non_targets}


NON_TARGET_STATUS = {
    "present": "present",
    "absent": "absent",
    "unequivocal_progression": "unequivocal_progression",
    "not_evaluable": "not_evaluated",
}


def entry_raw(entry: AssessmentEntry, lesions: Sequence[Lesion]) -> dict[str, Any]:
    """One follow-up assessment; a baseline lesion without a result is not assessed."""
    targets: list[dict[str, Any]] = []
    non_targets: list[dict[str, Any]] = []
    for lesion in lesions:
        given = entry.lesions.get(lesion.code)
        if lesion.kind == Lesion.Kind.TARGET:
            mm: float | str | None = None
            if given is not None and given.result == "too_small":
                mm = "too_small"
            elif given is not None and given.result == "measured":
                mm = _num(given.mm)
            targets.append({"id": lesion.code, "mm": mm})
        else:
            status = NON_TARGET_STATUS.get(given.result, "not_evaluated") if given else None
            item: dict[str, Any] = {"id": lesion.code, "status": status or "not_evaluated"}
            if given is not None and given.increased_since_last is not None:
                item["increased_since_last"] = given.increased_since_last
            if given is not None and given.mm is not None:
                item["mm"] = float(given.mm)
            non_targets.append(item)
    new = []
    for lesion_entry in entry.new_lesions:
        item = {
            "id": lesion_entry.code,
            "organ": lesion_entry.organ,
            "nodal": lesion_entry.nodal,
            "mm": _num(lesion_entry.mm),
            "equivocal": lesion_entry.equivocal,
        }
        if lesion_entry.increased_since_last is not None:
            item["increased_since_last"] = lesion_entry.increased_since_last
        new.append(item)
    return {
        "date": entry.assessment_date.isoformat(),
        "targets": targets,
        "non_targets": non_targets,
        "new_lesions": new,
    }


def patient_raw(
    subject: Subject,
    lesions: Sequence[Lesion],
    entries: Sequence[AssessmentEntry],
    settings: Settings | None = None,
) -> dict[str, Any]:
    """The engine's patient record (the input format of `oncotrial recist evaluate`)."""
    settings = settings or settings_for(subject)
    start, _source = start_of(subject)
    ordered = sorted(entries, key=lambda e: e.assessment_date)
    return {
        "criteria": settings.criteria,
        "confirmation": settings.confirmation,
        "min_sd_days": settings.min_sd_days,
        "start_date": start.isoformat(),
        "patient_id": subject.subject_number,
        "assessments": [baseline_raw(lesions)] + [entry_raw(e, lesions) for e in ordered],
    }


def saved_lesions(subject: Subject) -> list[Lesion]:
    """The subject's baseline lesions: targets first, then non-targets, by code."""
    lesions = fetch(Lesion, "{subject_id} = %s", [subject.pk])
    return sorted(lesions, key=lambda le: (le.kind != Lesion.Kind.TARGET, le.pk))


def saved_assessments(subject: Subject) -> list[TumourAssessment]:
    """The subject's assessments by date, with their visit, lesion results (with their
    lesion, by kind and code) and new lesions (by code), as `prefetch_related` gives them."""
    assessments = fetch(
        TumourAssessment,
        "{subject_id} = %s",
        [subject.pk],
        related={"visit": None},
        order_by="{assessment_date}",
    )
    if not assessments:
        return assessments
    keys = [assessment.pk for assessment in assessments]
    among = f"{{assessment_id}} IN ({', '.join(['%s'] * len(keys))})"
    results = fetch(
        LesionResult,
        among,
        keys,
        related={"lesion": None},
        order_by="{assessment_id}, {lesion__kind}, {lesion__code}",
    )
    news = fetch(NewLesion, among, keys, order_by="{assessment_id}, {code}")
    for assessment in assessments:
        _prefetched(
            assessment, "lesion_results", [r for r in results if r.assessment_id == assessment.pk]
        )
        _prefetched(
            assessment, "new_lesions", [n for n in news if n.assessment_id == assessment.pk]
        )
    return assessments


def _prefetched(assessment: TumourAssessment, name: str, rows: list[Any]) -> None:
    """Set `rows` as the assessment's related rows `name` (what `prefetch_related` sets:
    `.all()` gives them without a query and each row's assessment is `assessment`)."""
    for row in rows:
        row.assessment = assessment
    queryset = getattr(assessment, name).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(assessment, "_prefetched_objects_cache"):
        assessment._prefetched_objects_cache = {}
    assessment._prefetched_objects_cache[name] = queryset
