"""Eligibility evaluation against the seed protocols in `studies/`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from oncotrial.domain.eligibility import (
    AGE_CRITERION_ID,
    SEX_CRITERION_ID,
    Measurement,
    assign_by_rule,
    evaluate_eligibility,
    evaluate_rule,
    protocol_variables,
    screening_fields,
)
from oncotrial.domain.protocol import Protocol, load_protocol
from oncotrial.domain.protocol.rules import AllOf, AnyOf, Condition, Not, Rule

STUDIES = Path(__file__).resolve().parents[2] / "studies"
M = Measurement


@pytest.fixture(scope="module")
def sarcoma() -> Protocol:
    return load_protocol(STUDIES / "anlotinib-toripalimab-sarcoma.yaml")


@pytest.fixture(scope="module")
def surgery() -> Protocol:
    return load_protocol(STUDIES / "surgery-liver-metastatic-pancreatic-cancer.yaml")


@pytest.fixture(scope="module")
def sirolimus() -> Protocol:
    return load_protocol(STUDIES / "sirolimus-pancreatic-cancer.yaml")


def eligible_sarcoma_values() -> dict[str, Measurement]:
    """A 55-year-old man who meets every computable sarcoma criterion."""
    return {
        "age": M(55),
        "sex": M("male"),
        "ecog": M(1),
        "life_expectancy": M(6, "months"),
        "measurable_disease": M(True),
        "anc": M(2.1, "10^9/L"),
        "platelets": M(150),
        "hemoglobin": M(12.5, "g/dL"),
        "bilirubin": M(0.8),
        "alt": M(1.0),
        "ast": M(1.1),
        "creatinine": M(0.9),
        "contraception_agreed": M(True),
        "prior_anlotinib": M(False),
        "prior_anti_pd1_pdl1": M(False),
        "other_malignancy_5y": M(False),
        "worst_unresolved_toxicity_grade": M(1),
        "brain_metastases": M("none"),
        "days_since_major_surgery": M(60),
        "days_since_incisional_biopsy": M(40),
        "days_since_significant_trauma": M(365),
        "active_infection": M(False),
        "unexplained_fever": M(False),
        "days_since_last_trial_drug": M(90),
    }


def sarcoma_attestations(protocol: Protocol) -> dict[str, bool]:
    """Every checklist item attested in the candidate's favour."""
    answers = {c.id: True for c in protocol.eligibility.inclusion if c.rule is None}
    answers |= {c.id: False for c in protocol.eligibility.exclusion if c.rule is None}
    return answers


# ----------------------------------------------------------------- seed protocol cases


def test_72_year_old_fails_the_sarcoma_age_criterion(sarcoma: Protocol) -> None:
    values = eligible_sarcoma_values() | {"age": M(72, "years")}
    result = evaluate_eligibility(sarcoma, values, sarcoma_attestations(sarcoma))
    age = result.criterion(AGE_CRITERION_ID)
    assert age.section == "inclusion"
    assert age.status == "not_met"
    assert age.eligible_for_criterion is False
    assert age.reason == "age 72 years is above the maximum of 70"
    assert age.values == {"age": M(72, "years")}
    # I2 repeats the age range in its rule
    assert result.criterion("I2").status == "not_met"
    assert "age 72 years > 70 years" in result.criterion("I2").reason
    assert result.outcome == "not_eligible"
    assert "age_range: age 72 years is above the maximum of 70" in result.failures


def test_age_at_the_limits_passes(sarcoma: Protocol) -> None:
    for age in (18, 70):
        values = eligible_sarcoma_values() | {"age": M(age)}
        result = evaluate_eligibility(sarcoma, values, sarcoma_attestations(sarcoma))
        assert result.outcome == "eligible", (age, result.summary)
    young = evaluate_eligibility(sarcoma, eligible_sarcoma_values() | {"age": M(17)})
    assert young.criterion(AGE_CRITERION_ID).reason == "age 17 years is below the minimum of 18"


