"""Materialise a subject's visit calendar from the protocol's schedule.

Rules (see ``docs/conduct.md``):

- Day offsets count from the anchor date: day 0 is the anchor itself (the first dose,
  the date of enrollment, the date of surgery), day -7 a week before it.
- A visit whose anchor has not happened yet (absent from ``anchors``) is not planned yet;
  event-triggered visits appear once their event is recorded.
- ``days: [1, 3, 5, 7, 30]`` plans one occurrence per listed day.
- A repeating visit plans occurrence *k* (k = 0, 1, …) at ``day + k × every`` days or
  weeks, or treatment cycles of the subject's regimen; for months at the anchor date plus
  ``k × every`` calendar months (clamped to the end of a shorter month), then ``day``
  days. Repetition stops at the first of its ``until`` events that has happened
  (occurrences after that date are not planned), at ``max_count`` occurrences, or at the
  horizon.
- Survival follow-up plans a contact every ``every`` units after its anchor until its
  ``until`` events or the horizon.
- Nothing is planned after the subject's death, withdrawal or end of study, nor after the
  horizon.

The module reads no clock: the caller passes ``today`` to :func:`visit_status`.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from oncotrial.domain.protocol.model import Protocol
from oncotrial.domain.protocol.schedule import FollowUp, Visit

__all__ = [
    "FOLLOW_UP_VISIT_ID",
    "TERMINAL_EVENTS",
    "CalendarError",
    "PlannedVisit",
    "VisitStatus",
    "add_months",
    "calendar_horizon",
    "in_window",
    "materialise_calendar",
    "regimen_cycle_lengths",
    "visit_status",
]

FOLLOW_UP_VISIT_ID = "follow_up"
"""The visit id of survival follow-up contacts."""

TERMINAL_EVENTS: tuple[str, ...] = ("death", "withdrawal", "end_of_study")
"""Events after which nothing more is planned for the subject."""

VisitStatus = Literal["upcoming", "due", "overdue", "done", "missed"]


class CalendarError(ValueError):
    """The schedule cannot be materialised with what was given (e.g. no cycle length)."""


@dataclass(frozen=True)
class PlannedVisit:
    visit_id: str
    """The schedule visit id, or :data:`FOLLOW_UP_VISIT_ID` for follow-up contacts."""
    label: str
    occurrence: int
    """1, 2, … for repeating visits, listed days and follow-up contacts; 1 otherwise."""
    anchor: str
    day: int
    """Days from the anchor date to the target date (day 0 is the anchor)."""
    target_date: dt.date
    window_start: dt.date
    window_end: dt.date
    assessments: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    kind: Literal["visit", "follow_up"] = "visit"
    methods: tuple[str, ...] = ()
    """For follow-up contacts: visit, telephone, email, records, other."""

    @property
    def key(self) -> str:
        """Stable identifier of this occurrence within a subject: ``visit_id#occurrence``."""
        return f"{self.visit_id}#{self.occurrence}"


def add_months(date: dt.date, months: int) -> dt.date:
    """`date` moved by whole calendar months, clamped to the end of a shorter month."""
    index = date.year * 12 + (date.month - 1) + months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(date.day, last))


def regimen_cycle_lengths(protocol: Protocol, arm: str | None = None) -> dict[str, int]:
    """Cycle length in days of each intervention that has one (of `arm` if given)."""
    interventions = protocol.design.interventions
    if arm is not None:
        arms = {a.id: a for a in protocol.design.arms}
        if arm not in arms:
            raise CalendarError(f"unknown arm {arm!r} (known: {', '.join(arms)})")
        wanted = set(arms[arm].interventions)
        interventions = [i for i in interventions if i.id in wanted]
    return {i.id: i.cycle_length_days for i in interventions if i.cycle_length_days is not None}


