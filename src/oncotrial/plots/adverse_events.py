"""Adverse events by term, stacked by worst CTCAE grade."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.ticker import MaxNLocator

from oncotrial.plots.inputs import AdverseEventCount
from oncotrial.plots.style import (
    FONT_SIZE,
    GRADE_COLOURS,
    PlotFigure,
    empty_figure,
    legend_kwargs,
    style_axes,
)

#: The message drawn instead of bars when no adverse event was reported.
NO_EVENTS_MESSAGE = "No adverse events reported."


def adverse_events(
    counts: Sequence[AdverseEventCount],
    *,
    top: int = 15,
    n_subjects: int | None = None,
    title: str | None = None,
    width: float = 6.5,
) -> PlotFigure:
    """Horizontal bars of subjects per AE term, stacked by worst grade 1–5.

    The ``top`` most frequent terms are shown, most frequent first (ties by name).
    ``n_subjects`` (the safety population) goes into the axis label. An empty list
    gives a figure that says :data:`NO_EVENTS_MESSAGE`.
    """
    heading = title or "Adverse events by worst grade"
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    if n_subjects is not None and n_subjects < 1:
        raise ValueError(f"n_subjects must be at least 1, got {n_subjects}")
    terms = [c.term for c in counts]
    if len(set(terms)) != len(terms):
        raise ValueError("counts: each term may appear once")
    shown = sorted((c for c in counts if c.total > 0), key=lambda c: (-c.total, c.term))[:top]
    if not shown:
        return empty_figure(heading, NO_EVENTS_MESSAGE)
    if n_subjects is not None and shown[0].total > n_subjects:
        raise ValueError(
            f"counts: {shown[0].term!r} counts {shown[0].total} subjects, more than "
            f"n_subjects={n_subjects}"
        )
    description = (
        f"Adverse events, {len(shown)} most frequent terms by worst grade: "
        + "; ".join(
            f"{c.term} {c.total} ("
            + ", ".join(
                f"grade {g} {c.subjects_by_grade[g]}"
                for g in sorted(c.subjects_by_grade)
                if c.subjects_by_grade[g]
            )
            + ")"
            for c in shown
        )
        + "."
    )
    fig = PlotFigure(width, 1.2 + 0.26 * len(shown), title=heading, description=description)
    ax = fig.subplots()
    style_axes(ax)
    ax.spines["left"].set_visible(False)
    rows = list(range(len(shown)))
    left = [0] * len(shown)
    for grade in range(1, 6):
        values = [c.subjects_by_grade.get(grade, 0) for c in shown]
        container = ax.barh(
            rows,
            values,
            left=left,
            height=0.68,
            color=GRADE_COLOURS[grade],
            edgecolor="white",
            linewidth=0.5,
            label=f"Grade {grade}",
            zorder=2,
        )
        for patch, count in zip(container.patches, shown, strict=True):
            patch.set_gid(f"ae-{grade}-{count.term}")
        left = [a + b for a, b in zip(left, values, strict=True)]
    for row, total in enumerate(left):
        ax.text(
            total,
            row,
            f" {total}",
            va="center",
            ha="left",
            fontsize=FONT_SIZE - 0.5,
            color="#333333",
        )
    ax.set_yticks(rows)
    ax.set_yticklabels([c.term for c in shown], fontsize=FONT_SIZE)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(shown) - 0.4, -0.6)
    ax.set_xlim(0, max(left) * 1.1 + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.set_xlabel(
        "Subjects (n)" if n_subjects is None else f"Subjects (n, of {n_subjects} treated)"
    )
    ax.grid(True, axis="x", color="#E6E6E6", linewidth=0.6)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, loc="left", weight="bold")
    fig.legend(
        loc="outside lower center",
        ncol=5,
        columnspacing=1.2,
        **legend_kwargs(),
    )
    return fig
