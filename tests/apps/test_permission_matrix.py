"""Permission matrix: every page and API endpoint × every kind of user.

The columns are the anonymous user, the six roles of the policy (investigator and
coordinator at SH01, the others study-wide), a user who holds a role in another study
only, and an investigator of site BJ02 reaching SH01's objects. The expected statuses
are written out by hand from `ROLE_ACTIONS` and the access rules:

- anonymous: 302 to the login page for pages, 401 for the API (token authentication);
- a study the user has no role in: 404;
- a role that lacks the endpoint's action: 403;
- another site's candidate, subject or visit in the URL: 404; another site's candidate
  or site named in a request body: 400 with a field message (nothing is found among
  the user's own);
- allowed: 200 for reads, 201 for API creations, 302 after a page's form is saved.

The case report form and data-management rows (queries, signatures, locks) run against
the sirolimus study, where the same people hold the same roles; the sarcoma trial has
no study-specific form.

`test_matrix_follows_the_policy` checks the table against `ROLE_ACTIONS`, and
`test_every_route_is_in_the_matrix` that no route of the project is left out. Each case
compares the conduct tables before and after the request: a denied write, and every
read, leaves them untouched; an allowed write changes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.http import urlencode
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from oncotrial.apps.crfs.models import FormInstance, Query
from oncotrial.apps.screening import selectors as screening_selectors
from oncotrial.apps.screening import services as screening_services
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import ROLE_ACTIONS, Action, Role

from . import permission_rows
from .conftest import STAFF_PASSWORD
from .permission_endpoint import (
    ANSWERED_Q,
    AT_VISIT,
    CFORM,
    CK,
    COLUMNS,
    CSUBJ,
    ELIG,
    EXCLUDED_NAMESPACES,
    LOCK,
    OPEN_Q,
    SCR,
    SUBJ,
    VISIT,
    WRITE_METHODS,
    Endpoint,
    K,
)
from .permission_scenario import (
    ANONYMOUS,
    BASELINE_HISTORY,
    NO_ROLE,
    OTHER_SITE,
    Scenario,
    build,
    fingerprint,
)


def _attest_body(api: bool) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Change the first checklist answer to "not met" (with a reason), keep the others."""

    def body(ctx: dict[str, Any]) -> dict[str, Any]:
        first, *rest = ctx["checklist"]
        if api:
            return {"attestations": {first: False}, "reason": "re-read the source notes"}
        return {first: "no", **dict.fromkeys(rest, "yes"), "reason": "re-read the source notes"}

    return body


def _form_page_body(ctx: dict[str, Any]) -> dict[str, Any]:
    """Every item of the form as the page posts it (an item left out is cleared), the
    weight changed, with a reason and the version read."""
    values = {**BASELINE_HISTORY, "weight": 72}
    items = {
        f"item_{k}": str(v).lower() if isinstance(v, bool) else str(v) for k, v in values.items()
    }
    return {
        **items,
        "visit": str(ctx["crf_visit"]),
        "expected_version": str(ctx["form_version"]),
        "reason": "transcription error",
    }


