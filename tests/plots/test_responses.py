"""Waterfall and spider plots: bars, order, response colours, RECIST reference lines."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_hex

from oncotrial.plots.inputs import SpiderSeries, WaterfallBar
from oncotrial.plots.responses import spider, waterfall
from oncotrial.plots.style import RESPONSE_COLOURS

from .helpers import svg_texts

# Best % change and RECIST 1.1 best response of a 12-patient phase II cohort; the
# categories follow the thresholds (PR ≤ −30 %, PD ≥ +20 % or new lesions).
COHORT = [
    ("SH01-001", -100.0, "CR"),
    ("SH01-002", -62.5, "PR"),
    ("SH01-003", -41.0, "PR"),
    ("SH01-004", -30.0, "PR"),
    ("SH01-005", -12.4, "SD"),
    ("SH01-006", 4.8, "SD"),
    ("SH01-007", 18.0, "SD"),
    ("SH01-008", 27.3, "PD"),
    ("SH01-009", 55.0, "PD"),
    ("SH01-010", -8.0, "PD"),  # PD from a new lesion while the targets shrank
    ("BJ02-011", 0.0, "NE"),
    ("BJ02-012", -22.2, "SD"),
]


def _bars(fig):
    ax = fig.axes[0]
    return sorted(
        (p for p in ax.patches if (p.get_gid() or "").startswith("bar-")), key=lambda p: p.get_x()
    )


def test_waterfall_one_bar_per_subject_sorted_descending(render):
    fig = waterfall([WaterfallBar(*row) for row in COHORT])
    svg = render(fig, "waterfall_recist")
    bars = _bars(fig)
    assert len(bars) == len(COHORT)
    expected = sorted(COHORT, key=lambda row: row[1], reverse=True)
    assert [b.get_gid() for b in bars] == [f"bar-{row[0]}" for row in expected]
    assert [b.get_height() for b in bars] == [row[1] for row in expected]
    assert [to_hex(b.get_facecolor()) for b in bars] == [
        RESPONSE_COLOURS[row[2]].lower() for row in expected
    ]
    texts = svg_texts(svg)
    assert [t for t in texts if t.startswith(("SH01", "BJ02"))] == [row[0] for row in expected]
    for label in ("CR", "PR", "SD", "PD", "NE", "Best overall response", "+20%", "−30%"):
        assert label in texts


def test_waterfall_reference_lines_at_plus_20_and_minus_30():
    fig = waterfall([WaterfallBar(*row) for row in COHORT])
    lines = {ln.get_gid(): ln for ln in fig.axes[0].get_lines() if ln.get_gid()}
    assert set(lines) == {"reference-+20", "reference--30"}
    for gid, y in (("reference-+20", 20.0), ("reference--30", -30.0)):
        assert list(lines[gid].get_ydata()) == [y, y]
        assert lines[gid].get_linestyle() == "--"


def test_waterfall_legend_follows_the_response_order():
    fig = waterfall([WaterfallBar(*row) for row in reversed(COHORT)])
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["CR", "PR", "SD", "PD", "NE"]


def test_waterfall_irecist_categories(render):
    rows = [
        ("P1", -70.0, "iCR"),
        ("P2", -35.0, "iPR"),
        ("P3", 5.0, "iSD"),
        ("P4", 24.0, "iUPD"),
        ("P5", 48.0, "iCPD"),
    ]
    fig = waterfall([WaterfallBar(*row) for row in rows], title="Best response (iRECIST)")
    svg = render(fig, "waterfall_irecist")
    bars = _bars(fig)
    assert [to_hex(b.get_facecolor()) for b in bars] == [
        RESPONSE_COLOURS[r].lower() for r in ("iCPD", "iUPD", "iSD", "iPR", "iCR")
    ]
    assert RESPONSE_COLOURS["iUPD"] != RESPONSE_COLOURS["iCPD"]
    assert {"iCR", "iPR", "iSD", "iUPD", "iCPD"} <= set(svg_texts(svg))


def test_waterfall_one_subject(render):
    fig = waterfall([WaterfallBar("SH01-001", -35.0, "PR")])
    svg = render(fig, "waterfall_one_subject")
    assert len(_bars(fig)) == 1
    assert "SH01-001" in svg_texts(svg)


def test_waterfall_many_subjects_are_counted_not_labelled(render):
    rows = [WaterfallBar(f"S{i:03d}", -90 + i * 2.5, "SD") for i in range(60)]
    svg = render(waterfall(rows), "waterfall_60_subjects")
    texts = svg_texts(svg)
    assert "Subjects (n = 60)" in texts
    assert not [t for t in texts if t.startswith("S0")]


def test_waterfall_without_subjects_says_so(render):
    svg = render(waterfall([]), "waterfall_empty")
    assert "No subjects with a measured target-lesion change." in svg_texts(svg)


def test_waterfall_bad_input_names_the_field():
    with pytest.raises(ValueError, match="response 'SUPER' is not one of"):
        WaterfallBar("SH01-001", -20.0, "SUPER")
    with pytest.raises(ValueError, match=r"best_change_pct -120\.0 is below -100"):
        WaterfallBar("SH01-001", -120.0, "PR")
    with pytest.raises(ValueError, match="each subject may appear once"):
        waterfall([WaterfallBar("A", 1.0, "SD"), WaterfallBar("A", 2.0, "SD")])


SERIES = [
    SpiderSeries("SH01-001", [6, 12, 18, 24], [-35.0, -58.0, -72.0, -100.0], "CR"),
    SpiderSeries("SH01-002", [6, 12, 18], [-20.0, -38.0, -41.0], "PR"),
    SpiderSeries("SH01-003", [6, 12], [5.0, 12.0], "SD"),
    SpiderSeries("SH01-004", [6, 12], [14.0, 31.0], "PD", new_lesion_weeks=[12]),
    SpiderSeries("SH01-005", [6], [-10.0], "PD", new_lesion_weeks=[6]),
]


def test_spider_lines_start_at_baseline_coloured_by_response(render):
    fig = spider(SERIES)
    svg = render(fig, "spider")
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if (ln.get_gid() or "").startswith("spider-")]
    assert len(lines) == len(SERIES)
    for line, item in zip(lines, SERIES, strict=True):
        assert list(line.get_xdata()) == [0.0, *item.weeks]
        assert list(line.get_ydata()) == [0.0, *item.change_pct]
        assert line.get_marker() == "o"
        assert to_hex(line.get_color()) == RESPONSE_COLOURS[item.response].lower()
    marks = {ln.get_gid(): ln for ln in ax.get_lines() if (ln.get_gid() or "").startswith("new-")}
    assert set(marks) == {"new-lesion-3", "new-lesion-4"}
    assert list(marks["new-lesion-3"].get_xydata()[0]) == [12.0, 31.0]
    assert list(marks["new-lesion-4"].get_xydata()[0]) == [6.0, -10.0]
    refs = sorted(
        ln.get_ydata()[0] for ln in ax.get_lines() if (ln.get_gid() or "").startswith("reference")
    )
    assert refs == [-30.0, 20.0]
    texts = svg_texts(svg)
    assert "New lesion" in texts
    assert "Time since start of treatment (weeks)" in texts


def test_spider_one_subject_and_baseline_given(render):
    fig = spider([SpiderSeries("SH01-009", [0, 8], [0.0, -31.0], "PR")])
    render(fig, "spider_one_subject")
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "spider-0"]
    assert list(line.get_xdata()) == [0.0, 8.0]


def test_spider_without_assessments_says_so(render):
    svg = render(spider([SpiderSeries("SH01-001", [], [], "NE")]), "spider_empty")
    assert "No subjects with a follow-up tumour assessment." in svg_texts(svg)


def test_spider_new_lesion_must_be_an_assessment():
    with pytest.raises(ValueError, match=r"new_lesion_weeks \[9.0\] are not assessment weeks"):
        SpiderSeries("SH01-001", [6, 12], [1.0, 2.0], "PD", new_lesion_weeks=[9])
    with pytest.raises(ValueError, match="change_pct has 1 values but weeks has 2"):
        SpiderSeries("SH01-001", [6, 12], [1.0], "SD")
