"""API token authentication reads the user's memberships with the token, and the role
checks of the request use them: same answers as reading them per study, one statement
fewer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from oncotrial.apps.accounts.models import Membership
from oncotrial.domain.permissions import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_studies(edited_protocol):
    from oncotrial.apps.studies.services import load_protocol_file

    first = load_protocol_file(edited_protocol(name="first.yaml")).study
    second = load_protocol_file(
        edited_protocol(("id: demo_ildr", "id: second_ildr"), name="second.yaml")
    ).study
    return first, second


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _membership_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if "accounts_membership" in q["sql"]]


def test_the_memberships_come_with_the_token_in_one_statement(user, two_studies):
    first, second = two_studies
    Membership.objects.create(user=user, study=first, site=None, role=Role.STATISTICIAN)
    Membership.objects.create(user=user, study=second, site=None, role=Role.MONITOR)
    client = _client(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/studies/{second.key}/")

    assert response.status_code == 200
    [read] = _membership_reads(queries.captured_queries)
    assert "authtoken_token" in read
    assert [q["sql"] for q in queries.captured_queries if "auth_user" in q["sql"]] == [read]


def test_roles_are_those_of_each_study(user, two_studies):
    first, second = two_studies
    Membership.objects.create(user=user, study=first, site=None, role=Role.STATISTICIAN)
    client = _client(user)

    assert client.get(f"/api/studies/{first.key}/").status_code == 200
    assert client.get(f"/api/studies/{second.key}/").status_code == 404
    assert [s["key"] for s in client.get("/api/studies/").json()] == [first.key]


def test_a_user_without_memberships_is_still_authenticated(django_user_model, two_studies):
    first, _second = two_studies
    admin = django_user_model.objects.create_superuser("admin", password="a-long-pass-123")
    client = _client(admin)

    response = client.get(f"/api/studies/{first.key}/")

    assert response.status_code == 200
    assert response.wsgi_request.user == admin
    assert response.wsgi_request.auth.key == Token.objects.get(user=admin).key


def test_the_request_carries_the_token(user, two_studies):
    first, _second = two_studies
    Membership.objects.create(user=user, study=first, site=None, role=Role.STATISTICIAN)
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get(f"/api/studies/{first.key}/")

    assert response.wsgi_request.auth == token
    assert response.wsgi_request.auth.user == user
    assert response.wsgi_request.auth.created == token.created


@pytest.mark.parametrize("active", [True, False])
def test_an_inactive_member_is_refused(user, two_studies, active):
    first, _second = two_studies
    Membership.objects.create(user=user, study=first, site=None, role=Role.STATISTICIAN)
    user.is_active = active
    user.save()

    response = _client(user).get(f"/api/studies/{first.key}/")

    assert response.status_code == (200 if active else 401)
    if not active:
        assert response.json()["detail"] == "User inactive or deleted."
