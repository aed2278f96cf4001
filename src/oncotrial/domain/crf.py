"""Validate a filled case report form against its protocol definition.

`validate_form` takes the values as entered (text from a web form, JSON from the API,
or Python values) and returns the cleaned, typed values with what is wrong with them:

- **hard errors** block saving: a value of the wrong type, a required item left empty
  while it is shown, a value outside the item's hard limits (``min`` / ``max``), a code
  that is not one of the item's choices, a unit of the wrong dimension, a failed cross-
  check of severity ``hard``;
- **soft findings** are saved with the value and raise a query: a value outside the
  expected range (``expected_min`` / ``expected_max``), a failed soft cross-check;
- **visibility**: an item with a ``show_if`` rule is shown only while the rule holds over
  the form's other values (three-valued: a rule that cannot be decided hides the item). A
  hidden item is never required, and a value entered for it is dropped, with a notice.

A number entered in another unit of the same dimension is converted to the item's unit
(a weight of 70000 g becomes 70 kg). Values are compared, ranges checked and rules
evaluated in the item's unit.

The cleaned values are Python values (int, float, str, bool, `datetime.date`, timezone-
aware `datetime.datetime`, a choice code, a list of codes for multiple choice);
`to_stored` / `from_stored` turn them into JSON and back.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from oncotrial.domain.eligibility import Measurement, RuleOutcome, ScreeningValue, evaluate_rule
from oncotrial.domain.protocol.forms import Form, FormField
from oncotrial.domain.protocol.rules import AllOf, AnyOf, Condition, Rule, conditions
from oncotrial.domain.protocol.variables import ScreeningVariable
from oncotrial.domain.units import UnknownUnitError, convert, parse_unit

__all__ = [
    "CleanValue",
    "FormValidation",
    "SoftFinding",
    "display_value",
    "from_stored",
    "is_empty",
    "to_stored",
    "validate_form",
    "visible_items",
]

CleanValue = int | float | str | bool | dt.date | dt.datetime | list[str]
StoredValue = int | float | str | bool | list[str] | None

EXPECTED_RANGE_CHECK = "expected_range"
HIDDEN_VALUE_CHECK = "hidden_value_dropped"

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class SoftFinding:
    """Something to query about a saved value: outside its expected range, or a soft
    cross-check that fails. `item_id` is the item the query is attached to; `items` every
    item the finding rests on."""

    item_id: str
    check_id: str
    message: str
    items: tuple[str, ...] = ()


@dataclass
class FormValidation:
    values: dict[str, CleanValue | None]
    """Every item of the form: its cleaned value, or None when empty or hidden. Items
    whose value has a hard error are left out."""
    hard_errors: dict[str, list[str]] = field(default_factory=dict)
    soft_findings: list[SoftFinding] = field(default_factory=list)
    visible: set[str] = field(default_factory=set)
    notices: list[SoftFinding] = field(default_factory=list)
    """Informational: values dropped because their item is hidden."""
    missing_required: list[str] = field(default_factory=list)
    """Required items shown but empty (each also a hard error unless `partial`)."""
    converted: dict[str, str] = field(default_factory=dict)
    """Items entered in another unit: "70000 g → 70 kg"."""

    @property
    def ok(self) -> bool:
        return not self.hard_errors


# --------------------------------------------------------------------------- values


def is_empty(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, tuple, set, frozenset)):
        return all(is_empty(item) for item in raw)
    return False


def _number(raw: object) -> float:
    if isinstance(raw, bool):
        raise ValueError("expected a number, got yes/no")
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"enter a number, not {raw.strip()!r}") from None
    else:
        raise ValueError(f"enter a number, not {type(raw).__name__}")
    if not math.isfinite(value):
        raise ValueError("enter a finite number")
    return value


def _integer(raw: object) -> int:
    if isinstance(raw, bool):
        raise ValueError("expected a whole number, got yes/no")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise ValueError(f"enter a whole number, not {raw:g}")
    if isinstance(raw, str):
        text = raw.strip()
        if _INTEGER.match(text):
            return int(text)
        raise ValueError(f"enter a whole number, not {text!r}")
    raise ValueError(f"enter a whole number, not {type(raw).__name__}")


def _date(raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise ValueError("enter a date without a time")
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise ValueError(f"enter a date as YYYY-MM-DD, not {raw.strip()!r}") from None
    raise ValueError(f"enter a date, not {type(raw).__name__}")


def _datetime(raw: object) -> dt.datetime:
    """A timezone-aware datetime in UTC; a time without a zone is taken as UTC."""
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip().replace("Z", "+00:00")
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"enter a date and time as YYYY-MM-DDTHH:MM, not {raw.strip()!r}"
            ) from None
    else:
        raise ValueError(f"enter a date and time, not {type(raw).__name__}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"answer yes or no, not {raw!r}")


def _codes(item: FormField) -> list[str]:
    return [choice.code for choice in item.choices]


def _choice(item: FormField, raw: object) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ValueError(f"choose one of {', '.join(_codes(item))}")
    code = str(raw).strip()
    if code not in _codes(item):
        raise ValueError(f"{code!r} is not one of {', '.join(_codes(item))}")
    return code


def _multichoice(item: FormField, raw: object) -> list[str]:
    if isinstance(raw, str):
        given: Sequence[object] = list(raw.split(","))
    elif isinstance(raw, (list, tuple)):
        given = raw
    else:
        raise ValueError(f"choose any of {', '.join(_codes(item))}")
    codes = _codes(item)
    chosen: set[str] = set()
    unknown: list[str] = []
    for entry in given:
        if is_empty(entry):
            continue
        if isinstance(entry, bool) or not isinstance(entry, (str, int)):
            unknown.append(repr(entry))
            continue
        code = str(entry).strip()
        if code in codes:
            chosen.add(code)
        else:
            unknown.append(repr(code))
    if unknown:
        raise ValueError(f"{', '.join(unknown)} not among {', '.join(codes)}")
    return [code for code in codes if code in chosen]


def _text(raw: object) -> str:
    if isinstance(raw, (bool, list, dict, tuple)):
        raise ValueError("enter text")
    return str(raw).strip()


def _clean(item: FormField, raw: object) -> CleanValue:
    kind = item.type
    if kind == "integer":
        return _integer(raw)
    if kind == "decimal":
        return _number(raw)
    if kind == "date":
        return _date(raw)
    if kind == "datetime":
        return _datetime(raw)
    if kind == "boolean":
        return _boolean(raw)
    if kind == "choice":
        return _choice(item, raw)
    if kind == "multichoice":
        return _multichoice(item, raw)
    return _text(raw)


def _show(value: float) -> str:
    return f"{value:g}"


def _in_unit(item: FormField, value: CleanValue, unit: str | None) -> tuple[CleanValue, str]:
    """`value` expressed in the item's unit, with a note when it was converted."""
    if unit is None or not unit.strip():
        return value, ""
    if item.unit is None:
        raise ValueError(f"takes no unit, got {unit.strip()!r}")
    try:
        given = parse_unit(unit)
    except UnknownUnitError as exc:
        raise ValueError(str(exc)) from None
    target = parse_unit(item.unit)
    if given.dimension != target.dimension:
        raise ValueError(
            f"{given.symbol} is a unit of {given.dimension.replace('_', ' ')}; "
            f"enter {item.label.lower()} in {target.symbol} or a unit convertible to it"
        )
    if given.symbol == target.symbol or isinstance(value, bool):
        return value, ""
    if not isinstance(value, (int, float)):
        return value, ""
    converted = convert(float(value), given.symbol, target.symbol)
    if item.type == "integer":
        if not math.isclose(converted, round(converted), abs_tol=1e-9):
            raise ValueError(
                f"{_show(value)} {given.symbol} is {_show(converted)} {target.symbol}; "
                "enter a whole number"
            )
        converted = float(round(converted))
        result: CleanValue = int(converted)
    else:
        result = converted
    return result, f"{_show(value)} {given.symbol} → {_show(converted)} {target.symbol}"


