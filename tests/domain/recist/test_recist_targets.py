"""Sum of diameters, nadir and target-lesion response (RECIST 1.1 §4.3.1, §4.3.4)."""

from __future__ import annotations

import pytest
from recist_factory import m, run, single_target, tgt, visit


def test_sum_uses_long_axis_short_axis_too_small_and_zero() -> None:
    """RECIST 1.1 §4.3.1: non-nodal long axis + nodal short axis; too small = 5 mm; gone = 0."""
    result = run(
        visit(0, [tgt("T1", 30), tgt("T2", 20, organ="neck", nodal=True)]),
        visit(56, [m("T1", "too_small"), m("T2", 12)]),
        visit(112, [m("T1", 0), m("T2", 9)]),
    )
    assert result.baseline_sum_mm == 50
    first, second = result.timepoints
    # 5 + 12 = 17 mm; (17 - 50) / 50 = -66 %.
    assert (first.sum_mm, first.change_from_baseline_pct) == (17, pytest.approx(-66.0))
    assert first.target == "PR"
    # 0 + 9 = 9 mm; from baseline -82 %, from nadir 17 mm: -8/17 = -47.06 %.
    assert second.sum_mm == 9
    assert second.nadir_mm == 17
    assert second.change_from_baseline_pct == pytest.approx(-82.0)
    assert second.change_from_nadir_pct == pytest.approx(-47.0588, abs=1e-3)


def test_nodal_cr_with_non_zero_sum() -> None:
    """RECIST 1.1 §4.3.1 CR: non-nodal targets gone and every target node < 10 mm short axis,
    so the sum need not be zero."""
    result = run(
        visit(0, [tgt("T1", 30), tgt("T2", 20, organ="neck", nodal=True)]),
        visit(56, [m("T1", 0), m("T2", 9)]),
    )
    assert result.timepoints[0].target == "CR"
    assert result.timepoints[0].sum_mm == 9


def test_node_of_exactly_10_mm_is_not_cr() -> None:
    """RECIST 1.1 §4.3.1: CR needs nodes *below* 10 mm; 20 -> 10 mm is a 50 % decrease: PR."""
    result = run(visit(0, [tgt("T1", 20, nodal=True)]), visit(56, [m("T1", 10)]))
    assert result.timepoints[0].target == "PR"


def test_non_nodal_too_small_is_not_cr() -> None:
    """RECIST 1.1 §4.3.1 / Appendix: a lesion too small to measure is present (5 mm): not CR."""
    assert single_target(20, "too_small").timepoints[0].target == "PR"


def test_nadir_includes_baseline() -> None:
    """RECIST 1.1 §4.3.1 PD: the reference is the smallest sum on study, including baseline:
    40 -> 44 (SD) -> 48 is +8 mm and +20 % over the baseline nadir of 40."""
    result = single_target(40, 44, 48)
    assert [tp.target for tp in result.timepoints] == ["SD", "PD"]
    assert result.timepoints[1].nadir_mm == 40
    assert result.timepoints[1].change_from_nadir_pct == pytest.approx(20.0)


def test_progression_is_measured_from_the_nadir_not_baseline() -> None:
    """RECIST 1.1 §4.3.1: 50 -> 30 (PR) -> 36 is still 28 % below baseline, but +20 % and
    +6 mm over the nadir of 30, so PD."""
    result = single_target(50, 30, 36)
    second = result.timepoints[1]
    assert second.target == "PD"
    assert second.change_from_baseline_pct == pytest.approx(-28.0)
    assert second.change_from_nadir_pct == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("nadir", "now", "expected"),
    [
        (25, 30, "PD"),  # exactly +20 % and exactly +5 mm
        (25.5, 30.6, "PD"),  # exactly +20 % (5.1 mm) with decimals
        (20, 24, "SD"),  # +20 % but only +4 mm
        (50, 59.95, "SD"),  # +9.95 mm but only +19.9 %
        (100, 120, "PD"),  # +20 %, +20 mm
        (100, 119.9, "SD"),  # +19.9 %
    ],
)
def test_twenty_percent_and_five_mm_rule_at_its_edges(
    nadir: float, now: float, expected: str
) -> None:
    """RECIST 1.1 §4.3.1 PD: at least 20 % increase over the nadir AND at least 5 mm absolute."""
    assert single_target(nadir, now).timepoints[0].target == expected


