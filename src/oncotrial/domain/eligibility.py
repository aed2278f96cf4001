"""Evaluate a protocol's eligibility criteria against a candidate's screening values.

Each rule condition is true, false or *unknown* (the value is missing or unusable);
``all`` / ``any`` / ``not`` combine them with Kleene's three-valued logic, so a missing
value only leaves a criterion open when the other values cannot decide it.

Values carry their unit (:class:`Measurement`). A value is converted to the unit the rule
is written in (ANC entered as 1500 /mm3 meets ``anc >= 1.5 10^9/L``); a value without a
unit is taken to be in the variable's recording unit (see
:mod:`oncotrial.domain.protocol.variables`). A value that cannot be used (a unit of the
wrong dimension, a text where a number is expected) makes its condition unknown and is
reported as an error naming the variable; it never raises.

Criteria without a rule are checklist items: they wait for the investigator's
attestation, passed in as ``attestations[criterion_id]``: ``True`` when the criterion's
text holds for the candidate (an inclusion criterion is satisfied, an exclusion criterion
applies), ``False`` when it does not.

The protocol's demographic limits become synthetic inclusion items with the ids
:data:`AGE_CRITERION_ID` and :data:`SEX_CRITERION_ID`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeGuard

from oncotrial.domain.protocol.eligibility import Criterion
from oncotrial.domain.protocol.model import Protocol
from oncotrial.domain.protocol.rules import AllOf, AnyOf, Condition, Rule, Scalar, conditions
from oncotrial.domain.protocol.variables import BUILTIN_BY_ID, ScreeningVariable
from oncotrial.domain.units import UnknownUnitError, convert, parse_unit

__all__ = [
    "AGE_CRITERION_ID",
    "SEX_CRITERION_ID",
    "CriterionResult",
    "CriterionStatus",
    "EligibilityResult",
    "Measurement",
    "Outcome",
    "RuleOutcome",
    "ScreeningField",
    "ScreeningValue",
    "Section",
    "assign_by_rule",
    "evaluate_eligibility",
    "evaluate_rule",
    "protocol_variables",
    "screening_fields",
]

AGE_CRITERION_ID = "age_range"
SEX_CRITERION_ID = "sex"

ScreeningValue = float | int | bool | str | dt.date
Section = Literal["inclusion", "exclusion"]
CriterionStatus = Literal["met", "not_met", "missing_data", "invalid_data", "awaiting_attestation"]
"""``met`` / ``not_met``: the criterion's statement is true / false of the candidate.
``missing_data``: values are missing. ``invalid_data``: a value could not be used (see
``errors``). ``awaiting_attestation``: a checklist item not yet attested."""
Outcome = Literal["eligible", "not_eligible", "incomplete"]


@dataclass(frozen=True)
class Measurement:
    """One screening value as entered, with its unit (``None``: the recording unit)."""

    value: ScreeningValue
    unit: str | None = None

    def __str__(self) -> str:
        text = _show_value(self.value)
        return f"{text} {_show_unit(self.unit)}" if self.unit else text


@dataclass(frozen=True)
class RuleOutcome:
    """The three-valued result of one rule.

    ``value`` is ``True``, ``False`` or ``None`` (unknown). ``facts`` are readable
    statements about the values that decided the result ("ecog 3 > 2"); ``missing`` the
    variables whose absence left it unknown; ``errors`` the values that could not be used.
    """

    value: bool | None
    facts: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    used: tuple[str, ...] = ()
    """Every variable the rule consulted that had a value."""


@dataclass(frozen=True)
class CriterionResult:
    id: str
    section: Section
    text: str
    status: CriterionStatus
    eligible_for_criterion: bool | None
    """True when the candidate passes this criterion (inclusion met, or exclusion not
    met), False when it rules the candidate out, None while undecided."""
    reason: str
    values: Mapping[str, Measurement] = field(default_factory=dict)
    """The values the rule used, as entered (with their units)."""
    missing: tuple[str, ...] = ()
    """Variables whose values are needed to decide the criterion."""
    errors: tuple[str, ...] = ()
    computable: bool = True
    """False for checklist items, decided by the investigator's attestation."""


