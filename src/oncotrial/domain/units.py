"""Units of measure used in protocols, eligibility rules and lab results.

Each unit belongs to a dimension; values convert within a dimension by a factor to the
dimension's canonical unit. Units are written as clinicians write them ("10^9/L",
"/mm3", "g/dL", "U/mL", "xULN"); a few spellings are accepted for each.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    symbol: str
    dimension: str
    factor: float  # multiply a value in this unit by factor to get the canonical unit


_UNITS: tuple[Unit, ...] = (
    # cell counts per volume; canonical 10^9/L
    Unit("10^9/L", "cell_count", 1.0),
    Unit("10^6/L", "cell_count", 1e-3),
    Unit("/mm3", "cell_count", 1e-3),
    Unit("/uL", "cell_count", 1e-3),
    Unit("10^3/uL", "cell_count", 1.0),
    Unit("10^12/L", "cell_count", 1e3),
    # mass concentration; canonical g/L
    Unit("g/L", "mass_concentration", 1.0),
    Unit("g/dL", "mass_concentration", 10.0),
    Unit("mg/dL", "mass_concentration", 1e-2),
    Unit("mg/L", "mass_concentration", 1e-3),
    Unit("ng/mL", "mass_concentration", 1e-6),
    Unit("ug/L", "mass_concentration", 1e-6),
    # substance concentration; canonical mmol/L
    Unit("mmol/L", "substance_concentration", 1.0),
    Unit("umol/L", "substance_concentration", 1e-3),
    # catalytic / arbitrary activity per volume; canonical U/L
    Unit("U/L", "activity_concentration", 1.0),
    Unit("U/mL", "activity_concentration", 1e3),
    Unit("kU/L", "activity_concentration", 1e3),
    # multiples of the upper or lower limit of normal
    Unit("xULN", "uln_multiple", 1.0),
    Unit("xLLN", "lln_multiple", 1.0),
    # clearance / flow
    Unit("mL/min", "flow", 1.0),
    Unit("mL/min/1.73m2", "flow_bsa", 1.0),
    # proportions
    Unit("%", "fraction", 1e-2),
    # length; canonical mm
    Unit("mm", "length", 1.0),
    Unit("cm", "length", 10.0),
    # time; canonical days
    Unit("days", "time", 1.0),
    Unit("weeks", "time", 7.0),
    Unit("months", "time", 365.25 / 12),
    Unit("years", "time", 365.25),
    # dose and mass; canonical mg
    Unit("mg", "mass", 1.0),
    Unit("g", "mass", 1e3),
    Unit("ug", "mass", 1e-3),
    Unit("mg/m2", "dose_per_bsa", 1.0),
    Unit("mg/kg", "dose_per_weight", 1.0),
    Unit("Gy", "absorbed_dose", 1.0),
    Unit("cGy", "absorbed_dose", 1e-2),
    Unit("IU", "international_units", 1.0),
    Unit("mL", "volume", 1.0),
    Unit("L", "volume", 1e3),
    Unit("kg", "body_mass", 1.0),
    Unit("mmHg", "pressure", 1.0),
    Unit("bpm", "rate", 1.0),
    Unit("celsius", "temperature", 1.0),
    Unit("points", "score", 1.0),
)

_ALIASES: dict[str, str] = {
    "x10^9/l": "10^9/L",
    "×10^9/l": "10^9/L",
    "10*9/l": "10^9/L",
    "g/l": "g/L",
    "/mm³": "/mm3",
    "cells/mm3": "/mm3",
    "cells/mm³": "/mm3",
    "/μl": "/uL",
    "/µl": "/uL",
    "μmol/l": "umol/L",
    "µmol/l": "umol/L",
    "×uln": "xULN",
    "x uln": "xULN",
    "uln": "xULN",
    "×lln": "xLLN",
    "µg": "ug",
    "μg": "ug",
    "mg/m²": "mg/m2",
    "mL/min/1.73m²": "mL/min/1.73m2",
    "day": "days",
    "week": "weeks",
    "month": "months",
    "year": "years",
    "°c": "celsius",
}

_BY_SYMBOL: dict[str, Unit] = {u.symbol.lower(): u for u in _UNITS}
_ALIASES_LOWER: dict[str, str] = {k.lower(): v for k, v in _ALIASES.items()}


class UnknownUnitError(ValueError):
    pass


def known_units() -> list[str]:
    return [u.symbol for u in _UNITS]


def parse_unit(text: str) -> Unit:
    """The unit written as `text`, accepting the usual spellings."""
    key = text.strip().lower()
    key = _ALIASES_LOWER.get(key, key).lower()
    unit = _BY_SYMBOL.get(key)
    if unit is None:
        close = difflib.get_close_matches(text.strip(), [u.symbol for u in _UNITS], n=3)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise UnknownUnitError(f"unknown unit {text!r}{hint}")
    return unit


def canonical_symbol(text: str) -> str:
    return parse_unit(text).symbol


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """`value` in `from_unit` expressed in `to_unit`; both must share a dimension."""
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    if src.dimension != dst.dimension:
        raise ValueError(
            f"cannot convert {src.symbol} ({src.dimension}) to {dst.symbol} ({dst.dimension})"
        )
    return value * src.factor / dst.factor
