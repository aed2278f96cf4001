"""Read queries for data queries, scoped by the user's site memberships."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.models import Site
from oncotrial.apps.crfs.models import FormInstance, Query
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects.models import Subject
from oncotrial.domain.permissions import Action

UNRESOLVED = (Query.Status.OPEN, Query.Status.ANSWERED)
STATUS_FILTERS = {
    "unresolved": UNRESOLVED,
    "open": (Query.Status.OPEN,),
    "answered": (Query.Status.ANSWERED,),
    "closed": (Query.Status.CLOSED,),
    "all": tuple(Query.Status),
}


@dataclass(frozen=True)
class QueryRow:
    query: Query
    age_days: int
    """Days since the query was raised."""


def _visible(user: Any, study: Study) -> QuerySet[Query]:
    sites = access_selectors.sites_for(user, study, Action.VIEW_SUBJECTS)
    return (
        Query.objects.filter(study=study, site__in=sites)
        .select_related("site", "subject", "form_instance__visit", "raised_by")
        .prefetch_related("messages__by")
    )


def open_queries(
    user: Any,
    study: Study,
    site: Site | None = None,
    *,
    today: dt.date,
    status: str = "unresolved",
) -> list[QueryRow]:
    """Queries at the user's sites (at `site` only, if given), oldest first, with their
    age in days on `today`. `status`: unresolved (open or answered, the default), open,
    answered, closed or all."""
    queries = _visible(user, study).filter(status__in=STATUS_FILTERS[status])
    if site is not None:
        queries = queries.filter(site=site)
    return [
        QueryRow(q, (today - timezone.localdate(q.raised_at)).days)
        for q in queries.order_by("raised_at", "id")
    ]


def get_query(user: Any, study: Study, pk: int) -> Query:
    """A query at one of the user's sites; else Query.DoesNotExist."""
    return _visible(user, study).get(pk=pk)


def queries_for(target: FormInstance | Subject) -> QuerySet[Query]:
    """The queries on a form instance or on a subject (all of their forms too), oldest
    first, with their messages. The caller has already reached `target` through a
    site-scoped selector."""
    queries = Query.objects.all()
    if isinstance(target, FormInstance):
        queries = queries.filter(form_instance=target)
    else:
        queries = queries.filter(subject=target)
    return (
        queries.select_related("site", "subject", "form_instance", "raised_by")
        .prefetch_related("messages__by")
        .order_by("raised_at", "id")
    )
