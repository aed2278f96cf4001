"""iRECIST (Seymour et al., Lancet Oncol 2017): iUPD, iCPD, reset, new-lesion categories."""

from __future__ import annotations

from typing import Any

from recist_factory import day, m, new, nt, overall, run, tgt, visit

from oncotrial.domain.recist import Result
from oncotrial.domain.recist.irecist import categorise_new_lesions
from oncotrial.domain.recist.models import PatientIn
from oncotrial.domain.recist.recist11 import assess


def irecist(*visits: dict[str, Any], **options: Any) -> Result:
    return run(*visits, criteria="iRECIST", **options)


def sizes(*pairs: tuple[int, float]) -> list[dict[str, Any]]:
    """Baseline T1 (liver) then follow-up sizes of T1 at the given days."""
    return [visit(0, [tgt("T1", 40)])] + [visit(n, [m("T1", mm)]) for n, mm in pairs]


def iso(result_dates: Any) -> list[str]:
    return [d.isoformat() for d in result_dates]


def test_target_iupd_confirmed_by_five_mm_more() -> None:
    """Seymour 2017 Table 2 (target iUPD row): RECIST PD is iUPD; a further >= 5 mm increase
    of the target sum at the next assessment confirms it as iCPD. 40 -> 30 (iSD) -> 40
    (+33 % over the nadir: iUPD) -> 45 (+5 mm over iUPD: iCPD)."""
    result = irecist(*sizes((56, 30), (112, 40), (154, 45)))
    assert overall(result) == ["iSD", "iUPD", "iCPD"]
    assert iso(result.iupd_dates) == [day(112)]
    assert result.icpd_date is not None
    assert result.icpd_date.isoformat() == day(154)
    assert result.progression_date is not None
    assert result.progression_date.isoformat() == day(112)  # date iUPD was first documented
    assert result.best_overall_response == "iSD"


def test_four_mm_more_stays_iupd() -> None:
    """Seymour 2017 Table 2: without a further >= 5 mm increase the assignment remains iUPD,
    and an unconfirmed iUPD gives no progression date."""
    result = irecist(*sizes((56, 30), (112, 40), (154, 44)))
    assert overall(result) == ["iSD", "iUPD", "iUPD"]
    assert result.progression_date is None
    assert result.icpd_date is None
    assert "not confirmed" in result.notes[-1]


def test_sequential_increases_are_additive() -> None:
    """iRECIST (EORTC RECIST working group FAQ on new lesions): sequential increases add up:
    +4 mm then +2 mm after iUPD (40 -> 44 -> 46) confirms iCPD."""
    result = irecist(*sizes((56, 30), (112, 40), (154, 44), (196, 46)))
    assert overall(result) == ["iSD", "iUPD", "iUPD", "iCPD"]
    assert result.progression_date is not None
    assert result.progression_date.isoformat() == day(112)


def test_reset_after_isd_and_new_iupd_from_nadir() -> None:
    """Seymour 2017: if the assessment after iUPD shows iSD, iPR or iCR, iUPD is reset and
    progression must again meet RECIST 1.1 criteria against the nadir. 40 -> 30 -> 40 (iUPD)
    -> 33 (+10 % over nadir 30, -17.5 % from baseline: iSD, reset) -> 36 (+20 %, +6 mm:
    iUPD again) -> 41 (+5 mm: iCPD, progression dated at the second iUPD)."""
    result = irecist(*sizes((56, 30), (112, 40), (154, 33), (210, 36), (252, 41)))
    assert overall(result) == ["iSD", "iUPD", "iSD", "iUPD", "iCPD"]
    assert iso(result.iupd_dates) == [day(112), day(210)]
    assert result.progression_date is not None
    assert result.progression_date.isoformat() == day(210)
    assert "reset" in result.timepoints[2].notes[0]


def test_confirmation_needs_four_weeks() -> None:
    """Seymour 2017: iCPD is confirmed at the next assessment 4-8 weeks after iUPD; a scan
    after only 21 days cannot confirm (it stays iUPD), the one at 49 days does."""
    result = irecist(*sizes((56, 30), (112, 40), (133, 46), (161, 46)))
    assert overall(result) == ["iSD", "iUPD", "iUPD", "iCPD"]
    assert "21 days" in result.timepoints[2].notes[0]
    assert result.icpd_date is not None
    assert result.icpd_date.isoformat() == day(161)
    assert result.progression_date is not None
    assert result.progression_date.isoformat() == day(112)


