"""One call for a time-to-event endpoint: a Kaplan–Meier curve per group and the log-rank test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from oncotrial.domain.stats.data import (
    FloatArray,
    check_conf_type,
    group_codes,
    survival_data,
    z_value,
)
from oncotrial.domain.stats.kaplan_meier import KaplanMeier, fit_by_codes
from oncotrial.domain.stats.logrank import LogRankTest, logrank_by_codes


@dataclass(frozen=True)
class SurvivalAnalysis:
    groups: tuple[KaplanMeier, ...]
    logrank: LogRankTest | None
    """None without groups, or with a single group."""


def analyse_survival(
    time: Sequence[float] | FloatArray,
    event: Sequence[int] | npt.ArrayLike,
    group: Sequence[str] | None = None,
    *,
    order: Sequence[str] | None = None,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    overall_name: str = "all",
) -> SurvivalAnalysis:
    """KM curves (one per group, or one overall curve) and the log-rank test across groups."""
    data = survival_data(time, event)
    ct = check_conf_type(conf_type)
    z = z_value(conf_level)
    if group is None:
        levels, codes = [overall_name], np.zeros(len(data), dtype=np.int64)
    else:
        levels, codes = group_codes(group, len(data), order)
    curves = tuple(fit_by_codes(data, levels, codes, ct, conf_level, z))
    test = logrank_by_codes(data, levels, codes) if len(levels) >= 2 else None
    return SurvivalAnalysis(groups=curves, logrank=test)
