"""Marker change (e.g. CA19-9): baseline, change at each later visit, best % change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from oncotrial.domain.endpoints.inputs import MarkerValue
from oncotrial.domain.endpoints.rows import MarkerPoint, MarkerResult


class NoBaseline(Exception):
    """No value on or before the start."""


def derive(
    series: Sequence[MarkerValue], start: dt.date, cutoff: dt.date | None = None
) -> MarkerResult:
    """Baseline is the last value on or before ``start``; later values are visits.

    Change is value - baseline; % change is change / baseline x 100 (``None`` for a
    zero baseline). The best change is the most negative % change. Values after
    ``cutoff`` are left out. Raises :class:`NoBaseline`.
    """
    ordered = sorted(
        (v for v in series if cutoff is None or v.date <= cutoff), key=lambda v: v.date
    )
    before = [v for v in ordered if v.date <= start]
    if not before:
        raise NoBaseline(f"no value on or before the start ({start.isoformat()})")
    baseline = before[-1]
    visits = tuple(_point(v, baseline.value) for v in ordered if v.date > start)
    with_pct = [p for p in visits if p.change_pct is not None]
    best = min(with_pct, key=lambda p: (p.change_pct, p.date), default=None)
    return MarkerResult(
        baseline_date=baseline.date,
        baseline_value=baseline.value,
        visits=visits,
        last=visits[-1] if visits else None,
        best=best,
    )


def _point(value: MarkerValue, baseline: float) -> MarkerPoint:
    change = value.value - baseline
    pct = None if baseline == 0 else round(change / baseline * 100, 2)
    return MarkerPoint(value.date, value.value, round(change, 6), pct)
