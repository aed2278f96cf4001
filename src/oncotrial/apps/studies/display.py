"""Plain-language renderings of protocol parts for the study pages.

Pure functions over the domain's protocol models; the template filters in
`templatetags/protocol_display.py` call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from oncotrial.domain.protocol.design import Fractionation, Intervention, Repetition
from oncotrial.domain.protocol.endpoints import (
    AdverseEvents,
    Descriptive,
    MarkerChange,
    ResponseRate,
    TimeToEvent,
)
from oncotrial.domain.protocol.model import Protocol
from oncotrial.domain.protocol.rules import AllOf, AnyOf, Condition, Not, Rule
from oncotrial.domain.protocol.schedule import FollowUp, Visit, VisitRepeat, Window
from oncotrial.domain.protocol.variables import BUILTIN_BY_ID

SHORT_NAMES: dict[str, str] = {
    "age": "Age",
    "sex": "Sex",
    "ecog": "ECOG",
    "karnofsky": "Karnofsky",
    "life_expectancy": "Life expectancy",
    "anc": "ANC",
    "wbc": "WBC",
    "platelets": "Platelets",
    "hemoglobin": "Haemoglobin",
    "bilirubin": "Bilirubin",
    "ast": "AST",
    "alt": "ALT",
    "alkaline_phosphatase": "ALP",
    "albumin": "Albumin",
    "creatinine": "Creatinine",
    "creatinine_clearance": "Creatinine clearance",
    "inr": "INR",
    "aptt": "APTT",
    "lvef": "LVEF",
    "qtc": "QTc",
    "ca19_9": "CA19-9",
}

OPERATORS: dict[str, str] = {
    "==": "=",
    "!=": "≠",
    "<": "<",
    "<=": "≤",
    ">": ">",
    ">=": "≥",
}

UNITS: dict[str, str] = {
    "10^9/L": "×10^9/L",
    "10^6/L": "×10^6/L",
    "10^3/uL": "×10^3/µL",
    "10^12/L": "×10^12/L",
    "xULN": "× ULN",
    "xLLN": "× LLN",
    "uL": "µL",
    "/uL": "/µL",
    "ug": "µg",
    "ug/L": "µg/L",
    "umol/L": "µmol/L",
}


def humanize(code: object) -> str:
    """`non_randomized` → `Non randomized`; other values unchanged."""
    text = str(code).replace("_", " ")
    return text[:1].upper() + text[1:]


def unit_text(unit: str | None) -> str:
    return UNITS.get(unit, unit) if unit else ""


def number(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def quantity(value: float, unit: str | None) -> str:
    u = unit_text(unit)
    if not u:
        return number(value)
    if u == "%":
        return f"{number(value)}%"
    return f"{number(value)} {u}"


def _field_name(field: str, labels: dict[str, str]) -> str:
    if field in SHORT_NAMES:
        return SHORT_NAMES[field]
    if field in labels:
        return labels[field]
    if field in BUILTIN_BY_ID:
        return BUILTIN_BY_ID[field].label
    return humanize(field)


def _condition_text(c: Condition, labels: dict[str, str]) -> str:
    name = _field_name(c.field, labels)
    values: Sequence[object] = c.value if isinstance(c.value, list) else [c.value]
    if c.op == "between" and len(values) == 2:
        return f"{name} {number(values[0])}–{quantity(values[1], c.unit)}"  # type: ignore[arg-type]
    if c.op in ("in", "not_in"):
        listed = ", ".join(number(v) for v in values)
        verb = "is one of" if c.op == "in" else "is none of"
        return f"{name} {verb} {listed}"
    value = c.value
    if isinstance(value, bool) and c.op in ("==", "!="):
        return f"{name}: {'yes' if value == (c.op == '==') else 'no'}"
    if isinstance(value, str):
        return f"{name} {OPERATORS.get(c.op, c.op)} {humanize(value).lower()}"
    return f"{name} {OPERATORS.get(c.op, c.op)} {quantity(value, c.unit)}"  # type: ignore[arg-type]


def rule_text(rule: Rule | None, labels: dict[str, str] | None = None, nested: bool = False) -> str:
    """A rule as a person reads it: `ECOG ≤ 2`, `ANC ≥ 1.5 ×10^9/L and Bilirubin ≤ 1.5 × ULN`."""
    if rule is None:
        return "Investigator checklist"
    labels = labels or {}
    if isinstance(rule, Condition):
        return _condition_text(rule, labels)
    if isinstance(rule, Not):
        return f"not ({rule_text(rule.not_, labels)})"
    if isinstance(rule, AllOf):
        parts, joiner = rule.all, " and "
    elif isinstance(rule, AnyOf):
        parts, joiner = rule.any, " or "
    else:  # pragma: no cover - the Rule union has no other members
        return str(rule)
    text = joiner.join(rule_text(r, labels, nested=True) for r in parts)
    return f"({text})" if nested and len(parts) > 1 else text


def variable_labels(protocol: Protocol) -> dict[str, str]:
    return {v.id: v.label for v in protocol.eligibility.variables}


def until_text(until: Iterable[str]) -> str:
    items = [humanize(u).lower() for u in until]
    return " or ".join(items)


def repetition_text(repeat: Repetition | VisitRepeat) -> str:
    unit = repeat.unit if repeat.every != 1 else repeat.unit.rstrip("s")
    text = f"every {repeat.every} {unit}" if repeat.every != 1 else f"every {unit}"
    if repeat.until:
        text += f" until {until_text(repeat.until)}"
    limit = getattr(repeat, "max_administrations", None) or getattr(repeat, "max_count", None)
    if limit:
        text += f" (at most {limit})"
    return text


def fractionation_text(f: Fractionation) -> str:
    fractions = number(f.fractions_per_week)
    parts = [
        f"{quantity(f.dose_per_fraction.value, f.dose_per_fraction.unit)} per fraction",
        f"{fractions} fraction{'s' if f.fractions_per_week != 1 else ''} per week",
    ]
    low, high = f.total_dose_min, f.total_dose_max
    if low and high:
        parts.append(f"total {number(low.value)}–{quantity(high.value, high.unit)}")
    elif high:
        parts.append(f"up to {quantity(high.value, high.unit)}")
    elif low:
        parts.append(f"at least {quantity(low.value, low.unit)}")
    if f.target_volume:
        parts.append(f"to the {f.target_volume}")
    return ", ".join(parts)


def intervention_schedule(i: Intervention) -> str:
    parts = []
    if i.frequency:
        parts.append(i.frequency)
    if i.cycle_length_days:
        parts.append(f"{i.cycle_length_days}-day cycles")
    if i.repeat:
        parts.append(repetition_text(i.repeat))
    return "; ".join(parts)


def window_text(w: Window) -> str:
    if not w.before and not w.after:
        return "—"
    if w.before == w.after:
        return f"±{w.before} d"
    if not w.after:
        return f"−{w.before} d"
    if not w.before:
        return f"+{w.after} d"
    return f"−{w.before} / +{w.after} d"


def visit_days(v: Visit) -> str:
    if v.day is not None:
        return f"Day {v.day}"
    return "Days " + ", ".join(str(d) for d in v.days)


def visit_repeat(v: Visit) -> str:
    return repetition_text(v.repeat) if v.repeat else "—"


def follow_up_text(f: FollowUp, anchors: dict[str, str]) -> str:
    unit = f.unit if f.every != 1 else f.unit.rstrip("s")
    every = f"every {f.every} {unit}" if f.every != 1 else f"every {unit}"
    methods = ", ".join(humanize(m).lower() for m in f.methods)
    anchor = anchors.get(f.anchor, humanize(f.anchor))
    return f"{every} from {anchor.lower()} until {until_text(f.until)}, by {methods}"


def endpoint_kind(e: object) -> str:
    return humanize(getattr(e, "kind", "")).replace("Time to event", "Time to event")


def endpoint_definition(e: object, p: Protocol) -> str:
    anchors = anchor_labels(p)
    visits = {v.id: v.label for v in p.schedule.visits}
    assessments = {a.id: a.label for a in p.schedule.assessments}
    if isinstance(e, TimeToEvent):
        start = anchors.get(e.start, humanize(e.start)).lower()
        events = " or ".join(humanize(x).lower() for x in e.events)
        text = (
            f"{e.measure.upper()}: time from {start} to {events}; "
            f"censored at {humanize(e.censor_at).lower()}"
        )
        if e.landmarks_months:
            text += "; landmarks at " + ", ".join(number(m) for m in e.landmarks_months)
            text += " months"
        return text
    if isinstance(e, ResponseRate):
        text = f"{e.criteria}, {'confirmed' if e.confirmation else 'unconfirmed'} responses"
        if e.at_months:
            text += f", at {number(e.at_months)} months"
        else:
            text += ", best overall response"
        if e.assessment_visit:
            text += f" ({visits.get(e.assessment_visit, e.assessment_visit)} visits)"
        return text
    if isinstance(e, MarkerChange):
        marker = assessments.get(e.assessment, e.assessment)
        measures = ", ".join(humanize(m).lower() for m in e.measures)
        base = visits.get(e.baseline_visit, e.baseline_visit)
        return f"{marker}: {measures} (baseline: {base})"
    if isinstance(e, AdverseEvents):
        parts = [f"CTCAE v{e.ctcae_version}"]
        if e.min_grade > 1:
            parts.append(f"grade ≥ {e.min_grade}")
        if e.related_only:
            parts.append("treatment-related only")
        if e.serious_only:
            parts.append("serious only")
        return ", ".join(parts)
    if isinstance(e, Descriptive):
        return assessments.get(e.assessment, "") if e.assessment else "Descriptive"
    return ""


def anchor_labels(p: Protocol) -> dict[str, str]:
    labels = {"consent": "Consent", "enrollment": "Enrollment"}
    labels.update({a.id: a.label for a in p.schedule.anchors})
    return labels


def phase_text(phase: str) -> str:
    if phase == "na":
        return "N/A"
    if phase.startswith("early_phase"):
        return f"Early phase {phase.removeprefix('early_phase')}"
    return f"Phase {phase.removeprefix('phase')}"


SAMPLE_SIZE_METHODS: dict[str, str] = {
    "simon-optimal": "Simon two-stage, optimal",
    "simon-minimax": "Simon two-stage, minimax",
    "binomial": "Single-stage exact binomial",
    "survival-exponential": "Survival, exponential (one-sample log-rank)",
    "survival-fms": "Survival, Finkelstein–Muzikansky–Schoenfeld",
    "survival-wu": "Survival, Wu one-sample log-rank",
    "survival-landmark": "Survival at a landmark",
    "descriptive": "Descriptive (no formal calculation)",
}

SAMPLE_SIZE_PARAMETERS: dict[str, str] = {
    "p0": "p0 (uninteresting response rate)",
    "p1": "p1 (target response rate)",
    "alpha": "α (type I error)",
    "power": "Power",
    "median0": "Median under H0 (months)",
    "median1": "Median under H1 (months)",
    "accrual": "Accrual (months)",
    "followup": "Follow-up (months)",
    "sides": "Sides",
    "loss": "Loss to follow-up",
    "landmark": "Landmark (months)",
}


def sample_size_method(method: str) -> str:
    return SAMPLE_SIZE_METHODS.get(method, humanize(method))


def sample_size_parameter(name: str) -> str:
    return SAMPLE_SIZE_PARAMETERS.get(name, humanize(name))
