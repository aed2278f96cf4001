"""Eligibility: demographic limits, and inclusion / exclusion criteria.

A criterion with a `rule` is computable from screening variables; one without is an
item the investigator attests on a checklist.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from oncotrial.domain.protocol.base import Strict
from oncotrial.domain.protocol.rules import Rule
from oncotrial.domain.protocol.variables import ScreeningVariable


class Criterion(Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=32)
    text: str = Field(min_length=1)
    rule: Rule | None = None
    note: str | None = None
    """Why the rule reads the text as it does, or why it is left to the investigator."""

    @property
    def computable(self) -> bool:
        return self.rule is not None


class Eligibility(Strict):
    min_age_years: float | None = Field(default=None, ge=0)
    max_age_years: float | None = Field(default=None, gt=0)
    sex: Literal["all", "female", "male"] = "all"
    healthy_volunteers: bool = False
    variables: list[ScreeningVariable] = []
    """Screening variables beyond the built-in catalogue."""
    inclusion: list[Criterion] = []
    exclusion: list[Criterion] = []