@dataclass(frozen=True)
class EligibilityResult:
    outcome: Outcome
    criteria: tuple[CriterionResult, ...]
    failures: tuple[str, ...]
    """One line per criterion that rules the candidate out: "I2: ecog 3 > 2"."""
    missing_variables: tuple[str, ...]
    """Screening variables still to be entered, in protocol order."""
    awaiting_attestation: tuple[str, ...]
    """Checklist criterion ids the investigator has not attested yet."""
    errors: tuple[str, ...]
    """Values that could not be used, each naming its variable."""

    @property
    def eligible(self) -> bool:
        return self.outcome == "eligible"

    def criterion(self, criterion_id: str) -> CriterionResult:
        for result in self.criteria:
            if result.id == criterion_id:
                return result
        raise KeyError(criterion_id)

    @property
    def summary(self) -> str:
        """One readable line: the outcome and what it rests on."""
        if self.outcome == "eligible":
            return "eligible: every criterion is satisfied"
        if self.outcome == "not_eligible":
            return "not eligible: " + "; ".join(self.failures)
        parts: list[str] = []
        if self.missing_variables:
            parts.append("missing " + ", ".join(self.missing_variables))
        if self.awaiting_attestation:
            parts.append("awaiting attestation of " + ", ".join(self.awaiting_attestation))
        if self.errors:
            parts.append("invalid: " + "; ".join(self.errors))
        return "incomplete: " + "; ".join(parts)


@dataclass(frozen=True)
class ScreeningField:
    """A screening variable a protocol's rules use, for building a screening form."""

    id: str
    label: str
    type: Literal["number", "integer", "boolean", "choice", "date", "text"]
    unit: str | None
    choices: tuple[str, ...]
    minimum: float | None
    maximum: float | None
    used_by: tuple[str, ...]
    """Criterion ids (including ``age_range`` / ``sex``), ``arm:<id>`` for cohort
    assignment rules and ``stratum:<id>`` for stratification factors."""


# --------------------------------------------------------------------------- variables


def protocol_variables(protocol: Protocol) -> dict[str, ScreeningVariable]:
    """Every screening variable a protocol may name: the built-in catalogue plus its own."""
    return {**BUILTIN_BY_ID, **{v.id: v for v in protocol.eligibility.variables}}


def screening_fields(protocol: Protocol) -> list[ScreeningField]:
    """The screening variables the protocol uses, in the order they first appear.

    Covers the demographic limits (age, sex), every inclusion and exclusion rule, cohort
    assignment rules and stratification factors.
    """
    variables = protocol_variables(protocol)
    uses: dict[str, list[str]] = {}

    def use(variable_id: str, by: str) -> None:
        users = uses.setdefault(variable_id, [])
        if by not in users:
            users.append(by)

    elig = protocol.eligibility
    if elig.min_age_years is not None or elig.max_age_years is not None:
        use("age", AGE_CRITERION_ID)
    if elig.sex != "all":
        use("sex", SEX_CRITERION_ID)
    for criterion in [*elig.inclusion, *elig.exclusion]:
        if criterion.rule is not None:
            for condition in conditions(criterion.rule):
                use(condition.field, criterion.id)
    for arm in protocol.design.arms:
        if arm.assignment_rule is not None:
            for condition in conditions(arm.assignment_rule):
                use(condition.field, f"arm:{arm.id}")
    if protocol.design.randomization is not None:
        for factor in protocol.design.randomization.strata:
            use(factor.variable, f"stratum:{factor.id}")
    fields: list[ScreeningField] = []
    for variable_id, users in uses.items():
        variable = variables.get(variable_id)
        if variable is None:  # the protocol loader reports unknown variables
            continue
        fields.append(
            ScreeningField(
                id=variable.id,
                label=variable.label,
                type=variable.type,
                unit=variable.unit,
                choices=variable.choices,
                minimum=variable.minimum,
                maximum=variable.maximum,
                used_by=tuple(users),
            )
        )
    return fields


# --------------------------------------------------------------------------- rules


def evaluate_rule(
    rule: Rule,
    values: Mapping[str, Measurement],
    variables: Mapping[str, ScreeningVariable],
) -> RuleOutcome:
    """Evaluate `rule` with Kleene logic (see the module docstring)."""
    if isinstance(rule, Condition):
        return _condition(rule, values, variables)
    if isinstance(rule, AllOf):
        return _combine([evaluate_rule(r, values, variables) for r in rule.all], decisive=False)
    if isinstance(rule, AnyOf):
        return _combine([evaluate_rule(r, values, variables) for r in rule.any], decisive=True)
    inner = evaluate_rule(rule.not_, values, variables)
    return RuleOutcome(
        value=None if inner.value is None else not inner.value,
        facts=tuple(f"not ({fact})" for fact in inner.facts),
        missing=inner.missing,
        errors=inner.errors,
        used=inner.used,
    )