def calendar_horizon(
    protocol: Protocol, start: dt.date, study_end: dt.date | None = None
) -> dt.date:
    """The last date to plan visits for: the earlier of the study's end and the
    protocol's maximum duration (``schedule.max_duration_months``) counted from `start`
    (usually the date of enrollment)."""
    candidates: list[dt.date] = []
    if study_end is not None:
        candidates.append(study_end)
    months = protocol.schedule.max_duration_months
    if months is not None:
        whole = int(months)
        end = add_months(start, whole)
        if months != whole:
            end += dt.timedelta(days=round((months - whole) * 365.25 / 12))
        candidates.append(end)
    if not candidates:
        raise CalendarError(
            f"protocol {protocol.id!r} gives no maximum duration: pass the study end date"
        )
    return min(candidates)


def materialise_calendar(
    protocol: Protocol,
    anchors: Mapping[str, dt.date],
    horizon: dt.date,
    events: Mapping[str, dt.date] | None = None,
    *,
    cycle_length_days: int | None = None,
    regimen: str | None = None,
    arm: str | None = None,
) -> list[PlannedVisit]:
    """The subject's planned visits, ordered by target date.

    `anchors` holds the dates of the anchors that have happened (enrollment, consent,
    first_dose, surgery, end_of_treatment…); `events` the dates of the events that stop
    repetition (progression, unacceptable_toxicity, death, withdrawal, end_of_study,
    completion, surgery…). An anchor date also counts as an event of the same name, and
    an event date as an anchor. `horizon` bounds repeating visits (see
    :func:`calendar_horizon`).

    Visits repeating in treatment cycles need the subject's cycle length:
    `cycle_length_days`, else the cycle length of the intervention `regimen`, else the
    one cycle length shared by the interventions of `arm` (or of the whole protocol).
    When the regimens differ and none is given, :class:`CalendarError` says so.
    """
    happened: dict[str, dt.date] = {**(events or {}), **anchors}
    terminal = _first(happened, TERMINAL_EVENTS)
    last = horizon if terminal is None else min(horizon, terminal)
    planned: list[tuple[dt.date, int, int, PlannedVisit]] = []
    for order, visit in enumerate(protocol.schedule.visits):
        anchor_date = happened.get(visit.anchor)
        if anchor_date is None:
            continue
        for visit_plan in _visit_occurrences(
            protocol, visit, anchor_date, happened, last, cycle_length_days, regimen, arm
        ):
            planned.append((visit_plan.target_date, order, visit_plan.occurrence, visit_plan))
    follow_up = protocol.schedule.follow_up
    if follow_up is not None:
        anchor_date = happened.get(follow_up.anchor)
        if anchor_date is not None:
            order = len(protocol.schedule.visits)
            for contact in _follow_up(follow_up, anchor_date, happened, last):
                planned.append((contact.target_date, order, contact.occurrence, contact))
    planned.sort(key=lambda item: item[:3])
    return [item[3] for item in planned]


def _first(happened: Mapping[str, dt.date], names: Iterable[str]) -> dt.date | None:
    dates = [happened[name] for name in names if name in happened]
    return min(dates) if dates else None


def _plan(visit: Visit, occurrence: int, anchor_date: dt.date, target: dt.date) -> PlannedVisit:
    return PlannedVisit(
        visit_id=visit.id,
        label=visit.label,
        occurrence=occurrence,
        anchor=visit.anchor,
        day=(target - anchor_date).days,
        target_date=target,
        window_start=target - dt.timedelta(days=visit.window.before),
        window_end=target + dt.timedelta(days=visit.window.after),
        assessments=tuple(visit.assessments),
        forms=tuple(visit.forms),
    )


