"""Interim decisions for a Simon design, and the protocol-facing compute_sample_size."""

from __future__ import annotations

import pytest

from oncotrial.domain.design import compute_sample_size, simon_decision

OPT = {"r1": 1, "n1": 10, "r": 5, "n": 29}  # Simon optimal for 0.10 vs 0.30


@pytest.mark.parametrize(
    ("responses", "evaluated", "decision", "final"),
    [
        (2, 6, "continue to stage 2", True),  # r1 = 1 already exceeded before n1
        (1, 10, "stop for futility", True),
        (0, 10, "stop for futility", True),
        (0, 9, "stop for futility", True),  # one patient left: at most 1 = r1
        (1, 9, "stage 1 ongoing", False),
        (6, 20, "reject H0", True),
        (3, 26, "stage 2 ongoing", False),  # 3 + 3 remaining could still exceed 5
        (2, 26, "do not reject H0", True),  # 2 + 3 remaining = 5, not > 5
        (4, 20, "stage 2 ongoing", False),
    ],
)
def test_simon_decision(responses: int, evaluated: int, decision: str, final: bool) -> None:
    d = simon_decision(**OPT, responses=responses, evaluated=evaluated)
    assert d.decision == decision
    assert d.final is final
    assert str(responses) in d.message


def test_three_in_first_thirteen_continues() -> None:
    # 0.20 vs 0.40 design with r1 = 2 of n1 = 13 style rule: 3 > 2 -> continue.
    d = simon_decision(r1=2, n1=13, r=10, n=33, responses=3, evaluated=13)
    assert d.decision == "continue to stage 2"
    assert "continue" in d.message


def test_simon_decision_rejects_inconsistent_counts() -> None:
    with pytest.raises(ValueError, match="responses"):
        simon_decision(**OPT, responses=5, evaluated=4)
    with pytest.raises(ValueError, match="evaluated"):
        simon_decision(**OPT, responses=1, evaluated=30)


def test_compute_sample_size_simon() -> None:
    opt = compute_sample_size("simon-optimal", {"p0": 0.1, "p1": 0.3, "alpha": 0.05, "power": 0.8})
    mm = compute_sample_size("simon-minimax", {"p0": 0.1, "p1": 0.3, "alpha": 0.05, "power": 0.8})
    assert (opt.n, mm.n) == (29, 25)
    assert opt.events is None
    assert "1/10" in opt.summary
    assert "5/29" in opt.summary
    assert "\n" not in opt.summary


def test_compute_sample_size_binomial_with_loss() -> None:
    res = compute_sample_size("binomial", {"p0": 0.05, "p1": 0.2, "loss": 0.1})
    assert res.n_before_loss == 27
    assert res.n == 30


def test_compute_sample_size_survival() -> None:
    params = {
        "median0": 3,
        "median1": 6,
        "alpha": 0.05,
        "power": 0.8,
        "accrual": 24,
        "followup": 0,
        "sides": 1,
        "loss": 0.05,
        "landmark": 3,
    }
    res = compute_sample_size("survival-landmark", params)
    assert (res.n_before_loss, res.n, res.events) == (34, 36, None)
    wu = compute_sample_size("survival-wu", {k: v for k, v in params.items() if k != "landmark"})
    assert wu.events is not None
    assert wu.n >= wu.n_before_loss


def test_compute_sample_size_accepts_numeric_strings() -> None:
    res = compute_sample_size(
        "survival-exponential",
        {"median0": "3", "median1": "6", "accrual": "24", "loss": "5%", "sides": "1"},
    )
    ref = compute_sample_size(
        "survival-exponential", {"median0": 3, "median1": 6, "accrual": 24, "loss": 0.05}
    )
    assert res == ref


@pytest.mark.parametrize(
    ("method", "params", "name"),
    [
        ("simon-optimal", {"p0": 0.3, "p1": 0.1}, "p1"),
        ("simon-optimal", {"p1": 0.3}, "p0"),
        ("binomial", {"p0": 0.1, "p1": 0.3, "alpha": 0.9}, "alpha"),
        ("binomial", {"p0": 0.1, "p1": 0.3, "median0": 3}, "median0"),
        ("survival-fms", {"median0": 3, "median1": 6}, "accrual"),
        ("survival-fms", {"median0": 3, "median1": 6, "accrual": "soon"}, "accrual"),
        ("survival-wu", {"median0": 3, "median1": 6, "accrual": 12, "sides": 1.5}, "sides"),
        ("simon", {"p0": 0.1, "p1": 0.3}, "method"),
    ],
)
def test_compute_sample_size_errors_name_the_parameter(
    method: str, params: dict[str, float | str], name: str
) -> None:
    with pytest.raises(ValueError, match=f"^{name}"):
        compute_sample_size(method, params)
