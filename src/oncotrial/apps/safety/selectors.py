"""Read queries for adverse events and SAE reports, always scoped by the user's sites.

An event or report of a site the user does not belong to is in no queryset returned
here, so reaching it by id raises `DoesNotExist` (a 404 in views and the API).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.models import Site
from oncotrial.apps.safety.models import AdverseEvent, AeRelationship, SaeReport
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects.models import Subject
from oncotrial.domain.ctcae.events import clock, describe_clock
from oncotrial.domain.permissions import Action


def _sites(user: Any, study: Study, site: Site | None) -> QuerySet[Site]:
    sites = access_selectors.sites_for(user, study, Action.VIEW_SUBJECTS)
    return sites.filter(pk=site.pk) if site is not None else sites


def _events() -> QuerySet[AdverseEvent]:
    return AdverseEvent.objects.select_related("subject", "subject__site").prefetch_related(
        Prefetch("relationships", queryset=AeRelationship.objects.order_by("pk")),
        Prefetch("sae_reports", queryset=SaeReport.objects.order_by("sequence")),
    )


def events_of(subject: Subject) -> QuerySet[AdverseEvent]:
    """The subject's adverse events, earliest onset first (the subject was reached
    through `subjects.selectors.get_subject`, so it is at one of the user's sites)."""
    return _events().filter(subject=subject).order_by("onset_date", "pk")


def events_for(user: Any, study: Study, site: Site | None = None) -> QuerySet[AdverseEvent]:
    return _events().filter(subject__study=study, subject__site__in=_sites(user, study, site))


def get_event(user: Any, study: Study, pk: int) -> AdverseEvent:
    """The event `pk` if its subject is at one of the user's sites; else DoesNotExist."""
    return events_for(user, study).get(pk=pk)


def worklist(user: Any, study: Study, site: Site | None = None) -> QuerySet[AdverseEvent]:
    """The ongoing adverse events at the user's sites: serious and high grades first,
    then by onset."""
    return (
        events_for(user, study, site)
        .filter(ongoing=True)
        .order_by("-serious", "-grade", "onset_date", "pk")
    )


@dataclass(frozen=True)
class ReportRow:
    report: SaeReport
    state: str
    """draft reports: "due" or "overdue"; sent reports: "on_time" or "late"."""
    hours: int
    """Whole hours left (due) or overdue; for a sent report, hours before/after due."""
    text: str
    """"due in 5 h", "overdue by 3 h", "sent on time", "sent 2 h late"."""


def report_row(report: SaeReport, now: dt.datetime) -> ReportRow:
    if report.status == SaeReport.Status.DRAFT:
        state, hours = clock(report.due_at, now)
        return ReportRow(report, state, hours, describe_clock(report.due_at, now))
    sent = report.sent_to_sponsor_at or report.due_at
    state, hours = clock(report.due_at, sent)
    if state == "due":
        return ReportRow(report, "on_time", hours, "sent on time")
    return ReportRow(report, "late", hours, f"sent {describe_clock(report.due_at, sent)[11:]} late")


def reports_for(user: Any, study: Study, site: Site | None = None) -> QuerySet[SaeReport]:
    return (
        SaeReport.objects.filter(subject__study=study, subject__site__in=_sites(user, study, site))
        .select_related("adverse_event", "subject", "subject__site")
        .order_by("due_at", "pk")
    )


def get_report(user: Any, study: Study, pk: int) -> SaeReport:
    return reports_for(user, study).get(pk=pk)


def sae_worklist(
    user: Any, study: Study, *, now: dt.datetime | None = None, site: Site | None = None
) -> list[ReportRow]:
    """The SAE reports not yet sent at the user's sites, the earliest due first, with
    their clocks (hours left, or hours overdue)."""
    at = now if now is not None else timezone.now()
    drafts = reports_for(user, study, site).filter(status=SaeReport.Status.DRAFT)
    return [report_row(r, at) for r in drafts]
