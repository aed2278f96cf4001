"""Each extraction pattern, and text that must NOT become a rule."""

from __future__ import annotations

from typing import Any

import pytest

from oncotrial.registry.criteria_rules import extract_rule


def rule(text: str, section: str = "inclusion") -> Any:
    return extract_rule(text, section).rule  # type: ignore[arg-type]


def c(field: str, op: str, value: Any, unit: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"field": field, "op": op, "value": value}
    if unit is not None:
        out["unit"] = unit
    return out


@pytest.mark.parametrize(
    ("text", "section", "expected"),
    [
        # age
        ("Age ≥ 18 years", "inclusion", c("age", ">=", 18)),
        ("Aged 18 years or older", "inclusion", c("age", ">=", 18)),
        ("≥ 20 years of age", "inclusion", c("age", ">=", 20)),
        ("Patients between 18 and 75 years old", "inclusion", c("age", "between", [18, 75])),
        ("Age 18-70 years", "inclusion", c("age", "between", [18, 70])),
        ("Age < 18 years", "exclusion", c("age", "<", 18)),
        # performance status
        ("ECOG performance status 0-1", "inclusion", c("ecog", "<=", 1)),
        (
            "Eastern Cooperative Oncology Group (ECOG) performance status ≤ 2",
            "inclusion",
            c("ecog", "<=", 2),
        ),
        ("ECOG PS of 0 or 1", "inclusion", c("ecog", "<=", 1)),
        ("ECOG 1-2", "inclusion", c("ecog", "between", [1, 2])),
        ("ECOG performance status ≥ 2", "exclusion", c("ecog", ">=", 2)),
        ("WHO performance status 0-2", "inclusion", c("ecog", "<=", 2)),
        ("Karnofsky performance status ≥ 70%", "inclusion", c("karnofsky", ">=", 70)),
        ("KPS ≥ 60", "inclusion", c("karnofsky", ">=", 60)),
        # life expectancy
        (
            "Life expectancy of at least 12 weeks",
            "inclusion",
            c("life_expectancy", ">=", 12, "weeks"),
        ),
        ("Life expectancy > 3 months", "inclusion", c("life_expectancy", ">", 3, "months")),
        (
            "Expected survival time \u2265 3 months",
            "inclusion",
            c("life_expectancy", ">=", 3, "months"),
        ),
        # measurable disease
        (
            "At least one measurable lesion according to RECIST 1.1",
            "inclusion",
            c("measurable_disease", "==", True),
        ),
        ("Measurable disease per RECIST v1.1", "inclusion", c("measurable_disease", "==", True)),
        # blood counts, with unit normalisation
        ("ANC ≥ 1.5 × 10^9/L", "inclusion", c("anc", ">=", 1.5, "10^9/L")),
        ("Absolute neutrophil count ≥ 1,500/mm³", "inclusion", c("anc", ">=", 1.5, "10^9/L")),
        ("Neutrophils ≥1500/μL", "inclusion", c("anc", ">=", 1.5, "10^9/L")),
        ("Platelets ≥ 100,000/mm3", "inclusion", c("platelets", ">=", 100, "10^9/L")),
        ("Platelet count ≥75x 109/L", "inclusion", c("platelets", ">=", 75, "10^9/L")),
        ("Platelets ≥ 100 x 10^3/uL", "inclusion", c("platelets", ">=", 100, "10^9/L")),
        ("Hemoglobin ≥ 9 g/dL", "inclusion", c("hemoglobin", ">=", 9, "g/dL")),
        ("Haemoglobin ≥ 90 g/L", "inclusion", c("hemoglobin", ">=", 9, "g/dL")),
        # liver and kidney
        ("Total bilirubin ≤ 1.5 × ULN", "inclusion", c("bilirubin", "<=", 1.5, "xULN")),
        (
            "Serum bilirubin less than 1.5 times the upper normal limit",
            "inclusion",
            c("bilirubin", "<", 1.5, "xULN"),
        ),
        ("AST ≤ 2.5 × ULN", "inclusion", c("ast", "<=", 2.5, "xULN")),
        (
            "AST and ALT ≤ 3 x ULN",
            "inclusion",
            {"all": [c("ast", "<=", 3, "xULN"), c("alt", "<=", 3, "xULN")]},
        ),
        (
            "AST or ALT > 2.5 × ULN",
            "exclusion",
            {"any": [c("ast", ">", 2.5, "xULN"), c("alt", ">", 2.5, "xULN")]},
        ),
        ("Serum creatinine ≤ 1.5 × ULN", "inclusion", c("creatinine", "<=", 1.5, "xULN")),
        (
            "Creatinine clearance ≥ 50 mL/min",
            "inclusion",
            c("creatinine_clearance", ">=", 50, "mL/min"),
        ),
        # brain metastases
        ("Known brain metastases", "exclusion", c("brain_metastases", "!=", "none")),
        (
            "Symptomatic or untreated brain metastases",
            "exclusion",
            c("brain_metastases", "==", "active"),
        ),
        ("No brain metastases", "inclusion", c("brain_metastases", "==", "none")),
        ("Active CNS metastases", "exclusion", c("brain_metastases", "==", "active")),
        # pregnancy
        (
            "Pregnant or breast-feeding women",
            "exclusion",
            {"any": [c("pregnant", "==", True), c("breastfeeding", "==", True)]},
        ),
        (
            "Not pregnant or breastfeeding",
            "inclusion",
            {"all": [c("pregnant", "==", False), c("breastfeeding", "==", False)]},
        ),
        ("Lactating women", "exclusion", c("breastfeeding", "==", True)),
        # washout windows
        (
            "Major surgery within 4 weeks before the first dose",
            "exclusion",
            c("days_since_major_surgery", "<=", 28, "days"),
        ),
        (
            "Chemotherapy within 28 days prior to enrollment",
            "exclusion",
            c("days_since_last_anticancer_therapy", "<=", 28, "days"),
        ),
        (
            "Radiotherapy within 14 days prior to the first dose",
            "exclusion",
            c("days_since_radiotherapy", "<=", 14, "days"),
        ),
        (
            "No chemotherapy within 3 weeks before study entry",
            "inclusion",
            c("days_since_last_anticancer_therapy", ">", 21, "days"),
        ),
        # prior treatment with a named drug or class
        ("Prior treatment with EGFR TKIs", "exclusion", c("prior_egfr_tki", "==", True)),
        (
            "Prior therapy with anti-PD-1 or anti-PD-L1 antibodies",
            "exclusion",
            {"any": [c("prior_pd1_inhibitor", "==", True), c("prior_pdl1_inhibitor", "==", True)]},
        ),
        ("Prior anti-PD-1/PD-L1 therapy", "exclusion", c("prior_pd1_pdl1_inhibitor", "==", True)),
        ("Previously treated with docetaxel", "exclusion", c("prior_docetaxel", "==", True)),
        ("No prior osimertinib", "inclusion", c("prior_osimertinib", "==", False)),
        (
            "Prior immune checkpoint inhibitor therapy",
            "exclusion",
            c("prior_immunotherapy", "==", True),
        ),
    ],
)
def test_pattern(text: str, section: str, expected: Any) -> None:
    assert rule(text, section) == expected


