"""Template filters rendering protocol parts readably (see `display`)."""

from __future__ import annotations

from django import template

from oncotrial.apps.studies import display

register = template.Library()


@register.filter
def humanize(value: object) -> str:
    return display.humanize(value) if value not in (None, "") else "—"


@register.filter
def rule_text(rule: object, labels: dict[str, str] | None = None) -> str:
    return display.rule_text(rule, labels)  # type: ignore[arg-type]


@register.filter
def quantity(q: object) -> str:
    return display.quantity(q.value, q.unit) if q is not None else ""  # type: ignore[attr-defined]


@register.filter
def intervention_schedule(intervention: object) -> str:
    return display.intervention_schedule(intervention)  # type: ignore[arg-type]


@register.filter
def fractionation(f: object) -> str:
    return display.fractionation_text(f) if f is not None else ""  # type: ignore[arg-type]


@register.filter
def window(w: object) -> str:
    return display.window_text(w)  # type: ignore[arg-type]


@register.filter
def visit_days(v: object) -> str:
    return display.visit_days(v)  # type: ignore[arg-type]


@register.filter
def visit_repeat(v: object) -> str:
    return display.visit_repeat(v)  # type: ignore[arg-type]


@register.filter
def number(value: object) -> str:
    return display.number(value)


@register.filter
def unit(value: str | None) -> str:
    return display.unit_text(value)


@register.filter
def lookup(mapping: dict[str, object], key: str) -> object:
    return mapping.get(key, key)


@register.filter
def phase(value: str) -> str:
    return display.phase_text(value)


@register.filter
def sample_size_method(value: str) -> str:
    return display.sample_size_method(value)


@register.filter
def sample_size_parameter(value: str) -> str:
    return display.sample_size_parameter(value)
