"""Decisions for a running Simon two-stage trial from the data captured so far."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from oncotrial.domain.design.errors import DesignParameterError

Decision = Literal[
    "stage 1 ongoing",
    "continue to stage 2",
    "stop for futility",
    "stage 2 ongoing",
    "reject H0",
    "do not reject H0",
]


@dataclass(frozen=True)
class InterimDecision:
    decision: Decision
    responses: int
    evaluated: int
    message: str
    """One readable sentence, e.g. '3 responses in the first 13 (> 2): continue to stage 2'."""
    final: bool
    """True when the decision can no longer change with more data."""


def _count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DesignParameterError(name, f"must be a non-negative integer, got {value!r}")
    return value


def simon_decision(
    *, r1: int, n1: int, r: int, n: int, responses: int, evaluated: int
) -> InterimDecision:
    """Where a trial run with design (r1, n1, r, n) stands after ``evaluated`` patients.

    Stage 1 (evaluated <= n1): continue when responses > r1 (known as soon as it
    happens); stop for futility when responses <= r1 at n1, or earlier when even
    responses in every remaining stage-1 patient could not exceed r1.  Stage 2: reject
    H0 when responses > r (known as soon as it happens), do not reject when the
    remaining patients could no longer lift the total above r.
    """
    for name, value in (("r1", r1), ("n1", n1), ("r", r), ("n", n)):
        _count(name, value)
    responses = _count("responses", responses)
    evaluated = _count("evaluated", evaluated)
    if not 0 < n1 < n:
        raise DesignParameterError("n1", f"must be between 1 and n - 1, got {n1}")
    if not r1 <= r < n:
        raise DesignParameterError("r", f"must satisfy r1 <= r < n, got {r}")
    if evaluated > n:
        raise DesignParameterError("evaluated", f"must not exceed n ({n}), got {evaluated}")
    if responses > evaluated:
        raise DesignParameterError(
            "responses", f"must not exceed the evaluated patients ({evaluated})"
        )
    if evaluated <= n1:
        head = f"{responses} responses in the first {evaluated} of {n1}"
        if responses > r1:
            return InterimDecision(
                "continue to stage 2",
                responses,
                evaluated,
                f"{head} (> {r1}): continue to stage 2, {n} patients in all",
                True,
            )
        if responses + (n1 - evaluated) <= r1:
            return InterimDecision(
                "stop for futility",
                responses,
                evaluated,
                f"{head} (<= {r1}): stop for futility"
                if evaluated == n1
                else f"{head}: at most {r1} possible by patient {n1}, stop for futility",
                True,
            )
        need = r1 + 1 - responses
        return InterimDecision(
            "stage 1 ongoing",
            responses,
            evaluated,
            f"{head}: {need} more needed among the remaining {n1 - evaluated} to continue",
            False,
        )
    head = f"{responses} responses in {evaluated} of {n}"
    if responses > r:
        return InterimDecision(
            "reject H0", responses, evaluated, f"{head} (> {r}): reject H0, drug promising", True
        )
    if responses + (n - evaluated) <= r:
        return InterimDecision(
            "do not reject H0",
            responses,
            evaluated,
            f"{head} (<= {r}): H0 not rejected"
            if evaluated == n
            else f"{head}: at most {r} possible by patient {n}, H0 not rejected",
            True,
        )
    return InterimDecision(
        "stage 2 ongoing",
        responses,
        evaluated,
        f"{head}: {r + 1 - responses} more needed among the remaining {n - evaluated} to reject H0",
        False,
    )