def test_ecog_3_fails(sarcoma: Protocol) -> None:
    values = eligible_sarcoma_values() | {"ecog": M(3)}
    result = evaluate_eligibility(sarcoma, values, sarcoma_attestations(sarcoma))
    i2 = result.criterion("I2")
    assert i2.status == "not_met"
    assert i2.reason == "ecog 3 > 2"
    assert i2.values["ecog"] == M(3)
    assert result.outcome == "not_eligible"
    assert result.failures == ("I2: ecog 3 > 2",)


def test_fully_eligible_sarcoma_candidate(sarcoma: Protocol) -> None:
    result = evaluate_eligibility(sarcoma, eligible_sarcoma_values(), sarcoma_attestations(sarcoma))
    assert result.outcome == "eligible", result.summary
    assert result.eligible
    assert result.failures == ()
    assert result.missing_variables == ()
    assert result.awaiting_attestation == ()
    assert all(c.eligible_for_criterion for c in result.criteria)
    # inclusion met, exclusion not met
    assert {c.status for c in result.criteria if c.section == "inclusion"} == {"met"}
    assert {c.status for c in result.criteria if c.section == "exclusion"} == {"not_met"}
    assert result.criteria[0].id == AGE_CRITERION_ID


def test_checklist_items_wait_for_attestation(sarcoma: Protocol) -> None:
    result = evaluate_eligibility(sarcoma, eligible_sarcoma_values())
    assert result.outcome == "incomplete"
    checklist = [
        c.id
        for c in [*sarcoma.eligibility.inclusion, *sarcoma.eligibility.exclusion]
        if c.rule is None
    ]
    assert result.awaiting_attestation == tuple(checklist)
    assert "I1" in checklist
    assert "E17" in checklist
    i1 = result.criterion("I1")
    assert i1.status == "awaiting_attestation"
    assert i1.eligible_for_criterion is None
    assert not i1.computable


def test_attested_exclusion_rules_out(sarcoma: Protocol) -> None:
    answers = sarcoma_attestations(sarcoma) | {"E5": True}
    result = evaluate_eligibility(sarcoma, eligible_sarcoma_values(), answers)
    e5 = result.criterion("E5")
    assert e5.status == "met"
    assert e5.eligible_for_criterion is False
    assert result.outcome == "not_eligible"
    assert result.failures == ("E5: attested by the investigator: applies",)


def test_missing_values_give_incomplete_listing_them(sarcoma: Protocol) -> None:
    values = eligible_sarcoma_values()
    del values["ecog"]
    del values["anc"]
    del values["prior_anlotinib"]
    result = evaluate_eligibility(sarcoma, values, sarcoma_attestations(sarcoma))
    assert result.outcome == "incomplete"
    assert result.missing_variables == ("ecog", "anc", "prior_anlotinib")
    assert result.criterion("I2").status == "missing_data"
    assert result.criterion("I2").missing == ("ecog",)
    assert result.criterion("I5").missing == ("anc",)
    # E1 is `any` of two answers; the other is no, so the missing one leaves it open
    assert result.criterion("E1").status == "missing_data"
    assert "missing ecog, anc, prior_anlotinib" in result.summary


def test_missing_value_does_not_hide_a_failure(sarcoma: Protocol) -> None:
    values = eligible_sarcoma_values() | {"ecog": M(4)}
    del values["anc"]
    result = evaluate_eligibility(sarcoma, values, sarcoma_attestations(sarcoma))
    assert result.outcome == "not_eligible"
    assert result.failures == ("I2: ecog 4 > 2",)


def test_nothing_entered(sarcoma: Protocol) -> None:
    result = evaluate_eligibility(sarcoma, {})
    assert result.outcome == "incomplete"
    assert result.criterion(AGE_CRITERION_ID).status == "missing_data"
    assert result.missing_variables[0] == "age"
    used = {f.id for f in screening_fields(sarcoma)}
    assert set(result.missing_variables) <= used


# ----------------------------------------------------------------- units at thresholds