@pytest.mark.parametrize(("now", "expected"), [(35, "PR"), (35.1, "SD"), (34, "PR")])
def test_thirty_percent_decrease_for_pr(now: float, expected: str) -> None:
    """RECIST 1.1 §4.3.1 PR: at least 30 % decrease from the baseline sum (50 -> 35 is 30 %)."""
    assert single_target(50, now).timepoints[0].target == expected


def test_reappearance_after_cr_is_pd_by_the_five_mm_rule() -> None:
    """RECIST 1.1 §4.3.1: after CR the nadir is 0, so a lesion reappearing at 5 mm is +5 mm
    and more than +20 %: PD; at 4 mm it is not PD (and 80 % below baseline: PR)."""
    assert [tp.target for tp in single_target(20, 0, "too_small").timepoints] == ["CR", "PD"]
    result = single_target(20, 0, 4)
    assert [tp.target for tp in result.timepoints] == ["CR", "PR"]
    assert result.timepoints[1].change_from_nadir_pct is None  # undefined against 0 mm


def test_pd_takes_precedence_over_nodal_cr() -> None:
    """Issue 4 / RECIST 1.1 §4.3.1: a node back to 0 then 8 mm is < 10 mm (CR-sized) but +8 mm
    over a 0 mm nadir, which is PD; PD takes precedence."""
    result = run(
        visit(0, [tgt("T1", 15, organ="neck", nodal=True)]),
        visit(56, [m("T1", 0)]),
        visit(112, [m("T1", 8)]),
    )
    assert [tp.target for tp in result.timepoints] == ["CR", "PD"]


def test_target_not_assessed_is_ne() -> None:
    """RECIST 1.1 §4.3.4 (missing assessments): a target not assessed makes the target
    response NE; a target left out of the follow-up list counts as not assessed."""
    baseline = visit(0, [tgt("T1", 40), tgt("T2", 40, organ="lung")])
    result = run(baseline, visit(56, [m("T1", None), m("T2", 40)]), visit(112, [m("T1", 20)]))
    assert [tp.target for tp in result.timepoints] == ["NE", "NE"]
    assert result.timepoints[0].sum_mm is None
    assert result.timepoints[0].assessed_sum_mm == 40


def test_assessed_targets_already_showing_pd_give_pd() -> None:
    """RECIST 1.1 §4.3.4 example: baseline 50 mm over three lesions; two assessed lesions
    summing 80 mm are PD whatever the missing one measures. 45 mm would be NE."""
    baseline = visit(0, [tgt("T1", 20), tgt("T2", 15, organ="lung"), tgt("T3", 15, organ="bone")])
    pd = run(baseline, visit(56, [m("T1", 50), m("T2", 30), m("T3", None)]))
    assert pd.timepoints[0].target == "PD"
    assert pd.timepoints[0].assessed_sum_mm == 80
    ne = run(baseline, visit(56, [m("T1", 25), m("T2", 20), m("T3", None)]))
    assert ne.timepoints[0].target == "NE"


def test_incomplete_sum_does_not_become_the_nadir() -> None:
    """RECIST 1.1 §4.3.1/§4.3.4: the nadir is a sum of all targets; a partial sum is not one.
    40+40 -> (T1 missing, T2 10) -> 35+35: nadir stays 80, 70 is SD (-12.5 %)."""
    baseline = visit(0, [tgt("T1", 40), tgt("T2", 40, organ="lung")])
    result = run(
        baseline,
        visit(56, [m("T1", None), m("T2", 10)]),
        visit(112, [m("T1", 35), m("T2", 35)]),
    )
    assert result.timepoints[1].nadir_mm == 80
    assert result.timepoints[1].target == "SD"
