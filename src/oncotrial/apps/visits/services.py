"""The write path for visit calendars: materialising a subject's schedule and recording
what happened at each visit.

Every function runs in one transaction and writes its audit records in it. Bad input
raises `ValidationError` with messages per field; a change made from a stale copy of a
visit raises `VersionConflict`; in both cases nothing changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from oncotrial.apps.accounts.access import require
from oncotrial.apps.audit.services import (
    AuditContext,
    record_create_many,
    record_update,
    record_updates,
)
from oncotrial.apps.crfs.locks import active_lock_for, assert_unlocked
from oncotrial.apps.request_cache import remembering
from oncotrial.apps.rows import fetch_one
from oncotrial.apps.screening.models import Consent
from oncotrial.apps.studies import selectors as study_selectors
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import calendar
from oncotrial.domain.permissions import Action
from oncotrial.domain.protocol import Protocol

DEFAULT_HORIZON_YEARS = 5
PLAN_AHEAD_MONTHS = 6
"""Repeating visits are planned this far beyond the subject's latest event or recorded
visit (never past the protocol's own limit, see `protocol_horizon`)."""
PLAN_FURTHER_AFTER_DAYS = 91
"""A recorded visit plans the calendar further once it would move the plan on by this
much: the plan always reaches 3 to 6 months ahead of the subject's latest visit."""

_CREATED_FIELDS = ["visit_id", "occurrence", "target_date", "window_start", "window_end"]
_PLANNED_FIELDS = ("label", "anchor", "day", "target_date", "window_start", "window_end")


class VersionConflict(Exception):
    """The visit changed since the user read it (someone else saved first)."""

    def __init__(self, visit: Visit, expected: int) -> None:
        self.visit = visit
        self.expected = expected
        self.current = visit.version
        super().__init__(
            f"Visit {visit.label} was changed by someone else (version {visit.version}, "
            f"you edited version {expected}); reload the page and try again."
        )


def _context(user: Any, subject: Subject, reason: str = "") -> AuditContext:
    return AuditContext(
        user,
        study_key=subject.study.key,
        site_code=subject.site.code,
        subject_ref=subject.subject_number,
        reason=reason,
    )


def protocol_horizon(subject: Subject, protocol: Protocol) -> dt.date:
    """The last day repeating visits may ever be planned up to: the protocol's maximum
    duration from enrollment, else the study's completion date, else five years."""
    if protocol.schedule.max_duration_months:
        return calendar.calendar_horizon(protocol, subject.enrollment_date)
    completion = protocol.identification.dates.completion
    if completion is not None and completion > subject.enrollment_date:
        return completion
    return calendar.add_months(subject.enrollment_date, 12 * DEFAULT_HORIZON_YEARS)


def anchor_dates(subject: Subject) -> dict[str, dt.date]:
    """Every event date the subject's calendar can be timed from (or stopped by)."""
    dates: dict[str, dt.date] = {"enrollment": subject.enrollment_date}
    consent = fetch_one(
        Consent,
        "{candidate_id} = %s AND {withdrawn_at} IS NULL",
        [subject.candidate_id],
        columns=("id", "consented_at"),
        order_by="{consented_at} DESC",
    )
    if consent is not None:
        dates["consent"] = timezone.localdate(consent.consented_at)
    dates.update(subject_selectors.event_dates(subject.pk))
    return dates


def latest_activity(subject: Subject, anchors: dict[str, dt.date]) -> dt.date:
    """The date of the subject's latest event (`anchors`) or recorded visit (the date it
    took place, or the planned date of a missed one)."""
    recorded = subject.visits.filter(Q(actual_date__isnull=False) | Q(missed=True)).aggregate(
        last=Max(Coalesce("actual_date", "target_date"))
    )["last"]
    return max([*anchors.values(), *([recorded] if recorded is not None else [])])


def horizon(subject: Subject, protocol: Protocol, anchors: dict[str, dt.date]) -> dt.date:
    """The last day repeating visits are planned up to now: `PLAN_AHEAD_MONTHS` beyond
    the subject's latest activity, within the protocol's limit."""
    ahead = calendar.add_months(latest_activity(subject, anchors), PLAN_AHEAD_MONTHS)
    return min(protocol_horizon(subject, protocol), ahead)


def plan(subject: Subject, protocol: Protocol) -> tuple[list[calendar.PlannedVisit], dt.date]:
    """The visits the protocol plans for the subject as things stand, and the day
    repeating visits are planned up to. Raises ValidationError when the plan cannot be
    made (e.g. visits counted in treatment cycles whose length depends on a regimen the
    protocol leaves open)."""
    anchors = anchor_dates(subject)
    until = horizon(subject, protocol, anchors)
    try:
        planned = calendar.materialise_calendar(
            protocol,
            anchors,
            until,
            arm=subject.arm_id,
            regimen=subject.regimen or None,
        )
    except calendar.CalendarError as exc:
        raise ValidationError({"anchor": [f"Cannot plan the visits: {exc}."]}) from exc
    return planned, until


def as_planned(visit: Visit) -> calendar.PlannedVisit:
    """A stored visit as the calendar domain sees it."""
    return calendar.PlannedVisit(
        visit_id=visit.visit_id,
        label=visit.label,
        occurrence=visit.occurrence,
        anchor=visit.anchor,
        day=visit.day,
        target_date=visit.target_date,
        window_start=visit.window_start,
        window_end=visit.window_end,
        kind="follow_up" if visit.is_follow_up else "visit",
    )


def materialise(user: Any, subject: Subject, protocol: Protocol) -> None:
    """Bring the subject's stored calendar in line with the protocol's plan.

    New planned visits are created; planned visits not yet recorded follow a changed
    anchor date; recorded visits (done or missed) are kept as they are; planned visits
    no longer in the plan are cancelled (and restored if they come back). A visit under
    a visit, subject or study lock in force is kept as it is too (target date, window,
    cancelled or not), whatever the plan says. Repeating visits are planned up to
    `horizon`, which recorded visits move on (see `record_visit`).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("materialise runs inside the caller's transaction")
    context = _context(user, subject)
    stored = list(subject.visits.select_for_update())
    frozen = _locked_visits(subject, stored)
    existing = {(v.visit_id, v.occurrence): v for v in stored}
    planned, until = plan(subject, protocol)
    if subject.calendar_planned_until != until:
        subject.calendar_planned_until = until
        Subject.objects.filter(pk=subject.pk).update(calendar_planned_until=until)
    seen: set[tuple[str, int]] = set()
    created: list[Visit] = []
    updated: list[tuple[Visit, dict[str, tuple[Any, Any]]]] = []
    for p in planned:
        key = (p.visit_id, p.occurrence)
        seen.add(key)
        visit = existing.get(key)
        if visit is None:
            created.append(
                Visit(
                    subject=subject,
                    visit_id=p.visit_id,
                    occurrence=p.occurrence,
                    label=p.label,
                    anchor=p.anchor,
                    day=p.day,
                    target_date=p.target_date,
                    window_start=p.window_start,
                    window_end=p.window_end,
                    is_follow_up=p.kind == "follow_up",
                )
            )
            continue
        if _recorded(visit) or visit.pk in frozen:
            continue
        changes: dict[str, tuple[Any, Any]] = {}
        for name in _PLANNED_FIELDS:
            new = getattr(p, name)
            if getattr(visit, name) != new:
                changes[name] = (getattr(visit, name), new)
                setattr(visit, name, new)
        if visit.cancelled:
            changes["cancelled"] = (True, False)
            visit.cancelled = False
        if changes:
            visit.version += 1
            visit.save()
            updated.append((visit, changes))
    if updated:
        record_updates(context, updated)
    if created:
        Visit.objects.bulk_create(created)
        saved = [
            visit
            if visit.pk is not None
            # a backend that does not return ids
            else subject.visits.get(visit_id=visit.visit_id, occurrence=visit.occurrence)
            for visit in created
        ]
        record_create_many(context, saved, _CREATED_FIELDS)
    cancelled = []
    for key, visit in existing.items():
        if (
            key not in seen
            and not visit.cancelled
            and not _recorded(visit)
            and visit.pk not in frozen
        ):
            visit.cancelled = True
            visit.version += 1
            cancelled.append(visit)
    if cancelled:
        # every one was planned and not cancelled: a statement per 500 bumps their versions
        keys = [v.pk for v in cancelled]
        for start in range(0, len(keys), 500):
            Visit.objects.filter(pk__in=keys[start : start + 500]).update(
                cancelled=True, version=F("version") + 1
            )
        record_updates(context, [(visit, {"cancelled": (False, True)}) for visit in cancelled])


def _locked_visits(subject: Subject, visits: list[Visit]) -> set[int]:
    """The ids of `visits` a visit, subject or study lock in force covers (the study's
    locks are read once)."""
    if not visits:
        return set()
    with remembering():
        if active_lock_for(subject=subject) is not None:
            return {v.pk for v in visits}
        return {v.pk for v in visits if active_lock_for(visit=v, subject=subject) is not None}


def _plan_further(user: Any, subject: Subject, on: dt.date) -> None:
    """Plan the calendar further when a visit recorded on `on` moves its horizon on by
    `PLAN_FURTHER_AFTER_DAYS` or more (no query otherwise)."""
    planned_until = subject.calendar_planned_until
    ahead = calendar.add_months(on, PLAN_AHEAD_MONTHS)
    if planned_until is not None and ahead < planned_until + dt.timedelta(
        days=PLAN_FURTHER_AFTER_DAYS
    ):
        return
    protocol = study_selectors.protocol_of(subject.protocol_version)
    if protocol_horizon(subject, protocol) == planned_until:
        return
    materialise(user, subject, protocol)


def _recorded(visit: Visit) -> bool:
    return visit.actual_date is not None or visit.missed


def _locked(user: Any, visit: Visit, expected_version: Any) -> Visit:
    # the subject's row first, as recording an event locks it before re-planning the
    # calendar: changes to one subject's visits and events queue in the same order
    subject = subject_selectors.reread_locked(visit.subject_id)
    locked = fetch_one(
        Visit, "{id} = %s AND {subject_id} = %s", [visit.pk, subject.pk], for_update=True
    )
    if locked is None:
        raise Visit.DoesNotExist(f"No visit with key {visit.pk}.")
    locked.subject = subject
    require(user, locked.subject.study, Action.RECORD_VISITS, locked.subject.site)
    assert_unlocked(visit=locked)
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise ValidationError(
            {"expected_version": ["Give the version of the visit you edited."]}
        ) from None
    if expected != locked.version:
        raise VersionConflict(locked, expected)
    return locked


@transaction.atomic
def record_visit(
    user: Any, visit: Visit, actual_date: dt.date, expected_version: int, *, reason: str = ""
) -> Visit:
    """Record the date a visit took place. Changing a date already recorded (or a visit
    marked missed) needs a reason."""
    visit = _locked(user, visit, expected_version)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not isinstance(actual_date, dt.date):
        errors["actual_date"] = ["Enter a valid date."]
    elif actual_date > timezone.localdate():
        errors["actual_date"] = ["The visit date cannot be in the future."]
    elif actual_date < visit.subject.candidate.screening_date:
        errors["actual_date"] = [
            f"The visit date is before screening ({visit.subject.candidate.screening_date})."
        ]
    if visit.cancelled:
        errors["visit"] = ["This visit is cancelled: it is no longer in the subject's plan."]
    changing = (visit.actual_date is not None and visit.actual_date != actual_date) or visit.missed
    if changing and not reason:
        errors["reason"] = ["Give a reason for changing what was recorded."]
    if errors:
        raise ValidationError(errors)
    if visit.actual_date == actual_date and not visit.missed:
        return visit
    changes = {
        "actual_date": (visit.actual_date, actual_date),
        "missed": (visit.missed, False),
        "missed_reason": (visit.missed_reason, ""),
    }
    visit.actual_date = actual_date
    visit.missed = False
    visit.missed_reason = ""
    return _save(user, visit, changes, reason)


@transaction.atomic
def mark_missed(user: Any, visit: Visit, reason: str, expected_version: int) -> Visit:
    """Record that a visit did not take place, and why."""
    visit = _locked(user, visit, expected_version)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["Say why the visit was missed."]
    if visit.cancelled:
        errors["visit"] = ["This visit is cancelled: it is no longer in the subject's plan."]
    if errors:
        raise ValidationError(errors)
    if visit.missed and visit.missed_reason == reason:
        return visit
    changes = {
        "actual_date": (visit.actual_date, None),
        "missed": (visit.missed, True),
        "missed_reason": (visit.missed_reason, reason),
    }
    visit.actual_date = None
    visit.missed = True
    visit.missed_reason = reason
    return _save(user, visit, changes, reason)


def _save(user: Any, visit: Visit, changes: dict[str, tuple[Any, Any]], reason: str) -> Visit:
    visit.recorded_at = timezone.now()
    visit.recorded_by = user
    visit.version += 1
    visit.save()
    record_update(_context(user, visit.subject, reason), visit, changes)
    _plan_further(user, visit.subject, visit.actual_date or visit.target_date)
    return visit