def _range_errors(item: FormField, value: CleanValue) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return []
    unit = f" {item.unit}" if item.unit else ""
    if item.min is not None and value < item.min:
        return [f"{_show(value)}{unit} is below the minimum of {_show(item.min)}{unit}"]
    if item.max is not None and value > item.max:
        return [f"{_show(value)}{unit} is above the maximum of {_show(item.max)}{unit}"]
    return []


def _expected_finding(item: FormField, value: CleanValue) -> SoftFinding | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    unit = f" {item.unit}" if item.unit else ""
    low, high = item.expected_min, item.expected_max
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    if low is not None and high is not None:
        expected = f"{_show(low)}–{_show(high)}{unit}"
    elif low is not None:
        expected = f"at least {_show(low)}{unit}"
    else:
        assert high is not None
        expected = f"at most {_show(high)}{unit}"
    message = f"{item.label}: {_show(value)}{unit} is outside the expected range ({expected})."
    return SoftFinding(item.id, EXPECTED_RANGE_CHECK, message, (item.id,))


# --------------------------------------------------------------------------- rules


_VARIABLE_TYPES: dict[str, str] = {
    "integer": "integer",
    "decimal": "number",
    "date": "date",
    "boolean": "boolean",
    "choice": "choice",
}


_variables_of: dict[int, tuple[Form, Mapping[str, ScreeningVariable]]] = {}