def test_liver_metastasis_exception_is_an_any_group() -> None:
    text = "AST and ALT ≤ 2.5 × ULN (≤ 5 × ULN in patients with liver metastases)"
    base = {"all": [c("ast", "<=", 2.5, "xULN"), c("alt", "<=", 2.5, "xULN")]}
    with_mets = {"all": [c("ast", "<=", 5, "xULN"), c("alt", "<=", 5, "xULN")]}
    assert rule(text) == {"any": [base, {"all": [c("liver_metastases", "==", True), with_mets]}]}


def test_liver_exception_in_an_exclusion() -> None:
    text = "ALT > 3 × ULN, or > 5 × ULN for patients with liver metastases"
    assert rule(text, "exclusion") == {
        "any": [
            {"all": [c("liver_metastases", "==", False), c("alt", ">", 3, "xULN")]},
            {"all": [c("liver_metastases", "==", True), c("alt", ">", 5, "xULN")]},
        ]
    }


def test_several_requirements_joined_by_and() -> None:
    text = (
        "Serum creatinine less than 1.5 times the upper normal limit and "
        "Creatinine Clearance >60 ml/min"
    )
    assert rule(text) == {
        "all": [c("creatinine", "<", 1.5, "xULN"), c("creatinine_clearance", ">", 60, "mL/min")]
    }


def test_prior_treatment_declares_protocol_variables() -> None:
    extraction = extract_rule("Prior treatment with EGFR TKIs", "exclusion")
    (variable,) = extraction.variables
    assert (variable.id, variable.type) == ("prior_egfr_tki", "boolean")
    assert extract_rule("Prior immune checkpoint inhibitor therapy", "exclusion").variables == ()


def test_unit_conversion_is_noted() -> None:
    assert "converted" in (extract_rule("ANC ≥ 1500/mm3", "inclusion").note or "")
    assert "21 days" in (extract_rule("Radiotherapy within 3 weeks", "exclusion").note or "")


@pytest.mark.parametrize(
    ("text", "section"),
    [
        # the item says more than the rule would
        ("Age < 18 years, incapacitated subjects", "exclusion"),
        ("Total bilirubin ≤1.5x ULN (< 3x the ULN if Gilbert's disease is present)", "inclusion"),
        ("Hemoglobin ≥ 9 g/dL without transfusion in the previous 2 weeks", "inclusion"),
        ("Major surgery within 4 weeks, or incomplete healed surgical incision", "exclusion"),
        ("Measurable or evaluable disease according to RECIST 1.1", "inclusion"),
        ("Non-measurable disease only", "inclusion"),
        ("Measurable disease per RANO criteria", "inclusion"),
        ("Measurable disease according to RECIST 1.0", "inclusion"),
        # units that do not fit the variable
        ("Total bilirubin < 1.5 mg/dL", "inclusion"),
        ("Serum creatinine ≤ 1.5 mg/dL", "inclusion"),
        ("Estimated creatinine clearance ≥ 30 mL/min/1.73 m2", "inclusion"),
        ("Hemoglobin ≥ 5.6 mmol/L", "inclusion"),
        ("Platelets ≥ 100", "inclusion"),
        # not what the pattern reads
        ("Performance status 0-1", "inclusion"),
        ("Women of childbearing potential must have a negative pregnancy test", "inclusion"),
        ("Women who plan to become pregnant", "exclusion"),
        ("Brain metastases are allowed if treated", "inclusion"),
        ("Patients to be treated with PD-1 / PD-L1 inhibitors", "inclusion"),
        ("Prior treatment with an unnamed agent", "exclusion"),
        ("Radiotherapy within 3 months", "exclusion"),
        ("Tumour size at least 3 cm", "inclusion"),
        ("Signed informed consent", "inclusion"),
        ("History of interstitial lung disease", "exclusion"),
        ("Leukocytes ≥ 3,000/mm3", "inclusion"),
        ("Brain metastases must have been treated with stereotactic radiosurgery", "exclusion"),
    ],
)
def test_not_a_rule(text: str, section: str) -> None:
    assert rule(text, section) is None
