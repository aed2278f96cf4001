"""Kaplan–Meier curves with censoring marks, CI bands, medians and a risk table."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter

from oncotrial.plots.inputs import TIME_UNITS, RiskTable, SurvivalCurve, TimeUnit
from oncotrial.plots.style import (
    FONT_SIZE,
    LABEL_SIZE,
    TEXT_COLOUR,
    PlotFigure,
    group_colour,
    legend_kwargs,
    style_axes,
)

#: Risk-table row labels wrap after this many characters.
RISK_LABEL_CHARS = 18


def format_p(p: float) -> str:
    """A p value the way journals print it: ``p = 0.032``, ``p = 0.12``, ``p < 0.001``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"logrank_p must lie in [0, 1], got {p}")
    if p < 0.001:
        return "p < 0.001"
    if p < 0.01:
        return f"p = {p:.3f}"
    return f"p = {p:.2f}"


def _step_points(curve: SurvivalCurve) -> tuple[list[float], list[float]]:
    """The post-step vertices: from (0, 1) when needed to the last time seen."""
    times, survival = list(curve.times), list(curve.survival)
    if times[0] > 0:
        times.insert(0, 0.0)
        survival.insert(0, 1.0)
    last = max([times[-1], *curve.censor_times])
    if last > times[-1]:
        times.append(last)
        survival.append(survival[-1])
    return times, survival


def _legend_label(curve: SurvivalCurve) -> str:
    parts = []
    if curve.n is not None:
        parts.append(f"n = {curve.n}")
    if curve.events is not None:
        parts.append(f"{curve.events} event{'s' if curve.events != 1 else ''}")
    return f"{curve.name} ({', '.join(parts)})" if parts else curve.name


def _describe(curves: Sequence[SurvivalCurve], unit: str, p: float | None) -> str:
    pieces = []
    for curve in curves:
        median = curve.median
        text = _legend_label(curve)
        text += f", median {median:g} {unit}" if median is not None else ", median not reached"
        pieces.append(text)
    summary = "; ".join(pieces)
    if p is not None:
        summary += f"; log-rank {format_p(p)}"
    return f"Kaplan–Meier curves: {summary}."


