"""ORR / DCR with exact intervals and the Simon stage-1 decision."""

from __future__ import annotations

import pytest
from scipy import stats

from oncotrial.domain.design import DesignParameterError, simon_designs
from oncotrial.domain.stats import response_rate, response_rates, simon_stage1


def test_orr_exact_interval_and_test() -> None:
    # 7 responses in 36: Clopper–Pearson 0.08194364 to 0.36024802; H0 p <= 0.10:
    # P(X >= 7 | n = 36, p = 0.1) = 1 - P(X <= 6).
    r = response_rate(7, 36, p0=0.10)
    assert r.estimate == pytest.approx(7 / 36)
    assert r.ci_lower == pytest.approx(0.08194364, abs=5e-9)
    assert r.ci_upper == pytest.approx(0.36024802, abs=5e-9)
    assert r.p_value == pytest.approx(1 - stats.binom.cdf(6, 36, 0.10), rel=1e-12)
    assert r.method == "clopper-pearson"


def test_orr_and_dcr_from_best_responses() -> None:
    best = ["CR", "PR", "iPR", "SD", "iSD", "NON-CR/NON-PD", "PD", "iCPD", "NE", None]
    orr, dcr = response_rates(best, p0_orr=0.05)
    assert (orr.endpoint, orr.responders, orr.evaluable) == ("ORR", 3, 10)
    assert (dcr.endpoint, dcr.responders, dcr.evaluable) == ("DCR", 6, 10)
    assert orr.p_value == pytest.approx(stats.binom.sf(2, 10, 0.05), rel=1e-12)
    assert dcr.p_value is None
    # 0 responders: the lower limit is 0, the upper 1 - 0.025^(1/n).
    none, _ = response_rates(["PD"] * 8)
    assert none.ci_lower == 0.0
    assert none.ci_upper == pytest.approx(1 - 0.025 ** (1 / 8))


def test_simon_stage1_decisions() -> None:
    # Simon (1989): p0 0.10, p1 0.30, alpha 0.05, power 0.80, optimal design 1/10, 5/29.
    d = simon_designs(0.10, 0.30).optimal
    assert (d.r1, d.n1) == (1, 10)
    early = simon_stage1(d.r1, d.n1, [True] + [False] * 7)
    assert (early.decision, early.evaluable, early.responses) == ("not yet evaluable", 8, 1)
    stop = simon_stage1(d.r1, d.n1, [False] * 9 + [True])
    assert (stop.decision, stop.responses) == ("stop for futility", 1)
    go = simon_stage1(d.r1, d.n1, [True, False, False, True] + [False] * 6)
    assert (go.decision, go.responses) == ("continue to stage 2", 2)
    assert "continue to stage 2" in go.message
    # Responses after the first n1 evaluable subjects do not count for stage 1.
    late = simon_stage1(d.r1, d.n1, [False] * 10 + [True, True, True])
    assert (late.decision, late.responses, late.evaluable) == ("stop for futility", 0, 13)


def test_simon_stage1_checks_the_design() -> None:
    with pytest.raises(DesignParameterError):
        simon_stage1(10, 10, [True] * 10)