def _combine(parts: Sequence[RuleOutcome], *, decisive: bool) -> RuleOutcome:
    """``all`` (decisive=False: any False decides) or ``any`` (decisive=True decides)."""
    errors = _unique(e for p in parts for e in p.errors)
    used = _unique(u for p in parts for u in p.used)
    deciding = [p for p in parts if p.value is decisive]
    if deciding:
        facts = _unique(f for p in deciding for f in p.facts)
        return RuleOutcome(decisive, facts, (), errors, used)
    unknown = [p for p in parts if p.value is None]
    if unknown:
        missing = _unique(m for p in unknown for m in p.missing)
        facts = _unique(f for p in parts if p.value is not None for f in p.facts)
        return RuleOutcome(None, facts, missing, errors, used)
    facts = _unique(f for p in parts for f in p.facts)
    return RuleOutcome(not decisive, facts, (), errors, used)


def _condition(
    condition: Condition,
    values: Mapping[str, Measurement],
    variables: Mapping[str, ScreeningVariable],
) -> RuleOutcome:
    name = condition.field
    variable = variables.get(name)
    if variable is None:
        return RuleOutcome(None, errors=(f"{name}: not a screening variable of this protocol",))
    measurement = values.get(name)
    if measurement is None:
        return RuleOutcome(None, missing=(name,))
    used = (name,)
    try:
        value, shown = _prepared(measurement, condition, variable)
    except ValueError as exc:
        return RuleOutcome(None, errors=(f"{name}: {exc}",), used=used)
    target_unit = condition.unit or variable.unit
    try:
        truth, relation = _compare(value, condition, target_unit)
    except ValueError as exc:
        return RuleOutcome(None, errors=(f"{name}: {exc}",), used=used)
    return RuleOutcome(truth, facts=(f"{name} {shown} {relation}",), used=used)


def _prepared(
    measurement: Measurement, condition: Condition, variable: ScreeningVariable
) -> tuple[ScreeningValue, str]:
    """The value in the rule's unit, and how to show it."""
    raw = measurement.value
    kind = variable.type
    if kind in ("number", "integer"):
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ValueError(f"expected a number, got {raw!r}")
        if isinstance(raw, float) and not math.isfinite(raw):
            raise ValueError(f"expected a finite number, got {raw!r}")
        target = condition.unit or variable.unit
        source = measurement.unit or variable.unit
        if measurement.unit is not None and variable.unit is None:
            raise ValueError(f"has no unit, got a value in {measurement.unit!r}")
        if source is None or target is None:
            return raw, _show_value(raw)
        try:
            converted = convert(float(raw), source, target)
        except UnknownUnitError as exc:
            raise ValueError(str(exc)) from None
        except ValueError:
            src = parse_unit(source)
            raise ValueError(
                f"{_show_value(raw)} {_show_unit(source)} is a {src.dimension.replace('_', ' ')}"
                f" value; expected a value convertible to {_show_unit(target)}"
            ) from None
        shown = f"{_show_value(converted)} {_show_unit(target)}"
        if parse_unit(source).symbol != parse_unit(target).symbol:
            shown += f" ({_show_value(raw)} {_show_unit(source)})"
        return converted, shown
    if measurement.unit is not None:
        raise ValueError(f"has no unit, got a value in {measurement.unit!r}")
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise ValueError(f"expected yes or no, got {raw!r}")
        return raw, _show_value(raw)
    if kind == "choice":
        if not isinstance(raw, str) or raw not in variable.choices:
            raise ValueError(f"{raw!r} is not one of {', '.join(variable.choices)}")
        return raw, raw
    if kind == "date":
        if not isinstance(raw, dt.date):
            raise ValueError(f"expected a date, got {raw!r}")
        return raw, raw.isoformat()
    if not isinstance(raw, str):
        raise ValueError(f"expected text, got {raw!r}")
    return raw, repr(raw)


_NEGATED = {"<": "≥", "<=": ">", ">": "≤", ">=": "<", "==": "≠", "!=": "="}
_SHOWN = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