@pytest.mark.parametrize(
    ("anc", "met"),
    [
        (M(1500, "/mm3"), True),
        (M(1499, "/mm3"), False),
        (M(1.5, "10^9/L"), True),
        (M(1.5), True),  # no unit: the recording unit, 10^9/L
        (M(1.49), False),
        (M(1500, "/uL"), True),
        (M(1.5, "10^3/uL"), True),
    ],
)
def test_anc_units_at_the_threshold(sarcoma: Protocol, anc: Measurement, met: bool) -> None:
    values = eligible_sarcoma_values() | {"anc": anc}
    result = evaluate_eligibility(sarcoma, values, sarcoma_attestations(sarcoma))
    assert (result.criterion("I5").status == "met") is met


def test_anc_reason_shows_both_units(sarcoma: Protocol) -> None:
    values = eligible_sarcoma_values() | {"anc": M(1200, "/mm3")}
    i5 = evaluate_eligibility(sarcoma, values).criterion("I5")
    assert i5.reason == "anc 1.2 ×10^9/L (1200 /mm3) < 1.5 ×10^9/L"
    assert i5.values["anc"] == M(1200, "/mm3")


@pytest.mark.parametrize(
    ("hb", "met"),
    [
        (M(90, "g/L"), True),
        (M(89.9, "g/L"), False),
        (M(9, "g/dL"), True),  # 9 g/dL = 90 g/L
        (M(8.9, "g/dL"), False),
        (M(9.0), True),  # no unit: the recording unit of haemoglobin, g/dL
        (M(9000, "mg/dL"), True),
    ],
)
def test_haemoglobin_units_at_the_threshold(sarcoma: Protocol, hb: Measurement, met: bool) -> None:
    values = eligible_sarcoma_values() | {"hemoglobin": hb}
    result = evaluate_eligibility(sarcoma, values, sarcoma_attestations(sarcoma))
    assert (result.criterion("I5").status == "met") is met
    if not met:
        assert "hemoglobin" in result.criterion("I5").reason


def test_wrong_dimension_is_an_error_naming_the_variable(sarcoma: Protocol) -> None:
    values = eligible_sarcoma_values() | {"anc": M(1.5, "g/L")}
    result = evaluate_eligibility(sarcoma, values, sarcoma_attestations(sarcoma))
    i5 = result.criterion("I5")
    assert i5.status == "invalid_data"
    assert i5.eligible_for_criterion is None
    assert len(i5.errors) == 1
    assert i5.errors[0].startswith("anc: ")
    assert "10^9/L" in i5.errors[0]
    assert result.outcome == "incomplete"
    assert result.errors == i5.errors


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("anc", M(1.5, "furlongs")),
        ("ecog", M("two")),
        ("ecog", M(1, "mg")),
        ("brain_metastases", M("maybe")),
        ("prior_anlotinib", M("no")),
        ("age", M(True)),
    ],
)
def test_unusable_values_are_errors_not_crashes(
    sarcoma: Protocol, name: str, value: Measurement
) -> None:
    values = eligible_sarcoma_values() | {name: value}
    result = evaluate_eligibility(sarcoma, values, sarcoma_attestations(sarcoma))
    assert result.outcome == "incomplete"
    assert result.errors
    assert all(e.startswith(f"{name}: ") for e in result.errors)


def test_age_in_months_converts(sarcoma: Protocol) -> None:
    values = eligible_sarcoma_values() | {"age": M(864, "months")}  # 72 years
    age = evaluate_eligibility(sarcoma, values).criterion(AGE_CRITERION_ID)
    assert age.status == "not_met"
    assert age.reason == "age 72 years (864 months) is above the maximum of 70"


def test_weeks_against_a_rule_in_weeks(sarcoma: Protocol) -> None:
    # E16: last trial drug < 4 weeks ago; the variable is recorded in days
    near = eligible_sarcoma_values() | {"days_since_last_trial_drug": M(27)}
    edge = eligible_sarcoma_values() | {"days_since_last_trial_drug": M(28)}
    assert evaluate_eligibility(sarcoma, near).criterion("E16").status == "met"
    assert evaluate_eligibility(sarcoma, edge).criterion("E16").status == "not_met"


