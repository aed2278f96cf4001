"""Time-point response tables: RECIST 1.1 §4.3.3 and §4.4.1, Tables 1 and 2."""

from __future__ import annotations

import pytest
from recist_factory import m, new, nt, overall, run, tgt, visit

from oncotrial.domain.recist.recist11 import non_target_response, overall_response

NN = "NON-CR/NON-PD"

# RECIST 1.1 Table 1 (target disease, with or without non-target disease), row by row.
# "Non-PD or not all evaluated" rows are expanded into each non-target value they cover.
TABLE_1 = [
    ("row 1", "CR", "CR", False, "CR"),
    ("row 2", "CR", NN, False, "PR"),
    ("row 3", "CR", "NE", False, "PR"),
    ("row 4a", "PR", NN, False, "PR"),
    ("row 4b", "PR", "NE", False, "PR"),
    ("row 4c", "PR", "CR", False, "PR"),
    ("row 5a", "SD", NN, False, "SD"),
    ("row 5b", "SD", "NE", False, "SD"),
    ("row 5c", "SD", "CR", False, "SD"),
    ("row 6a", "NE", NN, False, "NE"),
    ("row 6b", "NE", "CR", False, "NE"),
    ("row 6c", "NE", "NE", False, "NE"),
    ("row 7a", "PD", "CR", False, "PD"),
    ("row 7b", "PD", NN, True, "PD"),
    ("row 7c", "PD", "NE", False, "PD"),
    ("row 8a", "CR", "PD", False, "PD"),
    ("row 8b", "PR", "PD", True, "PD"),
    ("row 8c", "NE", "PD", False, "PD"),
    ("row 9a", "CR", "CR", True, "PD"),
    ("row 9b", "SD", NN, True, "PD"),
    ("row 9c", "NE", "NE", True, "PD"),
]


@pytest.mark.parametrize(
    ("row", "target", "non_target", "new_lesions", "expected"), TABLE_1, ids=[r[0] for r in TABLE_1]
)
def test_table_1_target_disease(
    row: str, target: str, non_target: str, new_lesions: bool, expected: str
) -> None:
    """RECIST 1.1 §4.4.1 Table 1: overall response with target (± non-target) disease."""
    assert overall_response(target, non_target, new_lesions, None) == expected


@pytest.mark.parametrize(
    ("target", "new_lesions", "expected"),
    [
        ("CR", False, "CR"),
        ("PR", False, "PR"),
        ("SD", False, "SD"),
        ("NE", False, "NE"),
        ("PD", False, "PD"),
        ("CR", True, "PD"),
    ],
)
def test_table_1_without_non_target_disease(target: str, new_lesions: bool, expected: str) -> None:
    """RECIST 1.1 Table 1 when the patient has no non-target lesions: the target response
    stands, new lesions give PD."""
    assert overall_response(target, None, new_lesions, None) == expected


TABLE_2 = [
    ("row 1", "CR", False, "CR"),
    ("row 2", NN, False, NN),
    ("row 3", "NE", False, "NE"),
    ("row 4a", "PD", False, "PD"),
    ("row 4b", "PD", True, "PD"),
    ("row 5a", "CR", True, "PD"),
    ("row 5b", NN, True, "PD"),
    ("row 5c", "NE", True, "PD"),
]


@pytest.mark.parametrize(
    ("row", "non_target", "new_lesions", "expected"), TABLE_2, ids=[r[0] for r in TABLE_2]
)
def test_table_2_non_target_disease_only(
    row: str, non_target: str, new_lesions: bool, expected: str
) -> None:
    """RECIST 1.1 §4.4.1 Table 2: non-target disease only gives NON-CR/NON-PD, never SD."""
    assert overall_response(None, non_target, new_lesions, None) == expected


@pytest.mark.parametrize(
    ("statuses", "markers", "expected"),
    [
        (["absent", "absent"], None, "CR"),
        (["absent", "absent"], True, "CR"),
        (["absent", "absent"], False, NN),
        (["absent", "present"], None, NN),
        (["present", "not_evaluated"], None, "NE"),
        (["not_evaluated", "unequivocal_progression"], None, "PD"),
        (["absent", "unequivocal_progression"], True, "PD"),
    ],
)
def test_non_target_response(statuses: list[str], markers: bool | None, expected: str) -> None:
    """RECIST 1.1 §4.3.3: CR = all non-targets gone (nodes < 10 mm) and markers normal;
    PD = unequivocal progression; a lesion not evaluated leaves the category NE."""
    assert non_target_response(statuses, markers) == expected


def test_target_cr_with_abnormal_markers_and_no_non_targets_is_pr() -> None:
    """RECIST 1.1 §4.3.3: tumour markers above normal must normalise for CR; with target CR
    this is read like a non-CR/non-PD non-target category, i.e. Table 1 row 2 (PR)."""
    assert overall_response("CR", None, False, False) == "PR"


def test_tables_end_to_end() -> None:
    """RECIST 1.1 Table 1 rows 1-3 and 6 from measurements and statuses."""
    baseline = visit(0, [tgt("T1", 30)], [nt("N1"), nt("N2")])
    result = run(
        baseline,
        visit(56, [m("T1", 0)], [nt("N1", "absent"), nt("N2", "absent")]),  # row 1: CR
        visit(112, [m("T1", 0)], [nt("N1", "absent"), nt("N2")]),  # row 2: PR
        visit(168, [m("T1", 0)], [nt("N1", "absent")]),  # row 3 (N2 not listed): PR
        visit(224, [m("T1", None)], [nt("N1"), nt("N2")]),  # row 6: NE
    )
    assert overall(result) == ["CR", "PR", "PR", "NE"]
    assert [tp.non_target for tp in result.timepoints] == ["CR", NN, "NE", NN]


def test_non_target_only_patient_gets_non_cr_non_pd() -> None:
    """RECIST 1.1 Table 2 / §4.4.1: without target disease the category is NON-CR/NON-PD."""
    result = run(
        visit(0, [], [nt("N1")]),
        visit(56, [], [nt("N1")]),
        visit(112, [], [nt("N1", "absent")], markers_normal=True),
        visit(168, [], [nt("N1", "not_evaluated")]),
        visit(224, [], [nt("N1", "unequivocal_progression")]),
    )
    assert overall(result) == [NN, "CR", "NE", "PD"]
    assert all(tp.target is None and tp.sum_mm is None for tp in result.timepoints)


def test_unequivocal_new_lesion_is_pd_whatever_else() -> None:
    """RECIST 1.1 §4.3.2 and Table 1 row 9: an unequivocal new lesion is PD, even with a
    target response of PR."""
    result = run(visit(0, [tgt("T1", 40)]), visit(56, [m("T1", 10)], [], [new("L1")]))
    assert result.timepoints[0].target == "PR"
    assert result.timepoints[0].new_lesions == "yes"
    assert overall(result) == ["PD"]
    assert result.progression_date is not None
    assert result.progression_date.isoformat() == "2024-02-26"
