"""Exact single-stage design (A'Hern 2001, Statistics in Medicine 20:859-866) and exact CI."""

from __future__ import annotations

import pytest
from scipy import stats

from oncotrial.domain.design import (
    DesignParameterError,
    clopper_pearson,
    exact_test_p_value,
    single_stage_design,
)


def test_clopper_pearson_7_of_36() -> None:
    est = clopper_pearson(7, 36)
    assert est.estimate == pytest.approx(7 / 36)
    assert est.ci_lower == pytest.approx(0.08194364, abs=5e-9)
    assert est.ci_upper == pytest.approx(0.36024802, abs=5e-9)
    assert est.method == "clopper-pearson"


def test_clopper_pearson_limits_have_tail_probability_alpha_over_2() -> None:
    est = clopper_pearson(7, 36)
    assert stats.binom.sf(6, 36, est.ci_lower) == pytest.approx(0.025, abs=1e-10)
    assert stats.binom.cdf(7, 36, est.ci_upper) == pytest.approx(0.025, abs=1e-10)


def test_clopper_pearson_edges() -> None:
    zero = clopper_pearson(0, 10)
    assert zero.ci_lower == 0.0
    # Upper limit for 0/n is 1 - (alpha/2)^(1/n).
    assert zero.ci_upper == pytest.approx(1 - 0.025 ** (1 / 10))
    full = clopper_pearson(10, 10)
    assert full.ci_upper == 1.0
    assert full.ci_lower == pytest.approx(0.025 ** (1 / 10))


def test_exact_test() -> None:
    # P(X >= 7 | n = 36, p = 0.1) from the binomial sum.
    expected = 1 - sum(stats.binom.pmf(k, 36, 0.1) for k in range(7))
    assert exact_test_p_value(7, 36, 0.1) == pytest.approx(expected, rel=1e-12)
    assert exact_test_p_value(0, 36, 0.1) == 1.0


@pytest.mark.parametrize(
    ("p0", "p1", "power", "responses_needed", "n"),
    [
        # A'Hern (2001) tabulates the number of responses needed to reject H0 out of n.
        (0.05, 0.20, 0.80, 4, 27),
        (0.05, 0.20, 0.90, 5, 38),
    ],
)
def test_ahern_table(p0: float, p1: float, power: float, responses_needed: int, n: int) -> None:
    d = single_stage_design(p0, p1, 0.05, power)
    assert (d.r + 1, d.n) == (responses_needed, n)


@pytest.mark.parametrize(
    ("p0", "p1", "alpha", "power"),
    [(0.05, 0.2, 0.05, 0.8), (0.1, 0.3, 0.05, 0.9), (0.2, 0.35, 0.1, 0.8), (0.6, 0.8, 0.05, 0.8)],
)
def test_single_stage_is_smallest(p0: float, p1: float, alpha: float, power: float) -> None:
    d = single_stage_design(p0, p1, alpha, power)
    assert d.alpha == pytest.approx(stats.binom.sf(d.r, d.n, p0))
    assert d.alpha <= alpha
    assert d.power >= power
    for n in range(1, d.n):
        # No cut-off works for a smaller n.
        ok = [
            r
            for r in range(n)
            if stats.binom.sf(r, n, p0) <= alpha and stats.binom.sf(r, n, p1) >= power
        ]
        assert not ok, n


def test_single_stage_limit() -> None:
    with pytest.raises(DesignParameterError, match="nmax"):
        single_stage_design(0.1, 0.15, 0.05, 0.9, nmax=50)


@pytest.mark.parametrize(("x", "n", "name"), [(5, 0, "n"), (-1, 10, "x"), (11, 10, "x")])
def test_bad_counts(x: int, n: int, name: str) -> None:
    with pytest.raises(DesignParameterError) as info:
        clopper_pearson(x, n)
    assert info.value.parameter == name