# ----------------------------------------------------------------- Kleene logic


def cond(name: str) -> Condition:
    return Condition(field=name, op="==", value=True)


VARS = protocol_variables(load_protocol(STUDIES / "anlotinib-toripalimab-sarcoma.yaml"))
T, F, U = "active_infection", "pregnant", "breastfeeding"  # true, false, unknown below
KLEENE_VALUES = {T: M(True), F: M(False)}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (cond(T), True),
        (cond(F), False),
        (cond(U), None),
        (AllOf(all=[cond(T), cond(T)]), True),
        (AllOf(all=[cond(T), cond(U)]), None),
        (AllOf(all=[cond(F), cond(U)]), False),
        (AllOf(all=[cond(U), cond(F)]), False),
        (AnyOf(any=[cond(F), cond(F)]), False),
        (AnyOf(any=[cond(F), cond(U)]), None),
        (AnyOf(any=[cond(T), cond(U)]), True),
        (AnyOf(any=[cond(U), cond(T)]), True),
        (Not(**{"not": cond(T)}), False),
        (Not(**{"not": cond(F)}), True),
        (Not(**{"not": cond(U)}), None),
        (Not(**{"not": AnyOf(any=[cond(F), cond(U)])}), None),
        (AllOf(all=[AnyOf(any=[cond(U), cond(T)]), Not(**{"not": cond(F)})]), True),
    ],
)
def test_kleene_logic(rule: Rule, expected: bool | None) -> None:
    outcome = evaluate_rule(rule, KLEENE_VALUES, VARS)
    assert outcome.value is expected
    assert outcome.missing == ((U,) if expected is None else ())


def test_ors_alternative_decides_with_a_missing_value(sarcoma: Protocol) -> None:
    # creatinine <= 1.5 ULN OR clearance >= 60: a good clearance is enough
    values = eligible_sarcoma_values()
    del values["creatinine"]
    values["creatinine_clearance"] = M(60, "mL/min")
    assert evaluate_eligibility(sarcoma, values).criterion("I5").status == "met"
    del values["creatinine_clearance"]
    i5 = evaluate_eligibility(sarcoma, values).criterion("I5")
    assert i5.status == "missing_data"
    assert i5.missing == ("creatinine", "creatinine_clearance")


def test_liver_metastases_branch(sarcoma: Protocol) -> None:
    values = eligible_sarcoma_values() | {"alt": M(4.0), "ast": M(3.0)}
    i5 = evaluate_eligibility(sarcoma, values).criterion("I5")
    assert i5.status == "missing_data"
    assert i5.missing == ("liver_metastases",)
    values["liver_metastases"] = M(True)
    assert evaluate_eligibility(sarcoma, values).criterion("I5").status == "met"
    values["liver_metastases"] = M(False)
    i5 = evaluate_eligibility(sarcoma, values).criterion("I5")
    assert i5.status == "not_met"
    assert i5.reason == ("alt 4 ×ULN > 2.5 ×ULN; ast 3 ×ULN > 2.5 ×ULN; liver_metastases no ≠ yes")


def test_sex_choice_conditions(sarcoma: Protocol) -> None:
    woman = eligible_sarcoma_values() | {"sex": M("female")}
    del woman["contraception_agreed"]
    i6 = evaluate_eligibility(sarcoma, woman).criterion("I6")
    assert i6.status == "missing_data"
    # either female branch could still hold
    assert i6.missing == (
        "childbearing_potential",
        "pregnancy_test_negative",
        "contraception_agreed",
    )
    woman["childbearing_potential"] = M(False)
    assert evaluate_eligibility(sarcoma, woman).criterion("I6").status == "met"


