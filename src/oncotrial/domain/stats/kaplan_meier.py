"""Kaplan–Meier estimate with Greenwood variance, computed as R's ``survfit`` does.

For one group, at every distinct time t (event or censoring), in increasing order:

* ``at_risk``  n(t): subjects whose time is >= t;
* ``n_event``  d(t) and ``n_censor`` c(t): events and censorings at t;
* ``survival`` S(t) = prod over times s <= t of (1 - d(s) / n(s));
* Greenwood: var(log S(t)) = sum over s <= t of d(s) / (n(s) (n(s) - d(s))), the
  ``std.err`` R keeps in the fit object; ``std_err`` here is se(S) = S * se(log S), the
  column R's ``summary`` prints.

Pointwise intervals (z the normal quantile, se = se(log S)), as R's ``survfit_confint``:

* ``"log"``:     exp(log S -/+ z se), the upper limit capped at 1 (R's default);
* ``"log-log"``: exp(-exp(log(-log S) -/+ z se / log S)) (the default here, as in SAS
  and Stata);
* ``"plain"``:   S -/+ z se S, clipped to [0, 1].

Where S = 0 (everyone left at risk had the event) the variance is undefined and all
three limits are NaN, as R gives NA. Where S = 1 (before the first event) the limits
are 1 for every type (R gives NA for log-log there; the value does not change any
quantile or its interval).

Quantiles (the median is p = 0.5) follow R's ``quantile.survfit``: the smallest time at
which the curve drops to 1 - p or below; when the curve is exactly 1 - p (to within
sqrt(machine epsilon)) over an interval, the midpoint of that interval, i.e. halfway
between the time it reached 1 - p and the next time it drops (or the last follow-up
time when it never drops again).  The confidence interval of a quantile is where the
lower and the upper pointwise curves cross 1 - p (Brookmeyer–Crowley as R prints it);
a curve that never gets there gives ``None`` ("not reached").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from oncotrial.domain.stats.data import (
    ConfType,
    FloatArray,
    IntArray,
    SurvivalData,
    SurvivalDataError,
    check_conf_type,
    group_codes,
    survival_data,
    z_value,
)

#: R's ``quantile.survfit`` tolerance, sqrt(.Machine$double.eps).
QUANTILE_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))


@dataclass(frozen=True)
class LandmarkSurvival:
    """Survival at one requested time (e.g. 12-month OS) with its pointwise interval.

    ``survival`` is None beyond the last follow-up time (not estimable) unless the curve
    has already reached 0; a limit is None where it is undefined (S = 0).
    """

    time: float
    survival: float | None
    std_err: float | None
    lower: float | None
    upper: float | None
    at_risk: int


@dataclass(frozen=True)
class Quantile:
    """A survival-time quantile with its confidence interval; None = not reached."""

    probability: float
    time: float | None
    ci_lower: float | None
    ci_upper: float | None


@dataclass(frozen=True, eq=False)
class KaplanMeier:
    """Kaplan–Meier curve of one group (arrays are indexed by distinct time)."""

    name: str
    n: int
    events: int
    times: FloatArray
    survival: FloatArray
    lower: FloatArray
    upper: FloatArray
    at_risk: IntArray
    n_event: IntArray
    n_censor: IntArray
    std_err: FloatArray
    """se(S) by Greenwood's formula (NaN where S = 0)."""
    censor_times: FloatArray
    """Distinct times at which at least one subject was censored (the plot's tick marks)."""
    median: float | None
    ci_lower: float | None
    ci_upper: float | None
    conf_type: ConfType
    conf_level: float

    def quantile(self, probability: float) -> Quantile:
        """Time by which a fraction ``probability`` has had the event (0.5: the median)."""
        if not 0.0 < probability < 1.0:
            raise SurvivalDataError("probability", f"must be between 0 and 1, got {probability!r}")
        return _quantile(self.times, self.survival, self.lower, self.upper, probability)

    def survival_at(self, times: Iterable[float]) -> list[LandmarkSurvival]:
        """Survival, se and interval at each requested time (R's ``summary(fit, times=)``)."""
        ts = _check_times(times)
        idx = np.searchsorted(self.times, ts, side="right") - 1
        risk = self.at_risk_at(ts)
        last = float(self.times[-1])
        out: list[LandmarkSurvival] = []
        for t, i, r in zip(ts.tolist(), idx.tolist(), risk, strict=True):
            if i < 0:
                out.append(LandmarkSurvival(t, 1.0, 0.0, 1.0, 1.0, r))
                continue
            s = float(self.survival[i])
            if t > last and s > 0.0:
                out.append(LandmarkSurvival(t, None, None, None, None, r))
                continue
            out.append(
                LandmarkSurvival(
                    t,
                    s,
                    _opt(self.std_err[i]),
                    _opt(self.lower[i]),
                    _opt(self.upper[i]),
                    r,
                )
            )
        return out

    def at_risk_at(self, times: Iterable[float]) -> list[int]:
        """Number at risk at each time t: subjects whose time is >= t (the risk table)."""
        ts = _check_times(times)
        j = np.searchsorted(self.times, ts, side="left")
        padded = np.append(self.at_risk, 0)
        return [int(v) for v in padded[j]]