def test_new_lesion_target_sum_increase_confirms() -> None:
    """Seymour 2017 Table 2 (new lesions row): a new lesion gives iUPD; a >= 5 mm increase in
    the sum of new-lesion targets confirms iCPD; +4 mm leaves iUPD, and increases add up."""
    base = visit(0, [tgt("T1", 40)])
    confirmed = irecist(
        base,
        visit(56, [m("T1", 30)], [], [new("L1", 12)]),
        visit(112, [m("T1", 30)], [], [new("L1", 17)]),
    )
    assert overall(confirmed) == ["iUPD", "iCPD"]
    assert confirmed.progression_date is not None
    assert confirmed.progression_date.isoformat() == day(56)
    additive = irecist(
        base,
        visit(56, [m("T1", 30)], [], [new("L1", 12)]),
        visit(112, [m("T1", 30)], [], [new("L1", 16)]),
        visit(168, [m("T1", 30)], [], [new("L1", 17)]),
    )
    assert overall(additive) == ["iUPD", "iUPD", "iCPD"]
    assert [tp.new_lesion_target_sum_mm for tp in additive.timepoints] == [12, 16, 17]


def test_new_lesion_sum_is_kept_apart_from_the_target_sum() -> None:
    """Seymour 2017: new-lesion target measurements are summed separately and are not added
    to the sum of the baseline target lesions."""
    result = irecist(visit(0, [tgt("T1", 40)]), visit(56, [m("T1", 30)], [], [new("L1", 12)]))
    assert result.timepoints[0].sum_mm == 30
    assert result.timepoints[0].target == "iSD"
    assert result.timepoints[0].new_lesion_target_sum_mm == 12


def test_additional_new_lesion_confirms() -> None:
    """Seymour 2017 Table 2: the appearance of another new lesion confirms iCPD."""
    result = irecist(
        visit(0, [tgt("T1", 40)]),
        visit(56, [m("T1", 30)], [], [new("L1", 12)]),
        visit(112, [m("T1", 30)], [], [new("L1", 12), new("L2", 11, organ="liver")]),
    )
    assert overall(result) == ["iUPD", "iCPD"]


def test_any_increase_of_new_non_target_lesion_confirms() -> None:
    """Seymour 2017 Table 2: any increase in a new non-target lesion confirms iCPD (an 8 mm new
    lesion is not measurable, so it is a new non-target lesion); no change stays iUPD."""
    base = visit(0, [tgt("T1", 40)])
    first = visit(56, [m("T1", 30)], [], [new("L1", 8)])
    grown = irecist(base, first, visit(112, [m("T1", 30)], [], [new("L1", 9)]))
    assert overall(grown) == ["iUPD", "iCPD"]
    same = irecist(base, first, visit(112, [m("T1", 30)], [], [new("L1", 8)]))
    assert overall(same) == ["iUPD", "iUPD"]


def test_progression_in_another_category_confirms() -> None:
    """Seymour 2017: after a target iUPD, RECIST 1.1 progression in a category that had not
    progressed (new lesions, or unequivocal non-target progression) confirms iCPD."""
    base = visit(0, [tgt("T1", 40)], [nt("N1")])
    before = [visit(56, [m("T1", 30)], [nt("N1")]), visit(112, [m("T1", 40)], [nt("N1")])]
    by_new = irecist(base, *before, visit(154, [m("T1", 40)], [nt("N1")], [new("L1", 6)]))
    assert overall(by_new) == ["iSD", "iUPD", "iCPD"]
    by_non_target = irecist(
        base, *before, visit(154, [m("T1", 40)], [nt("N1", "unequivocal_progression")])
    )
    assert overall(by_non_target) == ["iSD", "iUPD", "iCPD"]


def test_non_target_iupd_needs_a_further_increase() -> None:
    """Seymour 2017 Table 2 (non-target iUPD row) and EORTC FAQ: after a non-target iUPD, any
    further increase of non-target disease confirms iCPD (it need not be unequivocal again);
    a non-target lesion still progressed but not larger leaves iUPD."""
    result = irecist(
        visit(0, [tgt("T1", 40)], [nt("N1")]),
        visit(56, [m("T1", 40)], [nt("N1", "unequivocal_progression")]),
        visit(112, [m("T1", 40)], [nt("N1", "unequivocal_progression")]),
        visit(168, [m("T1", 40)], [nt("N1", "unequivocal_progression", increased_since_last=True)]),
    )
    assert overall(result) == ["iUPD", "iUPD", "iCPD"]
    assert result.progression_date is not None
    assert result.progression_date.isoformat() == day(56)


