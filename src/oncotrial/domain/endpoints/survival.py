"""Time-to-event endpoints: OS, PFS, PFS2, RFS/DFS/EFS, TTP and duration of response.

The clock starts at the endpoint's ``start`` anchor; the first of the endpoint's
``events`` after it (on or before the data cut-off) ends it as an event; otherwise the
subject is censored at the date the endpoint's ``censor_at`` names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from oncotrial.domain.endpoints import tumour
from oncotrial.domain.endpoints.errors import UnsupportedEndpoint
from oncotrial.domain.endpoints.inputs import SubjectRecord
from oncotrial.domain.endpoints.rows import DAYS_PER_MONTH, Landmark, Survival, months
from oncotrial.domain.protocol.endpoints import TimeToEvent

#: Start anchors that mean "the date of the first objective response" (duration of response).
RESPONSE_ANCHORS = frozenset({"response", "first_response", "objective_response"})
#: Events read from tumour imaging: new anticancer therapy before them censors.
TUMOUR_EVENTS = frozenset({"progression", "recurrence"})

_EVENT_DATES: dict[str, Callable[[SubjectRecord], dt.date | None]] = {
    "death": lambda r: r.death_date,
    "progression": tumour.progression_date,
    "recurrence": lambda r: r.recurrence_date,
    "progression_on_next_line": lambda r: r.next_line_progression_date,
    "new_primary": lambda r: r.new_primary_date,
}


class NotEvaluable(Exception):
    """The endpoint cannot be derived for this subject; the message says why."""


def check_supported(endpoint: TimeToEvent) -> None:
    unknown = [event for event in endpoint.events if event not in _EVENT_DATES]
    if unknown:
        raise UnsupportedEndpoint(
            f"endpoint {endpoint.id}: event {', '.join(unknown)} is not supported "
            f"(supported: {', '.join(sorted(_EVENT_DATES))})"
        )


def derive(
    endpoint: TimeToEvent,
    record: SubjectRecord,
    *,
    response_start: dt.date | None = None,
) -> tuple[Survival, tuple[str, ...]]:
    """The subject's time to event, with notes on data that was set aside.

    ``response_start`` is the date of the first objective response, needed when the
    endpoint is a duration of response. Raises :class:`NotEvaluable`.
    """
    check_supported(endpoint)
    start = _start(endpoint, record, response_start)
    cutoff = record.data_cutoff
    notes: list[str] = []

    candidates: list[tuple[dt.date, str]] = []
    for event in endpoint.events:
        date = _EVENT_DATES[event](record)
        if date is None:
            continue
        if date < start:
            notes.append(f"{event} on {date.isoformat()} is before the start: not counted")
        elif cutoff is not None and date > cutoff:
            notes.append(f"{event} on {date.isoformat()} is after the data cut-off")
        else:
            candidates.append((date, event))
    candidates.sort()

    new_therapy = record.next_line_start
    if (
        new_therapy is not None
        and new_therapy >= start
        and TUMOUR_EVENTS & set(endpoint.events)
        and "progression_on_next_line" not in endpoint.events
        and not (candidates and candidates[0][0] <= new_therapy)
    ):
        end = tumour.last_adequate(record, start, new_therapy) or start
        return _result(
            endpoint,
            start,
            end,
            None,
            "new anticancer therapy started before an event: censored at the last "
            "adequate tumour assessment before it",
        ), tuple(notes)

    if candidates:
        first_date, first_event = candidates[0]
        return _result(endpoint, start, first_date, first_event, None), tuple(notes)
    end, reason = _censoring(endpoint, record, start)
    return _result(endpoint, start, end, None, reason), tuple(notes)


def _start(endpoint: TimeToEvent, record: SubjectRecord, response_start: dt.date | None) -> dt.date:
    if endpoint.measure == "dor" or endpoint.start in RESPONSE_ANCHORS:
        if response_start is None:
            raise NotEvaluable("no objective response")
        return response_start
    start = record.anchor(endpoint.start)
    if start is None:
        if endpoint.start == "first_dose" or not record.treated:
            raise NotEvaluable(f"no {endpoint.start} date: never treated")
        raise NotEvaluable(f"no {endpoint.start} date")
    return start


def _censoring(endpoint: TimeToEvent, record: SubjectRecord, start: dt.date) -> tuple[dt.date, str]:
    rule = endpoint.censor_at
    cutoff = record.data_cutoff
    found: tuple[dt.date | None, str]
    if rule == "last_tumour_assessment":
        found = (
            tumour.last_adequate(record, start, cutoff),
            "censored at the last adequate tumour assessment",
        )
        if found[0] is None:
            found = (start, "no adequate post-baseline tumour assessment: censored at the start")
    elif rule == "last_known_alive":
        found = _first(
            (record.last_known_alive, "alive at the last known alive date"),
            (record.last_contact, "censored at the last contact (no last known alive date)"),
        )
    elif rule == "last_contact":
        found = _first(
            (record.last_contact, "censored at the last contact"),
            (record.last_known_alive, "censored at the last known alive date (no contact date)"),
        )
    else:  # end_of_study
        if record.withdrawal_date is not None:
            found = _first(
                (record.last_contact, "withdrawn or lost to follow-up: censored at last contact"),
                (record.withdrawal_date, "withdrawn or lost to follow-up"),
            )
        else:
            found = _first(
                (cutoff, "censored at the end of study / data cut-off"),
                (record.last_contact, "no end-of-study date: censored at the last contact"),
                (record.last_known_alive, "no end-of-study date: censored at last known alive"),
            )
    end, reason = found
    if end is None:
        return start, "no follow-up after the start: censored at the start"
    if cutoff is not None and end > cutoff:
        end, reason = cutoff, "censored at the data cut-off"
    if record.death_date is not None and end > record.death_date:
        end, reason = record.death_date, "death is not an event of this endpoint"
    if end < start:
        end, reason = start, f"{reason}, which is before the start: censored at the start"
    return end, reason


def _first(*options: tuple[dt.date | None, str]) -> tuple[dt.date | None, str]:
    for date, reason in options:
        if date is not None:
            return date, reason
    return None, ""


def _result(
    endpoint: TimeToEvent, start: dt.date, end: dt.date, event: str | None, reason: str | None
) -> Survival:
    days = (end - start).days
    return Survival(
        start=start,
        end=end,
        days=days,
        months=months(days),
        event=event is not None,
        event_type=event,
        censor_reason=reason,
        landmarks=tuple(
            Landmark(at, _landmark(days, event is not None, at)) for at in endpoint.landmarks_months
        ),
    )


def _landmark(days: int, event: bool, at_months: float) -> str:
    """``event`` by the landmark, ``event_free`` beyond it, else ``censored`` before it."""
    limit = at_months * DAYS_PER_MONTH
    if event and days <= limit:
        return "event"
    if days >= limit:
        return "event_free"
    return "censored"