def _step_body(step: str, version: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A query step as the thread page posts it (fields prefixed with the step), based
    on the version of the query named by `version` in the context."""

    def body(ctx: dict[str, Any]) -> dict[str, Any]:
        return {
            f"{step}-text": f"{step}: see the source document",
            f"{step}-expected_version": str(ctx[version]),
        }

    return body


SIGN_PAGE = "casebook-all"
"""The prefix of the casebook signature form on the signatures page."""


# fmt: off
# columns:                  anon adm inv coo dm  mon sta none bj02
CORE: list[Endpoint] = [
    # ------------------------------------------------------------------ pages
    Endpoint("home", "GET",  "302 302 302 302 302 302 302 302 302", None,
             note="redirects to the study list"),
    Endpoint("login", "GET", "200 302 302 302 302 302 302 302 302", None,
             note="a signed-in user is sent on"),
    Endpoint("logout", "POST", "302 302 302 302 302 302 302 302 302", None),
    Endpoint("studies:list", "GET",   "302 200 200 200 200 200 200 200 200", None,
             note="lists only the studies a user holds a role in (none: an empty list)"),
    Endpoint("studies:detail", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_STUDY, K),
    Endpoint("subjects:dashboard", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_STUDY, K),
    Endpoint("screening:log", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K),
    Endpoint("screening:register", "GET",  "302 403 200 200 403 403 403 404 200",
             Action.SCREEN, K),
    Endpoint("screening:register", "POST", "302 403 302 302 403 403 403 404 400",
             Action.SCREEN, K,
             {"site": "SH01", "screening_date": "2025-03-20", "initials": "NW"}, writes=True,
             note="BJ02: the form only offers the user's own sites"),
    Endpoint("screening:candidate", "GET",  "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SCR, object_in_url=True),
    Endpoint("screening:candidate", "POST", "302 403 302 302 403 403 403 404 404",
             Action.SCREEN, SCR, {"ecog": "0", "reason": "source document re-read"},
             writes=True, object_in_url=True),
    Endpoint("screening:preview", "POST", "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SCR, {"ecog": "3"}, object_in_url=True,
             note="evaluates unsaved values; writes nothing"),
    Endpoint("screening:attest", "POST", "302 403 302 403 403 403 403 404 404",
             Action.ATTEST_ELIGIBILITY, SCR, _attest_body(api=False), writes=True,
             object_in_url=True),
    Endpoint("screening:confirm", "POST", "302 403 302 403 403 403 403 404 404",
             Action.ATTEST_ELIGIBILITY, SCR, {}, writes=True, object_in_url=True),
    Endpoint("screening:consent", "POST", "302 403 302 302 403 403 403 404 404",
             Action.RECORD_CONSENT, SCR,
             {"consented_at": "2025-03-05T10:00", "obtained_by": "{coordinator_pk}"},
             writes=True, object_in_url=True),
    Endpoint("screening:screen-failure", "POST", "302 403 302 302 403 403 403 404 404",
             Action.SCREEN, SCR, {"reason": "withdrew before enrollment"}, writes=True,
             object_in_url=True),
    Endpoint("subjects:list", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K),
    Endpoint("subjects:enroll", "GET",  "302 403 200 200 403 403 403 404 404",
             Action.ENROLL, ELIG, object_in_url=True),
    Endpoint("subjects:enroll", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENROLL, ELIG, {"enrollment_date": "2025-03-11"}, writes=True,
             object_in_url=True),
    Endpoint("subjects:detail", "GET", "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("subjects:anchor_event", "POST", "302 403 302 302 403 403 403 404 404",
             Action.RECORD_VISITS, SUBJ, {"anchor": "last_dose", "date": "2025-04-30"},
             writes=True, object_in_url=True),
    Endpoint("visits:worklist", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K),
    Endpoint("visits:record", "POST", "302 403 302 302 403 403 403 404 404",
             Action.RECORD_VISITS, VISIT,
             {"actual_date": "2025-03-12", "expected_version": "{visit_version}"},
             writes=True, object_in_url=True),
    Endpoint("visits:missed", "POST", "302 403 302 302 403 403 403 404 404",
             Action.RECORD_VISITS, VISIT,
             {"reason": "patient unwell", "expected_version": "{visit_version}"},
             writes=True, object_in_url=True),
    # case report forms (sirolimus study)
    Endpoint("crfs:casebook", "GET", "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, CSUBJ, object_in_url=True),
    Endpoint("crfs:form", "GET",  "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, CFORM, query=AT_VISIT, object_in_url=True),
    Endpoint("crfs:form", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, CFORM, _form_page_body, writes=True, object_in_url=True),
    # data management: queries
    Endpoint("crfs_dm:queries", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, CK, note="lists the queries of the user's sites"),
    Endpoint("crfs_dm:raise_query", "GET",  "302 403 403 403 200 200 403 404 403",
             Action.RAISE_QUERY, CK),
    Endpoint("crfs_dm:raise_query", "POST", "302 403 403 403 302 302 403 404 403",
             Action.RAISE_QUERY, CK,
             {"subject": "{crf_subject}", "form": "{crf_form}", "item": "height",
              "text": "Height differs from the source."}, writes=True),
    Endpoint("crfs_dm:query", "GET", "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, OPEN_Q, object_in_url=True),
    Endpoint("crfs_dm:query_step", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ANSWER_QUERY, (*OPEN_Q, "answer"),
             _step_body("answer", "open_query_version"), writes=True,
             object_in_url=True, variant="answer", note="an open query"),
    Endpoint("crfs_dm:query_step", "POST", "302 403 403 403 302 302 403 404 404",
             Action.RAISE_QUERY, (*ANSWERED_Q, "reopen"),
             _step_body("reopen", "answered_query_version"), writes=True,
             object_in_url=True, variant="reopen", note="an answered query"),
    Endpoint("crfs_dm:query_step", "POST", "302 403 403 403 302 302 403 404 404",
             Action.RAISE_QUERY, (*OPEN_Q, "close"),
             _step_body("close", "open_query_version"), writes=True,
             object_in_url=True, variant="close", note="an open query"),
    # data management: signatures (the password is the signer's own)
    Endpoint("crfs_dm:signatures", "GET",  "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, CSUBJ, object_in_url=True),
    Endpoint("crfs_dm:signatures", "POST", "302 403 302 403 403 403 403 404 404",
             Action.SIGN, CSUBJ,
             {"prefix": SIGN_PAGE, f"{SIGN_PAGE}-scope": "casebook",
              f"{SIGN_PAGE}-meaning": "I approve the data in this casebook.",
              f"{SIGN_PAGE}-password": STAFF_PASSWORD},
             writes=True, object_in_url=True),
    # data management: locks (a subject lock; the lock in the URL is on a visit)
    Endpoint("crfs_dm:locks", "GET",  "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, CK, note="lists study locks and locks of the user's sites"),
    Endpoint("crfs_dm:locks", "POST", "302 403 403 403 302 403 403 404 403",
             Action.LOCK_DATA, CK,
             {"scope": "subject", "subject": "{crf_subject}", "reason": "casebook reviewed"},
             writes=True),
    Endpoint("crfs_dm:unlock", "POST", "302 403 403 403 302 403 403 404 404",
             Action.LOCK_DATA, LOCK, {"reason": "late laboratory result"}, writes=True,
             object_in_url=True),
    # ------------------------------------------------------------------ API
    Endpoint("api:schema", "GET", "200 200 200 200 200 200 200 200 200", None,
             note="the OpenAPI description is public: it holds no study data"),
    Endpoint("api:studies-list", "GET",   "401 200 200 200 200 200 200 200 200", None),
    Endpoint("api:studies-detail", "GET", "401 200 200 200 200 200 200 404 200",
             Action.VIEW_STUDY, K),
    Endpoint("api:dashboard", "GET", "401 200 200 200 200 200 200 404 200",
             Action.VIEW_STUDY, K),
    Endpoint("api:subjects-list", "GET",  "401 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K),
    Endpoint("api:subjects-list", "POST", "401 403 201 201 403 403 403 404 400",
             Action.ENROLL, K,
             {"screening_number": "{eligible}", "enrollment_date": "2025-03-11"},
             writes=True, note="BJ02: the SH01 candidate is not among the user's"),
    Endpoint("api:subjects-detail", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:subjects-anchor-events", "POST", "401 403 201 201 403 403 403 404 404",
             Action.RECORD_VISITS, SUBJ, {"anchor": "last_dose", "date": "2025-04-30"},
             writes=True, object_in_url=True),
    Endpoint("api:visits-detail", "GET",   "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, VISIT, object_in_url=True),
    Endpoint("api:visits-detail", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.RECORD_VISITS, VISIT,
             {"actual_date": "2025-03-12", "expected_version": "{visit_version}"},
             writes=True, object_in_url=True),
    Endpoint("api:worklist", "GET", "401 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K),
    Endpoint("api:screening-candidates", "GET",  "401 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K),
    Endpoint("api:screening-candidates", "POST", "401 403 201 201 403 403 403 404 400",
             Action.SCREEN, K, {"site": "SH01", "screening_date": "2025-03-20"}, writes=True,
             note="BJ02: SH01 is not one of the user's sites"),
    Endpoint("api:screening-candidate", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SCR, object_in_url=True),
    Endpoint("api:screening-values", "PUT", "401 403 200 200 403 403 403 404 404",
             Action.SCREEN, SCR,
             {"values": {"ecog": {"value": 0}}, "reason": "source document re-read"},
             writes=True, object_in_url=True),
    Endpoint("api:screening-attestations", "POST", "401 403 200 403 403 403 403 404 404",
             Action.ATTEST_ELIGIBILITY, SCR, _attest_body(api=True), writes=True,
             object_in_url=True),
    Endpoint("api:screening-eligibility", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SCR, object_in_url=True),
    Endpoint("api:screening-confirm-eligibility", "POST",
             "401 403 201 403 403 403 403 404 404",
             Action.ATTEST_ELIGIBILITY, SCR, {}, writes=True, object_in_url=True),
    Endpoint("api:screening-screen-failure", "POST", "401 403 200 200 403 403 403 404 404",
             Action.SCREEN, SCR, {"reason": "withdrew before enrollment"}, writes=True,
             object_in_url=True),
    Endpoint("api:screening-consents", "POST", "401 403 201 201 403 403 403 404 404",
             Action.RECORD_CONSENT, SCR, {"consented_at": "2025-03-05T10:00:00Z"},
             writes=True, object_in_url=True),
    Endpoint("api:screening-log", "GET", "401 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K),
    # case report forms (sirolimus study; a save on locked data would be a 423)
    Endpoint("api:crfs-casebook", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, CSUBJ, object_in_url=True),
    Endpoint("api:crfs-form", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, CFORM, query=AT_VISIT, object_in_url=True),
    Endpoint("api:crfs-form", "PUT", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, CFORM,
             {"values": {"weight": 72}, "expected_version": "{form_version}",
              "reason": "transcription error"},
             writes=True, object_in_url=True, query=AT_VISIT),
    Endpoint("api:crfs-form-history", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, CFORM, query=AT_VISIT, object_in_url=True),
    # data management: queries
    Endpoint("api:queries-list", "GET",  "401 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, CK, note="lists the queries of the user's sites"),
    Endpoint("api:queries-list", "POST", "401 403 403 403 201 201 403 404 404",
             Action.RAISE_QUERY, CK,
             {"subject": "{crf_subject}", "form_instance": "{crf_form}", "item_id": "height",
              "text": "Height differs from the source."}, writes=True,
             note="BJ02: the SH01 subject is not among the user's (404, before the role)"),
    Endpoint("api:queries-detail", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, OPEN_Q, object_in_url=True),
    Endpoint("api:queries-answer", "POST", "401 403 200 200 403 403 403 404 404",
             Action.ANSWER_QUERY, OPEN_Q,
             {"text": "Weight checked: 71 kg.", "expected_version": "{open_query_version}"},
             writes=True, object_in_url=True, note="an open query"),
    Endpoint("api:queries-reopen", "POST", "401 403 403 403 200 200 403 404 404",
             Action.RAISE_QUERY, ANSWERED_Q,
             {"text": "The report names N2.", "expected_version": "{answered_query_version}"},
             writes=True, object_in_url=True, note="an answered query"),
    Endpoint("api:queries-close", "POST", "401 403 403 403 200 200 403 404 404",
             Action.RAISE_QUERY, OPEN_Q,
             {"text": "Confirmed at monitoring.", "expected_version": "{open_query_version}"},
             writes=True, object_in_url=True, note="an open query"),
    # data management: signatures (the password is the signer's own)
    Endpoint("api:subjects-signatures", "GET",  "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, CSUBJ, object_in_url=True),
    Endpoint("api:subjects-signatures", "POST", "401 403 201 403 403 403 403 404 404",
             Action.SIGN, CSUBJ,
             {"scope": "casebook", "password": STAFF_PASSWORD,
              "meaning": "I approve the data in this casebook."},
             writes=True, object_in_url=True),
    # data management: locks (a subject lock; the lock in the URL is on a visit)
    Endpoint("api:locks-list", "GET",  "401 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, CK, note="lists study locks and locks of the user's sites"),
    Endpoint("api:locks-list", "POST", "401 403 403 403 201 403 403 404 403",
             Action.LOCK_DATA, CK,
             {"scope": "subject", "subject": "{crf_subject}", "reason": "casebook reviewed"},
             writes=True),
    Endpoint("api:locks-unlock", "POST", "401 403 403 403 200 403 403 404 404",
             Action.LOCK_DATA, LOCK, {"reason": "late laboratory result"}, writes=True,
             object_in_url=True),
]
# fmt: on

MATRIX: list[Endpoint] = CORE + permission_rows.rows()

SUCCESS = {200, 201, 302}


def _allowed(endpoint: Endpoint, status: int, column: str = "") -> bool:
    """Does `status` say the request was carried out? (Not a redirect to the login page,
    nor a page that sends a signed-in user on.)"""
    if column == ANONYMOUS and endpoint.action is not None:
        return False
    return status in SUCCESS and not (status == 302 and endpoint.method == "GET")


# --------------------------------------------------------------------------- the table


def test_matrix_follows_the_policy():
    """Every row agrees with ROLE_ACTIONS and the access rules."""
    for endpoint in MATRIX:
        where = endpoint.id
        assert endpoint.status(ANONYMOUS) in ((401,) if endpoint.api else (302,)) or (
            endpoint.action is None
        ), where
        if endpoint.action is None:
            continue
        assert endpoint.status(NO_ROLE) == 404, where
        for role in Role:
            allowed = endpoint.action in ROLE_ACTIONS[role]
            status = endpoint.status(role.value)
            assert _allowed(endpoint, status) == allowed, f"{where} {role.value}"
            assert allowed or status == 403, f"{where} {role.value}"
        # the BJ02 user is an investigator: allowed, but SH01's objects are not theirs
        other = endpoint.status(OTHER_SITE)
        mine = endpoint.status(Role.INVESTIGATOR.value)
        if endpoint.object_in_url:
            assert other == 404, where
        elif endpoint.method in WRITE_METHODS:
            assert other in (400, 403, 404), where
        else:
            assert other == mine, where


def _routes(patterns: list[Any], prefix: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in EXCLUDED_NAMESPACES:
                continue
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found.update(_routes(pattern.url_patterns, namespace))
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"unnamed route {pattern.pattern}: name it to list it"
            found[f"{prefix}{pattern.name}"] = pattern.callback
    return found


def test_every_route_is_in_the_matrix():
    routes = _routes(get_resolver().url_patterns)
    listed = {e.route for e in MATRIX}
    assert sorted(set(routes) - listed) == [], "routes missing from the permission matrix"
    assert sorted(listed - set(routes)) == [], "matrix rows for routes that do not exist"
    # every method an API view answers is in the matrix
    for name, callback in routes.items():
        cls = getattr(callback, "cls", None)
        if cls is None:
            continue
        methods = {m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)}
        covered = {e.method for e in MATRIX if e.route == name}
        assert methods <= covered, f"{name}: {sorted(methods - covered)} not in the matrix"


# --------------------------------------------------------------------------- scenario


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, staff_password_hash):
    """The scenario, built once for the module inside a transaction that is rolled back
    at the end; each test runs in a savepoint inside it (the `db` fixture)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            scenario = build(staff_password_hash, STAFF_PASSWORD)
            scenario.extra.update(permission_rows.build_all(scenario))
            yield scenario
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def scenario(built: Scenario, db) -> Scenario:
    return built


def _context(scenario: Scenario) -> dict[str, Any]:
    sh01 = scenario.sites["SH01"]
    crf = scenario.crf_sites["SH01"]
    candidate = Candidate.objects.get(study__key=scenario.key, screening_number=sh01.screening)
    protocol = screening_selectors.candidate_protocol(candidate)
    return {
        "key": scenario.key,
        "screening": sh01.screening,
        "eligible": sh01.eligible,
        "subject": sh01.subject,
        "visit": sh01.visit,
        "visit_version": Visit.objects.get(pk=sh01.visit).version,
        "coordinator_pk": scenario.people[Role.COORDINATOR.value].pk,
        "checklist": screening_services.checklist_ids(protocol),
        "crf_key": scenario.crf_key,
        "crf_subject": crf.subject,
        "crf_visit": crf.visit,
        "crf_form": crf.form,
        "form_version": FormInstance.objects.get(pk=crf.form).version,
        "open_query": crf.open_query,
        "open_query_version": Query.objects.get(pk=crf.open_query).version,
        "answered_query": crf.answered_query,
        "answered_query_version": Query.objects.get(pk=crf.answered_query).version,
        "lock": crf.lock,
        **scenario.extra,
    }


def _fill(value: Any, ctx: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**ctx)
    if isinstance(value, dict):
        return {k: _fill(v, ctx) for k, v in value.items()}
    return value


def _request(endpoint: Endpoint, user: Any, ctx: dict[str, Any]) -> Any:
    url = reverse(endpoint.route, args=[_fill(a, ctx) for a in endpoint.args])
    if endpoint.query:
        url += "?" + urlencode(_fill(endpoint.query, ctx))
    body = endpoint.body(ctx) if callable(endpoint.body) else _fill(endpoint.body, ctx)
    if endpoint.api:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        send = getattr(client, endpoint.method.lower())
        return send(url, body, format="json") if body is not None else send(url)
    client = Client()
    if user is not None:
        client.force_login(user)
    send = getattr(client, endpoint.method.lower())
    return send(url, body) if body is not None else send(url)


CASES = [
    pytest.param(endpoint, column, id=f"{endpoint.id} {column}")
    for endpoint in MATRIX
    for column in COLUMNS
]


@pytest.mark.parametrize(("endpoint", "column"), CASES)
def test_permission(endpoint: Endpoint, column: str, scenario: Scenario) -> None:
    ctx = _context(scenario)
    user = scenario.people[column]
    expected = endpoint.status(column)
    before = fingerprint()

    response = _request(endpoint, user, ctx)

    body = response.content[:2000].decode(errors="replace")
    assert response.status_code == expected, f"{endpoint.id} as {column}: {body}"
    if column == ANONYMOUS and expected == 302 and endpoint.action is not None:
        assert response["Location"].startswith(reverse("login"))
    after = fingerprint()
    if endpoint.writes and _allowed(endpoint, expected, column):
        assert after != before, f"{endpoint.id} as {column} was allowed but changed nothing"
    else:
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert changed == {}, f"{endpoint.id} as {column} changed the database"


def test_today_is_after_the_scenario_dates():
    """The sample writes use fixed dates in 2025; they must lie in the past."""
    assert dt.date.today() > dt.date(2025, 4, 30)


# --------------------------------------------------------------------------- bad bodies

DENIED_WRITES = [
    pytest.param(endpoint, role.value, id=f"{endpoint.id} {role.value}")
    for endpoint in MATRIX
    if endpoint.method in WRITE_METHODS and endpoint.writes
    for role in Role
    if endpoint.action not in ROLE_ACTIONS[role]
]


@pytest.mark.parametrize(("endpoint", "column"), DENIED_WRITES)
def test_denied_write_with_an_empty_body_is_still_403(
    endpoint: Endpoint, column: str, scenario: Scenario
) -> None:
    """A role without the action learns nothing from field messages: 403 comes first."""
    ctx = _context(scenario)
    before = fingerprint()

    response = _request(replace(endpoint, body={}), scenario.people[column], ctx)

    assert response.status_code == 403
    assert fingerprint() == before
