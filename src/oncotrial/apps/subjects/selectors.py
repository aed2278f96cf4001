"""Read queries for subjects, always scoped by the user's site memberships.

A subject of a site the user does not belong to is not in any queryset returned here,
so reaching it by number raises `Subject.DoesNotExist` (a 404 in views and the API).
The concealed allocation list is only returned to roles allowed to see it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.models import Site
from oncotrial.apps.rows import fetch, fetch_one
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies import selectors as study_selectors
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects.models import AllocationSlot, AnchorEvent, Subject
from oncotrial.domain.permissions import Action


def visible_sites(user: Any, study: Study) -> QuerySet[Site]:
    """The study's sites whose subjects the user may see."""
    return access_selectors.sites_for(user, study, Action.VIEW_SUBJECTS)


def subjects_for(user: Any, study: Study, site: Site | None = None) -> QuerySet[Subject]:
    """The study's subjects at the user's sites (at `site` only, if given). Subjects are
    enrolled at the study's sites only, so a study-wide role sees them all."""
    subjects = Subject.objects.filter(study=study)
    site_ids = access_selectors.site_ids_for(user, study, Action.VIEW_SUBJECTS)
    if site_ids is not None:
        subjects = subjects.filter(site_id__in=sorted(site_ids))
    if site is not None:
        subjects = subjects.filter(site=site)
    return (
        subjects.select_related("site", "protocol_version", "candidate")
        .defer("protocol_version__protocol")
        .order_by("subject_number")
    )


# what a subject is read with (the protocol JSON of its version deferred)
SUBJECT_RELATIONS = {
    "site": None,
    "candidate": None,
    "protocol_version": study_selectors.VERSION_COLUMNS,
}


def get_subject(user: Any, study: Study, number: str) -> Subject:
    """The subject `number` if it is at one of the user's sites; else DoesNotExist. With
    its site, candidate and protocol version (the protocol JSON deferred)."""
    subject = fetch_one(
        Subject,
        "{study_id} = %s AND {subject_number} = %s",
        [study.pk, number],
        related=SUBJECT_RELATIONS,
    )
    if subject is None or not at_users_sites(user, study, subject):
        raise Subject.DoesNotExist(f"No subject {number} at your sites in {study.key}.")
    subject.study = study
    return subject


def at_users_sites(user: Any, study: Study, subject: Subject) -> bool:
    """Whether the subject of `study` is at a site where the user may see subjects."""
    site_ids = access_selectors.site_ids_for(user, study, Action.VIEW_SUBJECTS)
    return site_ids is None or subject.site_id in site_ids


def reread(pk: int) -> Subject:
    """The subject `pk` read again, with its study, site, candidate and protocol version
    (the protocol JSON deferred), for services that check a change against it; else
    DoesNotExist. Not scoped: the services check the user's role themselves."""
    found = fetch_one(
        Subject,
        "{id} = %s",
        [pk],
        related={"study": None, **SUBJECT_RELATIONS},
    )
    if found is None:
        raise Subject.DoesNotExist(f"No subject with key {pk}.")
    return found


def reread_locked(pk: int) -> Subject:
    """`reread` under a row lock on the subject (until the transaction ends), so that
    changes to one subject queue."""
    if fetch_one(Subject, "{id} = %s", [pk], columns=("id",), for_update=True) is None:
        raise Subject.DoesNotExist(f"No subject with key {pk}.")
    return reread(pk)


def event_dates(pk: int) -> dict[str, dt.date]:
    """The recorded dates of the subject's events, by anchor."""
    events = fetch(AnchorEvent, "{subject_id} = %s", [pk], columns=("id", "anchor", "date"))
    return {event.anchor: event.date for event in events}


def candidate_for(user: Any, study: Study, screening_number: str) -> Candidate:
    """A screening candidate at one of the user's sites; else DoesNotExist."""
    return Candidate.objects.select_related("site").get(
        study=study, screening_number=screening_number, site__in=visible_sites(user, study)
    )


@dataclass(frozen=True)
class SiteCounts:
    site: Site
    screened: int
    screen_failures: int
    enrolled: int
    on_treatment: int
    in_follow_up: int


def dashboard_counts(user: Any, study: Study) -> list[SiteCounts]:
    """Per site the user may see: candidates screened, screen failures, subjects
    enrolled, on treatment and in follow-up."""
    sites = list(visible_sites(user, study).order_by("code"))
    candidates = {
        row["site"]: row
        for row in Candidate.objects.filter(study=study, site__in=sites)
        .values("site")
        .annotate(
            screened=Count("pk"),
            failed=Count("pk", filter=Q(status=Candidate.Status.SCREEN_FAILED)),
        )
    }
    subjects = {
        row["site"]: row
        for row in Subject.objects.filter(study=study, site__in=sites)
        .values("site")
        .annotate(
            enrolled=Count("pk"),
            treatment=Count("pk", filter=Q(status=Subject.Status.ON_TREATMENT)),
            follow_up=Count("pk", filter=Q(status=Subject.Status.FOLLOW_UP)),
        )
    }
    return [
        SiteCounts(
            site=site,
            screened=candidates.get(site.pk, {}).get("screened", 0),
            screen_failures=candidates.get(site.pk, {}).get("failed", 0),
            enrolled=subjects.get(site.pk, {}).get("enrolled", 0),
            on_treatment=subjects.get(site.pk, {}).get("treatment", 0),
            in_follow_up=subjects.get(site.pk, {}).get("follow_up", 0),
        )
        for site in sites
    ]


def allocation_slots(user: Any, study: Study) -> QuerySet[AllocationSlot]:
    """The concealed allocation list; PermissionDenied for roles that may not see it."""
    if not access_selectors.can(user, study, Action.VIEW_ALLOCATION):
        raise PermissionDenied("Your role does not allow seeing the allocation list.")
    return AllocationSlot.objects.filter(allocation_list__study=study).order_by(
        "stratum", "sequence"
    )
