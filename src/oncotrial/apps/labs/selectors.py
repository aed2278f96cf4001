"""Read queries for laboratory results, always scoped by the user's sites.

The baseline of a series is the last result on or before the treatment start: the date
of the protocol's first anchor that is not event-triggered (the first dose, the first
radiotherapy fraction, the start of systemic treatment) once it is recorded, else the
enrollment date. Changes from baseline are computed in the analyte's default unit, so
results reported in different units compare.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.labs.models import LabResult
from oncotrial.apps.labs.services import lab_assessments
from oncotrial.apps.studies.models import Study
from oncotrial.apps.studies.selectors import protocol_of
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.domain import labs
from oncotrial.domain.protocol import Protocol


def results_for(user: Any, study: Study) -> QuerySet[LabResult]:
    """The study's results of subjects at the user's sites."""
    return LabResult.objects.filter(
        subject__study=study, subject__site__in=subject_selectors.visible_sites(user, study)
    ).select_related("subject", "subject__site", "visit")


def get_result(user: Any, study: Study, pk: int) -> LabResult:
    """A result of a subject at one of the user's sites; else DoesNotExist."""
    return results_for(user, study).get(pk=pk)


def subject_results(subject: Subject) -> QuerySet[LabResult]:
    return LabResult.objects.filter(subject=subject).select_related("visit")


def baseline_anchor(protocol: Protocol) -> str | None:
    """The protocol's treatment-start anchor (its first anchor that always happens)."""
    return next((a.id for a in protocol.schedule.anchors if not a.event_triggered), None)


def baseline_date(subject: Subject) -> dt.date:
    anchor = baseline_anchor(protocol_of(subject.protocol_version))
    if anchor is not None:
        event = subject.anchor_events.filter(anchor=anchor).order_by("date").first()
        if event is not None:
            return event.date
    return subject.enrollment_date


@dataclass
class Point:
    result: LabResult
    value: float
    """In the analyte's default unit."""
    is_baseline: bool = False
    change: labs.Change | None = None


@dataclass
class Series:
    analyte: labs.Analyte
    baseline_date: dt.date
    points: list[Point] = field(default_factory=list)
    baseline: Point | None = None
    best: labs.Change | None = None


def series(subject: Subject, analyte_id: str, assessment_id: str | None = None) -> Series:
    """Every result of one analyte of `subject` by date, with its change from baseline
    and the best change after baseline (the largest fall)."""
    analyte = labs.BY_ID[analyte_id]
    start = baseline_date(subject)
    rows = subject_results(subject).filter(analyte=analyte_id)
    if assessment_id:
        rows = rows.filter(assessment_id=assessment_id)
    points = [Point(r, r.value_in_default_unit) for r in rows.order_by("collection_date", "pk")]
    out = Series(analyte, start, points)
    before = [p for p in points if p.result.collection_date <= start]
    if before:
        out.baseline = before[-1]
        out.baseline.is_baseline = True
        base = out.baseline.value
        later = [p for p in points if p.result.collection_date > start]
        for p in later:
            p.change = labs.change_from_baseline(p.value, base)
        out.best = labs.best_change(base, [p.value for p in later])
    return out


@dataclass
class Cell:
    result: LabResult
    change: labs.Change | None


@dataclass
class PanelRow:
    date: dt.date
    visit_label: str
    cells: list[Cell | None]


@dataclass
class PanelTable:
    assessment_id: str
    label: str
    analytes: list[labs.Analyte]
    rows: list[PanelRow]
    single: Series | None = None
    """For a single-analyte assessment (a marker such as CA19-9): its series."""
    problem: str = ""
    """Why the assessment has no table (a qualitative test, an unknown analyte)."""


def subject_tables(subject: Subject) -> list[PanelTable]:
    """Per lab assessment of the subject's protocol: the results by collection date (one
    row per date and visit), each cell with its change from the analyte's baseline."""
    protocol = protocol_of(subject.protocol_version)
    results = list(subject_results(subject).order_by("collection_date", "pk"))
    tables: list[PanelTable] = []
    series_cache: dict[str, Series] = {}
    for assessment in lab_assessments(protocol):
        try:
            analytes = labs.assessment_analytes(assessment)
        except labs.UnknownAnalyteError as exc:
            tables.append(PanelTable(assessment.id, assessment.label, [], [], problem=str(exc)))
            continue
        if not analytes:
            tables.append(
                PanelTable(
                    assessment.id,
                    assessment.label,
                    [],
                    [],
                    problem="A qualitative test: not recorded as a laboratory value here.",
                )
            )
            continue
        mine = [r for r in results if r.assessment_id == assessment.id]
        changes: dict[int, labs.Change | None] = {}
        for analyte in analytes:
            if not any(r.analyte == analyte.id for r in mine):
                continue
            one = series_cache.get(analyte.id) or series(subject, analyte.id)
            series_cache[analyte.id] = one
            for p in one.points:
                changes[p.result.pk] = p.change
        by_row: dict[tuple[dt.date, int | None], dict[str, LabResult]] = {}
        for r in mine:
            by_row.setdefault((r.collection_date, r.visit_id), {})[r.analyte] = r
        rows = []
        for (date, _visit), found in by_row.items():
            first = next(iter(found.values()))
            rows.append(
                PanelRow(
                    date,
                    first.visit.label if first.visit else "",
                    [
                        Cell(found[a.id], changes.get(found[a.id].pk)) if a.id in found else None
                        for a in analytes
                    ],
                )
            )
        table = PanelTable(assessment.id, assessment.label, analytes, rows)
        if len(analytes) == 1:
            table.single = series(subject, analytes[0].id, assessment.id)
        tables.append(table)
    return tables


def out_of_range(user: Any, study: Study, site: Site | None = None) -> QuerySet[LabResult]:
    """Results outside their normal range, of subjects at the user's sites (at `site`
    only, if given), newest first."""
    rows = results_for(user, study).filter(
        Q(lower_limit__isnull=False, value__lt=F("lower_limit"))
        | Q(upper_limit__isnull=False, value__gt=F("upper_limit"))
    )
    if site is not None:
        rows = rows.filter(subject__site=site)
    return rows.order_by("-collection_date", "subject__subject_number", "assessment_id", "pk")
