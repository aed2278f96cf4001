"""Who may see and do what: every read of subject data is scoped through these."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from oncotrial.apps.accounts.models import Membership, Site
from oncotrial.apps.request_cache import recall, remember, remembered
from oncotrial.apps.rows import fetch
from oncotrial.apps.studies.models import Study
from oncotrial.domain.permissions import Action, Role, allows


def _memberships(user: Any, study: Study) -> list[Membership]:
    if not getattr(user, "is_authenticated", False):
        return []
    return remembered(  # type: ignore[no-any-return]
        ("memberships", user.pk, study.pk), lambda: _read_memberships(user, study)
    )


def _read_memberships(user: Any, study: Study) -> list[Membership]:
    every = recall(("all memberships", user.pk))
    if every is not None:
        memberships = [m for m in every if m.study_id == study.pk]
    else:
        memberships = fetch(
            Membership,
            "{user_id} = %s AND {study_id} = %s",
            [user.pk, study.pk],
            related={"site": None},
            order_by="{role}, {id}",
        )
    for membership in memberships:
        membership.study = study
    return memberships


def remember_memberships(user: Any, memberships: list[Membership]) -> None:
    """Keep for the request every membership of `user` in every study (with their
    sites and studies, ordered by role), read with the user: role checks then read
    nothing."""
    remember(("all memberships", user.pk), memberships)


def remembered_study(user: Any, key: str) -> Study | None:
    """The study `key` as read with the user's memberships (`remember_memberships`);
    None when they were not read that way or the user has no role in it."""
    every = recall(("all memberships", getattr(user, "pk", None)))
    for membership in every or ():
        if membership.study.key == key:
            return membership.study  # type: ignore[no-any-return]
    return None


def studies_for(user: Any) -> QuerySet[Study]:
    """Studies the user has any role in (every study for a superuser)."""
    if not getattr(user, "is_authenticated", False):
        return Study.objects.none()
    if user.is_superuser:
        return Study.objects.all()
    return Study.objects.filter(memberships__user=user).distinct()


def roles_at(user: Any, study: Study, site: Site | None = None) -> set[Role]:
    """The user's roles in `study` that apply at `site` (study-wide roles apply at every
    site). With no site: every role the user holds in the study."""
    return {
        Role(m.role)
        for m in _memberships(user, study)
        if site is None or m.site_id is None or m.site_id == site.pk
    }


def can(user: Any, study: Study, action: Action, site: Site | None = None) -> bool:
    """May the user do `action` in `study` (at `site`, or at some site when None)?"""
    return allows(roles_at(user, study, site), action)


def sites_for(user: Any, study: Study, action: Action = Action.VIEW_SUBJECTS) -> QuerySet[Site]:
    """The study's sites where the user may do `action`."""
    site_ids = site_ids_for(user, study, action)
    study_sites = Site.objects.filter(study_sites__study=study).distinct()
    return study_sites if site_ids is None else study_sites.filter(pk__in=site_ids)


def site_ids_for(user: Any, study: Study, action: Action = Action.VIEW_SUBJECTS) -> set[int] | None:
    """The ids of the sites where the user may do `action` in `study`, from the
    memberships already read; None when a study-wide role allows it at every site."""
    memberships = [m for m in _memberships(user, study) if allows({Role(m.role)}, action)]
    if any(m.site_id is None for m in memberships):
        return None
    return {m.site_id for m in memberships}


def study_sites(study: Study) -> QuerySet[Site]:
    return Site.objects.filter(study_sites__study=study).order_by("code")
