"""Response-rate endpoints: ORR and DCR with exact intervals, and Simon's stage-1 decision.

* ORR (objective response rate): best overall response CR or PR;
* DCR (disease control rate): CR, PR, SD or NON-CR/NON-PD (no target disease);
  iRECIST codes (iCR, iPR, iSD, iNON-CR/NON-PD) count like their RECIST 1.1 twins.
  Every other best response (PD, NE, UPD/iUPD, CPD/iCPD, missing) is a non-responder
  in the denominator, which is the evaluable population the caller passes.

The interval is the exact Clopper–Pearson interval and the test is the one-sided
exact binomial test of H0: p <= p0, P(X >= x | p0), both from
:mod:`oncotrial.domain.design.binomial`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from oncotrial.domain.design import clopper_pearson, exact_test_p_value
from oncotrial.domain.design.errors import DesignParameterError

ORR_CODES = frozenset({"CR", "PR"})
DCR_CODES = frozenset({"CR", "PR", "SD", "NON-CR/NON-PD"})


@dataclass(frozen=True)
class ResponseRate:
    endpoint: str
    responders: int
    evaluable: int
    estimate: float
    ci_lower: float
    ci_upper: float
    confidence: float
    p0: float | None
    p_value: float | None
    """One-sided exact P(X >= responders | p0), when p0 is given."""
    method: str = "clopper-pearson"


def response_rate(
    responders: int,
    evaluable: int,
    *,
    endpoint: str = "ORR",
    p0: float | None = None,
    confidence: float = 0.95,
) -> ResponseRate:
    """Rate with its exact interval and, given ``p0``, the one-sided exact p-value."""
    est = clopper_pearson(responders, evaluable, confidence)
    p_value = None if p0 is None else exact_test_p_value(responders, evaluable, p0)
    return ResponseRate(
        endpoint=endpoint,
        responders=est.x,
        evaluable=est.n,
        estimate=est.estimate,
        ci_lower=est.ci_lower,
        ci_upper=est.ci_upper,
        confidence=est.confidence,
        p0=p0,
        p_value=p_value,
    )


def _plain(code: str | None) -> str:
    c = (code or "").strip().upper()
    if c.startswith("I") and c[1:] in DCR_CODES | {"UPD", "CPD"}:
        return c[1:]
    return c


def response_rates(
    best_responses: Iterable[str | None],
    *,
    p0_orr: float | None = None,
    p0_dcr: float | None = None,
    confidence: float = 0.95,
) -> tuple[ResponseRate, ResponseRate]:
    """ORR and DCR of the evaluable subjects' best overall responses."""
    codes = [_plain(c) for c in best_responses]
    n = len(codes)
    orr = sum(c in ORR_CODES for c in codes)
    dcr = sum(c in DCR_CODES for c in codes)
    return (
        response_rate(orr, n, endpoint="ORR", p0=p0_orr, confidence=confidence),
        response_rate(dcr, n, endpoint="DCR", p0=p0_dcr, confidence=confidence),
    )


Stage1 = Literal["not yet evaluable", "stop for futility", "continue to stage 2"]


@dataclass(frozen=True)
class Stage1Decision:
    """Simon two-stage design, end of stage 1: responses among the first n1 evaluable."""

    decision: Stage1
    r1: int
    n1: int
    evaluable: int
    """Evaluable subjects so far (all of them, also beyond n1)."""
    responses: int
    """Responses among the first min(evaluable, n1) evaluable subjects."""
    message: str


def simon_stage1(r1: int, n1: int, responses: Sequence[bool]) -> Stage1Decision:
    """Stage-1 decision from the responses of the evaluable subjects in evaluation order.

    Only the first ``n1`` count: stop for futility when they hold ``r1`` or fewer
    responses, continue to stage 2 otherwise; with fewer than ``n1`` evaluable subjects
    the stage is not yet evaluable.
    """
    for name, value in (("r1", r1), ("n1", n1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DesignParameterError(name, f"must be a non-negative integer, got {value!r}")
    if n1 < 1 or r1 >= n1:
        raise DesignParameterError("r1", f"must satisfy 0 <= r1 < n1, got r1={r1}, n1={n1}")
    evaluable = len(responses)
    first = [bool(x) for x in responses[:n1]]
    x = sum(first)
    if evaluable < n1:
        return Stage1Decision(
            "not yet evaluable",
            r1,
            n1,
            evaluable,
            x,
            f"{evaluable} of the first {n1} subjects evaluable ({x} responses): "
            f"stage 1 not yet evaluable",
        )
    if x <= r1:
        return Stage1Decision(
            "stop for futility",
            r1,
            n1,
            evaluable,
            x,
            f"{x} responses in the first {n1} (<= {r1}): stop for futility",
        )
    return Stage1Decision(
        "continue to stage 2",
        r1,
        n1,
        evaluable,
        x,
        f"{x} responses in the first {n1} (> {r1}): continue to stage 2",
    )
