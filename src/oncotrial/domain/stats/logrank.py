"""Log-rank test of k >= 2 survival curves, as R's ``survdiff`` (rho = 0).

At each distinct event time t_j of the pooled data, with n_j at risk and d_j events in
all, and n_gj at risk in group g:

* expected E_g = sum_j n_gj d_j / n_j, observed O_g = the group's events;
* variance V_gh = sum_j d_j (n_j - d_j) / (n_j - 1) * (n_gj / n_j) (delta_gh - n_hj / n_j)
  (no contribution where n_j = 1);
* chi-square = (O - E)' V^-1 (O - E) over the groups with E > 0 less the first, on
  (number of such groups - 1) degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from oncotrial.domain.stats.data import (
    FloatArray,
    IntArray,
    SurvivalData,
    SurvivalDataError,
    group_codes,
    survival_data,
)


@dataclass(frozen=True)
class LogRankGroup:
    name: str
    n: int
    observed: int
    expected: float


@dataclass(frozen=True)
class LogRankTest:
    chisq: float
    df: int
    p: float
    groups: tuple[LogRankGroup, ...]


def logrank_test(
    time: Sequence[float] | FloatArray,
    event: Sequence[int] | npt.ArrayLike,
    group: Sequence[str],
    *,
    order: Sequence[str] | None = None,
) -> LogRankTest:
    """Log-rank chi-square for equal survival across the groups (at least two)."""
    data = survival_data(time, event)
    levels, codes = group_codes(group, len(data), order)
    return logrank_by_codes(data, levels, codes)


def logrank_by_codes(data: SurvivalData, levels: Sequence[str], codes: IntArray) -> LogRankTest:
    k = len(levels)
    if k < 2:
        raise SurvivalDataError("group", f"the log-rank test needs at least 2 groups, got {k}")
    order = np.argsort(data.time, kind="stable")
    ts, es, cs = data.time[order], data.event[order], codes[order]
    n = ts.size
    starts = np.flatnonzero(np.concatenate(([True], ts[1:] != ts[:-1])))
    u = starts.size
    slot = np.repeat(np.arange(u), np.diff(np.append(starts, n)))
    flat = slot * k + cs
    leaving = np.bincount(flat, minlength=u * k).reshape(u, k).astype(np.float64)
    dying = np.bincount(flat, weights=es.astype(np.float64), minlength=u * k).reshape(u, k)
    # At risk at each distinct time: everyone leaving at that time or later.
    risk = np.cumsum(leaving[::-1], axis=0)[::-1]
    d = dying.sum(axis=1)
    keep = d > 0
    risk, dying, d = risk[keep], dying[keep], d[keep]
    nj = risk.sum(axis=1)
    share = risk / nj[:, None]
    observed = dying.sum(axis=0)
    expected = (share * d[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(nj > 1, d * (nj - d) / (nj - 1), 0.0)
    var = np.diag((share * w[:, None]).sum(axis=0)) - (share * w[:, None]).T @ share
    used = np.flatnonzero(expected > 0)
    df = int(used.size) - 1
    if df < 1:
        chisq = 0.0
    else:
        diff = (observed - expected)[used][1:]
        vv = var[np.ix_(used, used)][1:, 1:]
        chisq = float(diff @ np.linalg.solve(vv, diff))
    p = float(stats.chi2.sf(chisq, df)) if df >= 1 else 1.0
    sizes = np.bincount(codes, minlength=k)
    groups = tuple(
        LogRankGroup(
            name=levels[g],
            n=int(sizes[g]),
            observed=round(float(observed[g])),
            expected=float(expected[g]),
        )
        for g in range(k)
    )
    return LogRankTest(chisq=chisq, df=max(df, 0), p=p, groups=groups)