def _compare(value: ScreeningValue, condition: Condition, unit: str | None) -> tuple[bool, str]:
    """Whether the condition holds, and the relation as read ("> 2 ×10^9/L")."""
    op = condition.op
    target = condition.value
    suffix = f" {_show_unit(unit)}" if unit else ""
    if op in ("in", "not_in"):
        options = target if isinstance(target, list) else [target]
        inside = any(_equal(value, _coerce(value, o)) for o in options)
        listed = ", ".join(_show_value(o) for o in options)
        truth = inside if op == "in" else not inside
        return truth, ("is one of " if inside else "is not one of ") + listed
    if op == "between":
        if not (isinstance(target, list) and len(target) == 2):
            raise ValueError("'between' needs [low, high]")
        low, high = _coerce(value, target[0]), _coerce(value, target[1])
        if _order(value, low) < 0:
            return False, f"< {_show_value(target[0])}{suffix} (range {_range(target, suffix)})"
        if _order(value, high) > 0:
            return False, f"> {_show_value(target[1])}{suffix} (range {_range(target, suffix)})"
        return True, f"is within {_range(target, suffix)}"
    if isinstance(target, list):
        raise ValueError(f"'{op}' needs a single value")
    expected = _coerce(value, target)
    if op in ("==", "!="):
        same = _equal(value, expected)
        truth = same if op == "==" else not same
    else:
        order = _order(value, expected)
        truth = {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[op]
    symbol = _SHOWN[op] if truth else _NEGATED[op]
    return truth, f"{symbol} {_show_value(target)}{suffix}"


def _range(target: list[Scalar], suffix: str) -> str:
    return f"{_show_value(target[0])}–{_show_value(target[1])}{suffix}"


def _coerce(value: ScreeningValue, target: Scalar) -> ScreeningValue:
    """The rule's value in the type of the candidate's value (dates written as text)."""
    if isinstance(value, dt.date) and isinstance(target, str):
        try:
            return dt.date.fromisoformat(target)
        except ValueError:
            raise ValueError(f"cannot compare a date with {target!r}") from None
    return target


def _equal(a: ScreeningValue, b: ScreeningValue) -> bool:
    if _is_number(a) and _is_number(b):
        return _order(a, b) == 0
    return type(a) is type(b) and a == b


def _order(a: ScreeningValue, b: ScreeningValue) -> int:
    if _is_number(a) and _is_number(b):
        x, y = float(a), float(b)
        if math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12):
            return 0
        return -1 if x < y else 1
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return (a > b) - (a < b)
    raise ValueError(f"cannot compare {_show_value(a)} with {_show_value(b)}")


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _show_value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _show_unit(unit: str | None) -> str:
    if unit is None:
        return ""
    symbol = parse_unit(unit).symbol if _known(unit) else unit
    if symbol.startswith("10^"):
        return "×" + symbol
    if symbol in ("xULN", "xLLN"):
        return "×" + symbol[1:]
    return symbol


def _known(unit: str) -> bool:
    try:
        parse_unit(unit)
    except UnknownUnitError:
        return False
    return True


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# --------------------------------------------------------------------------- criteria


def evaluate_eligibility(
    protocol: Protocol,
    values: Mapping[str, Measurement],
    attestations: Mapping[str, bool] | None = None,
) -> EligibilityResult:
    """Evaluate every eligibility criterion of `protocol` for one candidate.

    `values` maps screening variable ids to measurements; absent ids are missing.
    `attestations` maps checklist criterion ids to the investigator's answer (True: the
    criterion's text holds for the candidate). Attestations of computable criteria are
    ignored: their rule decides.
    """
    attested = attestations or {}
    variables = protocol_variables(protocol)
    results: list[CriterionResult] = [*_demographics(protocol, values, variables)]
    for section in ("inclusion", "exclusion"):
        criteria: list[Criterion] = getattr(protocol.eligibility, section)
        for criterion in criteria:
            results.append(_criterion(criterion, section, values, variables, attested))
    return _overall(results)


def _criterion(
    criterion: Criterion,
    section: Section,
    values: Mapping[str, Measurement],
    variables: Mapping[str, ScreeningVariable],
    attested: Mapping[str, bool],
) -> CriterionResult:
    if criterion.rule is None:
        answer = attested.get(criterion.id)
        if answer is None:
            return CriterionResult(
                id=criterion.id,
                section=section,
                text=criterion.text,
                status="awaiting_attestation",
                eligible_for_criterion=None,
                reason="awaiting the investigator's attestation",
                computable=False,
            )
        holds = "applies" if section == "exclusion" else "is met"
        fails = "does not apply" if section == "exclusion" else "is not met"
        return CriterionResult(
            id=criterion.id,
            section=section,
            text=criterion.text,
            status="met" if answer else "not_met",
            eligible_for_criterion=_passes(section, answer),
            reason=f"attested by the investigator: {holds if answer else fails}",
            computable=False,
        )
    outcome = evaluate_rule(criterion.rule, values, variables)
    used = {name: values[name] for name in outcome.used}
    return _from_outcome(criterion.id, section, criterion.text, outcome, used)


