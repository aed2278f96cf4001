"""`{{ value|measured }}`: a laboratory value as it was reported, without the trailing
zeros a fixed number of decimals adds (6.91, not 6.910; 142, not 142.000)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def measured(value: object) -> str:
    if value is None or value == "":
        return ""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.6g}"
