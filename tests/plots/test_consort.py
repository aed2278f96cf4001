"""CONSORT diagram: every count in the figure, boxes apart, text inside its box."""

from __future__ import annotations

import itertools

import pytest
from matplotlib.patches import Rectangle

from oncotrial.plots.consort import consort
from oncotrial.plots.inputs import ConsortArm, ConsortFlow, Reason, Tally

from .helpers import svg_texts

EXCLUDED = Tally(
    38,
    [
        Reason("Not meeting inclusion criteria", 24),
        Reason("Declined to participate", 8),
        Reason("Brain metastases needing urgent radiotherapy before any systemic therapy", 4),
        Reason("Other reasons", 2),
    ],
)


def _arm(name: str, allocated: int, discontinued: int) -> ConsortArm:
    return ConsortArm(
        name,
        allocated=allocated,
        received=allocated - 2,
        analysed=allocated - 3,
        not_received=[
            Reason("Withdrew consent", 1),
            Reason("Rapid clinical deterioration before the first dose", 1),
        ],
        discontinued=Tally(
            discontinued,
            [
                Reason("Disease progression", discontinued - 6),
                Reason("Unacceptable toxicity", 3),
                Reason("Withdrew consent", 2),
                Reason("Investigator decision", 1),
            ],
        ),
        excluded_from_analysis=Tally(
            3,
            [
                Reason("No measurable disease at baseline on central review", 2),
                Reason("Major protocol deviation", 1),
            ],
        ),
    )


THREE_ARMS = ConsortFlow(
    158,
    EXCLUDED,
    [
        _arm("Arm A: sirolimus + gemcitabine + nab-paclitaxel", 40, 20),
        _arm("Arm B: gemcitabine + nab-paclitaxel", 40, 22),
        _arm("Arm C: best supportive care", 40, 25),
    ],
)

SINGLE_ARM = ConsortFlow(
    60,
    Tally(8, [Reason("Not meeting inclusion criteria", 5), Reason("Declined", 3)]),
    [
        ConsortArm(
            "Anlotinib + TQB2450",
            allocated=52,
            received=52,
            analysed=50,
            discontinued=Tally(30, [Reason("Disease progression", 22), Reason("Death", 3)]),
            excluded_from_analysis=Tally(2, [Reason("No post-baseline assessment", 2)]),
        )
    ],
    allocation_label="Enrolled",
)


def _boxes_and_texts(fig):
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    boxes = {
        p.get_gid().removeprefix("consort-box-"): p.get_window_extent(renderer)
        for p in ax.patches
        if isinstance(p, Rectangle) and (p.get_gid() or "").startswith("consort-box-")
    }
    texts = [
        (t.get_gid().removeprefix("consort-text-").rsplit("-", 1)[0], t.get_window_extent(renderer))
        for t in ax.texts
        if (t.get_gid() or "").startswith("consort-text-")
    ]
    return boxes, texts


def _assert_laid_out(fig) -> None:
    boxes, texts = _boxes_and_texts(fig)
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not box_a.overlaps(box_b), f"boxes {a} and {b} overlap"
    for key, extent in texts:
        box = boxes[key]
        assert box.x0 < extent.x0, f"text of {key} sticks out on the left"
        assert extent.x1 < box.x1, f"text of {key} sticks out on the right"
        assert box.y0 < extent.y0, f"text of {key} sticks out at the bottom"
        assert extent.y1 < box.y1, f"text of {key} sticks out at the top"
    width, height = fig.canvas.get_width_height()
    for key, box in boxes.items():
        assert box.x0 >= 0, key
        assert box.x1 <= width, key
        assert box.y0 >= 0, key
        assert box.y1 <= height, key


@pytest.mark.parametrize(
    ("flow", "name"),
    [(SINGLE_ARM, "consort_single_arm"), (THREE_ARMS, "consort_three_arms")],
)
def test_boxes_do_not_overlap_and_text_fits(flow, name, render):
    fig = consort(flow)
    render(fig, name)
    _assert_laid_out(fig)
    boxes, _ = _boxes_and_texts(fig)
    assert len(boxes) == 3 + 3 * len(flow.arms)


def test_two_arms_and_a_title(render):
    flow = ConsortFlow(
        100, Tally(20, [Reason("Ineligible", 20)]), [_arm("Arm A", 40, 20), _arm("Arm B", 40, 22)]
    )
    fig = consort(flow, title="Figure 1. Trial profile")
    svg = render(fig, "consort_two_arms")
    _assert_laid_out(fig)
    assert "Figure 1. Trial profile" in svg_texts(svg)


def test_every_count_is_written_in_the_svg(render):
    svg = render(consort(THREE_ARMS), "consort_counts")
    text = " ".join(svg_texts(svg))
    for phrase in (
        "Assessed for eligibility (n = 158)",
        "Excluded (n = 38)",
        "Not meeting inclusion criteria (n = 24)",
        "Declined to participate (n = 8)",
        "Other reasons (n = 2)",
        "Randomised (n = 120)",
        "Received allocated treatment (n = 38)",
        "Withdrew consent (n = 1)",
        "Disease progression (n = 14)",
        "Disease progression (n = 16)",
        "Disease progression (n = 19)",
        "Unacceptable toxicity (n = 3)",
        "Analysed (n = 37)",
        "Excluded from analysis (n = 3)",
        "Major protocol deviation (n = 1)",
    ):
        assert phrase in text, phrase
    # Long lines are wrapped, but a count is never split from its "n =".
    assert "(n = 40)" in text
    assert text.count("Analysed (n = 37)") == 3
    for stage in ("Enrolment", "Allocation", "Follow-up", "Analysis"):
        assert stage in text


def test_single_arm_says_enrolled(render):
    svg = render(consort(SINGLE_ARM), "consort_enrolled")
    text = " ".join(svg_texts(svg))
    assert "Enrolled (n = 52)" in text
    assert "Discontinued treatment (n = 30)" in text
    assert "Randomised" not in text
    assert "Did not receive" not in text  # everybody was treated


def test_many_long_reasons_still_fit(render):
    reasons = [Reason(f"Reason {i}: " + "very long explanation " * 4, 1) for i in range(7)]
    flow = ConsortFlow(
        20,
        Tally(7, reasons),
        [
            ConsortArm(
                "A" * 60, allocated=13, received=13, analysed=13, discontinued=Tally(7, reasons)
            )
        ],
    )
    fig = consort(flow)
    render(fig, "consort_long_reasons")
    _assert_laid_out(fig)


def test_inconsistent_counts_are_refused_with_the_field_named():
    with pytest.raises(ValueError, match="arms allocate 80 subjects but assessed − excluded is 90"):
        ConsortFlow(100, Tally(10), [_arm("A", 40, 8), _arm("B", 40, 8)])
    with pytest.raises(ValueError, match="arms must hold 1 to 3 arms, got 4"):
        ConsortFlow(160, Tally(0), [_arm(x, 40, 8) for x in "ABCD"])
    with pytest.raises(ValueError, match=r"received \(41\) exceeds allocated \(40\)"):
        ConsortArm("A", allocated=40, received=41, analysed=40)
    with pytest.raises(ValueError, match="reason 'Declined' counts 9, more than n=8"):
        Tally(8, [Reason("Declined", 9)])
