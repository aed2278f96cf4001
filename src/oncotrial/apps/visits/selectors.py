"""Read queries for visit calendars and the worklist, scoped by the user's sites."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.rows import fetch_one
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.subjects.selectors import SUBJECT_RELATIONS
from oncotrial.apps.visits.models import Visit
from oncotrial.apps.visits.services import as_planned
from oncotrial.domain import calendar as domain_calendar


@dataclass(frozen=True)
class CalendarRow:
    visit: Visit
    status: str
    """upcoming, due, overdue, done, missed (or cancelled)."""
    in_window: bool | None
    """For a done visit: whether it took place within its window."""


def status_of(visit: Visit, today: dt.date) -> str:
    if visit.cancelled and visit.actual_date is None and not visit.missed:
        return "cancelled"
    return domain_calendar.visit_status(as_planned(visit), visit.actual_date, visit.missed, today)


def row(visit: Visit, today: dt.date) -> CalendarRow:
    window = (
        domain_calendar.in_window(as_planned(visit), visit.actual_date)
        if visit.actual_date is not None
        else None
    )
    return CalendarRow(visit, status_of(visit, today), window)


def calendar(
    subject: Subject, today: dt.date, *, include_cancelled: bool = False
) -> list[CalendarRow]:
    """The subject's visits in date order, each with its status on `today`."""
    visits = subject.visits.all()
    if not include_cancelled:
        visits = visits.exclude(cancelled=True, actual_date__isnull=True, missed=False)
    return [row(v, today) for v in visits.order_by("target_date", "visit_id", "occurrence")]


def get_visit(user: Any, study: Study, visit_pk: int) -> Visit:
    """A visit of a subject at one of the user's sites; else Visit.DoesNotExist."""
    return Visit.objects.select_related("subject__site", "subject__study").get(
        pk=visit_pk, subject__in=subject_selectors.subjects_for(user, study)
    )


def subject_and_visit(
    user: Any, study: Study, number: str, visit_pk: int
) -> tuple[Subject, Visit | None]:
    """The subject `number`, read as `subjects.selectors.get_subject` reads it, with its
    visit `visit_pk` (None when it has no such visit), in one statement.
    Subject.DoesNotExist when the subject is not at one of the user's sites."""
    visit = fetch_one(
        Visit,
        "{id} = %s AND {subject__study_id} = %s AND {subject__subject_number} = %s",
        [visit_pk, study.pk, number],
        related={
            "subject": None,
            **{f"subject__{key}": columns for key, columns in SUBJECT_RELATIONS.items()},
        },
    )
    if visit is None or not subject_selectors.at_users_sites(user, study, visit.subject):
        return subject_selectors.get_subject(user, study, number), None
    visit.subject.study = study
    return visit.subject, visit


def worklist(
    user: Any, study: Study, today: dt.date, site: Site | None = None
) -> list[CalendarRow]:
    """Due and overdue visits of subjects at the user's sites (or at `site`), oldest
    first."""
    visits = (
        Visit.objects.filter(
            subject__in=subject_selectors.subjects_for(user, study, site),
            cancelled=False,
            actual_date__isnull=True,
            missed=False,
            window_start__lte=today,
        )
        .select_related("subject__site")
        .order_by("target_date", "subject__subject_number", "visit_id", "occurrence")
    )
    return [row(v, today) for v in visits]
