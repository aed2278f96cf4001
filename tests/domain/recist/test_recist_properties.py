"""Invariants of the response engine, checked on generated patients (hypothesis)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recist_factory import BASELINE

from oncotrial.domain.recist import evaluate_raw
from oncotrial.domain.recist.best_response import best_overall_response

ORGANS = ["liver", "lung", "bone", "adrenal", "spleen"]
STATUSES = ["present", "absent", "unequivocal_progression", "not_evaluated"]
RANK = {"CR": 5, "PR": 4, "SD": 3, "NON-CR/NON-PD": 3, "PD": 2, "NE": 1}
PROFILE = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)


@st.composite
def patients(
    draw: st.DrawFn, *, criteria: str = "RECIST 1.1", sizes_only: bool = False
) -> dict[str, Any]:
    """A valid patient: 1-5 non-nodal targets (integer mm), optional non-targets and new lesions."""
    n_targets = draw(st.integers(1, 5))
    baseline_mm = draw(st.lists(st.integers(10, 80), min_size=n_targets, max_size=n_targets))
    targets = [
        {"id": f"T{i}", "organ": ORGANS[i], "nodal": False, "mm": mm}
        for i, mm in enumerate(baseline_mm)
    ]
    n_nt = 0 if sizes_only else draw(st.integers(0, 2))
    non_targets = [{"id": f"N{i}", "organ": "peritoneum", "status": "present"} for i in range(n_nt)]
    gaps = draw(st.lists(st.integers(14, 90), min_size=1, max_size=7))
    assessments = [{"date": BASELINE.isoformat(), "targets": targets, "non_targets": non_targets}]
    when = BASELINE
    for k, gap in enumerate(gaps):
        when += dt.timedelta(days=gap)
        size = (
            st.integers(0, 120)
            if sizes_only
            else st.one_of(st.integers(0, 120), st.just("too_small"), st.none())
        )
        follow = [{"id": f"T{i}", "mm": draw(size)} for i in range(n_targets)]
        nts = [{"id": f"N{i}", "status": draw(st.sampled_from(STATUSES))} for i in range(n_nt)]
        new = []
        if not sizes_only and draw(st.booleans()) and draw(st.booleans()):
            new = [{"id": f"L{k}", "organ": "lung", "mm": draw(st.integers(3, 30))}]
        assessments.append(
            {"date": when.isoformat(), "targets": follow, "non_targets": nts, "new_lesions": new}
        )
    return {
        "criteria": criteria,
        "confirmation": draw(st.booleans()),
        "min_sd_days": draw(st.sampled_from([0, 42, 56])),
        "assessments": assessments,
    }


def scaled(record: dict[str, Any], factor: int) -> dict[str, Any]:
    assessments = [
        {**a, "targets": [{**t, "mm": t["mm"] * factor} for t in a["targets"]]}
        for a in record["assessments"]
    ]
    return {**record, "assessments": assessments}


@PROFILE
@given(patients(sizes_only=True), st.integers(2, 5))
def test_scaling_diameters_keeps_ratio_based_responses(record: dict[str, Any], factor: int) -> None:
    """RECIST 1.1 §4.3.1: CR, PR and SD depend only on ratios to baseline and nadir, so
    multiplying every diameter by k >= 1 keeps the target response, unless the 5 mm absolute
    rule decided against PD (+20 % reached with under 5 mm)."""
    before = evaluate_raw(record).timepoints
    after = evaluate_raw(scaled(record, factor)).timepoints
    for tp, tp_scaled in zip(before, after, strict=True):
        assert tp.sum_mm is not None
        assert tp.nadir_mm is not None
        five_mm_rule = tp.sum_mm >= 1.2 * tp.nadir_mm and tp.sum_mm - tp.nadir_mm < 5
        if not five_mm_rule:
            assert tp_scaled.target == tp.target


@PROFILE
@given(patients(), st.data())
def test_unequivocal_new_lesion_is_always_progression(
    record: dict[str, Any], data: st.DataObject
) -> None:
    """RECIST 1.1 §4.3.2 / Table 1 row 9: an unequivocal new lesion makes the time point PD;
    under iRECIST it is iUPD or iCPD (Seymour 2017 Table 2)."""
    k = data.draw(st.integers(1, len(record["assessments"]) - 1))
    assessments = [dict(a) for a in record["assessments"]]
    assessments[k]["new_lesions"] = [
        *assessments[k].get("new_lesions", []),
        {"id": "X1", "organ": "lung", "mm": 15},
    ]
    with_new = {**record, "assessments": assessments}
    assert evaluate_raw(with_new).timepoints[k - 1].overall == "PD"
    immune = evaluate_raw({**with_new, "criteria": "iRECIST"})
    assert immune.timepoints[k - 1].overall in {"iUPD", "iCPD"}


@PROFILE
@given(patients())
def test_confirmation_never_improves_best_response(record: dict[str, Any]) -> None:
    """RECIST 1.1 §4.4.2: requiring confirmation can only lower the best overall response."""
    with_conf = evaluate_raw({**record, "confirmation": True}).best_overall_response
    without = evaluate_raw({**record, "confirmation": False}).best_overall_response
    assert RANK[with_conf] <= RANK[without]


@PROFILE
@given(patients())
def test_time_points_do_not_depend_on_later_assessments(record: dict[str, Any]) -> None:
    """RECIST 1.1 §4.3: each time-point response uses that assessment and earlier ones only
    (no equivocal lesions are generated, the one case that is revised later)."""
    full = evaluate_raw(record).timepoints
    for cut in range(2, len(record["assessments"])):
        prefix = evaluate_raw({**record, "assessments": record["assessments"][:cut]}).timepoints
        assert prefix == full[: cut - 1]


@PROFILE
@given(patients())
def test_irecist_equals_recist_until_progression(record: dict[str, Any]) -> None:
    """Seymour 2017 Table 2 footnote: if no PD occurs, RECIST 1.1 and iRECIST categories are
    the same (with the i prefix); the first RECIST PD is the first iUPD."""
    plain = evaluate_raw(record)
    immune = evaluate_raw({**record, "criteria": "iRECIST"})
    for tp, itp in zip(plain.timepoints, immune.timepoints, strict=True):
        if tp.overall == "PD":
            assert itp.overall == "iUPD"
            break
        assert itp.overall == ("NE" if tp.overall == "NE" else "i" + tp.overall)


@PROFILE
@given(patients(criteria="iRECIST"))
def test_irecist_progression_date_is_an_iupd_date_before_icpd(record: dict[str, Any]) -> None:
    """Seymour 2017: iCPD confirms an earlier iUPD, and the progression date is the date that
    iUPD was first documented; without iCPD there is no progression date."""
    result = evaluate_raw(record)
    if result.icpd_date is None:
        assert result.progression_date is None
    else:
        assert result.progression_date in result.iupd_dates
        assert result.progression_date is not None
        assert (result.icpd_date - result.progression_date).days >= 28


@PROFILE
@given(patients())
def test_sums_and_nadir_are_consistent(record: dict[str, Any]) -> None:
    """RECIST 1.1 §4.3.1: the nadir is the smallest complete sum so far, baseline included."""
    result = evaluate_raw(record)
    assert result.baseline_sum_mm is not None
    smallest = result.baseline_sum_mm
    for tp in result.timepoints:
        assert tp.nadir_mm == smallest
        if tp.sum_mm is not None:
            smallest = min(smallest, tp.sum_mm)


@PROFILE
@given(
    st.lists(
        st.tuples(st.integers(1, 400), st.sampled_from(["CR", "PR", "SD", "PD", "NE"])),
        min_size=1,
        max_size=8,
        unique_by=lambda p: p[0],
    )
)
def test_best_response_is_one_of_the_time_points_or_sd(points: list[tuple[int, str]]) -> None:
    """RECIST 1.1 §4.4: the best response is at most the best time point, and CR/PR only when
    that response was actually recorded."""
    dated = sorted((BASELINE + dt.timedelta(days=n), code) for n, code in points)
    best = best_overall_response(
        dated, confirmation=True, min_sd_days=0, start_date=BASELINE, has_targets=True
    )
    assert RANK[best.code] <= max(RANK[c] for _, c in dated) or best.code == "PD"
    if best.code in ("CR", "PR"):
        assert (best.date, best.code) in dated
