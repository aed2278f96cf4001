"""Equivocal new lesions (RECIST 1.1 §4.3.2)."""

from __future__ import annotations

from recist_factory import day, m, new, overall, run, tgt, visit


def test_equivocal_new_lesion_is_not_pd() -> None:
    """RECIST 1.1 §4.3.2: an equivocal finding is not progression while it stays equivocal."""
    result = run(
        visit(0, [tgt("T1", 40)]),
        visit(56, [m("T1", 38)], [], [new("L1", 6, equivocal=True)]),
        visit(112, [m("T1", 38)], [], [new("L1", 6, equivocal=True)]),
    )
    assert overall(result) == ["SD", "SD"]
    assert [tp.new_lesions for tp in result.timepoints] == ["equivocal", "equivocal"]
    assert result.progression_date is None


def test_equivocal_new_lesion_confirmed_later_dates_pd_at_first_observation() -> None:
    """RECIST 1.1 §4.3.2: if a later scan confirms the equivocal lesion, progression is
    declared with the date of the initial scan."""
    result = run(
        visit(0, [tgt("T1", 40)]),
        visit(56, [m("T1", 38)], [], [new("L1", 6, equivocal=True)]),
        visit(112, [m("T1", 38)], [], [new("L1", 14, equivocal=False)]),
        min_sd_days=42,
    )
    assert result.progression_date is not None
    assert result.progression_date.isoformat() == day(56)
    assert overall(result) == ["PD", "PD"]
    assert "confirmed on " + day(112) in result.timepoints[0].notes[0]
    # The SD seen at day 56 no longer counts: the disease had progressed then.
    assert result.best_overall_response == "PD"


def test_resolved_new_lesion_is_not_counted() -> None:
    """RECIST 1.1 §4.3.2: only a lesion that is present is a new lesion; mm = 0 means resolved
    (input convention), so an equivocal finding that resolves never becomes PD."""
    result = run(
        visit(0, [tgt("T1", 40)]),
        visit(56, [m("T1", 38)], [], [new("L1", 6, equivocal=True)]),
        visit(112, [m("T1", 38)], [], [new("L1", 0, equivocal=True)]),
    )
    assert overall(result) == ["SD", "SD"]
    assert result.timepoints[1].new_lesions == "no"
