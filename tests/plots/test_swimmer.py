"""Swimmer plot: one bar per subject, longest first, arm colours and event markers."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_hex
from matplotlib.text import Annotation

from oncotrial.plots.inputs import ResponseOnset, SwimmerLane
from oncotrial.plots.style import GROUP_COLOURS
from oncotrial.plots.swimmer import swimmer

from .helpers import svg_texts

A, B = "Sirolimus + gemcitabine", "Gemcitabine"
LANES = [
    SwimmerLane(
        "SH01-001", A, 14.5, [ResponseOnset(1.9, "PR"), ResponseOnset(5.6, "CR")], ongoing=True
    ),
    SwimmerLane("SH01-002", B, 3.7, progression_months=3.7),
    SwimmerLane(
        "SH01-003", A, 9.2, [ResponseOnset(2.1, "PR")], progression_months=9.2, death_months=13.0
    ),
    SwimmerLane("BJ02-004", B, 1.1, death_months=1.4),
    SwimmerLane("BJ02-005", B, 6.4, ongoing=True),
    SwimmerLane("SH01-006", A, 0.7, progression_months=0.7),
]


def _lanes(fig):
    ax = fig.axes[0]
    return sorted(
        (p for p in ax.patches if (p.get_gid() or "").startswith("lane-")), key=lambda p: p.get_y()
    )


def test_one_bar_per_subject_longest_on_top_coloured_by_arm(render):
    fig = swimmer(LANES, arms=[A, B])
    svg = render(fig, "swimmer")
    bars = _lanes(fig)
    expected = sorted(LANES, key=lambda x: x.duration_months, reverse=True)
    assert len(bars) == len(LANES)
    # The y axis is inverted, so the smallest y is the top row.
    assert [b.get_gid() for b in bars] == [f"lane-{x.subject}" for x in expected]
    assert [b.get_width() for b in bars] == [x.duration_months for x in expected]
    colours = {A: GROUP_COLOURS[0], B: GROUP_COLOURS[1]}
    assert [to_hex(b.get_facecolor()) for b in bars] == [colours[x.arm].lower() for x in expected]
    assert fig.axes[0].yaxis_inverted()
    texts = svg_texts(svg)
    assert [t for t in texts if t[:4] in ("SH01", "BJ02")] == [x.subject for x in expected]
    for label in (
        A,
        B,
        "Complete response",
        "Partial response",
        "Progression",
        "Death",
        "On treatment",
    ):
        assert label in texts


def test_markers_sit_at_the_given_times_on_their_row():
    fig = swimmer(LANES, arms=[A, B])
    ax = fig.axes[0]
    expected = sorted(LANES, key=lambda x: x.duration_months, reverse=True)
    rows = {x.subject: i for i, x in enumerate(expected)}
    points = {
        (line.get_marker(), float(line.get_xdata()[0]), float(line.get_ydata()[0]))
        for line in ax.get_lines()
    }
    assert ("^", 5.6, rows["SH01-001"]) in points  # CR onset
    assert ("^", 1.9, rows["SH01-001"]) in points  # PR onset
    assert ("s", 9.2, rows["SH01-003"]) in points  # progression
    assert ("X", 13.0, rows["SH01-003"]) in points  # death after treatment ended
    assert ("X", 1.4, rows["BJ02-004"]) in points
    arrows = sorted((c.get_gid() for c in ax.get_children() if isinstance(c, Annotation)), key=str)
    assert arrows == ["ongoing-BJ02-005", "ongoing-SH01-001"]


def test_one_subject(render):
    fig = swimmer([SwimmerLane("SH01-001", A, 2.5, progression_months=2.5)])
    svg = render(fig, "swimmer_one_subject")
    assert len(_lanes(fig)) == 1
    assert "Progression" in svg_texts(svg)
    assert "On treatment" not in svg_texts(svg)


def test_no_subjects_says_so(render):
    svg = render(swimmer([]), "swimmer_empty")
    assert "No subjects have started treatment." in svg_texts(svg)


def test_bad_input_names_the_field():
    with pytest.raises(ValueError, match="response_onsets response 'SD' is not CR, PR"):
        SwimmerLane("SH01-001", A, 3.0, [ResponseOnset(1.0, "SD")])
    with pytest.raises(ValueError, match="ongoing is true but death_months is given"):
        SwimmerLane("SH01-001", A, 3.0, death_months=3.0, ongoing=True)
    with pytest.raises(ValueError, match=r"arms \['Other'\] are not in arms"):
        swimmer([SwimmerLane("SH01-001", "Other", 3.0)], arms=[A])
