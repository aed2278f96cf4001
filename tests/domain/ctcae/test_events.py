"""Consistency rules of an adverse event and the SAE clock."""

from __future__ import annotations

import datetime as dt

from oncotrial.domain.ctcae.events import (
    EventValues,
    check_event,
    clock,
    describe_clock,
    follow_up_due,
    report_due,
)

TODAY = dt.date(2025, 5, 10)
NOW = dt.datetime(2025, 5, 10, 12, 0, tzinfo=dt.UTC)
CONSENT = dt.date(2025, 3, 4)


def event(**changes) -> EventValues:
    values = {
        "grade": 2,
        "onset_date": dt.date(2025, 4, 1),
        "resolution_date": dt.date(2025, 4, 8),
        "ongoing": False,
        "outcome": "recovered",
        "serious": False,
        "criteria": frozenset(),
        "aware_at": None,
        **changes,
    }
    return EventValues(**values)


def check(e: EventValues) -> dict[str, list[str]]:
    return check_event(e, today=TODAY, now=NOW, consent_date=CONSENT)


def test_a_consistent_event_has_no_messages():
    assert check(event()) == {}


def test_grade_5_needs_a_fatal_outcome_and_back():
    assert check(event(grade=5, ongoing=False))["outcome"] == [
        "A grade 5 event is fatal: set the outcome to fatal."
    ]
    assert check(event(grade=3, outcome="fatal"))["grade"] == [
        "A fatal outcome is grade 5 (death), not grade 3."
    ]
    assert check(event(grade=5, outcome="fatal")) == {}


def test_resolution_not_before_onset():
    errors = check(event(resolution_date=dt.date(2025, 3, 30)))
    assert errors == {
        "resolution_date": ["The resolution date 2025-03-30 is before the onset date 2025-04-01."]
    }


def test_ongoing_has_no_resolution_and_a_finished_event_has_one():
    assert "resolution_date" in check(event(ongoing=True))
    assert check(event(ongoing=False, resolution_date=None)) == {
        "resolution_date": ["Give the resolution date, or mark the event ongoing."]
    }
    assert check(event(ongoing=True, resolution_date=None, outcome="not_recovered")) == {}


def test_no_future_dates():
    errors = check(event(onset_date=dt.date(2025, 5, 11), resolution_date=dt.date(2025, 5, 12)))
    assert errors["onset_date"] == ["The onset date 2025-05-11 is in the future."]
    assert errors["resolution_date"] == ["The resolution date 2025-05-12 is in the future."]


def test_onset_not_before_consent():
    errors = check(event(onset_date=dt.date(2025, 3, 1)))
    assert errors == {
        "onset_date": [
            "The onset date 2025-03-01 is before the subject's informed consent (2025-03-04); "
            "record it as medical history instead."
        ]
    }


def test_serious_needs_a_criterion_and_an_awareness_time():
    errors = check(event(serious=True))
    assert errors == {
        "criteria": ["A serious event meets at least one seriousness criterion."],
        "aware_at": ["Give when the site became aware of the serious event."],
    }
    ok = event(serious=True, criteria=frozenset({"hospitalisation"}), aware_at=NOW)
    assert check(ok) == {}


def test_awareness_not_in_the_future_nor_before_onset():
    later = event(
        serious=True, criteria=frozenset({"hospitalisation"}), aware_at=NOW + dt.timedelta(hours=1)
    )
    assert check(later)["aware_at"] == ["The time the site became aware is in the future."]
    early = event(
        serious=True,
        criteria=frozenset({"hospitalisation"}),
        aware_at=dt.datetime(2025, 3, 31, tzinfo=dt.UTC),
    )
    assert check(early)["aware_at"] == ["The site cannot have become aware before the onset date."]


def test_criteria_without_serious_are_refused():
    assert check(event(criteria=frozenset({"disability"})))["serious"]


def test_sae_clock():
    aware = dt.datetime(2025, 5, 10, 8, 0, tzinfo=dt.UTC)
    due = report_due(aware, 24)
    assert due == dt.datetime(2025, 5, 11, 8, 0, tzinfo=dt.UTC)
    assert clock(due, due - dt.timedelta(hours=5)) == ("due", 5)
    assert describe_clock(due, due - dt.timedelta(hours=5, minutes=30)) == "due in 5 h"
    assert describe_clock(due, due + dt.timedelta(hours=3, minutes=10)) == "overdue by 3 h"
    assert describe_clock(due, due + dt.timedelta(days=3, hours=2)) == "overdue by 3 d 2 h"
    assert follow_up_due(due, 7) == dt.datetime(2025, 5, 18, 8, 0, tzinfo=dt.UTC)
