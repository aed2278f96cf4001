"""Shared building blocks of the protocol models."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from oncotrial.domain.units import UnknownUnitError, canonical_symbol

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""Lower-case id used to cross-reference items inside a protocol (visits, endpoints…)."""


def _known_unit(value: str) -> str:
    try:
        return canonical_symbol(value)
    except UnknownUnitError as exc:
        raise ValueError(str(exc)) from None


UnitSymbol = Annotated[str, AfterValidator(_known_unit)]


class Strict(BaseModel):
    """Base for protocol models: unknown keys are errors, values are checked strictly."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Quantity(Strict):
    value: float
    unit: UnitSymbol
