from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.screening import services
from oncotrial.apps.screening.models import Candidate, Consent, EligibilityConfirmation
from tests.apps.sarcoma_values import COMPLETE

from .conftest import attest_all

pytestmark = pytest.mark.django_db

BASE = "/api/studies/anlotinib_toripalimab_sts"


def client_for(user) -> APIClient:
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def url(candidate, tail=""):
    return f"{BASE}/candidates/{candidate.screening_number}/{tail}"


def as_api(values):
    return {k: {"value": v, "unit": u} for k, (v, u) in values.items()}


def test_register_list_and_retrieve(staff):
    api = client_for(staff["coordinator"])

    created = api.post(
        f"{BASE}/candidates/",
        {"site": "SH01", "screening_date": "2025-03-03", "full_name": "Wang Lei", "sex": "male"},
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["screening_number"] == "S-SH01-001"
    assert body["full_name"] == "Wang Lei"
    assert body["version"] == 1
    listed = api.get(f"{BASE}/candidates/").json()
    assert [c["screening_number"] for c in listed] == ["S-SH01-001"]
    detail = api.get(f"{BASE}/candidates/S-SH01-001/").json()
    assert detail["consent"]["valid"] is False


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"site": "SH01"}, "screening_date"),
        ({"site": "XX99", "screening_date": "2025-03-03"}, "site"),
        ({"site": "SH01", "screening_date": "03/03/2025"}, "screening_date"),
        ({"site": "SH01", "screening_date": "2025-03-03", "sex": "unknown"}, "sex"),
        ({"site": "SH01", "screening_date": "2099-01-01"}, "screening_date"),
        (
            {"site": "SH01", "screening_date": "2025-03-03", "date_of_birth": "2026-01-01"},
            "date_of_birth",
        ),
    ],
)
def test_register_bad_input_is_a_field_level_400(staff, payload, field):
    response = client_for(staff["coordinator"]).post(f"{BASE}/candidates/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Candidate.objects.count() == 0


@pytest.mark.parametrize("role", ["data_manager", "statistician", "monitor", "study_admin"])
def test_roles_that_may_not_screen_get_403(staff, role):
    response = client_for(staff[role]).post(
        f"{BASE}/candidates/", {"site": "SH01", "screening_date": "2025-03-03"}, format="json"
    )

    assert response.status_code == 403
    assert Candidate.objects.count() == 0


def test_anonymous_and_outsiders(candidate, django_user_model):
    assert APIClient().get(f"{BASE}/candidates/").status_code in (401, 403)
    stranger = django_user_model.objects.create(username="stranger")
    assert client_for(stranger).get(f"{BASE}/candidates/").status_code == 404
    assert client_for(stranger).get(url(candidate)).status_code == 404


def test_another_sites_candidate_is_404_everywhere(candidate, other_site_staff):
    before = AuditRecord.objects.count()
    version = candidate.version
    api = client_for(other_site_staff["investigator"])

    assert api.get(url(candidate)).status_code == 404
    assert api.get(url(candidate, "eligibility/")).status_code == 404
    assert (
        api.put(
            url(candidate, "values/"), {"values": as_api({"ecog": (1, None)})}, format="json"
        ).status_code
        == 404
    )
    assert (
        api.post(
            url(candidate, "attestations/"), {"attestations": {"I1": True}}, format="json"
        ).status_code
        == 404
    )
    assert api.post(url(candidate, "confirm-eligibility/"), {}, format="json").status_code == 404
    assert (
        api.post(
            url(candidate, "consents/"), {"consented_at": "2025-03-03T09:00:00Z"}, format="json"
        ).status_code
        == 404
    )
    assert api.get(f"{BASE}/candidates/").json() == []
    log = api.get(f"{BASE}/screening-log/").json()
    assert log["candidates"] == []
    candidate.refresh_from_db()
    assert candidate.version == version
    assert AuditRecord.objects.count() == before


@pytest.mark.parametrize(
    ("role", "phi"),
    [
        ("investigator", True),
        ("coordinator", True),
        ("monitor", True),
        ("data_manager", False),
        ("statistician", False),
        ("study_admin", False),
    ],
)
def test_phi_only_for_roles_that_may_see_it(candidate, staff, role, phi):
    api = client_for(staff[role])

    detail = api.get(url(candidate)).json()
    [listed] = api.get(f"{BASE}/candidates/").json()

    assert ("full_name" in detail) is phi
    assert ("date_of_birth" in detail) is phi
    assert ("full_name" in listed) is phi
    if phi:
        assert detail["full_name"] == "Wang Lei"
    assert "Wang Lei" not in str(detail) or phi


def test_the_whole_screening_path_through_the_api(candidate, staff):
    coordinator = client_for(staff["coordinator"])
    investigator = client_for(staff["investigator"])

    saved = coordinator.put(
        url(candidate, "values/"), {"values": as_api(COMPLETE), "version": 1}, format="json"
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["version"] == 2
    elig = coordinator.get(url(candidate, "eligibility/")).json()
    assert elig["outcome"] == "incomplete"
    assert "I1" in elig["awaiting_attestation"]

    answers = dict.fromkeys(elig["awaiting_attestation"], True)
    attested = investigator.post(
        url(candidate, "attestations/"), {"attestations": answers}, format="json"
    )
    assert attested.status_code == 200, attested.json()
    assert investigator.get(url(candidate, "eligibility/")).json()["outcome"] == "eligible"

    confirmed = investigator.post(url(candidate, "confirm-eligibility/"), {}, format="json")
    assert confirmed.status_code == 201, confirmed.json()
    assert confirmed.json()["evaluation"]["outcome"] == "eligible"

    consent = coordinator.post(
        url(candidate, "consents/"),
        {"consented_at": "2025-03-03T09:30:00Z", "obtained_by": "sts_investigator"},
        format="json",
    )
    assert consent.status_code == 201, consent.json()
    assert consent.json()["valid"] is True
    detail = coordinator.get(url(candidate)).json()
    assert detail["ready_to_enroll"] is True
    assert detail["status"] == "eligible"


def test_a_coordinator_cannot_confirm_and_nothing_changes(candidate, staff):
    services.record_screening_values(staff["coordinator"], candidate, COMPLETE)
    attest_all(staff["investigator"], candidate)
    candidate.refresh_from_db()
    before = (AuditRecord.objects.count(), candidate.version, candidate.status)

    response = client_for(staff["coordinator"]).post(
        url(candidate, "confirm-eligibility/"), {}, format="json"
    )
    attest = client_for(staff["coordinator"]).post(
        url(candidate, "attestations/"), {"attestations": {"I1": False}}, format="json"
    )

    assert response.status_code == 403
    assert attest.status_code == 403
    candidate.refresh_from_db()
    assert (AuditRecord.objects.count(), candidate.version, candidate.status) == before
    assert EligibilityConfirmation.objects.count() == 0


def test_confirming_an_incomplete_candidate_is_a_400(candidate, staff):
    response = client_for(staff["investigator"]).post(
        url(candidate, "confirm-eligibility/"), {}, format="json"
    )

    assert response.status_code == 400
    assert "cannot be confirmed" in response.json()["non_field_errors"][0]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"anc": {"value": 1.5, "unit": "g/L"}}, "anc"),
        ({"ecog": {"value": "three"}}, "ecog"),
        ({"ecog": {"value": 9}}, "ecog"),
        ({"no_such_variable": {"value": 1}}, "no_such_variable"),
        ({"brain_metastases": {"value": "some"}}, "brain_metastases"),
        ({"measurable_disease": {"value": [1, 2]}}, "measurable_disease"),
        ({"ecog": "not an object"}, "values"),
    ],
)
def test_bad_values_are_a_400_naming_the_field_and_change_nothing(candidate, staff, values, field):
    before = AuditRecord.objects.count()

    response = client_for(staff["coordinator"]).put(
        url(candidate, "values/"), {"values": values}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not candidate.values.exists()
    assert AuditRecord.objects.count() == before


def test_malformed_json_is_a_400(candidate, staff):
    response = client_for(staff["coordinator"]).generic(
        "PUT", url(candidate, "values/"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_a_stale_version_is_a_409(candidate, staff):
    api = client_for(staff["coordinator"])
    api.put(
        url(candidate, "values/"),
        {"values": as_api({"ecog": (1, None)}), "version": 1},
        format="json",
    )

    response = api.put(
        url(candidate, "values/"),
        {"values": as_api({"anc": (2, None)}), "version": 1},
        format="json",
    )

    assert response.status_code == 409
    assert "changed by someone else" in response.json()["version"][0]
    assert not candidate.values.filter(variable="anc").exists()


def test_values_changed_without_reason_400(candidate, staff):
    api = client_for(staff["coordinator"])
    api.put(url(candidate, "values/"), {"values": as_api({"ecog": (1, None)})}, format="json")

    response = api.put(
        url(candidate, "values/"), {"values": as_api({"ecog": (2, None)})}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["ecog"][0]
    ok = api.put(
        url(candidate, "values/"),
        {"values": as_api({"ecog": (2, None)}), "reason": "re-assessed"},
        format="json",
    )
    assert ok.status_code == 200


def test_consent_errors(candidate, staff):
    api = client_for(staff["coordinator"])
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()

    bad = api.post(
        url(candidate, "consents/"),
        {"consented_at": future, "obtained_by": "nobody"},
        format="json",
    )
    missing = api.post(url(candidate, "consents/"), {}, format="json")
    denied = client_for(staff["statistician"]).post(
        url(candidate, "consents/"), {"consented_at": "2025-03-03T09:00:00Z"}, format="json"
    )

    assert bad.status_code == 400
    assert "obtained_by" in bad.json()
    assert "consented_at" in missing.json()
    assert denied.status_code == 403
    assert Consent.objects.count() == 0


def test_screening_log_with_site_filter(candidate, other_candidate, staff):
    services.record_screening_values(staff["coordinator"], candidate, {"age": (72, "years")})
    api = client_for(staff["data_manager"])

    log = api.get(f"{BASE}/screening-log/").json()
    only = api.get(f"{BASE}/screening-log/?site=SH01").json()
    bad = api.get(f"{BASE}/screening-log/?site=ZZ")

    assert {s["site"] for s in log["sites"]} == {"SH01", "BJ02"}
    assert [c["screening_number"] for c in only["candidates"]] == ["S-SH01-001"]
    [row] = only["candidates"]
    assert row["status"] == "screen_failed"
    assert any("above the maximum of 70" in r for r in row["reasons"])
    assert bad.status_code == 400
    assert "site" in bad.json()


def test_schema_documents_the_screening_endpoints(staff):
    response = client_for(staff["coordinator"]).get("/api/schema/")

    assert response.status_code == 200
    text = response.content.decode()
    for path in [
        "/api/studies/{key}/candidates/",
        "/api/studies/{key}/candidates/{number}/values/",
        "/api/studies/{key}/candidates/{number}/confirm-eligibility/",
        "/api/studies/{key}/screening-log/",
    ]:
        assert path in text
    assert "screening_values_update" in text
