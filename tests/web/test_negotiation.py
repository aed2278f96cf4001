"""The API's content negotiation chooses what DRF's own chooses, for every kind of
Accept header and format override."""

from __future__ import annotations

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from oncotrial.web.negotiation import ContentNegotiation

RENDERER_LISTS = [
    [JSONRenderer(), BrowsableAPIRenderer()],
    [BrowsableAPIRenderer(), JSONRenderer()],
    [TemplateHTMLRenderer(), JSONRenderer()],
]


def _request(accept: str | None, query: str = "") -> Request:
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return Request(APIRequestFactory().get(f"/api/studies/{query}", **headers))


@pytest.mark.parametrize("renderers", RENDERER_LISTS)
@pytest.mark.parametrize(
    ("accept", "query"),
    [
        ("application/json", ""),
        ("text/html", ""),
        (None, ""),
        ("*/*", ""),
        ("application/json; indent=4", ""),
        ("text/html,application/json;q=0.9", ""),
        ("application/*", ""),
        ("application/json", "?format=api"),
        ("text/html", "?format=json"),
    ],
)
def test_the_renderer_and_media_type_are_drfs_choice(renderers, accept, query):
    chosen = _outcome(ContentNegotiation(), _request(accept, query), renderers)
    expected = _outcome(DefaultContentNegotiation(), _request(accept, query), renderers)
    assert chosen == expected


def _outcome(negotiation, request, renderers):
    """The renderer and media type chosen, or the refusal (406, or 404 for a format no
    renderer has)."""
    try:
        return negotiation.select_renderer(request, renderers)
    except NotAcceptable as refusal:
        return f"406: {refusal.detail}"
    except Http404:
        return "404"


def test_a_header_no_renderer_answers_is_refused_as_drf_refuses_it():
    with pytest.raises(NotAcceptable):
        ContentNegotiation().select_renderer(_request("image/png"), [JSONRenderer()])


def test_the_api_answers_json_to_clients_asking_for_json(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="a long password 1")
    client.force_login(user)
    response = client.get("/api/studies/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    browsable = client.get("/api/studies/", HTTP_ACCEPT="text/html")
    assert browsable["Content-Type"].startswith("text/html")
