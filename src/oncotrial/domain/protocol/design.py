"""Study design: allocation, arms or cohorts, and the interventions they receive."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from oncotrial.domain.protocol.base import Identifier, Quantity, Strict
from oncotrial.domain.protocol.rules import Rule

InterventionType = Literal[
    "drug",
    "biological",
    "radiation",
    "procedure",
    "device",
    "behavioral",
    "dietary_supplement",
    "diagnostic_test",
    "genetic",
    "combination_product",
    "other",
]
Route = Literal[
    "oral",
    "intravenous",
    "subcutaneous",
    "intramuscular",
    "intratumoral",
    "topical",
    "external_beam",
    "inhaled",
    "intraperitoneal",
    "intrathecal",
    "other",
]
TimeUnit = Literal["days", "weeks", "months"]
StopCondition = Literal[
    "progression",
    "unacceptable_toxicity",
    "death",
    "end_of_study",
    "withdrawal",
    "completion",
    "surgery",
]


class Repetition(Strict):
    """How often an intervention is given: `every 3 weeks until progression`."""

    every: int = Field(ge=1)
    unit: TimeUnit
    until: list[StopCondition] = []
    max_administrations: int | None = Field(default=None, ge=1)


class Fractionation(Strict):
    """Radiotherapy: dose per fraction, fractions per week, and the total dose range."""

    dose_per_fraction: Quantity
    fractions_per_week: float = Field(gt=0)
    total_dose_min: Quantity | None = None
    total_dose_max: Quantity | None = None
    target_volume: str | None = None


class Intervention(Strict):
    id: Identifier
    type: InterventionType
    name: str = Field(min_length=1)
    description: str | None = None
    dose: Quantity | None = None
    dose_text: str | None = None
    """Dose as the protocol words it, when it is not one number (e.g. "per physician")."""
    route: Route | None = None
    frequency: str | None = None
    """Free-text frequency as written ("once daily", "twice daily on days 1-14")."""
    cycle_length_days: int | None = Field(default=None, ge=1)
    repeat: Repetition | None = None
    fractionation: Fractionation | None = None
    other_names: list[str] = []


ArmType = Literal[
    "experimental",
    "active_comparator",
    "placebo_comparator",
    "sham_comparator",
    "no_intervention",
    "other",
    "cohort",
]


class Arm(Strict):
    id: Identifier
    label: str = Field(min_length=1)
    type: ArmType
    description: str | None = None
    interventions: list[Identifier] = []
    target_size: int | None = Field(default=None, ge=1)
    assignment_rule: Rule | None = None
    """For cohorts assigned by rule rather than at random (observational studies)."""
    assignment_text: str | None = None


class StratificationFactor(Strict):
    id: Identifier
    variable: str
    """A screening variable (see eligibility.variables) whose value defines the stratum."""
    levels: list[str] = Field(min_length=2)


class Randomization(Strict):
    ratio: dict[Identifier, int] = Field(min_length=2)
    """Allocation ratio per arm id, e.g. {a: 1, b: 1}."""
    block_sizes: list[int] = Field(min_length=1)
    strata: list[StratificationFactor] = []


class Design(Strict):
    allocation: Literal["randomized", "non_randomized", "na"]
    intervention_model: (
        Literal["single_group", "parallel", "crossover", "factorial", "sequential"] | None
    ) = None
    observational_model: (
        Literal[
            "cohort",
            "case_control",
            "case_only",
            "case_crossover",
            "ecologic_or_community",
            "family_based",
            "other",
        ]
        | None
    ) = None
    time_perspective: Literal["prospective", "retrospective", "cross_sectional", "other"] | None = (
        None
    )
    masking: Literal["none", "single", "double", "triple", "quadruple"] = "none"
    primary_purpose: (
        Literal[
            "treatment",
            "prevention",
            "diagnostic",
            "supportive_care",
            "screening",
            "health_services_research",
            "basic_science",
            "other",
        ]
        | None
    ) = None
    interventions: list[Intervention] = []
    arms: list[Arm] = Field(min_length=1)
    randomization: Randomization | None = None