def _variables(form: Form) -> Mapping[str, ScreeningVariable]:
    """The form's items as rule variables, made once per form (forms are immutable and
    a study's protocol is parsed once)."""
    known = _variables_of.get(id(form))
    if known is not None and known[0] is form:
        return known[1]
    if len(_variables_of) >= 256:
        _variables_of.clear()
    variables = _new_variables(form)
    _variables_of[id(form)] = (form, variables)
    return variables


def _new_variables(form: Form) -> dict[str, ScreeningVariable]:
    return {
        item.id: ScreeningVariable.model_validate(
            {
                "id": item.id,
                "label": item.label,
                "type": _VARIABLE_TYPES.get(item.type, "text"),
                "unit": item.unit,
                "choices": tuple(_codes(item)),
            }
        )
        for item in form.fields
    }


def _rule_value(value: CleanValue) -> ScreeningValue:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ",".join(value)
    return value


def _multichoice_condition(condition: Condition, chosen: list[str]) -> RuleOutcome:
    target = condition.value if isinstance(condition.value, list) else [condition.value]
    wanted = {str(option) for option in target}
    overlap = bool(wanted & set(chosen))
    truth = {
        "==": overlap,
        "in": overlap,
        "!=": not overlap,
        "not_in": not overlap,
    }.get(condition.op)
    if truth is None:
        return RuleOutcome(
            None, errors=(f"{condition.field}: '{condition.op}' does not apply to a list",)
        )
    return RuleOutcome(truth, facts=(f"{condition.field} {chosen}",), used=(condition.field,))


def _measurements(values: Mapping[str, CleanValue]) -> dict[str, Measurement]:
    return {key: Measurement(_rule_value(value)) for key, value in values.items()}


def _evaluate(
    rule: Rule,
    values: Mapping[str, CleanValue],
    measurements: Mapping[str, Measurement],
    variables: Mapping[str, ScreeningVariable],
    multi: set[str],
) -> bool | None:
    """Kleene evaluation; conditions over multiple-choice items test membership.
    `measurements` are `values` as the eligibility rules read them."""
    if not any(c.field in multi for c in conditions(rule)):
        return evaluate_rule(rule, measurements, variables).value
    if isinstance(rule, Condition):
        chosen = values.get(rule.field)
        if not isinstance(chosen, list):
            return None
        return _multichoice_condition(rule, chosen).value
    if isinstance(rule, (AllOf, AnyOf)):
        parts = rule.all if isinstance(rule, AllOf) else rule.any
        decisive = isinstance(rule, AnyOf)
        results = [_evaluate(part, values, measurements, variables, multi) for part in parts]
        if decisive in results:
            return decisive
        if None in results:
            return None
        return not decisive
    inner = _evaluate(rule.not_, values, measurements, variables, multi)
    return None if inner is None else not inner


def visible_items(
    form: Form,
    values: Mapping[str, CleanValue | None],
    variables: Mapping[str, ScreeningVariable] | None = None,
) -> set[str]:
    """The items shown for these (cleaned) values: a ``show_if`` must hold over the
    values of the items that are themselves shown. `variables`: the form's items as
    rule variables, when the caller has them already."""
    variables = _variables(form) if variables is None else variables
    multi = {item.id for item in form.fields if item.type == "multichoice"}
    present = {key: value for key, value in values.items() if value is not None}
    visible = {item.id for item in form.fields}
    for _ in range(len(form.fields) + 1):
        shown = {key: value for key, value in present.items() if key in visible}
        measured = _measurements(shown)
        now = {
            item.id
            for item in form.fields
            if item.show_if is None
            or _evaluate(item.show_if, shown, measured, variables, multi) is True
        }
        if now == visible:
            break
        visible = now
    return visible


def _check_target(rule: Rule, visible: set[str]) -> tuple[str, tuple[str, ...]]:
    fields = tuple(dict.fromkeys(c.field for c in conditions(rule)))
    shown = [name for name in fields if name in visible]
    return (shown[-1] if shown else (fields[-1] if fields else "")), fields