def kaplan_meier(
    curves: Sequence[SurvivalCurve],
    risk_table: RiskTable | None = None,
    *,
    time_unit: TimeUnit = "months",
    logrank_p: float | None = None,
    show_ci: bool = True,
    show_median: bool = False,
    title: str | None = None,
    y_label: str = "Survival (%)",
    width: float = 6.5,
) -> PlotFigure:
    """Kaplan–Meier plot, with the number at risk under it when ``risk_table`` is given.

    The x-axis ticks are the risk table's times (so counts sit under their ticks);
    without a table they are chosen automatically. ``logrank_p`` is printed in the lower
    left corner; ``show_median`` draws dashed lines at S = 0.5 to each reached median.
    """
    curves = list(curves)
    if not curves:
        raise ValueError("curves is empty: give at least one SurvivalCurve")
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time_unit must be one of {', '.join(TIME_UNITS)}, got {time_unit!r}")
    names = [c.name for c in curves]
    if len(set(names)) != len(names):
        raise ValueError(f"curves: names must be distinct, got {names}")
    if risk_table is not None:
        unknown = [name for name in risk_table.rows if name not in names]
        if unknown:
            raise ValueError(f"risk_table.rows: {unknown} name no curve (curves: {names})")
    if logrank_p is not None:
        format_p(logrank_p)

    rows = [] if risk_table is None else [n for n in names if n in risk_table.rows]
    lines = max((len(textwrap.wrap(name, RISK_LABEL_CHARS)) for name in rows), default=1)
    table_height = 0.0 if not rows else 0.36 + (0.2 + 0.17 * (lines - 1)) * len(rows)
    legend_rows = len(curves) + 1  # the curves and "Censored", one per row at worst
    plot_height = 3.2 + 0.17 * legend_rows
    heading = title or "Kaplan–Meier estimate"
    fig = PlotFigure(
        width,
        plot_height + table_height + 0.2,
        title=heading,
        description=_describe(curves, time_unit, logrank_p),
    )
    if rows:
        ax, table = fig.subplots(2, 1, sharex=True, height_ratios=[plot_height, table_height])
    else:
        ax = fig.subplots()
        table = None
    style_axes(ax)

    x_max = 0.0
    for index, curve in enumerate(curves):
        colour = group_colour(index)
        xs, ys = _step_points(curve)
        x_max = max(x_max, xs[-1])
        (line,) = ax.plot(
            xs,
            ys,
            drawstyle="steps-post",
            color=colour,
            linewidth=1.6,
            label=_legend_label(curve),
            solid_joinstyle="miter",
        )
        line.set_gid(f"km-curve-{index}")
        if show_ci and curve.lower:
            lower, upper = list(curve.lower), list(curve.upper)
            band_x = list(curve.times)
            if band_x[0] > 0:
                band_x.insert(0, 0.0)
                lower.insert(0, 1.0)
                upper.insert(0, 1.0)
            if xs[-1] > band_x[-1]:
                band_x.append(xs[-1])
                lower.append(lower[-1])
                upper.append(upper[-1])
            ax.fill_between(
                band_x, lower, upper, step="post", color=colour, alpha=0.15, linewidth=0
            )
        if curve.censor_times:
            marks = ax.plot(
                curve.censor_times,
                curve.censor_survival,
                linestyle="none",
                marker="+",
                markersize=7,
                markeredgewidth=1.2,
                color=colour,
            )
            marks[0].set_gid(f"km-censor-{index}")
        median = curve.median
        if show_median and median is not None:
            ax.plot(
                [0, median, median],
                [0.5, 0.5, 0.0],
                linestyle=(0, (3, 2)),
                linewidth=0.9,
                color=colour,
            )

    if risk_table is not None:
        x_max = max(x_max, risk_table.times[-1])
        ax.set_xticks(list(risk_table.times))
        ax.set_xlim(0, x_max * 1.02)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 3, 5, 6, 10]))
        ax.set_xlim(0, x_max * 1.04 if x_max > 0 else 1)
    ax.set_ylim(0, 1.03)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0, symbol=""))
    ax.set_ylabel(y_label)
    if title:
        fig.suptitle(
            title, x=0.01, ha="left", fontsize=LABEL_SIZE + 0.5, weight="bold", color=TEXT_COLOUR
        )
    handles = [h for h in ax.get_lines() if not h.get_label().startswith("_")]
    if any(curve.censor_times for curve in curves):
        handles.append(
            Line2D([], [], linestyle="none", marker="+", color=TEXT_COLOUR, label="Censored")
        )
    # Above the plot, clear of the curves whatever their shape.
    short = all(len(h.get_label()) <= 30 for h in handles)
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncol=2 if short and len(handles) > 2 else 1,
        **legend_kwargs(),
    )
    if logrank_p is not None:
        ax.text(
            0.02,
            0.04,
            f"Log-rank {format_p(logrank_p)}",
            transform=ax.transAxes,
            fontsize=FONT_SIZE,
            color=TEXT_COLOUR,
            ha="left",
            va="bottom",
            gid="km-logrank",
        )

    ax.set_xlabel(f"Time ({time_unit})")
    if table is not None and risk_table is not None:
        _draw_risk_table(table, risk_table, rows, names)
        ax.tick_params(axis="x", labelbottom=True)
    return fig


def _draw_risk_table(table: Axes, risk_table: RiskTable, rows: list[str], names: list[str]) -> None:
    """Counts under each tick, one row per group, group names in their colours."""
    for side in ("top", "right", "left", "bottom"):
        table.spines[side].set_visible(False)
    table.tick_params(axis="both", length=0, labelsize=FONT_SIZE, labelcolor=TEXT_COLOUR)
    table.tick_params(axis="x", labelbottom=False)
    table.tick_params(axis="y", pad=16)
    table.set_ylim(len(rows) - 0.5, -0.5)
    table.set_yticks(range(len(rows)))
    # Long group names wrap so they do not squeeze the plot above.
    table.set_yticklabels([textwrap.fill(name, RISK_LABEL_CHARS) for name in rows])
    for label, name in zip(table.get_yticklabels(), rows, strict=True):
        label.set_color(group_colour(names.index(name)))
        label.set_fontweight("bold")
    for row, name in enumerate(rows):
        for t, count in zip(risk_table.times, risk_table.rows[name], strict=True):
            table.text(
                t,
                row,
                str(count),
                ha="center",
                va="center",
                fontsize=FONT_SIZE,
                color=TEXT_COLOUR,
                gid=f"risk-{row}",
            )
    table.set_title(
        "Number at risk",
        loc="left",
        fontsize=FONT_SIZE,
        color=TEXT_COLOUR,
        pad=3,
        weight="bold",
    )
