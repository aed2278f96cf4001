"""Single-stage exact binomial design (A'Hern 2001) and exact inference for x/n.

Decision rule of the design: reject H0 (p <= p0) when the number of responses
is greater than ``r``.  A'Hern's tables list the smallest number of responses
that rejects, which is ``r + 1`` here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from oncotrial.domain.design.errors import (
    DesignParameterError,
    check_alpha,
    check_open_unit,
    check_power,
    check_rates,
)


@dataclass(frozen=True)
class SingleStageDesign:
    """Exact single-stage design: treat ``n`` patients, reject H0 if responses > ``r``."""

    p0: float
    p1: float
    n: int
    r: int
    alpha: float
    """Attained type I error, P(X > r | p0)."""
    power: float
    """Attained power, P(X > r | p1)."""


def single_stage_design(
    p0: float, p1: float, alpha: float = 0.05, power: float = 0.8, *, nmax: int | None = None
) -> SingleStageDesign:
    """Smallest ``n`` (and its ``r``) with P(X > r | p0) <= alpha and P(X > r | p1) >= power.

    As in A'Hern (2001) the smallest such ``n`` is returned even though a few
    larger ``n`` may not admit a design (the binomial saw-tooth).  There is no
    silent upper limit: the search goes on until a design is found (one always
    exists because p1 > p0), or stops at ``nmax`` with an error if one is given.
    """
    p0, p1 = check_rates(p0, p1)
    alpha = check_alpha(alpha)
    power = check_power(power)
    n = 1
    block = 256
    while True:
        ns = np.arange(n, n + block)
        if nmax is not None:
            ns = ns[ns <= nmax]
            if ns.size == 0:
                raise DesignParameterError(
                    "nmax", f"no single-stage design with n <= {nmax} meets alpha and power"
                )
        # Smallest r with P(X > r | p0) <= alpha, for every n of the block at once:
        # sf is non-increasing in r, so r is the count of r values with sf > alpha.
        k = np.arange(int(ns[-1]) + 1)
        sf0 = stats.binom.sf(k[None, :], ns[:, None], p0)
        r = np.count_nonzero(sf0 > alpha, axis=1)
        pw = stats.binom.sf(r, ns, p1)
        ok = np.nonzero((r < ns) & (pw >= power))[0]
        if ok.size:
            i = int(ok[0])
            nn, rr = int(ns[i]), int(r[i])
            return SingleStageDesign(
                p0=p0,
                p1=p1,
                n=nn,
                r=rr,
                alpha=float(stats.binom.sf(rr, nn, p0)),
                power=float(stats.binom.sf(rr, nn, p1)),
            )
        n += block


@dataclass(frozen=True)
class ProportionEstimate:
    """Observed proportion with its exact (Clopper–Pearson) confidence interval."""

    x: int
    n: int
    estimate: float
    ci_lower: float
    ci_upper: float
    confidence: float
    method: str = "clopper-pearson"


def _check_counts(x: int, n: int) -> tuple[int, int]:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise DesignParameterError("n", f"must be a positive integer, got {n!r}")
    if isinstance(x, bool) or not isinstance(x, int | np.integer) or not 0 <= x <= n:
        raise DesignParameterError("x", f"must be an integer between 0 and n ({n}), got {x!r}")
    return int(x), int(n)


def clopper_pearson(x: int, n: int, confidence: float = 0.95) -> ProportionEstimate:
    """Exact two-sided confidence interval for a binomial proportion.

    Lower limit: the ``(1 - confidence) / 2`` quantile of Beta(x, n - x + 1) (0 when x = 0);
    upper limit: the ``(1 + confidence) / 2`` quantile of Beta(x + 1, n - x) (1 when x = n).
    """
    x, n = _check_counts(x, n)
    confidence = check_open_unit("confidence", confidence)
    tail = (1.0 - confidence) / 2.0
    lower = 0.0 if x == 0 else float(stats.beta.ppf(tail, x, n - x + 1))
    upper = 1.0 if x == n else float(stats.beta.ppf(1.0 - tail, x + 1, n - x))
    return ProportionEstimate(
        x=x, n=n, estimate=x / n, ci_lower=lower, ci_upper=upper, confidence=confidence
    )


def exact_test_p_value(x: int, n: int, p0: float) -> float:
    """One-sided exact binomial p-value for H0: p <= p0 against p > p0, P(X >= x | p0)."""
    x, n = _check_counts(x, n)
    p0 = check_open_unit("p0", p0)
    if x == 0:
        return 1.0
    return float(stats.binom.sf(x - 1, n, p0))
