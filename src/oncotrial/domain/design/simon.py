"""Simon's (1989) two-stage designs, optimal and minimax, by exact binomial search.

Design (r1, n1, r, n): treat n1 patients; stop for futility if responses <= r1;
otherwise treat n - n1 more and reject H0 (drug promising) if the total number of
responses is > r.  Constraints: P(reject | p0) <= alpha and P(reject | p1) >= power,
with 1 <= n1 < n and 0 <= r1 <= r < n.

* optimal: smallest expected size under p0, EN(p0) = n1 + (1 - PET(p0)) (n - n1);
* minimax: smallest n, and among those the smallest EN(p0).

The search is exhaustive over (n, n1, r1) with the best r for each (the smallest r
whose type I error is <= alpha, which also has the largest power).  It never stops at
an arbitrary n: it proves where to stop with two bounds.

* No design with maximum size n exists if the most powerful randomised level-alpha
  test on n patients (Neyman–Pearson, a function of the total responses) has power
  below the target: every two-stage design is a level-alpha test of the same n
  outcomes.  Those n are skipped without a search.
* For any design with first stage n1, power >= target forces P(X1 <= r1 | p1) <= beta,
  hence r1 <= r1max(n1) and PET(p0) <= PETmax(n1) = P(X1 <= r1max(n1) | p0); so
  EN >= n1 + (1 - PETmax(n1)) (n - n1).  The minimum of that bound over n1 does not
  decrease with n; once it exceeds the best EN found, no larger n can do better.

Ties in EN (to 1e-12) go to the smaller n, then the smaller n1, then the smaller r1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from oncotrial.domain.design.errors import (
    SearchLimitError,
    check_alpha,
    check_power,
    check_rates,
)

FloatArray = npt.NDArray[np.float64]
_TIE = 1e-12


@dataclass(frozen=True)
class SimonDesign:
    """One two-stage design with its operating characteristics."""

    r1: int
    n1: int
    r: int
    n: int
    en0: float
    """Expected number of patients under p0."""
    pet0: float
    """Probability of early termination under p0."""
    alpha: float
    """Attained type I error, P(reject H0 | p0)."""
    power: float
    """Attained power, P(reject H0 | p1)."""

    def as_dict(self) -> dict[str, float | int]:
        return {
            "r1": self.r1,
            "n1": self.n1,
            "r": self.r,
            "n": self.n,
            "en0": self.en0,
            "pet0": self.pet0,
            "alpha": self.alpha,
            "power": self.power,
        }


@dataclass(frozen=True)
class SimonResult:
    p0: float
    p1: float
    alpha: float
    power: float
    optimal: SimonDesign
    minimax: SimonDesign
    complete: bool
    """False when a caller's ``nmax`` stopped the search before optimality was proved."""
    searched_to: int
    """Largest maximum size n examined."""


class _Tables:
    """Binomial pmf and survival-function tables for one p, grown on demand."""

    def __init__(self, p: float) -> None:
        self.p = p
        self.size = -1
        self.pmf: FloatArray = np.zeros((0, 0))
        self.cdf: FloatArray = np.zeros((0, 0))
        # ext[m, size + j] = P(Bin(m, p) > j) for j in [-size, size]; 1 for j < 0.
        self.ext: FloatArray = np.zeros((0, 0))

    def ensure(self, n: int) -> None:
        if n <= self.size:
            return
        size = max(n, 2 * self.size, 64)
        m = np.arange(size + 1)[:, None]
        k = np.arange(size + 1)[None, :]
        self.pmf = stats.binom.pmf(k, m, self.p)
        self.cdf = stats.binom.cdf(k, m, self.p)
        sf = stats.binom.sf(k, m, self.p)
        self.ext = np.concatenate([np.ones((size + 1, size)), sf], axis=1)
        self.size = size


def _ump_power(n: int, p0: float, p1: float, alpha: float) -> float:
    """Power of the most powerful randomised level-alpha test of p0 against p1 on n patients."""
    k = np.arange(n + 1)
    sf0 = stats.binom.sf(k, n, p0)
    c = int(np.count_nonzero(sf0 > alpha))  # smallest c with P(X > c | p0) <= alpha
    if c > n:
        c = n
    size_c = float(sf0[c])
    pm0 = float(stats.binom.pmf(c, n, p0))
    gamma = 0.0 if pm0 <= 0 else min(1.0, (alpha - size_c) / pm0)
    return float(stats.binom.sf(c, n, p1) + gamma * stats.binom.pmf(c, n, p1))


def _best_for(
    n: int,
    n1: int,
    r1_top: int,
    t0: _Tables,
    t1: _Tables,
    alpha: float,
    power: float,
) -> tuple[int, int, float] | None:
    """Best (r1, r, EN0) for fixed (n, n1) over r1 = 0..r1_top, or None if none feasible."""
    n2 = n - n1
    size = t0.size
    x1 = np.arange(n1 + 1)
    rr = np.arange(n)
    idx = size + rr[None, :] - x1[:, None]  # index of j = r - x1 in ext
    # rej[x1, r] = P(X1 = x1) P(X2 > r - x1); the reverse cumulative sum over x1 > r1
    # gives P(reject) for stopping rule r1 and final rule r.
    rej0 = t0.pmf[n1, x1][:, None] * t0.ext[n2][idx]
    rej1 = t1.pmf[n1, x1][:, None] * t1.ext[n2][idx]
    tail0 = np.cumsum(rej0[::-1], axis=0)[::-1]
    tail1 = np.cumsum(rej1[::-1], axis=0)[::-1]
    r1s = np.arange(r1_top + 1)
    a = tail0[r1s + 1]  # rows: r1, columns: r
    b = tail1[r1s + 1]
    rstar = np.maximum(np.count_nonzero(a > alpha, axis=1), r1s)
    valid = rstar < n
    rs = np.minimum(rstar, n - 1)
    pw = b[r1s, rs]
    feasible = valid & (pw >= power)
    if not feasible.any():
        return None
    pet = t0.cdf[n1, r1s]
    en = n1 + (1.0 - pet) * n2
    en = np.where(feasible, en, np.inf)
    i = int(np.argmin(en))
    return i, int(rs[i]), float(en[i])


