"""Baseline measurability and input consistency checks (RECIST 1.1 §3)."""

from __future__ import annotations

from typing import Any

import pytest
from recist_factory import day, new, nt, patient, tgt, visit

from oncotrial.domain.recist import InvalidPatient, Problem, parse_patient


def problems(record: dict[str, Any]) -> list[Problem]:
    with pytest.raises(InvalidPatient) as info:
        parse_patient(record)
    return info.value.problems


def located(found: list[Problem]) -> set[tuple[str | None, str | None]]:
    return {(p.date, p.lesion_id) for p in found}


def test_non_nodal_target_of_10_mm_is_measurable() -> None:
    """RECIST 1.1 §3.1.1: a tumour lesion is measurable from 10 mm longest diameter (CT)."""
    parse_patient(patient(visit(0, [tgt("T1", 10)])))


def test_non_nodal_target_under_10_mm_is_rejected() -> None:
    """RECIST 1.1 §3.1.1: under 10 mm a lesion is non-measurable, so it cannot be a target."""
    found = problems(patient(visit(0, [tgt("T1", 9.9)])))
    assert located(found) == {(day(0), "T1")}
    assert "not measurable" in found[0].message


def test_thick_slices_raise_the_minimum_to_twice_the_slice_thickness() -> None:
    """RECIST 1.1 §3.1.1: with CT slices > 5 mm the minimum is twice the slice thickness."""
    thick = {"id": "T1", "organ": "liver", "nodal": False, "slice_thickness_mm": 8}
    assert problems(patient(visit(0, [{**thick, "mm": 15}])))[0].lesion_id == "T1"
    parse_patient(patient(visit(0, [{**thick, "mm": 16}])))
    # 5 mm slices keep the 10 mm minimum.
    parse_patient(patient(visit(0, [{**thick, "slice_thickness_mm": 5, "mm": 10}])))


def test_target_node_needs_15_mm_short_axis() -> None:
    """RECIST 1.1 §3.1.1: a node is measurable (target) at >= 15 mm short axis."""
    parse_patient(patient(visit(0, [tgt("T1", 15, organ="neck", nodal=True)])))
    found = problems(patient(visit(0, [tgt("T1", 14.9, organ="neck", nodal=True)])))
    assert located(found) == {(day(0), "T1")}
    assert "pathological non-target" in found[0].message


def test_node_under_10_mm_is_normal() -> None:
    """RECIST 1.1 §3.1.1: a node < 10 mm short axis is normal, not a lesion at all."""
    found = problems(patient(visit(0, [tgt("T1", 9, organ="neck", nodal=True)])))
    assert "normal" in found[0].message
    found = problems(patient(visit(0, [tgt("T1", 20)], [nt("N1", nodal=True, mm=8)])))
    assert located(found) == {(day(0), "N1")}
    # 10-15 mm nodes are pathological and may be followed as non-targets.
    parse_patient(patient(visit(0, [tgt("T1", 20)], [nt("N1", nodal=True, mm=12)])))


@pytest.mark.parametrize("mm", ["too_small", None])
def test_baseline_target_must_be_measured(mm: Any) -> None:
    """RECIST 1.1 §3.2.1: target lesions are measurable lesions measured at baseline."""
    found = problems(patient(visit(0, [tgt("T1", mm)])))
    assert located(found) == {(day(0), "T1")}
    assert "measurable" in found[0].message


def test_at_most_five_targets() -> None:
    """RECIST 1.1 §3.2.1: a maximum of five target lesions in total."""
    organs = ["liver", "lung", "bone", "adrenal", "spleen", "kidney"]
    targets = [tgt(f"T{i}", 20, organ=o) for i, o in enumerate(organs, start=1)]
    found = problems(patient(visit(0, targets)))
    assert located(found) == {(day(0), "T6")}


