"""Permission matrix rows of the safety app (adverse events, SAE reports, CTCAE terms).

`build` records, at SH01, a grade 2 hypertension (non-serious), a serious febrile
neutropenia whose initial report is still a draft, and a serious pneumonitis whose
initial report was sent (so a follow-up can be added)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from oncotrial.apps.safety import services
from oncotrial.apps.subjects.models import Subject
from oncotrial.domain.permissions import Action

from ..permission_endpoint import SUBJ, Endpoint, K

AE = ("{key}", "{safety_ae}")
SAE = ("{key}", "{safety_sae}")
REPORT = ("{key}", "{safety_report}")
RELATIONSHIPS = {"anlotinib": "possible", "toripalimab": "unlikely"}

NEW_AE_PAGE = {
    "term": "Nausea",
    "grade": "1",
    "onset_date": "2025-04-20",
    "ongoing": "on",
    "outcome": "not_recovered",
    "action_taken": "dose_not_changed",
    "rel_anlotinib": "possible",
    "rel_toripalimab": "not_related",
}
NEW_AE_API = {
    "term": "Nausea",
    "grade": 1,
    "onset_date": "2025-04-20",
    "ongoing": True,
    "outcome": "not_recovered",
    "relationships": {"anlotinib": "possible", "toripalimab": "not_related"},
}


def _change_page(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "term": "Hypertension",
        "grade": "3",
        "onset_date": "2025-04-02",
        "ongoing": "on",
        "outcome": "not_recovered",
        "action_taken": "dose_reduced",
        "rel_anlotinib": "probable",
        "rel_toripalimab": "unlikely",
        "expected_version": str(ctx["safety_ae_version"]),
        "reason": "blood pressure re-measured",
    }


def _sent_page(ctx: dict[str, Any]) -> dict[str, Any]:
    prefix = f"r{ctx['safety_report']}-"
    return {
        f"{prefix}sent_to_sponsor_at": "2025-04-11T09:00",
        f"{prefix}sent_to_ethics_at": "2025-04-11T10:00",
        f"{prefix}narrative": "Admitted, G-CSF and antibiotics.",
        f"{prefix}expected_version": str(ctx["safety_report_version"]),
    }


# fmt: off
# columns:                  anon adm inv coo dm  mon sta none bj02
ROWS: list[Endpoint] = [
    Endpoint("safety:subject", "GET",  "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("safety:subject", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, NEW_AE_PAGE, writes=True, object_in_url=True),
    Endpoint("safety:event", "GET",  "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, AE, object_in_url=True),
    Endpoint("safety:event", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, AE, _change_page, writes=True, object_in_url=True),
    Endpoint("safety:follow_up", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, SAE, {"narrative": "Discharged on day 5."}, writes=True,
             object_in_url=True),
    Endpoint("safety:report_sent", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, REPORT, _sent_page, writes=True, object_in_url=True),
    Endpoint("safety:worklist", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, note="ongoing events of the user's sites"),
    Endpoint("safety:sae_worklist", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, note="unsent SAE reports of the user's sites"),
    Endpoint("safety:grade_help", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, query={"term": "Alopecia"}),
    Endpoint("api:safety-subject-events", "GET",  "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:safety-subject-events", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, NEW_AE_API, writes=True, object_in_url=True),
    Endpoint("api:safety-event", "GET",   "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, AE, object_in_url=True),
    Endpoint("api:safety-event", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, AE,
             {"grade": 3, "expected_version": "{safety_ae_version}", "reason": "re-measured"},
             writes=True, object_in_url=True),
    Endpoint("api:safety-sae-reports", "GET", "401 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, note="reports of the user's sites"),
    Endpoint("api:safety-report-sent", "POST", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, REPORT,
             {"sent_to_sponsor_at": "2025-04-11T09:00:00Z",
              "expected_version": "{safety_report_version}"},
             writes=True, object_in_url=True),
    Endpoint("api:safety-terms", "GET", "401 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, query={"q": "hyp"}),
]
# fmt: on


def build(scenario: Any) -> dict[str, Any]:
    investigator = scenario.people["investigator"]
    subject = Subject.objects.get(
        study__key=scenario.key, subject_number=scenario.sites["SH01"].subject
    )
    ae = services.report_event(
        investigator,
        subject,
        {
            "term": "Hypertension",
            "grade": 2,
            "onset_date": dt.date(2025, 4, 2),
            "ongoing": True,
            "outcome": "not_recovered",
        },
        RELATIONSHIPS,
    )
    serious = {
        "ongoing": True,
        "outcome": "not_recovered",
        "serious": True,
        "criteria": ["hospitalisation"],
        "aware_at": dt.datetime(2025, 4, 10, 8, 0, tzinfo=dt.UTC),
    }
    draft = services.report_event(
        investigator,
        subject,
        {"term": "Febrile neutropenia", "grade": 3, "onset_date": dt.date(2025, 4, 9), **serious},
        RELATIONSHIPS,
    )
    sent = services.report_event(
        investigator,
        subject,
        {"term": "Pneumonitis", "grade": 3, "onset_date": dt.date(2025, 4, 9), **serious},
        RELATIONSHIPS,
    )
    services.record_sent(
        investigator,
        sent.sae_reports.get(),
        sent_to_sponsor_at=dt.datetime(2025, 4, 10, 18, 0, tzinfo=dt.UTC),
        expected_version=1,
    )
    report = draft.sae_reports.get()
    return {
        "safety_ae": ae.pk,
        "safety_ae_version": ae.version,
        "safety_sae": sent.pk,
        "safety_report": report.pk,
        "safety_report_version": report.version,
    }