def _characteristics(r1: int, n1: int, r: int, n: int, p0: float, p1: float) -> SimonDesign:
    def reject(p: float) -> float:
        x1 = np.arange(r1 + 1, n1 + 1)
        return float(np.sum(stats.binom.pmf(x1, n1, p) * stats.binom.sf(r - x1, n - n1, p)))

    pet0 = float(stats.binom.cdf(r1, n1, p0))
    return SimonDesign(
        r1=r1,
        n1=n1,
        r=r,
        n=n,
        en0=n1 + (1.0 - pet0) * (n - n1),
        pet0=pet0,
        alpha=reject(p0),
        power=reject(p1),
    )


def simon_designs(
    p0: float,
    p1: float,
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    nmax: int | None = None,
) -> SimonResult:
    """Optimal and minimax two-stage designs for H0: p <= p0 against p1.

    Without ``nmax`` the search goes as far as needed and the result is exact.  With
    ``nmax`` it stops there: ``SearchLimitError`` if no design has n <= nmax, otherwise
    the best designs found with ``complete`` False when optimality was not proved.
    """
    p0, p1 = check_rates(p0, p1)
    alpha = check_alpha(alpha)
    power = check_power(power)
    if nmax is not None and (isinstance(nmax, bool) or not isinstance(nmax, int) or nmax < 2):
        raise SearchLimitError("nmax", f"must be an integer >= 2, got {nmax!r}")
    beta = 1.0 - power
    t0, t1 = _Tables(p0), _Tables(p1)

    # Per n1: r1max(n1) (largest r1 with P(X1 <= r1 | p1) <= beta, -1 if none) and
    # PETmax(n1); filled lazily as n grows.
    r1max: list[int] = [-1]
    petmax: list[float] = [0.0]

    best: tuple[float, int, int, int, int] | None = None  # (en, n, n1, r1, r)
    minimax: tuple[float, int, int, int, int] | None = None
    n = 1
    complete = True
    while True:
        n += 1
        if nmax is not None and n > nmax:
            complete = minimax is not None and _lower_bound(n, r1max, petmax, t0, t1, beta) > (
                best[0] if best else np.inf
            )
            n -= 1
            break
        t0.ensure(n)
        t1.ensure(n)
        while len(r1max) < n:
            m = len(r1max)
            c1 = t1.cdf[m, : m + 1]
            top = int(np.count_nonzero(c1 <= beta)) - 1
            r1max.append(top)
            petmax.append(float(t0.cdf[m, top]) if top >= 0 else 0.0)
        if best is not None:
            lb = min(
                (m + (1.0 - petmax[m]) * (n - m) for m in range(1, n) if r1max[m] >= 0),
                default=np.inf,
            )
            if lb > best[0] + _TIE:
                break
        if _ump_power(n, p0, p1, alpha) < power:
            continue
        bound = best[0] + _TIE if best is not None else np.inf
        found_here: tuple[float, int, int, int, int] | None = None
        for n1 in range(1, n):
            top = min(r1max[n1], n1 - 1)
            if top < 0:
                continue
            if n1 + (1.0 - petmax[n1]) * (n - n1) > bound:
                continue
            got = _best_for(n, n1, top, t0, t1, alpha, power)
            if got is None:
                continue
            r1, r, en = got
            cand = (en, n, n1, r1, r)
            if found_here is None or en < found_here[0] - _TIE:
                found_here = cand
        if found_here is None:
            continue
        if minimax is None:
            minimax = found_here
        if best is None or found_here[0] < best[0] - _TIE:
            best = found_here
        # The minimax row must be the best EN at the minimax n, which the loop over n1
        # computed without the EN pruning only for the first feasible n.
    if minimax is None or best is None:
        raise SearchLimitError(
            "nmax", f"no two-stage design with n <= {nmax} meets alpha and power"
        )
    _, _, o_n1, o_r1, o_r = best
    _, _, m_n1, m_r1, m_r = minimax
    return SimonResult(
        p0=p0,
        p1=p1,
        alpha=alpha,
        power=power,
        optimal=_characteristics(o_r1, o_n1, o_r, best[1], p0, p1),
        minimax=_characteristics(m_r1, m_n1, m_r, minimax[1], p0, p1),
        complete=complete,
        searched_to=n,
    )


def _lower_bound(
    n: int, r1max: list[int], petmax: list[float], t0: _Tables, t1: _Tables, beta: float
) -> float:
    """min over n1 < n of the EN lower bound, extending the per-n1 tables as needed."""
    t0.ensure(n)
    t1.ensure(n)
    while len(r1max) < n:
        m = len(r1max)
        c1 = t1.cdf[m, : m + 1]
        top = int(np.count_nonzero(c1 <= beta)) - 1
        r1max.append(top)
        petmax.append(float(t0.cdf[m, top]) if top >= 0 else 0.0)
    return min(
        (m + (1.0 - petmax[m]) * (n - m) for m in range(1, n) if r1max[m] >= 0),
        default=float("inf"),
    )
