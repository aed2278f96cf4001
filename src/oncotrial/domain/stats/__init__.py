"""Endpoint statistics: Kaplan–Meier, log-rank, Cox hazard ratios, response rates.

Pure functions over plain sequences / numpy arrays; see docs/statistics.md for the
methods and the conventions (they follow R's ``survival`` package).
"""

from oncotrial.domain.stats.cox import CoxModel, HazardRatio, cox_hazard_ratios
from oncotrial.domain.stats.data import (
    CONF_TYPES,
    ConfType,
    SurvivalData,
    SurvivalDataError,
    survival_data,
)
from oncotrial.domain.stats.kaplan_meier import (
    KaplanMeier,
    LandmarkSurvival,
    Quantile,
    kaplan_meier,
    kaplan_meier_groups,
)
from oncotrial.domain.stats.logrank import LogRankGroup, LogRankTest, logrank_test
from oncotrial.domain.stats.response import (
    ResponseRate,
    Stage1Decision,
    response_rate,
    response_rates,
    simon_stage1,
)
from oncotrial.domain.stats.survival import SurvivalAnalysis, analyse_survival

__all__ = [
    "CONF_TYPES",
    "ConfType",
    "CoxModel",
    "HazardRatio",
    "KaplanMeier",
    "LandmarkSurvival",
    "LogRankGroup",
    "LogRankTest",
    "Quantile",
    "ResponseRate",
    "Stage1Decision",
    "SurvivalAnalysis",
    "SurvivalData",
    "SurvivalDataError",
    "analyse_survival",
    "cox_hazard_ratios",
    "kaplan_meier",
    "kaplan_meier_groups",
    "logrank_test",
    "response_rate",
    "response_rates",
    "simon_stage1",
    "survival_data",
]
