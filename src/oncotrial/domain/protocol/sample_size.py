"""The sample-size design a protocol states."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from oncotrial.domain.protocol.base import Strict

SampleSizeMethod = Literal[
    "simon-optimal",
    "simon-minimax",
    "binomial",
    "survival-exponential",
    "survival-fms",
    "survival-wu",
    "survival-landmark",
    "survival-landmark-exact",
    "descriptive",
]


class SampleSize(Strict):
    method: SampleSizeMethod
    parameters: dict[str, float | int | str] = {}
    """Named as the `oncotrial design` options: p0, p1, alpha, power, median0, median1,
    accrual, followup, sides, loss, landmark (times in months)."""
    target: int = Field(ge=1)
    rationale: str | None = None