def _opt(value: np.float64 | float) -> float | None:
    v = float(value)
    return None if np.isnan(v) else v


def _check_times(times: Iterable[float]) -> FloatArray:
    ts = np.asarray(list(times), dtype=np.float64)
    if ts.ndim != 1 or not np.all(np.isfinite(ts)) or np.any(ts < 0):
        raise SurvivalDataError("times", "must be finite non-negative numbers")
    return ts


def confidence_limits(
    survival: FloatArray, se_log: FloatArray, conf_type: ConfType, z: float
) -> tuple[FloatArray, FloatArray]:
    """Pointwise limits from S and se(log S), exactly as R's ``survfit_confint``."""
    s = survival
    inner = (s > 0.0) & (s < 1.0)
    lower = np.full_like(s, np.nan)
    upper = np.full_like(s, np.nan)
    ones = s == 1.0
    lower[ones] = 1.0
    upper[ones] = 1.0
    si, se = s[inner], se_log[inner]
    if conf_type == "log":
        lower[inner] = np.exp(np.log(si) - z * se)
        upper[inner] = np.minimum(np.exp(np.log(si) + z * se), 1.0)
    elif conf_type == "log-log":
        loglog = np.log(-np.log(si))
        half = z * se / np.log(si)
        lower[inner] = np.exp(-np.exp(loglog - half))
        upper[inner] = np.exp(-np.exp(loglog + half))
    else:
        half = z * se * si
        lower[inner] = np.maximum(si - half, 0.0)
        upper[inner] = np.minimum(si + half, 1.0)
    return lower, upper


def _find_quantile(x: FloatArray, y: FloatArray, p: float, tol: float) -> float | None:
    """Where the step curve y (1 - survival, starting at 0) reaches p: R's ``findq``."""
    finite = y[~np.isnan(y)]
    if finite.size == 0 or float(finite.max()) < p:
        return None
    xmax = float(x[-1])
    # Keep the first point of each level (drops censoring times, where the curve is flat).
    _, first = np.unique(y, return_index=True)
    first.sort()
    x, y = x[first], y[first]
    valid = ~np.isnan(y)
    hit1 = np.flatnonzero(valid & (y + tol >= p))
    if hit1.size == 0:
        return None
    i1 = int(hit1[0])
    last = float(y[-1])
    if not np.isnan(last) and abs(p - last) < tol:
        return (float(x[i1]) + xmax) / 2.0
    hit2 = np.flatnonzero(valid & (y - tol >= p))
    if hit2.size == 0:
        return None
    return (float(x[i1]) + float(x[int(hit2[0])])) / 2.0