def _from_outcome(
    criterion_id: str,
    section: Section,
    text: str,
    outcome: RuleOutcome,
    used: Mapping[str, Measurement],
) -> CriterionResult:
    status: CriterionStatus
    if outcome.value is None:
        status = "invalid_data" if outcome.errors and not outcome.missing else "missing_data"
        parts = []
        if outcome.missing:
            parts.append("missing " + ", ".join(outcome.missing))
        if outcome.errors:
            parts.append("invalid " + "; ".join(outcome.errors))
        reason = "; ".join(parts)
    else:
        status = "met" if outcome.value else "not_met"
        reason = "; ".join(outcome.facts)
    return CriterionResult(
        id=criterion_id,
        section=section,
        text=text,
        status=status,
        eligible_for_criterion=None if outcome.value is None else _passes(section, outcome.value),
        reason=reason,
        values=dict(used),
        missing=outcome.missing if outcome.value is None else (),
        errors=outcome.errors,
    )


def _passes(section: Section, met: bool) -> bool:
    return met if section == "inclusion" else not met


def _demographics(
    protocol: Protocol,
    values: Mapping[str, Measurement],
    variables: Mapping[str, ScreeningVariable],
) -> list[CriterionResult]:
    elig = protocol.eligibility
    results: list[CriterionResult] = []
    low, high = elig.min_age_years, elig.max_age_years
    if low is not None or high is not None:
        results.append(_age(low, high, values, variables))
    if elig.sex != "all":
        rule = Condition(field="sex", op="==", value=elig.sex)
        outcome = evaluate_rule(rule, values, variables)
        used = {name: values[name] for name in outcome.used}
        text = f"Sex: {elig.sex} only"
        results.append(_from_outcome(SEX_CRITERION_ID, "inclusion", text, outcome, used))
    return results


def _age(
    low: float | None,
    high: float | None,
    values: Mapping[str, Measurement],
    variables: Mapping[str, ScreeningVariable],
) -> CriterionResult:
    if low is not None and high is not None:
        limits = f"{low:g}–{high:g} years"
    elif low is not None:
        limits = f"{low:g} years or older"
    else:
        limits = f"{high:g} years or younger"
    text = f"Aged {limits}"
    parts: list[Rule] = []
    if low is not None:
        parts.append(Condition(field="age", op=">=", value=low, unit="years"))
    if high is not None:
        parts.append(Condition(field="age", op="<=", value=high, unit="years"))
    outcome = evaluate_rule(AllOf(all=parts), values, variables)
    used = {name: values[name] for name in outcome.used}
    result = _from_outcome(AGE_CRITERION_ID, "inclusion", text, outcome, used)
    if outcome.value is None:
        return result
    age = values["age"]
    years = age.value
    if isinstance(years, (int, float)) and not isinstance(years, bool):
        years = convert(float(years), age.unit or "years", "years")
    shown = f"age {_show_value(years)} years"
    if age.unit is not None and parse_unit(age.unit).symbol != "years":
        shown += f" ({age})"
    if low is not None and _order(years, low) < 0:
        reason = f"{shown} is below the minimum of {low:g}"
    elif high is not None and _order(years, high) > 0:
        reason = f"{shown} is above the maximum of {high:g}"
    else:
        reason = f"{shown} is within the limits ({limits})"
    return replace(result, reason=reason)


def _overall(results: list[CriterionResult]) -> EligibilityResult:
    failures = tuple(f"{r.id}: {r.reason}" for r in results if r.eligible_for_criterion is False)
    missing = _unique(m for r in results if r.eligible_for_criterion is None for m in r.missing)
    awaiting = tuple(r.id for r in results if r.status == "awaiting_attestation")
    errors = _unique(e for r in results for e in r.errors)
    outcome: Outcome
    if failures:
        outcome = "not_eligible"
    elif missing or awaiting or errors or any(r.eligible_for_criterion is None for r in results):
        outcome = "incomplete"
    else:
        outcome = "eligible"
    return EligibilityResult(
        outcome=outcome,
        criteria=tuple(results),
        failures=failures,
        missing_variables=missing,
        awaiting_attestation=awaiting,
        errors=errors,
    )


# --------------------------------------------------------------------------- cohorts


def assign_by_rule(protocol: Protocol, values: Mapping[str, Measurement]) -> str | None:
    """The arm whose ``assignment_rule`` the values satisfy, or None while undecided.

    Only arms with an assignment rule take part. Raises ValueError when the values
    satisfy the rules of more than one arm (the protocol's cohorts overlap).
    """
    variables = protocol_variables(protocol)
    matched = [
        arm.id
        for arm in protocol.design.arms
        if arm.assignment_rule is not None
        and evaluate_rule(arm.assignment_rule, values, variables).value is True
    ]
    if len(matched) > 1:
        raise ValueError(
            f"the values satisfy the assignment rules of several arms: {', '.join(matched)}"
        )
    return matched[0] if matched else None