def test_sex_limit_is_a_synthetic_item(sarcoma: Protocol) -> None:
    women_only = sarcoma.model_copy(
        update={"eligibility": sarcoma.eligibility.model_copy(update={"sex": "female"})}
    )
    man = evaluate_eligibility(women_only, eligible_sarcoma_values())
    sex = man.criterion(SEX_CRITERION_ID)
    assert sex.section == "inclusion"
    assert sex.status == "not_met"
    assert sex.reason == "sex male ≠ female"
    assert evaluate_eligibility(sarcoma, {}).criteria[1].id != SEX_CRITERION_ID


def test_date_values_compare_with_iso_text() -> None:
    from oncotrial.domain.protocol.variables import ScreeningVariable

    variables = {"diagnosis": ScreeningVariable(id="diagnosis", label="Diagnosis", type="date")}
    rule = Condition(field="diagnosis", op=">=", value="2024-08-23")
    on = evaluate_rule(rule, {"diagnosis": M(dt.date(2024, 8, 23))}, variables)
    before = evaluate_rule(rule, {"diagnosis": M(dt.date(2024, 8, 22))}, variables)
    assert on.value is True
    assert before.value is False
    assert before.facts == ("diagnosis 2024-08-22 < 2024-08-23",)


# ----------------------------------------------------------------- other seeds


def test_sirolimus_has_only_a_minimum_age(sirolimus: Protocol) -> None:
    age = evaluate_eligibility(sirolimus, {"age": M(90)}).criterion(AGE_CRITERION_ID)
    assert age.status == "met"
    assert age.text == "Aged 18 years or older"
    assert age.reason == "age 90 years is within the limits (18 years or older)"


def test_screening_fields_for_a_form(sarcoma: Protocol, surgery: Protocol) -> None:
    fields = {f.id: f for f in screening_fields(sarcoma)}
    assert list(fields)[:3] == ["age", "ecog", "life_expectancy"]
    assert fields["age"].used_by == (AGE_CRITERION_ID, "I2")
    assert fields["anc"].unit == "10^9/L"
    assert fields["anc"].type == "number"
    assert fields["brain_metastases"].choices == ("none", "treated_stable", "active")
    assert fields["prior_anlotinib"].label == "Previously treated with anlotinib"
    surgery_fields = {f.id: f for f in screening_fields(surgery)}
    assert surgery_fields["treated_before_study_start"].used_by == (
        "I3",
        "arm:retrospective",
        "arm:prospective",
    )


# ----------------------------------------------------------------- cohorts by rule


def test_surgery_cohorts_assigned_by_rule(surgery: Protocol) -> None:
    assert assign_by_rule(surgery, {"treated_before_study_start": M(True)}) == "retrospective"
    assert assign_by_rule(surgery, {"treated_before_study_start": M(False)}) == "prospective"
    assert assign_by_rule(surgery, {}) is None
    assert assign_by_rule(surgery, {"treated_before_study_start": M("yes")}) is None


def test_retrospective_case_needs_no_consent_answer(surgery: Protocol) -> None:
    values = {
        "age": M(64),
        "histological_diagnosis": M(True),
        "synchronous_liver_metastases": M(True),
        "treated_before_study_start": M(True),
    }
    result = evaluate_eligibility(surgery, values)
    assert result.outcome == "eligible", result.summary
    prospective = values | {"treated_before_study_start": M(False)}
    result = evaluate_eligibility(surgery, prospective)
    assert result.outcome == "incomplete"
    assert result.missing_variables == ("informed_consent",)


def test_overlapping_cohort_rules_raise(surgery: Protocol) -> None:
    arms = [
        arm.model_copy(update={"assignment_rule": Condition(field="age", op=">=", value=18)})
        for arm in surgery.design.arms
    ]
    overlapping = surgery.model_copy(
        update={"design": surgery.design.model_copy(update={"arms": arms})}
    )
    with pytest.raises(ValueError, match="retrospective, prospective"):
        assign_by_rule(overlapping, {"age": M(40)})
