"""Screening values of simulated candidates: values that meet every computable criterion
of a protocol, and changes that make one chosen criterion fail (the screen-failure
reason, drawn from the protocol's own criteria)."""

from __future__ import annotations

import random
from collections.abc import Mapping

from oncotrial.domain.eligibility import (
    AGE_CRITERION_ID,
    Measurement,
    ScreeningField,
    evaluate_eligibility,
    screening_fields,
)
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.rules import AllOf, AnyOf, Condition, Rule
from oncotrial.domain.units import convert

TYPICAL_VALUES: dict[str, object] = {
    "ecog": 1,
    "karnofsky": 80,
    "life_expectancy": 8,
    "measurable_disease": True,
    "histological_diagnosis": True,
    "anc": 2.4,
    "wbc": 5.6,
    "platelets": 190,
    "hemoglobin": 11.8,
    "bilirubin": 0.8,
    "ast": 1.1,
    "alt": 1.0,
    "alkaline_phosphatase": 1.2,
    "albumin": 38,
    "creatinine": 0.9,
    "creatinine_clearance": 82,
    "inr": 1.0,
    "aptt": 1.0,
    "lvef": 60,
    "qtc": 420,
    "ca19_9": 640,
    "brain_metastases": "none",
    "pregnant": False,
    "breastfeeding": False,
    "childbearing_potential": False,
    "pregnancy_test_negative": True,
    "contraception_agreed": True,
    "informed_consent": True,
    "prior_systemic_lines": 1,
    "active_infection": False,
    "other_malignancy_5y": False,
    "worst_unresolved_toxicity_grade": 1,
    "days_since_last_anticancer_therapy": 45,
    "days_since_major_surgery": 90,
    "days_since_radiotherapy": 120,
    "days_since_last_trial_drug": 60,
}
"""Values of an unremarkable candidate; `eligible_values` adjusts them to each protocol."""

_NEGATED = {
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "==": "!=",
    "!=": "==",
    "in": "not_in",
    "not_in": "in",
    "between": "outside",
}


def eligible_values(
    protocol: Protocol, given: Mapping[str, object], index: int
) -> dict[str, object]:
    """Screening values that meet every computable criterion of `protocol` (the
    checklist aside), starting from typical values and setting, for each criterion that
    fails, every condition of its rule the way that makes the criterion pass. `index`
    alternates the values that assign observational cohorts, so every cohort gets some."""
    fields = {f.id: f for f in screening_fields(protocol)}
    values: dict[str, object] = {**given}
    for field in fields.values():
        values.setdefault(field.id, TYPICAL_VALUES.get(field.id, _neutral(field)))
        if field.type == "boolean" and any(u.startswith("arm:") for u in field.used_by):
            values[field.id] = index % 2 == 0
    criteria = {c.id: c for c in [*protocol.eligibility.inclusion, *protocol.eligibility.exclusion]}
    inclusion = {c.id for c in protocol.eligibility.inclusion}
    for criterion_id in failing_criteria(protocol, values):
        rule = criteria[criterion_id].rule if criterion_id in criteria else None
        if rule is None:
            continue
        for condition, wanted in _wanted_truths(rule, criterion_id in inclusion):
            wanted_field = fields.get(condition.field)
            if wanted_field is None or wanted_field.id in given:
                continue
            value = _value_making(condition, wanted, wanted_field)
            if value is not None:
                values[wanted_field.id] = value
    return values


