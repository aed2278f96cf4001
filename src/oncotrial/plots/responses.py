"""Waterfall and spider plots of tumour response (RECIST 1.1 / iRECIST)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from oncotrial.domain.recist.recist11 import PD_INCREASE, PR_DECREASE
from oncotrial.plots.inputs import RESPONSES, SpiderSeries, WaterfallBar
from oncotrial.plots.style import (
    FONT_SIZE,
    REFERENCE_COLOUR,
    PlotFigure,
    empty_figure,
    legend_kwargs,
    response_colour,
    style_axes,
)

#: The RECIST 1.1 thresholds drawn as dashed lines: +20 % (PD) and −30 % (PR).
REFERENCE_LINES_PCT: tuple[float, float] = (PD_INCREASE * 100, -PR_DECREASE * 100)
#: Subject labels are written under the bars up to this many subjects.
MAX_LABELLED_BARS = 40
MIN_SLOTS = 12


def _reference_lines(ax: Axes) -> None:
    for y in REFERENCE_LINES_PCT:
        line = ax.axhline(y, color=REFERENCE_COLOUR, linestyle=(0, (4, 3)), linewidth=0.9, zorder=1)
        line.set_gid(f"reference-{y:+.0f}")
    ax.axhline(0, color=REFERENCE_COLOUR, linewidth=0.8, zorder=1)


def _legend_below(fig: PlotFigure, handles: Sequence[Patch | Line2D]) -> None:
    """One row of legend entries under the plot, titled "Best overall response"."""
    fig.legend(
        handles=list(handles),
        loc="outside lower center",
        ncol=len(handles),
        title="Best overall response",
        title_fontsize=FONT_SIZE,
        columnspacing=1.2,
        **legend_kwargs(),
    )


def _counts(responses: Sequence[str]) -> str:
    counts = Counter(responses)
    return ", ".join(f"{r} {counts[r]}" for r in RESPONSES if r in counts)


def waterfall(
    bars: Sequence[WaterfallBar],
    *,
    title: str | None = None,
    width: float = 6.5,
    height: float = 3.6,
) -> PlotFigure:
    """Best % change in the sum of target diameters, one bar per subject, largest first.

    Bars are coloured by best overall response; dashed lines mark +20 % and −30 %.
    Subjects are named under their bars up to :data:`MAX_LABELLED_BARS` subjects.
    """
    heading = title or "Best change in tumour size"
    if not bars:
        return empty_figure(heading, "No subjects with a measured target-lesion change.")
    subjects = [b.subject for b in bars]
    if len(set(subjects)) != len(subjects):
        raise ValueError("bars: each subject may appear once")
    ordered = sorted(bars, key=lambda b: b.best_change_pct, reverse=True)
    description = (
        f"Waterfall plot of {len(ordered)} subjects' best change from baseline in the sum "
        f"of target-lesion diameters, from {ordered[0].best_change_pct:+.1f}% to "
        f"{ordered[-1].best_change_pct:+.1f}%; best responses: "
        f"{_counts([b.response for b in ordered])}."
    )
    fig = PlotFigure(width, height, title=heading, description=description)
    ax = fig.subplots()
    style_axes(ax)
    positions = list(range(len(ordered)))
    container = ax.bar(
        positions,
        [b.best_change_pct for b in ordered],
        width=0.8,
        color=[response_colour(b.response) for b in ordered],
        # An outline in the bar's colour keeps a 0 % change visible as a line.
        edgecolor=[response_colour(b.response) for b in ordered],
        linewidth=0.6,
        zorder=2,
    )
    for patch, bar in zip(container.patches, ordered, strict=True):
        patch.set_gid(f"bar-{bar.subject}")
    _reference_lines(ax)
    top = max(30.0, max(b.best_change_pct for b in ordered))
    bottom = min(-40.0, min(b.best_change_pct for b in ordered))
    ax.set_ylim(bottom - 5, top + (top - bottom) * 0.25)
    # At least MIN_SLOTS bar widths across, so a few bars do not become slabs.
    spare = max(0, MIN_SLOTS - len(ordered)) / 2
    ax.set_xlim(-0.7 - spare, len(ordered) - 0.3 + spare)
    ax.spines["bottom"].set_visible(False)
    if len(ordered) <= MAX_LABELLED_BARS:
        ax.set_xticks(positions)
        ax.set_xticklabels([b.subject for b in ordered], rotation=90, fontsize=FONT_SIZE - 1.5)
        ax.tick_params(axis="x", length=0)
        ax.set_xlabel("Subject")
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"Subjects (n = {len(ordered)})")
    ax.set_ylabel("Best change from baseline (%)")
    for y, text in ((REFERENCE_LINES_PCT[0], "+20%"), (REFERENCE_LINES_PCT[1], "−30%")):
        ax.text(
            1.0,
            y,
            f" {text}",
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize=FONT_SIZE - 1,
            color=REFERENCE_COLOUR,
        )
    if title:
        ax.set_title(title, loc="left", weight="bold")
    present = {b.response for b in ordered}
    _legend_below(
        fig,
        [
            Patch(facecolor=response_colour(r), edgecolor="none", label=r)
            for r in RESPONSES
            if r in present
        ],
    )
    return fig


def spider(
    series: Sequence[SpiderSeries],
    *,
    title: str | None = None,
    width: float = 6.5,
    height: float = 3.8,
) -> PlotFigure:
    """% change from baseline in the target sum over time, one line per subject.

    Lines start at baseline (week 0, 0 %), have a marker at every assessment and are
    coloured by best overall response; a black star marks an assessment with a new
    lesion. Dashed lines mark +20 % and −30 %.
    """
    heading = title or "Change in tumour size over time"
    drawn = [s for s in series if s.weeks]
    if not drawn:
        return empty_figure(heading, "No subjects with a follow-up tumour assessment.")
    new_lesions = sum(len(s.new_lesion_weeks) for s in drawn)
    description = (
        f"Spider plot of {len(drawn)} subjects' change from baseline in the sum of "
        f"target-lesion diameters over time (weeks); best responses: "
        f"{_counts([s.response for s in drawn])}; {new_lesions} assessment"
        f"{'s' if new_lesions != 1 else ''} with a new lesion."
    )
    fig = PlotFigure(width, height, title=heading, description=description)
    ax = fig.subplots()
    style_axes(ax)
    _reference_lines(ax)
    low, high, last = -40.0, 30.0, 0.0
    for index, item in enumerate(drawn):
        weeks, change = list(item.weeks), list(item.change_pct)
        if weeks[0] != 0:
            weeks.insert(0, 0.0)
            change.insert(0, 0.0)
        colour = response_colour(item.response)
        (line,) = ax.plot(
            weeks,
            change,
            color=colour,
            linewidth=1.2,
            marker="o",
            markersize=3.2,
            zorder=3,
        )
        line.set_gid(f"spider-{index}")
        if item.new_lesion_weeks:
            ys = [change[weeks.index(w)] for w in item.new_lesion_weeks]
            (marks,) = ax.plot(
                list(item.new_lesion_weeks),
                ys,
                linestyle="none",
                marker="*",
                markersize=9,
                color="black",
                markeredgecolor="white",
                markeredgewidth=0.4,
                zorder=4,
            )
            marks.set_gid(f"new-lesion-{index}")
        low, high, last = min(low, *change), max(high, *change), max(last, weeks[-1])
    ax.set_xlim(0, last * 1.03 if last > 0 else 1)
    ax.set_ylim(low - 8, high + (high - low) * 0.1 + 8)
    ax.set_xlabel("Time since start of treatment (weeks)")
    ax.set_ylabel("Change from baseline (%)")
    for y, text in ((REFERENCE_LINES_PCT[0], "+20%"), (REFERENCE_LINES_PCT[1], "−30%")):
        ax.text(
            1.0,
            y,
            f" {text}",
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize=FONT_SIZE - 1,
            color=REFERENCE_COLOUR,
        )
    if title:
        ax.set_title(title, loc="left", weight="bold")
    order = [r for r in RESPONSES if r in {s.response for s in drawn}]
    handles: list[Line2D] = [
        Line2D([], [], color=response_colour(r), marker="o", markersize=3.5, label=r) for r in order
    ]
    if new_lesions:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="*",
                markersize=9,
                color="black",
                label="New lesion",
            )
        )
    _legend_below(fig, handles)
    return fig
