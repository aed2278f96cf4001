"""Swimmer plot: time on treatment per subject with response and outcome markers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from oncotrial.plots.inputs import SwimmerLane
from oncotrial.plots.style import (
    FONT_SIZE,
    PlotFigure,
    empty_figure,
    group_colour,
    legend_kwargs,
    style_axes,
)

#: Subject labels are written beside the bars up to this many subjects.
MAX_LABELLED_LANES = 50
#: A few subjects still get room for this many rows, so bars keep their thickness.
MIN_ROWS = 5


def _marker_style(kind: str) -> dict[str, Any]:
    styles: dict[str, dict[str, Any]] = {
        "CR": {"marker": "^", "color": "black", "markeredgecolor": "white", "markersize": 7},
        "PR": {"marker": "^", "color": "white", "markeredgecolor": "black", "markersize": 6.5},
        "progression": {
            "marker": "s",
            "color": "white",
            "markeredgecolor": "black",
            "markersize": 5.5,
        },
        "death": {"marker": "X", "color": "black", "markeredgecolor": "white", "markersize": 7},
    }
    style = dict(styles[kind])
    style.update(markeredgewidth=0.9, linestyle="none", zorder=4)
    return style


def swimmer(
    lanes: Sequence[SwimmerLane],
    *,
    arms: Sequence[str] | None = None,
    title: str | None = None,
    width: float = 6.5,
) -> PlotFigure:
    """One horizontal bar per subject, longest on top, coloured by arm.

    Markers: ▲ first CR (green) / PR (blue), ■ progression, ✕ death; an arrow after a
    bar means the subject is still on treatment. ``arms`` fixes the arm order (and
    colours); by default arms are taken in order of first appearance.
    """
    heading = title or "Time on treatment"
    if not lanes:
        return empty_figure(heading, "No subjects have started treatment.")
    subjects = [lane.subject for lane in lanes]
    if len(set(subjects)) != len(subjects):
        raise ValueError("lanes: each subject may appear once")
    arm_order = list(arms) if arms is not None else list(dict.fromkeys(x.arm for x in lanes))
    unknown = sorted({x.arm for x in lanes} - set(arm_order))
    if unknown:
        raise ValueError(f"lanes: arms {unknown} are not in arms {arm_order}")
    ordered = sorted(lanes, key=lambda x: x.duration_months, reverse=True)
    n = len(ordered)
    ongoing = sum(x.ongoing for x in ordered)
    responders = sum(bool(x.response_onsets) for x in ordered)
    description = (
        f"Swimmer plot of {n} subjects' time on treatment (months), longest "
        f"{ordered[0].duration_months:g}; {responders} with a response, "
        f"{sum(x.progression_months is not None for x in ordered)} progressed, "
        f"{sum(x.death_months is not None for x in ordered)} died, {ongoing} still on "
        "treatment."
    )
    height = min(9.0, 1.3 + 0.2 * max(n, MIN_ROWS))
    fig = PlotFigure(width, height, title=heading, description=description)
    ax = fig.subplots()
    style_axes(ax)
    ax.spines["left"].set_visible(False)

    end = max(
        max(
            [x.duration_months, x.death_months or 0.0, x.progression_months or 0.0]
            + [o.months for o in x.response_onsets]
        )
        for x in ordered
    )
    end = end if end > 0 else 1.0
    arrow = end * 0.045
    rows = list(range(n))
    container = ax.barh(
        rows,
        [x.duration_months for x in ordered],
        height=0.62,
        color=[group_colour(arm_order.index(x.arm)) for x in ordered],
        edgecolor="none",
        zorder=2,
    )
    for patch, lane in zip(container.patches, ordered, strict=True):
        patch.set_gid(f"lane-{lane.subject}")
    kinds: set[str] = set()
    for row, lane in enumerate(ordered):
        colour = group_colour(arm_order.index(lane.arm))
        if lane.ongoing:
            ax.annotate(
                "",
                xy=(lane.duration_months + arrow, row),
                xytext=(lane.duration_months, row),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": colour,
                    "linewidth": 1.2,
                    "shrinkA": 0,
                    "shrinkB": 0,
                    "mutation_scale": 9,
                },
                zorder=3,
            ).set_gid(f"ongoing-{lane.subject}")
            kinds.add("ongoing")
        for onset in lane.response_onsets:
            kind = onset.response.removeprefix("i")
            ax.plot([onset.months], [row], **_marker_style(kind))
            kinds.add(kind)
        if lane.progression_months is not None:
            ax.plot([lane.progression_months], [row], **_marker_style("progression"))
            kinds.add("progression")
        if lane.death_months is not None:
            ax.plot([lane.death_months], [row], **_marker_style("death"))
            kinds.add("death")
    ax.set_ylim(max(n, MIN_ROWS) - 0.4, -0.6)
    ax.set_xlim(0, end + arrow * 2.2)
    if n <= MAX_LABELLED_LANES:
        ax.set_yticks(rows)
        ax.set_yticklabels([x.subject for x in ordered], fontsize=FONT_SIZE - 1)
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_yticks([])
    ax.set_xlabel("Time since start of treatment (months)")
    ax.set_ylabel("Subject")
    ax.grid(True, axis="x", color="#E6E6E6", linewidth=0.6)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, loc="left", weight="bold")

    handles: list[Patch | Line2D] = [
        Patch(facecolor=group_colour(i), edgecolor="none", label=arm)
        for i, arm in enumerate(arm_order)
    ]
    labels = {
        "CR": "Complete response",
        "PR": "Partial response",
        "progression": "Progression",
        "death": "Death",
    }
    for kind in ("CR", "PR", "progression", "death"):
        if kind in kinds:
            style = _marker_style(kind)
            style.pop("zorder")
            handles.append(Line2D([], [], label=labels[kind], **style))
    if "ongoing" in kinds:
        handles.append(
            Line2D(
                [],
                [],
                marker=r"$\rightarrow$",
                color="#444444",
                linestyle="none",
                markersize=10,
                label="On treatment",
            )
        )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        **legend_kwargs(),
    )
    return fig
