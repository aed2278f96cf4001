"""Kaplan–Meier plot on the Freireich et al. 6-MP leukaemia remission data.

Freireich EJ et al., Blood 1963;21:699-716, as analysed by Gehan (Biometrika 1965) and
in Kleinbaum & Klein, Survival Analysis (3rd ed.), ch. 2: remission times in weeks,
21 patients per group, ``+`` censored. Published KM estimates for 6-MP: 0.857 (6),
0.807 (7), 0.753 (10), 0.690 (13), 0.627 (16), 0.538 (22), 0.448 (23); medians 23
(6-MP) and 8 weeks (placebo); log-rank χ² = 16.79, p = 4.17e-5.
"""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from matplotlib.cbook import pts_to_poststep

from oncotrial.plots.inputs import RiskTable, SurvivalCurve
from oncotrial.plots.kaplan_meier import format_p, kaplan_meier
from oncotrial.plots.style import GROUP_COLOURS

from .helpers import svg_texts

MP_TIMES = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
MP_EVENTS = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PLACEBO_TIMES = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
PUBLISHED_MP = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
RISK_TIMES = [0, 5, 10, 15, 20, 25, 30, 35]


def _curve(name: str, times: list[int], events: list[int]) -> SurvivalCurve:
    fit = KaplanMeierFitter().fit(times, events)
    sf = fit.survival_function_.iloc[:, 0]
    ci = fit.confidence_interval_
    censored = [t for t, e in zip(times, events, strict=True) if not e]
    return SurvivalCurve(
        name,
        times=list(sf.index),
        survival=list(sf.values),
        lower=list(ci.iloc[:, 0]),
        upper=list(ci.iloc[:, 1]),
        censor_times=censored,
        censor_survival=[float(fit.predict(t)) for t in censored],
        n=len(times),
        events=sum(events),
    )


def _at_risk(times: list[int]) -> list[int]:
    return [sum(t >= s for t in times) for s in RISK_TIMES]


@pytest.fixture
def curves() -> list[SurvivalCurve]:
    return [
        _curve("6-MP", MP_TIMES, MP_EVENTS),
        _curve("Placebo", PLACEBO_TIMES, [1] * len(PLACEBO_TIMES)),
    ]


@pytest.fixture
def table() -> RiskTable:
    return RiskTable(RISK_TIMES, {"6-MP": _at_risk(MP_TIMES), "Placebo": _at_risk(PLACEBO_TIMES)})


def _drawn_steps(fig, index: int) -> tuple[np.ndarray, np.ndarray]:
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == f"km-curve-{index}"]
    assert line.get_drawstyle() == "steps-post"
    return pts_to_poststep(line.get_xdata(), line.get_ydata())


def test_step_heights_are_the_published_estimates(curves, table, render):
    fig = kaplan_meier(curves, table, time_unit="weeks", logrank_p=4.17e-5, show_median=True)
    render(fig, "km_6mp_placebo")
    xs, ys = _drawn_steps(fig, 0)
    # On every horizontal segment starting at a published time, the height is the estimate.
    for time, estimate in PUBLISHED_MP.items():
        heights = {round(y, 3) for x, y in zip(xs, ys, strict=True) if x == time}
        assert estimate in heights
        later = [y for x, y in zip(xs, ys, strict=True) if time <= x < time + 1]
        assert later[-1] == pytest.approx(estimate, abs=5e-4)
    # Before the first event the curve is at 100 %, and it runs to the last follow-up.
    assert ys[0] == 1.0
    assert xs[0] == 0.0
    assert xs[-1] == 35


def test_curve_without_censoring_has_no_marks_and_falls_to_zero(curves, table, render):
    fig = kaplan_meier(curves, table, time_unit="weeks")
    render(fig, "km_placebo_without_censoring")
    gids = {ln.get_gid() for ln in fig.axes[0].get_lines()}
    assert "km-censor-0" in gids
    assert "km-censor-1" not in gids
    (marks,) = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "km-censor-0"]
    assert len(marks.get_xdata()) == 12  # the 12 censored 6-MP remissions
    assert marks.get_marker() == "+"
    xs, ys = _drawn_steps(fig, 1)
    assert ys[-1] == 0.0
    assert xs[-1] == 23


