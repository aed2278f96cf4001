from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_client(user):
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize("url", ["/api/studies/", "/api/studies/demo_ildr/"])
def test_anonymous_requests_are_refused(loaded_study, url):
    response = APIClient().get(url)

    assert response.status_code in (401, 403)


def test_list_for_a_token_user(token_client, loaded_study):
    response = token_client.get("/api/studies/")

    assert response.status_code == 200
    [study] = response.json()
    assert study["key"] == "demo_ildr"
    assert study["nct_id"] == "NCT09999999"
    assert study["phases"] == ["phase2"]
    assert study["enrollment_target"] == 30
    assert study["version"]["label"] == "1.0"
    assert study["version"]["sequence"] == 1


def test_detail_serialises_the_current_protocol(token_client, loaded_study):
    response = token_client.get("/api/studies/demo_ildr/")

    assert response.status_code == 200
    body = response.json()
    assert body["protocol"]["id"] == "demo_ildr"
    assert body["protocol"]["eligibility"]["inclusion"][1]["rule"] == {
        "field": "ecog",
        "op": "<=",
        "value": 2,
        "unit": None,
    }
    assert [e["id"] for e in body["protocol"]["endpoints"]] == ["dcr", "pfs2", "aes"]


def test_detail_of_an_unknown_study_is_404(token_client):
    assert token_client.get("/api/studies/nothing/").status_code == 404


def test_session_login_works_too(client, user, loaded_study):
    client.force_login(user)

    assert client.get("/api/studies/").status_code == 200


def test_schema_is_an_openapi_document(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/studies/" in schema["paths"]
    assert "/api/studies/{key}/" in schema["paths"]


def test_a_study_without_a_role_is_404_and_not_listed(client, django_user_model, loaded_study):
    from rest_framework.authtoken.models import Token

    outsider = django_user_model.objects.create_user(username="outsider", password="x-long-pw-1")
    token = Token.objects.create(user=outsider)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}

    assert client.get("/api/studies/", **headers).json() == []
    assert client.get("/api/studies/demo_ildr/", **headers).status_code == 404


def test_the_schema_generates_without_errors(db):
    """drf-spectacular falls back silently (and leaves an endpoint out or untyped) when it
    cannot read a view; it counts those as errors."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS._error_cache.clear()
    schema = SchemaGenerator().get_schema(request=None, public=True)

    assert dict(GENERATOR_STATS._error_cache) == {}
    assert "/api/studies/{key}/queries/{id}/answer/" in schema["paths"]


def test_a_wrong_token_or_an_inactive_user_is_401_with_the_reason(user, loaded_study):
    token = Token.objects.create(user=user)
    client = APIClient()

    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key[:-1]}x")
    wrong = client.get("/api/studies/")
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "Invalid token."}

    user.is_active = False
    user.save()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    inactive = client.get("/api/studies/")
    assert inactive.status_code == 401
    assert inactive.json() == {"detail": "User inactive or deleted."}
