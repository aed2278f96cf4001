"""Unit conversions against the definitions of the units themselves."""

from __future__ import annotations

import pytest

from oncotrial.domain.units import UnknownUnitError, canonical_symbol, convert


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (1500, "/mm3", "10^9/L", 1.5),  # 1 /mm3 = 1 /uL = 10^6/L
        (100_000, "/uL", "10^9/L", 100.0),
        (1.5, "10^9/L", "cells/mm³", 1500),
        (9, "g/dL", "g/L", 90),
        (90, "g/L", "g/dL", 9),
        (37, "U/mL", "U/L", 37_000),
        (2, "cm", "mm", 20),
        (4, "weeks", "days", 28),
        (300, "cGy", "Gy", 3),
    ],
)
def test_conversions(value: float, src: str, dst: str, expected: float) -> None:
    assert convert(value, src, dst) == pytest.approx(expected)


def test_spellings_normalise() -> None:
    assert canonical_symbol("×10^9/L") == "10^9/L"
    assert canonical_symbol("x ULN") == "xULN"
    assert canonical_symbol("µmol/L") == "umol/L"
    assert canonical_symbol("mL/min/1.73m²") == "mL/min/1.73m2"


def test_different_dimensions_do_not_convert() -> None:
    with pytest.raises(ValueError, match=r"cannot convert g/dL \(mass_concentration\) to mm"):
        convert(1, "g/dL", "mm")


def test_unknown_unit_suggests_a_close_one() -> None:
    with pytest.raises(UnknownUnitError, match=r"unknown unit 'mg/dl/' \(did you mean mg/dL"):
        canonical_symbol("mg/dl/")
