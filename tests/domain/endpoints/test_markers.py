"""Marker change (sirolimus study: CA19-9 in U/mL), worked by hand."""

from __future__ import annotations

from oncotrial.domain.endpoints import MarkerValue, derive_endpoint
from tests.domain.endpoints.cohort import SIROLIMUS, day, endpoint, protocol, subject


def series(*items: tuple[int, float]) -> tuple[MarkerValue, ...]:
    return tuple(MarkerValue(day(n), value) for n, value in items)


def test_baseline_on_the_first_dose_date() -> None:
    sirolimus = protocol(SIROLIMUS)
    spec = endpoint(sirolimus, "ca19_9_change")
    # Screening 500 on day -7, 400 on the first-dose date (day 0): baseline is 400, the
    # last value on or before the start. Day 28: 300 -> -100 (-25%); day 56: 100 -> -300
    # (-75%); day 84: 200 -> -200 (-50%). Best change -75% (day 56); last -50% (day 84).
    record = subject(
        markers={"ca19_9": series((-7, 500), (84, 200), (0, 400), (28, 300), (56, 100))}
    )
    row = derive_endpoint(sirolimus, spec, record)
    marker = row.marker
    assert row.evaluable
    assert marker is not None
    assert (marker.baseline_date, marker.baseline_value) == (day(0), 400)
    assert [(p.date, p.change, p.change_pct) for p in marker.visits] == [
        (day(28), -100, -25.0),
        (day(56), -300, -75.0),
        (day(84), -200, -50.0),
    ]
    assert marker.best is not None
    assert (marker.best.date, marker.best.change_pct) == (
        day(56),
        -75.0,
    )
    assert marker.last is not None
    assert marker.last.change_pct == -50.0


def test_rise_only_best_change_is_the_smallest_rise() -> None:
    sirolimus = protocol(SIROLIMUS)
    # Baseline 37 on day -3; 74 on day 30 (+100%), 55.5 on day 60 (+50%): best +50%.
    record = subject(markers={"ca19_9": series((-3, 37), (30, 74), (60, 55.5))})
    marker = derive_endpoint(sirolimus, endpoint(sirolimus, "ca19_9_change"), record).marker
    assert marker is not None
    assert marker.best is not None
    assert (marker.best.date, marker.best.change_pct) == (day(60), 50.0)


def test_no_baseline_value_is_not_evaluable() -> None:
    sirolimus = protocol(SIROLIMUS)
    record = subject(markers={"ca19_9": series((28, 300))})
    row = derive_endpoint(sirolimus, endpoint(sirolimus, "ca19_9_change"), record)
    assert row.evaluable is False
    assert row.marker is None
    assert row.reason == "ca19_9: no value on or before the start (2024-01-01)"
