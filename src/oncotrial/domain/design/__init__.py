"""Trial design calculators: Simon two-stage, exact single-stage binomial, single-arm survival.

Pure functions over plain numbers; see docs/designs.md for the formulas and conventions.
"""

from oncotrial.domain.design.binomial import (
    ProportionEstimate,
    SingleStageDesign,
    clopper_pearson,
    exact_test_p_value,
    single_stage_design,
)
from oncotrial.domain.design.errors import DesignParameterError, SearchLimitError
from oncotrial.domain.design.interim import InterimDecision, simon_decision
from oncotrial.domain.design.sample_size import (
    SAMPLE_SIZE_METHODS,
    SampleSizeResult,
    compute_sample_size,
)
from oncotrial.domain.design.simon import SimonDesign, SimonResult, simon_designs
from oncotrial.domain.design.survival import (
    METHODS as SURVIVAL_METHODS,
)
from oncotrial.domain.design.survival import (
    SurvivalDesign,
    event_probability,
    exponential_design,
    hazards_from,
    landmark_design,
    one_sample_logrank_design,
    survival_design,
    weibull_rate_from_median,
)

__all__ = [
    "SAMPLE_SIZE_METHODS",
    "SURVIVAL_METHODS",
    "DesignParameterError",
    "InterimDecision",
    "ProportionEstimate",
    "SampleSizeResult",
    "SearchLimitError",
    "SimonDesign",
    "SimonResult",
    "SingleStageDesign",
    "SurvivalDesign",
    "clopper_pearson",
    "compute_sample_size",
    "event_probability",
    "exact_test_p_value",
    "exponential_design",
    "hazards_from",
    "landmark_design",
    "one_sample_logrank_design",
    "simon_decision",
    "simon_designs",
    "single_stage_design",
    "survival_design",
    "weibull_rate_from_median",
]
