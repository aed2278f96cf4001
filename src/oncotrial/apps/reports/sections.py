"""One report section per protocol endpoint: its table, its figures and its notes."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from oncotrial.apps.reports.figures import ReportFigure, ae_figure, km_figure
from oncotrial.domain import endpoints
from oncotrial.domain.endpoints import DerivedRow, SubjectRecord
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.endpoints import (
    AdverseEvents,
    Descriptive,
    MarkerChange,
    ResponseRate,
    TimeToEvent,
)
from oncotrial.domain.stats import (
    LandmarkSurvival,
    analyse_survival,
    cox_hazard_ratios,
    response_rate,
    simon_stage1,
)
from oncotrial.domain.stats.data import SurvivalDataError

KIND_LABELS = {
    "time_to_event": "Time to event",
    "objective_response_rate": "Objective response rate",
    "disease_control_rate": "Disease control rate",
    "best_overall_response": "Best overall response",
    "marker_change": "Marker change",
    "adverse_events": "Adverse events",
    "descriptive": "Descriptive",
}


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Section:
    endpoint_id: str
    title: str
    role: str
    kind: str
    description: str | None
    time_frame: str | None
    tables: list[Table] = field(default_factory=list)
    figures: list[ReportFigure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "NR" if value is None else f"{value:.{digits}f}"


def _limits(landmark: LandmarkSurvival) -> str:
    """The interval of a landmark rate, or nothing where it is undefined (S = 0 or 1)."""
    lower, upper = landmark.lower, landmark.upper
    if lower is None or upper is None or not (math.isfinite(lower) and math.isfinite(upper)):
        return ""
    return f" ({100 * lower:.0f}–{100 * upper:.0f})"


def _median_ci(median: float | None, lower: float | None, upper: float | None) -> str:
    return f"{_fmt(median)} ({_fmt(lower)}–{_fmt(upper)})"


def _pct(n: int, of: int) -> str:
    return f"{n} ({100.0 * n / of:.1f} %)" if of else "0"


def _arms(rows: Sequence[DerivedRow]) -> list[str]:
    return list(dict.fromkeys(row.arm or "All" for row in rows))


def time_to_event(endpoint: TimeToEvent, rows: list[DerivedRow], section: Section) -> None:
    usable = [r for r in rows if r.evaluable and r.survival is not None]
    skipped = len(rows) - len(usable)
    if skipped:
        reasons = sorted({r.reason or "not evaluable" for r in rows if r not in usable})
        section.notes.append(f"{skipped} subject(s) not evaluable: {'; '.join(reasons)}.")
    if not usable:
        section.notes.append("No subject is evaluable for this endpoint yet.")
        return
    times = [r.survival.months for r in usable if r.survival is not None]
    events = [int(r.survival.event) for r in usable if r.survival is not None]
    arms = [r.arm or "All" for r in usable]
    several = len(set(arms)) > 1
    try:
        analysis = analyse_survival(times, events, arms if several else None, overall_name=arms[0])
    except SurvivalDataError as exc:
        section.notes.append(f"Not estimable: {exc}")
        return
    landmarks = list(endpoint.landmarks_months) or [6.0, 12.0]
    headers = ["Arm", "N", "Events", "Median, months (95 % CI)"] + [
        f"{m:g}-month rate (95 % CI)" for m in landmarks
    ]
    table_rows = []
    for km in analysis.groups:
        cells = [
            km.name,
            str(km.n),
            str(km.events),
            _median_ci(km.median, km.ci_lower, km.ci_upper),
        ]
        for landmark in km.survival_at(landmarks):
            if landmark.survival is None:
                cells.append("–")
            else:
                cells.append(f"{100 * landmark.survival:.0f} %" + _limits(landmark))
        table_rows.append(cells)
    section.tables.append(
        Table(headers, table_rows, "Kaplan–Meier estimates; log-log confidence intervals.")
    )
    p = analysis.logrank.p if analysis.logrank is not None else None
    if analysis.logrank is not None:
        section.notes.append(
            f"Log-rank test: χ² = {analysis.logrank.chisq:.2f} on {analysis.logrank.df} df, "
            f"p = {analysis.logrank.p:.4f}."
        )
        try:
            cox = cox_hazard_ratios(times, events, arms)
        except (ValueError, ArithmeticError) as exc:
            section.notes.append(f"Cox model not estimable: {exc}")
        else:
            for hr in cox.hazard_ratios:
                section.notes.append(
                    f"Hazard ratio {hr.level} vs {hr.reference}: {hr.hazard_ratio:.2f} "
                    f"(95 % CI {hr.ci_lower:.2f}–{hr.ci_upper:.2f}), p = {hr.p:.4f} "
                    "(Cox, Efron ties)."
                )
    section.figures.append(
        km_figure(
            f"km-{endpoint.id}",
            endpoint.title,
            analysis.groups,
            p,
            y_label=f"{endpoint.measure.upper()} (%)" if endpoint.measure != "other" else "%",
        )
    )


def response(
    endpoint: ResponseRate, rows: list[DerivedRow], protocol: Protocol, section: Section
) -> None:
    responses = [r.response for r in rows if r.response is not None]
    if not responses:
        section.notes.append("No subject yet.")
        return
    counts: dict[str, int] = {}
    for r in responses:
        counts[r.best_response] = counts.get(r.best_response, 0) + 1
    order = ["CR", "iCR", "PR", "iPR", "SD", "iSD", "NON-CR/NON-PD", "iNON-CR/NON-PD"]
    order += ["PD", "iUPD", "iCPD", "NE"]
    codes = sorted(counts, key=lambda c: order.index(c) if c in order else len(order))
    n = len(responses)
    section.tables.append(
        Table(
            ["Best overall response", "Subjects"],
            [[code, _pct(counts[code], n)] for code in codes],
            f"All {n} subjects (intention to treat); no post-baseline assessment counts as NE.",
        )
    )
    parameters = protocol.sample_size.parameters if protocol.sample_size else {}
    p0 = parameters.get("p0")
    p0 = float(p0) if isinstance(p0, (int, float)) else None
    rate_rows = []
    for label, population in (
        ("Intention to treat", responses),
        ("Evaluable", [r for r in responses if r.evaluable]),
    ):
        responders = sum(r.responder for r in population)
        if not population:
            rate_rows.append([label, "0", "–", "–"])
            continue
        rate = response_rate(responders, len(population), endpoint=endpoint.id, p0=p0)
        rate_rows.append(
            [
                label,
                f"{responders}/{len(population)}",
                f"{100 * rate.estimate:.1f} % "
                f"({100 * rate.ci_lower:.1f}–{100 * rate.ci_upper:.1f})",
                "–" if rate.p_value is None else f"{rate.p_value:.4f}",
            ]
        )
    section.tables.append(
        Table(
            [
                "Population",
                "Responders",
                "Rate (95 % exact CI)",
                f"One-sided p vs p0 = {p0}" if p0 else "p",
            ],
            rate_rows,
            "Clopper–Pearson intervals"
            + ("; exact binomial test against the design's p0." if p0 else "."),
        )
    )
    design = protocol.sample_size
    if design is not None and design.method.startswith("simon"):
        r1, n1 = parameters.get("r1"), parameters.get("n1")
        if isinstance(r1, int) and isinstance(n1, int):
            ordered = sorted(
                (r for r in rows if r.response is not None and r.response.evaluable),
                key=lambda r: r.subject_id,
            )
            decision = simon_stage1(r1, n1, [r.response.responder for r in ordered if r.response])
            section.notes.append(f"Simon stage 1: {decision.message}")


def marker(endpoint: MarkerChange, rows: list[DerivedRow], section: Section) -> None:
    results = [r.marker for r in rows if r.marker is not None]
    section.notes.append(f"{len(results)} of {len(rows)} subjects have a baseline value.")
    if not results:
        return
    baseline = [m.baseline_value for m in results]
    best = [m.best.change_pct for m in results if m.best and m.best.change_pct is not None]
    halved = sum(1 for change in best if change <= -50)
    section.tables.append(
        Table(
            ["Measure", "Value"],
            [
                [
                    "Baseline, median (range)",
                    f"{statistics.median(baseline):.1f} ({min(baseline):.1f}–{max(baseline):.1f})",
                ],
                [
                    "Best % change, median (range)",
                    f"{statistics.median(best):.1f} ({min(best):.1f}–{max(best):.1f})"
                    if best
                    else "–",
                ],
                ["Decrease by 50 % or more", _pct(halved, len(results))],
            ],
            f"{endpoint.assessment}: change from the last value on or before the start.",
        )
    )


def adverse(
    endpoint: AdverseEvents,
    protocol: Protocol,
    records: Sequence[SubjectRecord],
    section: Section,
) -> None:
    tables = endpoints.ae_incidence(protocol, endpoint, records)
    for table in (tables.all_events, tables.related, tables.serious):
        section.tables.append(
            Table(
                [
                    "Term",
                    "Any grade",
                    "Grade 1",
                    "Grade 2",
                    "Grade 3",
                    "Grade 4",
                    "Grade 5",
                    "Grade ≥ 3",
                ],
                [
                    [row.term, _pct(row.subjects, table.treated)]
                    + [str(n) for n in row.by_grade]
                    + [_pct(row.grade3_plus, table.treated)]
                    for row in table.rows
                ],
                f"{table.title}: {_pct(table.any_subjects, table.treated)} of "
                f"{table.treated} treated subjects; each subject counted once per term at the "
                "worst grade.",
            )
        )
    section.figures.append(ae_figure(tables.all_events, f"ae-{endpoint.id}"))


def descriptive(endpoint: Descriptive, rows: list[DerivedRow], section: Section) -> None:
    observed = [r for r in rows if r.descriptive is not None and r.descriptive.observations]
    total = sum(r.descriptive.observations for r in observed if r.descriptive)
    section.notes.append(
        f"{len(observed)} of {len(rows)} subjects with {total} observation(s)"
        + (f" of {endpoint.assessment}." if endpoint.assessment else ".")
    )


EndpointSpec = TimeToEvent | ResponseRate | MarkerChange | AdverseEvents | Descriptive


def build_section(
    endpoint: EndpointSpec,
    rows: list[DerivedRow],
    protocol: Protocol,
    records: Sequence[SubjectRecord],
) -> Section:
    section = Section(
        endpoint_id=endpoint.id,
        title=endpoint.title,
        role=endpoint.role,
        kind=endpoint.kind,
        description=endpoint.description,
        time_frame=endpoint.time_frame,
    )
    if isinstance(endpoint, TimeToEvent):
        time_to_event(endpoint, rows, section)
    elif isinstance(endpoint, ResponseRate):
        response(endpoint, rows, protocol, section)
    elif isinstance(endpoint, MarkerChange):
        marker(endpoint, rows, section)
    elif isinstance(endpoint, AdverseEvents):
        adverse(endpoint, protocol, records, section)
    elif isinstance(endpoint, Descriptive):
        descriptive(endpoint, rows, section)
    return section