def test_at_most_two_targets_per_organ() -> None:
    """RECIST 1.1 §3.2.1: a maximum of two target lesions per organ."""
    targets = [tgt("T1", 20), tgt("T2", 20), tgt("T3", 20, organ="Liver")]
    found = problems(patient(visit(0, targets)))
    assert located(found) == {(day(0), "T3")}


def test_all_lymph_nodes_count_as_one_organ() -> None:
    """RECIST 1.1 §3.2.1: lymph nodes, wherever they are, share the two-per-organ limit."""
    targets = [
        tgt("T1", 20, organ="neck", nodal=True),
        tgt("T2", 20, organ="axilla", nodal=True),
        tgt("T3", 20, organ="mediastinum", nodal=True),
    ]
    assert located(problems(patient(visit(0, targets)))) == {(day(0), "T3")}


def test_follow_up_lesion_must_exist_at_baseline() -> None:
    """Issue 4 / RECIST 1.1 §4.2: follow-up targets and non-targets are those chosen at baseline."""
    found = problems(
        patient(
            visit(0, [tgt("T1", 20)], [nt("N1")]),
            visit(56, [tgt("T1", 20), tgt("T9", 12)], [nt("N1"), nt("N7")]),
        )
    )
    assert located(found) == {(day(56), "T9"), (day(56), "N7")}


def test_new_lesions_are_exempt_but_may_not_reuse_a_baseline_id() -> None:
    """Issue 4: new lesions are by definition absent at baseline; their ids must be distinct."""
    parse_patient(patient(visit(0, [tgt("T1", 20)]), visit(56, [tgt("T1", 20)], [], [new("L1")])))
    found = problems(
        patient(visit(0, [tgt("T1", 20)]), visit(56, [tgt("T1", 20)], [], [new("T1")]))
    )
    assert located(found) == {(day(56), "T1")}


def test_every_problem_is_listed_with_date_and_lesion() -> None:
    """Issue 4 bad input: dates out of order, negative sizes, changed nodal flags, all at once."""
    found = problems(
        patient(
            visit(0, [tgt("T1", 20), tgt("T2", 8)], [nt("N1")]),
            visit(60, [tgt("T1", -3), {"id": "T2", "nodal": True, "mm": 8}]),
            visit(30, [tgt("T1", 20)]),
        )
    )
    assert located(found) == {
        (day(0), "T2"),  # unmeasurable at baseline
        (day(60), "T1"),  # negative size
        (day(60), "T2"),  # nodal flag changed
        (day(30), None),  # date out of order
    }


def test_shape_errors_are_located_too() -> None:
    """Issue 4: a bad status word or type is reported with its assessment date and lesion id."""
    record = patient(
        visit(0, [tgt("T1", 20)], [nt("N1")]),
        visit(56, [tgt("T1", "big")], [nt("N1", status="worse")]),
    )
    found = problems(record)
    assert located(found) == {(day(56), "T1"), (day(56), "N1")}


def test_baseline_without_lesions_and_with_new_lesions_is_rejected() -> None:
    """RECIST 1.1 §3: response needs disease at baseline; a baseline has no 'new' lesions."""
    found = problems(patient(visit(0, [], [], [new("L1")])))
    assert located(found) == {(day(0), None), (day(0), "L1")}


def test_baseline_non_target_must_be_present() -> None:
    """RECIST 1.1 §3.2.2: non-target lesions are recorded as present at baseline."""
    found = problems(patient(visit(0, [tgt("T1", 20)], [nt("N1", status="absent")])))
    assert located(found) == {(day(0), "N1")}


def test_lesion_listed_twice_in_one_assessment() -> None:
    """Issue 4 bad input: a lesion id appears once per assessment, or its size is ambiguous."""
    found = problems(
        patient(
            visit(0, [tgt("T1", 20)]), visit(56, [{"id": "T1", "mm": 20}, {"id": "T1", "mm": 25}])
        )
    )
    assert located(found) == {(day(56), "T1")}
