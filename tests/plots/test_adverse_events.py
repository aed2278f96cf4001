"""AE bars: most frequent terms first, stacked by worst CTCAE grade."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_hex

from oncotrial.plots.adverse_events import NO_EVENTS_MESSAGE, adverse_events
from oncotrial.plots.inputs import AdverseEventCount
from oncotrial.plots.style import GRADE_COLOURS

from .helpers import svg_texts

# Subjects by worst grade per term (CTCAE v5.0 terms) in a 40-patient safety population.
COUNTS = [
    AdverseEventCount("Fatigue", {1: 12, 2: 6, 3: 2}),
    AdverseEventCount("Nausea", {1: 10, 2: 4}),
    AdverseEventCount("Neutrophil count decreased", {2: 3, 3: 8, 4: 5}),
    AdverseEventCount("Anemia", {1: 4, 2: 5, 3: 3}),
    AdverseEventCount("Peripheral sensory neuropathy", {1: 6, 2: 2}),
    AdverseEventCount("Stomatitis", {1: 5, 2: 1}),
    AdverseEventCount("Sepsis", {3: 1, 4: 1, 5: 1}),
    AdverseEventCount("Hypertriglyceridemia", {1: 2, 2: 1}),
]


def _segments(fig, grade: int) -> dict[str, tuple[float, float]]:
    """term → (left, width) of the grade's segment."""
    out = {}
    for patch in fig.axes[0].patches:
        gid = patch.get_gid() or ""
        prefix = f"ae-{grade}-"
        if gid.startswith(prefix):
            out[gid[len(prefix) :]] = (patch.get_x(), patch.get_width())
    return out


def test_terms_most_frequent_first_stacked_by_grade(render):
    fig = adverse_events(COUNTS, n_subjects=40)
    svg = render(fig, "adverse_events")
    ax = fig.axes[0]
    order = [
        "Fatigue",
        "Neutrophil count decreased",
        "Nausea",
        "Anemia",
        "Peripheral sensory neuropathy",
        "Stomatitis",
        "Hypertriglyceridemia",
        "Sepsis",
    ]
    # Row 0 at the top: the labels read from top to bottom in frequency order.
    assert ax.yaxis_inverted()
    assert [t.get_text() for t in ax.get_yticklabels()] == order
    by_term = {c.term: c for c in COUNTS}
    for grade in range(1, 6):
        segments = _segments(fig, grade)
        assert set(segments) == set(order)
        for term, (left, width) in segments.items():
            grades = by_term[term].subjects_by_grade
            assert width == grades.get(grade, 0)
            assert left == sum(grades.get(g, 0) for g in range(1, grade))
    colours = {
        to_hex(p.get_facecolor()) for p in ax.patches if (p.get_gid() or "").startswith("ae-3-")
    }
    assert colours == {GRADE_COLOURS[3].lower()}
    texts = svg_texts(svg)
    for grade in range(1, 6):
        assert f"Grade {grade}" in texts
    assert "Subjects (n, of 40 treated)" in texts
    # Totals at the end of each bar.
    totals = [t.get_text().strip() for t in ax.texts]
    assert totals == ["20", "16", "14", "12", "8", "6", "3", "3"]
    start = texts.index("Sepsis") + 1
    assert texts[start : start + len(totals)] == totals


def test_top_n_keeps_the_most_frequent(render):
    fig = adverse_events(COUNTS, top=3)
    render(fig, "adverse_events_top3")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Fatigue", "Neutrophil count decreased", "Nausea"]


def test_grade_palette_darkens_with_grade():
    def luminance(colour: str) -> float:
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    values = [luminance(GRADE_COLOURS[g]) for g in range(1, 6)]
    assert values == sorted(values, reverse=True)


def test_empty_list_draws_a_message(render):
    fig = adverse_events([])
    svg = render(fig, "adverse_events_empty")
    assert NO_EVENTS_MESSAGE in svg_texts(svg)
    assert NO_EVENTS_MESSAGE in svg  # in the <desc> too
    # Terms that no subject had are not events either.
    assert NO_EVENTS_MESSAGE in svg_texts(
        render(adverse_events([AdverseEventCount("Rash", {})]), "adverse_events_zero")
    )


def test_bad_input_names_the_field():
    with pytest.raises(ValueError, match="subjects_by_grade has grade 6, not 1–5"):
        AdverseEventCount("Fatigue", {6: 1})
    with pytest.raises(ValueError, match=r"subjects_by_grade\[2\] must be a count"):
        AdverseEventCount("Fatigue", {2: -1})
    with pytest.raises(ValueError, match="more than n_subjects=10"):
        adverse_events(COUNTS, n_subjects=10)
    with pytest.raises(ValueError, match="top must be at least 1"):
        adverse_events(COUNTS, top=0)
