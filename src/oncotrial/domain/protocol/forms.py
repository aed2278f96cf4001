"""Study-specific case report forms, defined in the protocol and stored as item values."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from oncotrial.domain.protocol.base import Identifier, Strict, UnitSymbol
from oncotrial.domain.protocol.rules import Rule

FieldType = Literal[
    "text",
    "textarea",
    "integer",
    "decimal",
    "date",
    "datetime",
    "boolean",
    "choice",
    "multichoice",
]


class Choice(Strict):
    code: str = Field(min_length=1)
    label: str = Field(min_length=1)


class FormField(Strict):
    id: Identifier
    label: str = Field(min_length=1)
    type: FieldType
    unit: UnitSymbol | None = None
    required: bool = False
    min: float | None = None
    max: float | None = None
    """Hard limits: a value outside them cannot be saved."""
    expected_min: float | None = None
    expected_max: float | None = None
    """Soft limits: a value outside them is saved and raises a query."""
    choices: list[Choice] = []
    show_if: Rule | None = None
    """Shown (and required) only when this rule over the form's other fields holds."""
    help: str | None = None

    @model_validator(mode="after")
    def _choices_match_type(self) -> FormField:
        if self.type in ("choice", "multichoice") and not self.choices:
            raise ValueError(f"a {self.type} field needs 'choices'")
        if self.type not in ("choice", "multichoice") and self.choices:
            raise ValueError(f"'choices' only apply to choice fields, not {self.type}")
        for low, high in ((self.min, self.max), (self.expected_min, self.expected_max)):
            if low is not None and high is not None and low > high:
                raise ValueError(f"range is empty: {low:g} > {high:g}")
        return self


class CrossCheck(Strict):
    id: Identifier
    rule: Rule
    """Must hold for the form to be consistent."""
    message: str = Field(min_length=1)
    severity: Literal["hard", "soft"] = "soft"


class Form(Strict):
    id: Identifier
    label: str = Field(min_length=1)
    description: str | None = None
    repeating: bool = False
    fields: list[FormField] = Field(min_length=1)
    checks: list[CrossCheck] = []