# --------------------------------------------------------------------------- form


def validate_form(
    form: Form,
    raw: Mapping[str, object],
    units: Mapping[str, str] | None = None,
    *,
    partial: bool = False,
) -> FormValidation:
    """Clean and check the values of one filled form (see the module docstring).

    `raw` maps item ids to values as entered (an item not given is empty); `units` maps
    item ids to the unit a number was entered in (default: the item's unit). With
    `partial`, a required item left empty is listed in `missing_required` but is not a
    hard error (a form saved as "in progress").
    """
    units = units or {}
    by_id = {item.id: item for item in form.fields}
    errors: dict[str, list[str]] = {}
    for key in raw:
        if key not in by_id:
            errors.setdefault(key, []).append(f"{key!r} is not an item of form {form.id}")
    for key, unit in units.items():
        if key not in by_id and unit:
            errors.setdefault(key, []).append(f"{key!r} is not an item of form {form.id}")

    cleaned: dict[str, CleanValue] = {}
    converted: dict[str, str] = {}
    for item in form.fields:
        entered = raw.get(item.id)
        if is_empty(entered):
            if units.get(item.id) and item.unit is None:
                errors.setdefault(item.id, []).append(
                    f"takes no unit, got {units[item.id].strip()!r}"
                )
            continue
        try:
            value = _clean(item, entered)
            value, note = _in_unit(item, value, units.get(item.id))
        except ValueError as exc:
            errors.setdefault(item.id, []).append(str(exc))
            continue
        if item.type == "multichoice" and not value:
            continue
        if note:
            converted[item.id] = note
        cleaned[item.id] = value

    variables = _variables(form)
    visible = visible_items(form, cleaned, variables)
    result = FormValidation(values={}, visible=visible, converted=converted)
    for item in form.fields:
        if item.id not in visible:
            errors.pop(item.id, None)
            if item.id in cleaned or not is_empty(raw.get(item.id)):
                result.notices.append(
                    SoftFinding(
                        item.id,
                        HIDDEN_VALUE_CHECK,
                        f"{item.label} is not asked for these answers; "
                        f"the value entered was not kept.",
                        (item.id,),
                    )
                )
            cleaned.pop(item.id, None)
            converted.pop(item.id, None)
            result.values[item.id] = None
            continue
        if item.id in errors:
            continue
        if item.id not in cleaned:
            if item.required:
                result.missing_required.append(item.id)
                if not partial:
                    errors.setdefault(item.id, []).append("This item is required.")
            result.values[item.id] = None
            continue
        value = cleaned[item.id]
        range_errors = _range_errors(item, value)
        if range_errors:
            errors.setdefault(item.id, []).extend(range_errors)
            continue
        finding = _expected_finding(item, value)
        if finding is not None:
            result.soft_findings.append(finding)
        result.values[item.id] = value

    usable = {k: v for k, v in result.values.items() if v is not None and k in visible}
    measured = _measurements(usable)
    multi = {item.id for item in form.fields if item.type == "multichoice"}
    for check in form.checks:
        if _evaluate(check.rule, usable, measured, variables, multi) is not False:
            continue
        target, fields = _check_target(check.rule, visible)
        if check.severity == "hard":
            errors.setdefault(target, []).append(check.message)
        else:
            result.soft_findings.append(SoftFinding(target, check.id, check.message, fields))
    result.hard_errors = errors
    return result


# --------------------------------------------------------------------------- storage


def to_stored(value: CleanValue | None) -> StoredValue:
    """A cleaned value as JSON (dates and times as ISO 8601 text)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    return value


def from_stored(item: FormField, stored: object) -> CleanValue | None:
    """A stored JSON value back as a cleaned value (None when it no longer parses)."""
    if is_empty(stored):
        return None
    try:
        return _clean(item, stored)
    except ValueError:
        return None


def display_value(item: FormField, value: object) -> str:
    """How a stored or cleaned value reads on a page: choice labels, yes/no, the unit."""
    if is_empty(value):
        return ""
    labels = {choice.code: choice.label for choice in item.choices}
    if item.type == "boolean" and isinstance(value, bool):
        return "Yes" if value else "No"
    if item.type == "choice":
        return labels.get(str(value), str(value))
    if item.type == "multichoice" and isinstance(value, list):
        return ", ".join(labels.get(str(code), str(code)) for code in value)
    text = _show(value) if isinstance(value, float) else str(value)
    return f"{text} {item.unit}" if item.unit else text