def _quantile(
    times: FloatArray,
    survival: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    p: float,
    tol: float = QUANTILE_TOLERANCE,
) -> Quantile:
    x = np.concatenate(([0.0], times))

    def at(curve: FloatArray) -> float | None:
        return _find_quantile(x, np.concatenate(([0.0], 1.0 - curve)), p, tol)

    return Quantile(p, at(survival), at(lower), at(upper))


def _fit_sorted(
    name: str,
    ts: FloatArray,
    es: npt.NDArray[np.bool_],
    conf_type: ConfType,
    conf_level: float,
    z: float,
) -> KaplanMeier:
    """KM curve from times sorted ascending (and their events)."""
    n = int(ts.size)
    starts = np.flatnonzero(np.concatenate(([True], ts[1:] != ts[:-1])))
    times = ts[starts]
    counts = np.diff(np.append(starts, n))
    d = np.add.reduceat(es.astype(np.int64), starts)
    at_risk = (n - starts).astype(np.int64)
    c = counts - d
    nr = at_risk.astype(np.float64)
    df = d.astype(np.float64)
    surv: FloatArray = np.cumprod(1.0 - df / nr, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = np.where(nr > df, df / (nr * (nr - df)), np.inf)
    var_log = np.cumsum(inc)
    se_log = np.sqrt(var_log)
    se_log[surv == 0.0] = np.nan
    lower, upper = confidence_limits(surv, se_log, conf_type, z)
    med = _quantile(times, surv, lower, upper, 0.5)
    return KaplanMeier(
        name=name,
        n=n,
        events=int(d.sum()),
        times=times,
        survival=surv,
        lower=lower,
        upper=upper,
        at_risk=at_risk,
        n_event=d.astype(np.int64),
        n_censor=c.astype(np.int64),
        std_err=surv * se_log,
        censor_times=times[c > 0],
        median=med.time,
        ci_lower=med.ci_lower,
        ci_upper=med.ci_upper,
        conf_type=conf_type,
        conf_level=conf_level,
    )


def kaplan_meier(
    time: Sequence[float] | FloatArray,
    event: Sequence[int] | npt.ArrayLike,
    *,
    name: str = "all",
    conf_type: str = "log-log",
    conf_level: float = 0.95,
) -> KaplanMeier:
    """Kaplan–Meier curve of one group; ``event`` is 1 for an event, 0 for censored."""
    data = survival_data(time, event)
    ct = check_conf_type(conf_type)
    z = z_value(conf_level)
    order = np.argsort(data.time, kind="stable")
    return _fit_sorted(name, data.time[order], data.event[order], ct, conf_level, z)


def kaplan_meier_groups(
    time: Sequence[float] | FloatArray,
    event: Sequence[int] | npt.ArrayLike,
    group: Sequence[str],
    *,
    order: Sequence[str] | None = None,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
) -> list[KaplanMeier]:
    """One Kaplan–Meier curve per group, in ``order`` (default: sorted labels)."""
    data = survival_data(time, event)
    ct = check_conf_type(conf_type)
    z = z_value(conf_level)
    levels, codes = group_codes(group, len(data), order)
    return fit_by_codes(data, levels, codes, ct, conf_level, z)


def fit_by_codes(
    data: SurvivalData,
    levels: Sequence[str],
    codes: IntArray,
    conf_type: ConfType,
    conf_level: float,
    z: float,
) -> list[KaplanMeier]:
    """Curves for already-coded groups; one sort of (group, time) for all of them."""
    order = np.lexsort((data.time, codes))
    ts, es, cs = data.time[order], data.event[order], codes[order]
    bounds = np.searchsorted(cs, np.arange(len(levels) + 1))
    return [
        _fit_sorted(name, ts[a:b], es[a:b], conf_type, conf_level, z)
        for name, a, b in zip(levels, bounds[:-1], bounds[1:], strict=True)
    ]
