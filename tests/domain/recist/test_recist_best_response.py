"""Best overall response (RECIST 1.1 §4.4.1-§4.4.2, Table 3) and the minimum SD duration."""

from __future__ import annotations

import datetime as dt

import pytest
from recist_factory import BASELINE, day, m, nt, run, tgt, visit

from oncotrial.domain.recist.best_response import Best, best_overall_response


def d(n: int) -> dt.date:
    return BASELINE + dt.timedelta(days=n)


def bor(*points: tuple[int, str], confirmation: bool = True, min_sd: int = 42) -> Best:
    return best_overall_response(
        [(d(n), code) for n, code in points],
        confirmation=confirmation,
        min_sd_days=min_sd,
        start_date=BASELINE,
        has_targets=True,
    )


# RECIST 1.1 Table 3, row by row. Each row is tried with the first response late enough to
# meet a 42-day minimum SD duration (day 56) and too early (day 35) where the table says
# "SD provided minimum criteria for SD duration met, otherwise ...".
TABLE_3 = [
    ("CR CR", [(56, "CR"), (84, "CR")], "CR"),
    ("CR PR, SD met", [(56, "CR"), (112, "PR")], "SD"),
    ("CR PR, SD not met", [(35, "CR"), (91, "PR")], "PD"),
    ("CR SD, SD met", [(56, "CR"), (112, "SD")], "SD"),
    ("CR SD, SD not met", [(35, "CR"), (91, "SD")], "PD"),
    ("CR PD, SD met", [(56, "CR"), (112, "PD")], "SD"),
    ("CR PD, SD not met", [(35, "CR"), (91, "PD")], "PD"),
    ("CR NE, SD met", [(56, "CR"), (112, "NE")], "SD"),
    ("CR NE, SD not met", [(35, "CR"), (91, "NE")], "NE"),
    ("PR CR", [(56, "PR"), (112, "CR")], "PR"),
    ("PR PR", [(56, "PR"), (112, "PR")], "PR"),
    ("PR SD", [(56, "PR"), (112, "SD")], "SD"),
    ("PR PD, SD met", [(56, "PR"), (112, "PD")], "SD"),
    ("PR PD, SD not met", [(35, "PR"), (91, "PD")], "PD"),
    ("PR NE, SD met", [(56, "PR"), (112, "NE")], "SD"),
    ("PR NE, SD not met", [(35, "PR"), (91, "NE")], "NE"),
    ("NE NE", [(56, "NE"), (112, "NE")], "NE"),
]


@pytest.mark.parametrize(("row", "points", "expected"), TABLE_3, ids=[r[0] for r in TABLE_3])
def test_table_3_confirmation(row: str, points: list[tuple[int, str]], expected: str) -> None:
    """RECIST 1.1 §4.4.2 Table 3: best overall response when confirmation is required."""
    assert bor(*points).code == expected


def test_confirmed_response_reports_dates() -> None:
    """RECIST 1.1 §4.4.1: the response date is the first time the criteria are met; the
    confirming assessment is at least 4 weeks later."""
    best = bor((56, "PR"), (112, "CR"))
    assert (best.date, best.confirmed, best.confirmation_date) == (d(56), True, d(112))


def test_confirmation_needs_28_days() -> None:
    """RECIST 1.1 §4.4.2: confirmation no less than 4 weeks (28 days) after the response."""
    assert bor((56, "CR"), (83, "CR")).code == "SD"
    assert bor((56, "CR"), (84, "CR")).code == "CR"


def test_ne_between_response_and_confirmation_does_not_break_it() -> None:
    """RECIST 1.1 §4.4.2 (reading): an NE assessment carries no evidence against the
    response, so a later repeat still confirms it."""
    best = bor((56, "PR"), (84, "NE"), (112, "PR"))
    assert (best.code, best.confirmation_date) == ("PR", d(112))


def test_sd_between_breaks_confirmation() -> None:
    """RECIST 1.1 Table 3 row "PR SD": a PR followed by SD is not confirmed."""
    assert bor((56, "PR"), (84, "SD"), (140, "PR")).code == "SD"


