"""API authentication by token (``Authorization: Token <key>``), as Django REST
framework's own, with the token and its user read in one plain SQL statement
(`oncotrial.apps.rows`): every API call makes this lookup, and the ORM's query building
cost several times the lookup itself."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from oncotrial.apps.rows import fetch_one


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        token = fetch_one(Token, "{key} = %s", [key], related={"user": None})
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