def failure_options(
    protocol: Protocol, values: Mapping[str, object]
) -> list[tuple[str, dict[str, object]]]:
    """Every way found to make exactly one computable criterion of `protocol` fail from
    `values`: (criterion id, change of values). An inclusion criterion fails when its
    rule is false, an exclusion criterion when its rule is true; an age limit fails with
    an age outside it (the change then names `age`)."""
    fields = {f.id: f for f in screening_fields(protocol)}
    options: list[tuple[str, dict[str, object]]] = []
    sections = [(c, False) for c in protocol.eligibility.inclusion] + [
        (c, True) for c in protocol.eligibility.exclusion
    ]
    for criterion, wanted in sections:
        if criterion.rule is None:
            continue
        for condition, truth in _wanted_truths(criterion.rule, wanted):
            field = fields.get(condition.field)
            if field is None or field.id in ("age", "sex"):
                continue
            value = _value_making(condition, truth, field)
            if value is None:
                continue
            change = {condition.field: value}
            if criterion.id in failing_criteria(protocol, {**values, **change}):
                options.append((criterion.id, change))
                break
    limits = protocol.eligibility
    if limits.max_age_years is not None:
        options.append((AGE_CRITERION_ID, {"age": int(limits.max_age_years) + 3}))
    elif limits.min_age_years is not None:
        options.append((AGE_CRITERION_ID, {"age": max(int(limits.min_age_years) - 1, 0)}))
    return options


def pick_failure(
    protocol: Protocol, values: Mapping[str, object], rng: random.Random
) -> tuple[str, dict[str, object]] | None:
    """One screen-failure reason, drawn among `failure_options` (None when the protocol
    has no criterion a value can fail)."""
    options = failure_options(protocol, values)
    return rng.choice(options) if options else None


def failing_criteria(protocol: Protocol, values: Mapping[str, object]) -> list[str]:
    """Ids of the computable criteria `values` do not meet."""
    units = {f.id: f.unit for f in screening_fields(protocol)}
    measured = {k: Measurement(v, units.get(k)) for k, v in values.items()}  # type: ignore[arg-type]
    result = evaluate_eligibility(protocol, measured)
    return [c.id for c in result.criteria if c.computable and c.eligible_for_criterion is not True]


def _wanted_truths(rule: Rule, wanted: bool) -> list[tuple[Condition, bool]]:
    """Each condition with the truth value that makes `rule` come out as `wanted`
    (setting every condition so is enough, since all/any are monotone)."""
    if isinstance(rule, Condition):
        return [(rule, wanted)]
    if isinstance(rule, AllOf):
        return [p for r in rule.all for p in _wanted_truths(r, wanted)]
    if isinstance(rule, AnyOf):
        return [p for r in rule.any for p in _wanted_truths(r, wanted)]
    return _wanted_truths(rule.not_, not wanted)


def _value_making(condition: Condition, wanted: bool, field: ScreeningField) -> object | None:
    op = condition.op if wanted else _NEGATED[condition.op]
    raw = condition.value
    if field.type == "boolean":
        target = raw[0] if isinstance(raw, list) else raw
        return bool(target) if op in ("==", "in") else not bool(target)
    if field.type == "choice":
        listed = [str(v) for v in (raw if isinstance(raw, list) else [raw])]
        if op in ("==", "in"):
            return listed[0]
        return next((c for c in field.choices if c not in listed), None)
    if field.type not in ("number", "integer"):
        return None
    numbers = [
        float(v)
        for v in (raw if isinstance(raw, list) else [raw])
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    if not numbers:
        return None
    if condition.unit and field.unit:
        try:
            numbers = [convert(n, condition.unit, field.unit) for n in numbers]
        except ValueError:
            return None
    step = 1.0 if field.type == "integer" else max(abs(numbers[0]) * 0.1, 0.1)
    chosen = {
        ">=": numbers[0] + step,
        ">": numbers[0] + step,
        "<=": numbers[0] - step if numbers[0] - step >= 0 else numbers[0],
        "<": numbers[0] - step,
        "==": numbers[0],
        "!=": numbers[0] + step,
        "in": numbers[0],
        "not_in": max(numbers) + step,
        "between": sum(numbers[:2]) / 2,
        "outside": max(numbers) + step,
    }[op]
    if field.minimum is not None:
        chosen = max(chosen, field.minimum)
    if field.maximum is not None:
        chosen = min(chosen, field.maximum)
    return round(chosen) if field.type == "integer" else round(chosen, 2)


def _neutral(field: ScreeningField) -> object:
    if field.type == "boolean":
        return False
    if field.type == "choice":
        return field.choices[0] if field.choices else ""
    if field.type in ("number", "integer"):
        return field.minimum if field.minimum is not None else 0
    return ""
