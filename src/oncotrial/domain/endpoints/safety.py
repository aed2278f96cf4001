"""Adverse events: per-subject summaries and study-level incidence tables.

Counted are the adverse events of treated subjects with onset on or after the start of
treatment (treatment-emergent; an event without an onset date counts) and on or before
the data cut-off, that pass the endpoint's ``related_only``, ``serious_only`` and
``min_grade`` filters. Denominators are treated subjects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from oncotrial.domain.endpoints.inputs import AdverseEvent, SubjectRecord
from oncotrial.domain.endpoints.rows import SafetyResult, TermGrade
from oncotrial.domain.protocol.endpoints import AdverseEvents


def counted(
    record: SubjectRecord,
    start: dt.date | None,
    *,
    related_only: bool = False,
    serious_only: bool = False,
    min_grade: int = 1,
) -> list[AdverseEvent]:
    return [
        ae
        for ae in record.adverse_events
        if (ae.onset is None or start is None or ae.onset >= start)
        and (ae.onset is None or record.data_cutoff is None or ae.onset <= record.data_cutoff)
        and (ae.related or not related_only)
        and (ae.serious or not serious_only)
        and ae.grade >= min_grade
    ]


def summarise(events: Sequence[AdverseEvent]) -> SafetyResult:
    worst: dict[str, TermGrade] = {}
    for ae in events:
        known = worst.get(ae.term)
        if known is None or ae.grade > known.worst_grade:
            worst[ae.term] = TermGrade(ae.term, ae.soc, ae.grade)
    return SafetyResult(
        events=len(events),
        worst_grade=max((ae.grade for ae in events), default=None),
        grade3_plus=any(ae.grade >= 3 for ae in events),
        serious=any(ae.serious for ae in events),
        related=any(ae.related for ae in events),
        by_term=tuple(worst[term] for term in sorted(worst)),
    )


def derive(endpoint: AdverseEvents, record: SubjectRecord, start: dt.date | None) -> SafetyResult:
    return summarise(
        counted(
            record,
            start,
            related_only=endpoint.related_only,
            serious_only=endpoint.serious_only,
            min_grade=endpoint.min_grade,
        )
    )


@dataclass(frozen=True, slots=True)
class IncidenceRow:
    """Subjects with the term, each counted once at their worst grade for it."""

    term: str
    soc: str | None
    subjects: int
    percent: float
    by_grade: tuple[int, int, int, int, int]
    """Subjects whose worst grade for the term is 1, 2, 3, 4, 5."""
    grade3_plus: int
    grade3_plus_percent: float


@dataclass(frozen=True, slots=True)
class IncidenceTable:
    title: str
    treated: int
    """The denominator: treated subjects."""
    any_subjects: int
    any_percent: float
    rows: tuple[IncidenceRow, ...]
    """Most frequent term first, then by term."""


@dataclass(frozen=True, slots=True)
class IncidenceTables:
    all_events: IncidenceTable
    related: IncidenceTable
    serious: IncidenceTable


def incidence(
    title: str,
    summaries: Sequence[SafetyResult],
    treated: int,
) -> IncidenceTable:
    """Incidence by term and worst grade over the per-subject summaries of treated subjects."""
    by_term: dict[str, list[TermGrade]] = {}
    for summary in summaries:
        for item in summary.by_term:
            by_term.setdefault(item.term, []).append(item)
    rows = []
    for term, items in by_term.items():
        grades = [0, 0, 0, 0, 0]
        for item in items:
            grades[item.worst_grade - 1] += 1
        high = sum(grades[2:])
        rows.append(
            IncidenceRow(
                term=term,
                soc=next((i.soc for i in items if i.soc), None),
                subjects=len(items),
                percent=_pct(len(items), treated),
                by_grade=(grades[0], grades[1], grades[2], grades[3], grades[4]),
                grade3_plus=high,
                grade3_plus_percent=_pct(high, treated),
            )
        )
    rows.sort(key=lambda r: (-r.subjects, r.term))
    anyone = sum(1 for s in summaries if s.events)
    return IncidenceTable(title, treated, anyone, _pct(anyone, treated), tuple(rows))


def incidence_tables(
    endpoint: AdverseEvents,
    records: Sequence[tuple[SubjectRecord, dt.date | None]],
) -> IncidenceTables:
    """All, treatment-related and serious AE incidence among treated subjects.

    ``records`` pairs each subject with its treatment start. The endpoint's filters apply
    to every table (a related-only endpoint gives related events in all three).
    """
    treated = [(r, start) for r, start in records if r.treated]

    def table(title: str, related: bool, serious: bool) -> IncidenceTable:
        summaries = [
            summarise(
                counted(
                    r,
                    start,
                    related_only=endpoint.related_only or related,
                    serious_only=endpoint.serious_only or serious,
                    min_grade=endpoint.min_grade,
                )
            )
            for r, start in treated
        ]
        return incidence(title, summaries, len(treated))

    return IncidenceTables(
        all_events=table(f"{endpoint.title}", False, False),
        related=table(f"{endpoint.title}: treatment-related", True, False),
        serious=table(f"{endpoint.title}: serious", False, True),
    )


def _pct(n: int, total: int) -> float:
    return round(100 * n / total, 1) if total else 0.0
