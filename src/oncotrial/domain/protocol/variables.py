"""Screening variables that eligibility rules may name.

A built-in catalogue covers what oncology protocols usually test; a protocol may declare
more under `eligibility.variables`. Numeric variables carry a dimension so that a rule's
unit can be checked and converted (ANC in /mm3 against a value recorded in 10^9/L).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

VariableType = Literal["number", "integer", "boolean", "choice", "date", "text"]


class ScreeningVariable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    type: VariableType
    unit: str | None = None
    """The unit values are recorded in; rules may use any unit of the same dimension."""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


def _num(
    id_: str, label: str, unit: str | None = None, lo: float | None = None, hi: float | None = None
) -> ScreeningVariable:
    return ScreeningVariable(id=id_, label=label, type="number", unit=unit, minimum=lo, maximum=hi)


def _int(id_: str, label: str, lo: float, hi: float) -> ScreeningVariable:
    return ScreeningVariable(id=id_, label=label, type="integer", minimum=lo, maximum=hi)


def _bool(id_: str, label: str) -> ScreeningVariable:
    return ScreeningVariable(id=id_, label=label, type="boolean")


def _choice(id_: str, label: str, *choices: str) -> ScreeningVariable:
    return ScreeningVariable(id=id_, label=label, type="choice", choices=choices)


BUILTIN_VARIABLES: tuple[ScreeningVariable, ...] = (
    _num("age", "Age at screening", "years", 0, 120),
    _choice("sex", "Sex", "female", "male"),
    _int("ecog", "ECOG performance status", 0, 5),
    _int("karnofsky", "Karnofsky performance status", 0, 100),
    _num("life_expectancy", "Expected survival", "months", 0),
    _bool("measurable_disease", "At least one measurable lesion (RECIST 1.1)"),
    _bool("histological_diagnosis", "Histologically or cytologically confirmed diagnosis"),
    _num("anc", "Absolute neutrophil count", "10^9/L", 0),
    _num("wbc", "White blood cell count", "10^9/L", 0),
    _num("platelets", "Platelet count", "10^9/L", 0),
    _num("hemoglobin", "Haemoglobin", "g/dL", 0),
    _num("bilirubin", "Total bilirubin", "xULN", 0),
    _num("ast", "AST", "xULN", 0),
    _num("alt", "ALT", "xULN", 0),
    _num("alkaline_phosphatase", "Alkaline phosphatase", "xULN", 0),
    _num("albumin", "Albumin", "g/L", 0),
    _num("creatinine", "Serum creatinine", "xULN", 0),
    _num("creatinine_clearance", "Creatinine clearance", "mL/min", 0),
    _num("inr", "INR", None, 0),
    _num("aptt", "APTT", "xULN", 0),
    _num("lvef", "Left ventricular ejection fraction", "%", 0, 100),
    _num("qtc", "QTc interval (ms)", None, 0),
    _num("ca19_9", "CA19-9", "U/mL", 0),
    _bool("liver_metastases", "Liver metastases present"),
    _choice("brain_metastases", "Brain or CNS metastases", "none", "treated_stable", "active"),
    _bool("pregnant", "Pregnant"),
    _bool("breastfeeding", "Breast-feeding"),
    _bool("childbearing_potential", "Of childbearing potential"),
    _bool("pregnancy_test_negative", "Negative pregnancy test within the required window"),
    _bool("contraception_agreed", "Agrees to effective contraception"),
    _bool("informed_consent", "Able and willing to give written informed consent"),
    _num("prior_systemic_lines", "Number of prior systemic therapy lines", None, 0),
    _bool("prior_immunotherapy", "Prior immune checkpoint inhibitor therapy"),
    _bool("progressed_on_immunotherapy", "Disease progression on immunotherapy"),
    _num("days_since_last_anticancer_therapy", "Days since last anticancer therapy", "days", 0),
    _num("days_since_major_surgery", "Days since major surgery", "days", 0),
    _num("days_since_radiotherapy", "Days since last radiotherapy", "days", 0),
    _num("days_since_last_trial_drug", "Days since last investigational drug", "days", 0),
    _bool("active_infection", "Active infection"),
    _bool("other_malignancy_5y", "Other malignancy within 5 years (excluding cured in situ)"),
    _num(
        "worst_unresolved_toxicity_grade",
        "Worst unresolved prior-therapy toxicity (CTCAE)",
        None,
        0,
        5,
    ),
    _bool("suitable_for_surgery", "Assessed as suitable for surgical treatment"),
    _bool("synchronous_liver_metastases", "Synchronous liver metastases"),
)

BUILTIN_BY_ID: dict[str, ScreeningVariable] = {v.id: v for v in BUILTIN_VARIABLES}
