"""API authentication by token (``Authorization: Token <key>``), as Django REST
framework's own, in plain SQL (`oncotrial.apps.rows`): every API call makes this
lookup. The user's memberships are read in the same statement, with the user, their
sites and studies, and kept for the request: the first check of the user's roles then
reads nothing more, nor does finding one of the user's studies by key
(`access.study_row_for`). A user with no membership is read with the token in a second
statement."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from oncotrial.apps.accounts.models import Membership
from oncotrial.apps.accounts.selectors import remember_memberships
from oncotrial.apps.rows import fetch, fetch_one


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        quote = transaction.get_connection().ops.quote_name
        table = quote(Token._meta.db_table)
        user_of_token = f"(SELECT {quote('user_id')} FROM {table} WHERE {quote('key')} = %s)"
        memberships = fetch(
            Membership,
            "{user_id} = " + user_of_token,
            [key],
            related={"user": None, "site": None, "study": None},
            order_by="{role}, {id}",
        )
        if memberships:
            user = memberships[0].user
            # the token as read by key (its creation time deferred)
            token = Token.from_db(memberships[0]._state.db, ["key", "user_id"], [key, user.pk])
            token.user = user
        else:
            token = fetch_one(Token, "{key} = %s", [key], related={"user": None})
            if token is None:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
            user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_memberships(user, memberships)
        return user, token
