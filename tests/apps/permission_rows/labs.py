"""Permission matrix rows of the labs app (sarcoma study): the subject's results page,
panel entry, the abnormal-results worklist and the API. Reads need VIEW_SUBJECTS,
writes ENTER_DATA."""

from __future__ import annotations

from typing import Any

from oncotrial.domain.permissions import Action

from ..permission_endpoint import SUBJ, Endpoint, K

RESULT = ("{key}", "{labs_result}")

# fmt: off
# columns:                  anon adm inv coo dm  mon sta none bj02
ROWS: list[Endpoint] = [
    Endpoint("labs:subject", "GET", "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("labs:enter", "GET", "302 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, (*SUBJ, "blood_routine"), object_in_url=True),
    Endpoint("labs:enter", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, (*SUBJ, "blood_routine"),
             {"collection_date": "2025-03-11", "value_wbc": "5.1", "unit_wbc": "10^9/L"},
             writes=True, object_in_url=True),
    Endpoint("labs:worklist", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, note="abnormal results of the user's sites"),
    Endpoint("api:labs-results", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:labs-results", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ,
             {"assessment_id": "chemistry", "collection_date": "2025-03-11",
              "results": {"ALT": {"value": 32}, "total bilirubin": {"value": 12}}},
             writes=True, object_in_url=True),
    Endpoint("api:labs-result", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, RESULT, object_in_url=True),
    Endpoint("api:labs-result", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, RESULT,
             {"value": 1.9, "expected_version": "{labs_result_version}",
              "reason": "re-read the laboratory report"},
             writes=True, object_in_url=True),
    Endpoint("api:labs-result", "DELETE", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, RESULT,
             {"expected_version": "{labs_result_version}", "reason": "another patient's"},
             writes=True, object_in_url=True),
    Endpoint("api:labs-series", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, (*SUBJ, "ANC"), object_in_url=True),
    Endpoint("api:labs-worklist", "GET", "401 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, note="abnormal results of the user's sites"),
]
# fmt: on


def build(scenario: Any) -> dict[str, Any]:
    """A blood routine panel of the SH01 subject, collected the day before the first dose
    (ANC 1.2 ×10^9/L, below the normal range)."""
    from oncotrial.apps.labs import services
    from oncotrial.apps.subjects.models import Subject

    subject = Subject.objects.get(
        study__key=scenario.key, subject_number=scenario.sites["SH01"].subject
    )
    saved = services.record_panel(
        scenario.people["coordinator"],
        subject,
        "blood_routine",
        "2025-03-11",
        {"WBC": 4.1, "ANC": 1.2, "haemoglobin": 128, "platelets": 190},
    )
    anc = next(r for r in saved if r.analyte == "anc")
    return {"labs_result": anc.pk, "labs_result_version": anc.version}