def test_reset_needs_the_new_lesions_gone_then_responses_count() -> None:
    """Seymour 2017 Table 2 (last row): while new lesions remain, the assessment stays iUPD even
    with a target iPR; once they resolve, iPR resets iUPD, and responses after a reset count
    for iBOR (here a confirmed iPR)."""
    result = irecist(
        visit(0, [tgt("T1", 40)]),
        visit(56, [m("T1", 30)], [], [new("L1", 12)]),
        visit(112, [m("T1", 20)], [], [new("L1", 12)]),
        visit(168, [m("T1", 20)], [], [new("L1", 0)]),
        visit(224, [m("T1", 20)]),
        confirmation=True,
    )
    assert overall(result) == ["iUPD", "iUPD", "iPR", "iPR"]
    assert result.timepoints[1].target == "iPR"
    assert (result.best_overall_response, result.confirmed) == ("iPR", True)
    assert result.progression_date is None


def test_ibor_of_progression_only() -> None:
    """Seymour 2017 (iBOR): with no better response, iCPD when confirmed, iUPD when not."""
    confirmed = irecist(*sizes((56, 50), (112, 56)))
    assert overall(confirmed) == ["iUPD", "iCPD"]
    assert confirmed.best_overall_response == "iCPD"
    unconfirmed = irecist(*sizes((56, 50)))
    assert unconfirmed.best_overall_response == "iUPD"


def test_icpd_is_final() -> None:
    """Seymour 2017: once iCPD is confirmed the patient has progressed; later assessments do
    not undo it."""
    result = irecist(*sizes((56, 50), (112, 56), (168, 20)))
    assert overall(result) == ["iUPD", "iCPD", "iCPD"]
    assert result.best_overall_response == "iCPD"


def test_new_lesion_categories() -> None:
    """Seymour 2017: measurable new lesions (>= 10 mm; nodes >= 15 mm short axis) become new-
    lesion targets, at most five in all and two per organ (nodes are one organ); the others
    are new non-target lesions."""
    lesions = [
        new("L1", 12),
        new("L2", 15),
        new("L3", 20),  # third in lung
        new("L4", 8, organ="liver"),  # not measurable
        new("L5", 12, organ="neck", nodal=True),  # node under 15 mm
        new("L6", 15, organ="axilla", nodal=True),
        new("L7", 10, organ="bone"),
        new("L8", 30, organ="brain"),
        new("L9", 25, organ="adrenal"),  # sixth measurable one
    ]
    record = {
        "criteria": "iRECIST",
        "assessments": [visit(0, [tgt("T1", 40)]), visit(56, [m("T1", 40)], [], lesions)],
    }
    category = categorise_new_lesions(assess(PatientIn.model_validate(record)).timepoints)
    assert sorted(k for k, is_target in category.items() if is_target) == [
        "L1",
        "L2",
        "L6",
        "L7",
        "L8",
    ]
    result = irecist(*record["assessments"])
    assert result.timepoints[0].new_lesion_target_sum_mm == 12 + 15 + 15 + 10 + 30


def test_equivocal_new_lesion_dates_iupd_at_first_observation() -> None:
    """Seymour 2017 follows RECIST 1.1 §4.3.2: an equivocal new lesion confirmed later counts
    from its first observation; it then grew (6 -> 14 mm), which confirms iCPD."""
    result = irecist(
        visit(0, [tgt("T1", 40)]),
        visit(56, [m("T1", 38)], [], [new("L1", 6, equivocal=True)]),
        visit(112, [m("T1", 38)], [], [new("L1", 14)]),
    )
    assert overall(result) == ["iUPD", "iCPD"]
    assert iso(result.iupd_dates) == [day(56)]
    assert result.progression_date is not None
    assert result.progression_date.isoformat() == day(56)


def test_irecist_codes() -> None:
    """Issue 4: iRECIST responses are spelled iCR, iPR, iSD, iNON-CR/NON-PD, iUPD, iCPD, NE."""
    result = irecist(
        visit(0, [], [nt("N1")]),
        visit(56, [], [nt("N1")]),
        visit(112, [], [nt("N1", "not_evaluated")]),
    )
    assert overall(result) == ["iNON-CR/NON-PD", "NE"]
    assert result.best_overall_response == "iNON-CR/NON-PD"