def test_risk_table_counts_sit_under_the_ticks(curves, table, render):
    fig = kaplan_meier(curves, table, time_unit="weeks", logrank_p=4.17e-5)
    svg = render(fig, "km_risk_table")
    plot, risk = fig.axes
    assert list(plot.get_xticks()) == RISK_TIMES
    texts = svg_texts(svg)
    start = texts.index("Placebo", texts.index("6-MP"))  # the table's row labels
    counts = texts[start + 1 : start + 1 + 2 * len(RISK_TIMES)]
    assert counts == [str(n) for n in _at_risk(MP_TIMES) + _at_risk(PLACEBO_TIMES)]
    assert _at_risk(MP_TIMES) == [21, 21, 15, 11, 8, 5, 4, 1]
    assert _at_risk(PLACEBO_TIMES) == [21, 14, 8, 4, 2, 0, 0, 0]
    row0 = [t for t in risk.texts if t.get_gid() == "risk-0"]
    assert [t.get_position()[0] for t in row0] == RISK_TIMES
    fig.canvas.draw()
    # The count under each tick is centred on the tick label above it.
    tick_centres = [
        lab.get_window_extent().x0 / 2 + lab.get_window_extent().x1 / 2
        for lab in plot.get_xticklabels()
    ]
    count_centres = [t.get_window_extent().x0 / 2 + t.get_window_extent().x1 / 2 for t in row0]
    assert count_centres == pytest.approx(tick_centres, abs=1.0)
    # Each group's row label is in the group's colour.
    labels = risk.get_yticklabels()
    assert [lab.get_text() for lab in labels] == ["6-MP", "Placebo"]
    assert [lab.get_color() for lab in labels] == list(GROUP_COLOURS[:2])


def test_legend_logrank_and_median(curves, table, render):
    fig = kaplan_meier(curves, table, time_unit="weeks", logrank_p=4.17e-5, show_median=True)
    svg = render(fig, "km_median")
    texts = svg_texts(svg)
    assert "6-MP (n = 21, 9 events)" in texts
    assert "Placebo (n = 21, 21 events)" in texts
    assert "Log-rank p < 0.001" in texts
    assert "Time (weeks)" in texts
    assert curves[0].median == 23
    assert curves[1].median == 8
    assert "median 23 weeks" in svg
    assert "median 8 weeks" in svg
    dashed = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--"]
    assert sorted(ln.get_xdata()[1] for ln in dashed) == [8, 23]


def test_single_curve_in_months_without_table_or_band(render):
    curve = SurvivalCurve("All patients", times=[0.0, 4.2, 9.1], survival=[1.0, 0.5, 0.25])
    fig = kaplan_meier([curve], time_unit="months", show_ci=False)
    svg = render(fig, "km_single_curve")
    assert len(fig.axes) == 1
    assert "Time (months)" in svg_texts(svg)
    assert "All patients" in svg_texts(svg)
    assert "Censored" not in svg_texts(svg)  # nothing censored, no legend entry
    assert not fig.axes[0].collections  # no confidence band
    xs, ys = _drawn_steps(fig, 0)
    assert list(ys) == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert list(xs) == [0.0, 4.2, 4.2, 9.1, 9.1]


@pytest.mark.parametrize(
    ("p", "text"), [(0.04, "p = 0.04"), (0.0042, "p = 0.004"), (0.0004, "p < 0.001")]
)
def test_p_values_are_printed_the_journal_way(p, text):
    assert format_p(p) == text


def test_undefined_confidence_limits_end_the_band():
    curve = SurvivalCurve(
        "A",
        times=[0, 2, 5],
        survival=[1.0, 0.5, 0.0],
        lower=[1.0, 0.2, float("nan")],
        upper=[1.0, 0.8, float("nan")],
    )
    assert curve.lower == (1.0, 0.2, 0.0)
    assert curve.upper == (1.0, 0.8, 0.0)


def test_bad_inputs_name_the_field():
    with pytest.raises(ValueError, match="survival has 2 values but times has 3"):
        SurvivalCurve("A", times=[0, 1, 2], survival=[1.0, 0.9])
    with pytest.raises(ValueError, match="survival must not increase"):
        SurvivalCurve("A", times=[0, 1], survival=[0.8, 0.9])
    with pytest.raises(ValueError, match=r"rows\['A'\] has 2 counts but times has 3"):
        RiskTable([0, 6, 12], {"A": [10, 8]})
    curve = SurvivalCurve("A", times=[0, 1], survival=[1.0, 0.9])
    with pytest.raises(ValueError, match=r"risk_table.rows: \['B'\]"):
        kaplan_meier([curve], RiskTable([0, 6], {"B": [3, 1]}))
    with pytest.raises(ValueError, match="curves is empty"):
        kaplan_meier([])
