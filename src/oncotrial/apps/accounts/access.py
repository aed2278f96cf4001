"""Resolving the study a request is about, and refusing what the user may not do.

Views and API endpoints call `study_for(request.user, key, action)`: a study the user
has no role in does not exist for them (404); a study they belong to but where their
roles do not allow `action` is forbidden (403). Subjects of another site are simply not
in the querysets the selectors return, so reaching one by id is a 404 as well.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.models import Site
from oncotrial.apps.studies import selectors as study_selectors
from oncotrial.apps.studies.models import Study
from oncotrial.domain.permissions import Action


def study_for(user: Any, key: str, action: Action = Action.VIEW_STUDY) -> study_selectors.StudyView:
    try:
        view = study_selectors.get_study(key)
    except Study.DoesNotExist:
        raise Http404(f"No study {key}") from None
    _check_study(user, view.study, action)
    return view


def study_row_for(user: Any, key: str, action: Action = Action.VIEW_STUDY) -> Study:
    """The study `key` as `study_for` checks it, without its current protocol: for the
    requests that work under a subject's own protocol version. Found among the
    memberships read with the user's API token when it is one of their studies (no
    statement), read with `study_for` otherwise."""
    study = access_selectors.remembered_study(user, key)
    if study is None:
        return study_for(user, key, action).study
    _check_study(user, study, action)
    return study


def _check_study(user: Any, study: Study, action: Action) -> None:
    if not (user.is_superuser or access_selectors.roles_at(user, study)):
        raise Http404(f"No study {study.key}")
    if not (user.is_superuser and action == Action.VIEW_STUDY) and not access_selectors.can(
        user, study, action
    ):
        raise PermissionDenied(f"Your role in {study.key} does not allow this ({action.value}).")


def require(user: Any, study: Study, action: Action, site: Site | None = None) -> None:
    """Refuse (403) unless the user may do `action` in `study` at `site`."""
    if not access_selectors.can(user, study, action, site):
        where = f" at site {site.code}" if site else ""
        raise PermissionDenied(
            f"Your role in {study.key}{where} does not allow this ({action.value})."
        )
