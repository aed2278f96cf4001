"""Hazard ratios of a binary or categorical group from a Cox model (lifelines).

The group is coded as one indicator per level other than the reference level (the first
level, or the one given), so each hazard ratio compares that level with the reference,
as R's ``coxph(Surv(time, status) ~ factor(group))``.  lifelines' ``CoxPHFitter``
handles tied event times by Efron's method, R's default; the interval is
exp(coef -/+ z se) and the p-value is the Wald test of coef = 0.

lifelines and pandas are untyped; everything they return is converted to plain floats
here so callers stay typed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from oncotrial.domain.stats.data import (
    FloatArray,
    SurvivalDataError,
    group_codes,
    survival_data,
    z_value,
)


@dataclass(frozen=True)
class HazardRatio:
    """One level compared with the reference level."""

    level: str
    reference: str
    hazard_ratio: float
    ci_lower: float
    ci_upper: float
    p: float
    """Two-sided Wald p-value."""
    coef: float
    """log hazard ratio."""
    se: float


@dataclass(frozen=True)
class CoxModel:
    reference: str
    n: int
    events: int
    conf_level: float
    ties: str
    hazard_ratios: tuple[HazardRatio, ...]


def cox_hazard_ratios(
    time: Sequence[float] | FloatArray,
    event: Sequence[int] | npt.ArrayLike,
    group: Sequence[str],
    *,
    reference: str | None = None,
    order: Sequence[str] | None = None,
    conf_level: float = 0.95,
) -> CoxModel:
    """Hazard ratio of every group level against ``reference`` (default: the first level)."""
    data = survival_data(time, event)
    z = z_value(conf_level)
    levels, codes = group_codes(group, len(data), order)
    if len(levels) < 2:
        raise SurvivalDataError(
            "group", f"a hazard ratio needs at least 2 groups, got {len(levels)}"
        )
    if reference is None:
        reference = levels[0]
    if reference not in levels:
        raise SurvivalDataError("reference", f"{reference!r} is not one of the groups {levels}")
    ref = levels.index(reference)
    others = [i for i in range(len(levels)) if i != ref]
    columns = {f"g{i}": (codes == i).astype(np.float64) for i in others}
    fit = _fit_lifelines(data.time, data.event.astype(np.float64), columns)
    rows = tuple(
        HazardRatio(
            level=levels[i],
            reference=reference,
            hazard_ratio=math.exp(coef),
            ci_lower=math.exp(coef - z * se),
            ci_upper=math.exp(coef + z * se),
            p=p,
            coef=coef,
            se=se,
        )
        for i in others
        for coef, se, p in [fit[f"g{i}"]]
    )
    return CoxModel(
        reference=reference,
        n=len(data),
        events=int(data.event.sum()),
        conf_level=conf_level,
        ties="efron",
        hazard_ratios=rows,
    )


def _fit_lifelines(
    time: FloatArray, event: FloatArray, columns: dict[str, FloatArray]
) -> dict[str, tuple[float, float, float]]:
    """Fit lifelines' CoxPHFitter; (coef, se, Wald p) per covariate as plain floats."""
    import pandas as pd
    from lifelines import CoxPHFitter

    frame: Any = pd.DataFrame({"_time": time, "_event": event, **columns})
    fitter: Any = CoxPHFitter()
    try:
        fitter.fit(frame, duration_col="_time", event_col="_event")
    except Exception as exc:  # lifelines raises its own convergence errors
        raise SurvivalDataError("group", f"the Cox model could not be fitted: {exc}") from exc
    summary: Any = fitter.summary
    out: dict[str, tuple[float, float, float]] = {}
    for name in columns:
        row = summary.loc[name]
        out[name] = (float(row["coef"]), float(row["se(coef)"]), float(row["p"]))
    return out
