"""The consistency rules of an adverse event record, and the SAE reporting clock.

`check_event` takes the values of one adverse event and returns the messages per field
that a person can act on (empty when the record is consistent). The rules:

- grade 5 (death) if and only if the outcome is fatal;
- the resolution date is not before the onset date, and an ongoing event has none;
- no date in the future;
- onset not before the subject's informed consent;
- a serious event names at least one seriousness criterion and when the site became
  aware of it (not in the future, not before onset).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SERIOUSNESS_CRITERIA = (
    ("death", "Results in death"),
    ("life_threatening", "Life-threatening"),
    ("hospitalisation", "Requires hospitalisation or prolongation of hospitalisation"),
    ("disability", "Results in persistent or significant disability or incapacity"),
    ("congenital_anomaly", "Congenital anomaly or birth defect"),
    ("medically_important", "Other important medical event"),
)
"""The ICH E2A seriousness criteria: (field name, label)."""

FATAL = "fatal"


@dataclass(frozen=True)
class EventValues:
    grade: int | None
    onset_date: dt.date | None
    resolution_date: dt.date | None
    ongoing: bool
    outcome: str
    serious: bool
    criteria: frozenset[str]
    aware_at: dt.datetime | None


def check_event(
    event: EventValues, *, today: dt.date, now: dt.datetime, consent_date: dt.date | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if event.grade == 5 and event.outcome != FATAL:
        add("outcome", "A grade 5 event is fatal: set the outcome to fatal.")
    if event.outcome == FATAL and event.grade is not None and event.grade != 5:
        add("grade", f"A fatal outcome is grade 5 (death), not grade {event.grade}.")
    onset, resolved = event.onset_date, event.resolution_date
    if onset is not None and onset > today:
        add("onset_date", f"The onset date {onset:%Y-%m-%d} is in the future.")
    if onset is not None and consent_date is not None and onset < consent_date:
        add(
            "onset_date",
            f"The onset date {onset:%Y-%m-%d} is before the subject's informed consent "
            f"({consent_date:%Y-%m-%d}); record it as medical history instead.",
        )
    if resolved is not None:
        if event.ongoing:
            add("resolution_date", "An ongoing event has no resolution date.")
        if resolved > today:
            add("resolution_date", f"The resolution date {resolved:%Y-%m-%d} is in the future.")
        if onset is not None and resolved < onset:
            add(
                "resolution_date",
                f"The resolution date {resolved:%Y-%m-%d} is before the onset date "
                f"{onset:%Y-%m-%d}.",
            )
    elif not event.ongoing:
        add("resolution_date", "Give the resolution date, or mark the event ongoing.")
    if event.serious:
        if not event.criteria:
            add("criteria", "A serious event meets at least one seriousness criterion.")
        if event.aware_at is None:
            add("aware_at", "Give when the site became aware of the serious event.")
        else:
            if event.aware_at > now:
                add("aware_at", "The time the site became aware is in the future.")
            if onset is not None and event.aware_at.date() < onset:
                add("aware_at", "The site cannot have become aware before the onset date.")
    elif event.criteria:
        add("serious", "Seriousness criteria are ticked: mark the event serious.")
    if "death" in event.criteria and event.outcome != FATAL:
        add("outcome", "The event results in death: set the outcome to fatal.")
    return errors


def report_due(aware_at: dt.datetime, hours: int) -> dt.datetime:
    """When the initial SAE report is due: `hours` after the site became aware."""
    return aware_at + dt.timedelta(hours=hours)


def follow_up_due(previous: dt.datetime, days: int) -> dt.datetime:
    """When the next follow-up report is due: `days` after the previous report."""
    return previous + dt.timedelta(days=days)


def clock(due_at: dt.datetime, now: dt.datetime) -> tuple[str, int]:
    """("due", whole hours left) or ("overdue", whole hours overdue) at `now`."""
    seconds = (due_at - now).total_seconds()
    if seconds >= 0:
        return "due", int(seconds // 3600)
    return "overdue", int(-seconds // 3600)


def describe_clock(due_at: dt.datetime, now: dt.datetime) -> str:
    """ "due in 5 h" or "overdue by 3 h" (days once beyond 48 hours)."""
    state, hours = clock(due_at, now)
    amount = f"{hours // 24} d {hours % 24} h" if hours >= 48 else f"{hours} h"
    return f"due in {amount}" if state == "due" else f"overdue by {amount}"
