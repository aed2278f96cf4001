"""`{% may user study "action" as allowed %}`: whether a role of the user allows an action
in a study (to show only the links a user can follow)."""

from __future__ import annotations

from typing import Any

from django import template

from oncotrial.apps.accounts import selectors
from oncotrial.domain.permissions import Action

register = template.Library()


@register.simple_tag
def may(user: Any, study: Any, action: str) -> bool:
    if not getattr(user, "is_authenticated", False) or study is None:
        return False
    return bool(user.is_superuser) or selectors.can(user, study, Action(action))
