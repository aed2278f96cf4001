"""Study-level rates of the response endpoints, from the derived rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from oncotrial.domain.endpoints.rows import DerivedRow


@dataclass(frozen=True, slots=True)
class Rate:
    """Responders over the ITT denominator (every subject) and over evaluable subjects."""

    endpoint_id: str
    subjects: int
    evaluable: int
    responders: int
    rate_pct: float | None
    evaluable_rate_pct: float | None
    best_responses: tuple[tuple[str, int], ...]
    """Subjects per best overall response, most frequent first."""


def response_rates(rows: Iterable[DerivedRow]) -> list[Rate]:
    """One :class:`Rate` per response endpoint, in the order the rows name them."""
    grouped: dict[str, list[DerivedRow]] = {}
    for row in rows:
        if row.response is not None:
            grouped.setdefault(row.endpoint_id, []).append(row)
    rates = []
    for endpoint_id, group in grouped.items():
        responses = [r.response for r in group if r.response is not None]
        evaluable = [r for r in responses if r.evaluable]
        counts: dict[str, int] = {}
        for r in responses:
            counts[r.best_response] = counts.get(r.best_response, 0) + 1
        rates.append(
            Rate(
                endpoint_id=endpoint_id,
                subjects=len(responses),
                evaluable=len(evaluable),
                responders=sum(r.responder for r in responses),
                rate_pct=_pct(sum(r.responder for r in responses), len(responses)),
                evaluable_rate_pct=_pct(sum(r.responder for r in evaluable), len(evaluable)),
                best_responses=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
    return rates


def _pct(n: int, total: int) -> float | None:
    return round(100 * n / total, 1) if total else None