def _visit_occurrences(
    protocol: Protocol,
    visit: Visit,
    anchor_date: dt.date,
    happened: Mapping[str, dt.date],
    last: dt.date,
    cycle_length_days: int | None,
    regimen: str | None,
    arm: str | None,
) -> list[PlannedVisit]:
    if visit.days:
        targets = [anchor_date + dt.timedelta(days=day) for day in visit.days]
        return [
            _plan(visit, n, anchor_date, target)
            for n, target in enumerate(targets, start=1)
            if target <= last
        ]
    assert visit.day is not None  # the model allows exactly one of day / days
    first = anchor_date + dt.timedelta(days=visit.day)
    repeat = visit.repeat
    if repeat is None:
        return [_plan(visit, 1, anchor_date, first)] if first <= last else []
    stop = _first(happened, repeat.until)
    end = last if stop is None else min(last, stop)
    step_days: int | None = None
    if repeat.unit == "days":
        step_days = repeat.every
    elif repeat.unit == "weeks":
        step_days = 7 * repeat.every
    elif repeat.unit == "cycles":
        step_days = repeat.every * _cycle_length(protocol, visit, cycle_length_days, regimen, arm)
    plans: list[PlannedVisit] = []
    k = 0
    while repeat.max_count is None or k < repeat.max_count:
        if step_days is not None:
            target = first + dt.timedelta(days=k * step_days)
        else:
            target = add_months(anchor_date, k * repeat.every) + dt.timedelta(days=visit.day)
        if target > end:
            break
        plans.append(_plan(visit, k + 1, anchor_date, target))
        k += 1
    return plans


def _cycle_length(
    protocol: Protocol,
    visit: Visit,
    cycle_length_days: int | None,
    regimen: str | None,
    arm: str | None,
) -> int:
    if cycle_length_days is not None:
        if cycle_length_days < 1:
            raise CalendarError(f"cycle length must be at least 1 day, got {cycle_length_days}")
        return cycle_length_days
    lengths = regimen_cycle_lengths(protocol, arm)
    if regimen is not None:
        if regimen not in lengths:
            known = ", ".join(f"{k} ({v} days)" for k, v in lengths.items()) or "none"
            raise CalendarError(
                f"regimen {regimen!r} has no cycle length in protocol {protocol.id!r} "
                f"(regimens with cycles: {known})"
            )
        return lengths[regimen]
    distinct = set(lengths.values())
    if len(distinct) == 1:
        return distinct.pop()
    if not distinct:
        raise CalendarError(
            f"visit {visit.id!r} repeats every {visit.repeat.every if visit.repeat else '?'} "
            f"cycles, but no intervention of protocol {protocol.id!r} gives a cycle length"
        )
    choices = ", ".join(f"{k} {v} days" for k, v in lengths.items())
    raise CalendarError(
        f"visit {visit.id!r} repeats in treatment cycles, whose length depends on the "
        f"subject's regimen ({choices}): pass the regimen or its cycle length"
    )


def _follow_up(
    follow_up: FollowUp,
    anchor_date: dt.date,
    happened: Mapping[str, dt.date],
    last: dt.date,
) -> list[PlannedVisit]:
    stop = _first(happened, follow_up.until)
    end = last if stop is None else min(last, stop)
    label = "Follow-up (" + ", ".join(follow_up.methods) + ")"
    contacts: list[PlannedVisit] = []
    k = 1
    while True:
        if follow_up.unit == "months":
            target = add_months(anchor_date, k * follow_up.every)
        else:
            step = follow_up.every * (7 if follow_up.unit == "weeks" else 1)
            target = anchor_date + dt.timedelta(days=k * step)
        if target > end:
            return contacts
        contacts.append(
            PlannedVisit(
                visit_id=FOLLOW_UP_VISIT_ID,
                label=label,
                occurrence=k,
                anchor=follow_up.anchor,
                day=(target - anchor_date).days,
                target_date=target,
                window_start=target,
                window_end=target,
                assessments=tuple(follow_up.assessments),
                kind="follow_up",
                methods=tuple(follow_up.methods),
            )
        )
        k += 1


def visit_status(
    planned: PlannedVisit,
    actual_date: dt.date | None,
    missed: bool,
    today: dt.date,
) -> VisitStatus:
    """``done`` once an actual date is recorded, ``missed`` when marked missed; otherwise
    ``upcoming`` before the window, ``due`` within it (both edges included) and
    ``overdue`` after it."""
    if actual_date is not None:
        return "done"
    if missed:
        return "missed"
    if today < planned.window_start:
        return "upcoming"
    if today <= planned.window_end:
        return "due"
    return "overdue"


def in_window(planned: PlannedVisit, actual_date: dt.date) -> bool:
    """Whether a visit done on `actual_date` falls within its window (edges included)."""
    return planned.window_start <= actual_date <= planned.window_end