def test_without_confirmation_the_best_time_point_counts() -> None:
    """RECIST 1.1 §4.4.1: in trials where confirmation is not required, the best response is
    the best time-point response recorded; ``confirmed`` says whether it happened to be."""
    best = bor((35, "PR"), (91, "SD"), confirmation=False)
    assert (best.code, best.date, best.confirmed) == ("PR", d(35), False)
    best = bor((35, "PR"), (70, "PR"), (91, "SD"), confirmation=False)
    assert (best.code, best.confirmed, best.confirmation_date) == ("PR", True, d(70))


def test_best_response_stops_at_progression() -> None:
    """RECIST 1.1 §4.4.1: best response is recorded from the start of treatment until disease
    progression; what comes after PD does not count."""
    assert bor((56, "SD"), (112, "PD"), (168, "CR"), (224, "CR"), confirmation=False).code == "SD"


@pytest.mark.parametrize(("start", "expected"), [(7, "SD"), (8, "PD"), (14, "PD")])
def test_minimum_sd_duration_is_measured_from_start_date(start: int, expected: str) -> None:
    """RECIST 1.1 §4.4.2: SD must be met at least once after study entry at a minimum interval
    (protocol-set, here 42 days) counted from treatment start: SD at day 49 counts when
    treatment started on day 7 (42 days) but not on day 8 (41 days); PD followed."""
    result = run(
        visit(0, [tgt("T1", 40)]),
        visit(49, [m("T1", 40)]),
        visit(100, [m("T1", 50)]),
        min_sd_days=42,
        start=start,
    )
    assert result.best_overall_response == expected
    if expected == "SD":
        assert result.best_overall_response_date is not None
        assert result.best_overall_response_date.isoformat() == day(49)
    else:
        assert result.progression_date is not None
        assert result.progression_date.isoformat() == day(100)


def test_too_early_sd_without_progression_is_ne() -> None:
    """RECIST 1.1 Table 3 "otherwise NE": SD before the minimum duration and no later
    evaluable assessment gives NE."""
    result = run(visit(0, [tgt("T1", 40)]), visit(28, [m("T1", 40)]), min_sd_days=42)
    assert result.best_overall_response == "NE"
    assert result.best_overall_response_date is None


def test_non_target_only_best_response_is_non_cr_non_pd() -> None:
    """RECIST 1.1 §4.4.1 (Table 2 footnote): with non-target disease only, the stable
    category is NON-CR/NON-PD."""
    result = run(visit(0, [], [nt("N1")]), visit(56, [], [nt("N1")]), min_sd_days=42)
    assert result.best_overall_response == "NON-CR/NON-PD"
    assert result.confirmed is None


def test_confirmed_cr_end_to_end() -> None:
    """RECIST 1.1 §4.4.2 Table 3 "CR CR": CR at day 56, repeated at day 112."""
    result = run(
        visit(0, [tgt("T1", 30)], [nt("N1")]),
        visit(56, [m("T1", 0)], [nt("N1", "absent")]),
        visit(112, [m("T1", 0)], [nt("N1", "absent")]),
        confirmation=True,
        min_sd_days=42,
    )
    assert (result.best_overall_response, result.confirmed) == ("CR", True)
    assert result.confirmation_date is not None
    assert result.confirmation_date.isoformat() == day(112)


def test_cr_then_pr_is_reported_in_notes() -> None:
    """RECIST 1.1 Table 3 footnote: after a true CR, disease seen again (even PR) is
    progression at that point; the best response is SD (duration met) and a note says why."""
    result = run(
        visit(0, [tgt("T1", 30)], [nt("N1")]),
        visit(56, [m("T1", 0)], [nt("N1", "absent")]),
        visit(112, [m("T1", 0)], [nt("N1")]),
        confirmation=True,
        min_sd_days=42,
    )
    assert [tp.overall for tp in result.timepoints] == ["CR", "PR"]
    assert result.best_overall_response == "SD"
    assert "Table 3" in result.notes[0]
