"""The report's figures: statistics and derived rows turned into the plots' inputs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from oncotrial.domain import endpoints
from oncotrial.domain.endpoints import DAYS_PER_MONTH, DerivedRow, SubjectRecord
from oncotrial.domain.stats import KaplanMeier
from oncotrial.plots import inputs
from oncotrial.plots.adverse_events import adverse_events
from oncotrial.plots.kaplan_meier import kaplan_meier
from oncotrial.plots.render import to_svg
from oncotrial.plots.responses import spider, waterfall
from oncotrial.plots.style import PlotFigure
from oncotrial.plots.swimmer import swimmer

RISK_STEP_MONTHS = 3


@dataclass
class ReportFigure:
    """A plot as the page shows it (SVG) and the file it is saved as (PNG)."""

    name: str
    """File name without extension, e.g. ``km-os``."""
    title: str
    figure: PlotFigure

    @property
    def svg(self) -> str:
        return to_svg(self.figure, id_prefix=self.name)


def _band(limits: Sequence[float], survival: Sequence[float]) -> list[float]:
    """Confidence limits with the undefined ones (where S = 0, as R's NA) collapsed
    onto the estimate, so that the band simply ends there."""
    return [
        float(limit) if math.isfinite(float(limit)) else float(s)
        for limit, s in zip(limits, survival, strict=True)
    ]


def survival_curve(km: KaplanMeier) -> inputs.SurvivalCurve:
    censor = [float(t) for t in km.censor_times]
    at_censor = []
    for t in censor:
        index = int((km.times <= t).sum()) - 1
        at_censor.append(float(km.survival[index]) if index >= 0 else 1.0)
    return inputs.SurvivalCurve(
        name=km.name,
        times=[float(t) for t in km.times],
        survival=[float(s) for s in km.survival],
        lower=_band(km.lower, km.survival),
        upper=_band(km.upper, km.survival),
        censor_times=censor,
        censor_survival=at_censor,
        n=km.n,
        events=km.events,
    )


def km_figure(
    name: str,
    title: str,
    groups: Sequence[KaplanMeier],
    logrank_p: float | None,
    y_label: str,
) -> ReportFigure:
    longest = max((float(km.times.max()) for km in groups if len(km.times)), default=0.0)
    steps = max(1, math.ceil(longest / RISK_STEP_MONTHS))
    ticks = [float(RISK_STEP_MONTHS * i) for i in range(steps + 1)]
    table = inputs.RiskTable(times=ticks, rows={km.name: km.at_risk_at(ticks) for km in groups})
    figure = kaplan_meier(
        [survival_curve(km) for km in groups],
        table,
        time_unit="months",
        logrank_p=logrank_p,
        title=title,
        y_label=y_label,
    )
    return ReportFigure(name, title, figure)


def best_change(record: SubjectRecord) -> float | None:
    changes = [
        a.change_from_baseline_pct
        for a in record.tumour_assessments
        if a.change_from_baseline_pct is not None
    ]
    return min(changes) if changes else None


def _months(days: int) -> float:
    return days / DAYS_PER_MONTH


def response_figures(
    response_rows: Sequence[DerivedRow],
    records: Sequence[SubjectRecord],
    start_anchor: str,
    last_dose: dict[str, int],
    on_treatment: set[str],
) -> list[ReportFigure]:
    """Waterfall, spider and swimmer plots of the subjects with tumour assessments.
    `last_dose` gives each subject's days on treatment (from the start to the last dose);
    `on_treatment` names the subjects still on treatment."""
    best = {
        row.subject_id: row.response.best_response
        for row in response_rows
        if row.response is not None
    }
    bars, series, lanes = [], [], []
    for record in records:
        start = record.anchor(start_anchor)
        response = best.get(record.subject_id, "NE")
        change = best_change(record)
        if change is not None:
            bars.append(inputs.WaterfallBar(record.subject_id, change, response))
        measured = [
            a
            for a in record.tumour_assessments
            if a.change_from_baseline_pct is not None and start is not None
        ]
        if measured and start is not None:
            series.append(
                inputs.SpiderSeries(
                    subject=record.subject_id,
                    weeks=[(a.date - start).days / 7 for a in measured],
                    change_pct=[float(a.change_from_baseline_pct or 0.0) for a in measured],
                    response=response,
                )
            )
        if start is None or record.subject_id not in last_dose:
            continue
        onsets = []
        for assessment in record.tumour_assessments:
            code = assessment.response
            if code in ("CR", "PR", "iCR", "iPR") and all(o.response != code for o in onsets):
                onsets.append(inputs.ResponseOnset(_months((assessment.date - start).days), code))
        progression = record.progression_date
        lanes.append(
            inputs.SwimmerLane(
                subject=record.subject_id,
                arm=record.arm or "",
                duration_months=max(_months(last_dose[record.subject_id]), 0.1),
                response_onsets=onsets,
                progression_months=(
                    max(_months((progression - start).days), 0.0) if progression else None
                ),
                death_months=(
                    max(_months((record.death_date - start).days), 0.0)
                    if record.death_date
                    else None
                ),
                ongoing=record.subject_id in on_treatment and record.death_date is None,
            )
        )
    figures = []
    if bars:
        figures.append(ReportFigure("waterfall", "Best change in tumour size", waterfall(bars)))
    if series:
        figures.append(ReportFigure("spider", "Change in tumour size over time", spider(series)))
    if lanes:
        figures.append(ReportFigure("swimmer", "Time on treatment", swimmer(lanes)))
    return figures


def ae_figure(table: endpoints.IncidenceTable, name: str) -> ReportFigure:
    counts = [
        inputs.AdverseEventCount(
            row.term, {grade: n for grade, n in zip(range(1, 6), row.by_grade, strict=True) if n}
        )
        for row in table.rows
    ]
    return ReportFigure(
        name,
        "Adverse events by worst grade",
        adverse_events(counts, n_subjects=table.treated or None),
    )
