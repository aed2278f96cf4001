"""Permission matrix rows of the tumour app (baseline lesions, assessments, investigator's
response, preview, summary, worklist).

`build` chooses, for the SH01 subject, two target lesions (liver 40 mm, lung 25 mm) and
a non-target at baseline on 2025-03-05 and records a follow-up assessment on
2025-04-23; it also enrolls a second SH01 subject with no lesion yet, for the rows that
add a baseline lesion (baseline lesions are fixed once a follow-up exists)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.subjects import services as subjects
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.tumour import services
from oncotrial.apps.tumour.models import TumourAssessment
from oncotrial.apps.tumour.series import AssessmentEntry, LesionEntry
from oncotrial.domain.permissions import Action, Role

from ..permission_endpoint import SUBJ, Endpoint, K
from ..permission_scenario import ENROLLMENT_DATE, FIRST_DOSE, _eligible

EMPTY = ("{key}", "{tumour_empty_subject}")
ASSESSMENT = ("{key}", "{subject}", "{tumour_assessment}")

LESION_PAGE = {
    "code": "T1",
    "kind": "target",
    "organ": "liver",
    "method": "ct",
    "baseline_date": "2025-03-05",
    "baseline_mm": "32",
}
LESION_API = {**LESION_PAGE, "baseline_mm": 32}
ASSESSMENT_PAGE = {
    "assessment_date": "2025-06-04",
    "method": "ct",
    "result_T1": "measured",
    "mm_T1": "30",
    "result_T2": "measured",
    "mm_T2": "20",
    "result_NT1": "present",
}
ASSESSMENT_API = {
    "assessment_date": "2025-06-04",
    "lesions": {
        "T1": {"result": "measured", "mm": 30},
        "T2": {"result": "measured", "mm": 20},
        "NT1": {"result": "present"},
    },
}


def _edit_page(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        **ASSESSMENT_PAGE,
        "assessment_date": "2025-04-23",
        "mm_T1": "26",
        "expected_version": str(ctx["tumour_assessment_version"]),
        "reason": "T1 re-measured on the source images",
    }


def _override_page(ctx: dict[str, Any]) -> dict[str, Any]:
    prefix = f"o{ctx['tumour_assessment']}-"
    return {
        f"{prefix}investigator_response": "SD",
        f"{prefix}override_reason": "T1 measured across a vessel; true decrease is smaller",
        f"{prefix}expected_version": str(ctx["tumour_assessment_version"]),
    }


def _patch_api(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "investigator_response": "SD",
        "override_reason": "T1 measured across a vessel; true decrease is smaller",
        "expected_version": ctx["tumour_assessment_version"],
    }


# fmt: off
# columns:               anon adm inv coo dm  mon sta none bj02
ROWS: list[Endpoint] = [
    Endpoint("tumour:worklist", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, note="subjects of the user's sites"),
    Endpoint("tumour:subject", "GET", "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("tumour:lesion_new", "GET", "302 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, EMPTY, object_in_url=True),
    Endpoint("tumour:lesion_new", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, EMPTY, LESION_PAGE, writes=True, object_in_url=True),
    Endpoint("tumour:assessment_new", "GET", "302 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, object_in_url=True),
    Endpoint("tumour:assessment_new", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, ASSESSMENT_PAGE, writes=True, object_in_url=True),
    Endpoint("tumour:assessment_edit", "GET", "302 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, ASSESSMENT, object_in_url=True),
    Endpoint("tumour:assessment_edit", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, ASSESSMENT, _edit_page, writes=True, object_in_url=True),
    Endpoint("tumour:override", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, ASSESSMENT, _override_page, writes=True, object_in_url=True),
    Endpoint("tumour:preview", "POST", "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, ASSESSMENT_PAGE, object_in_url=True,
             note="computes an unsaved assessment; writes nothing"),
    Endpoint("api:tumour-lesions", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:tumour-lesions", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, EMPTY, LESION_API, writes=True, object_in_url=True),
    Endpoint("api:tumour-assessments", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:tumour-assessments", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, ASSESSMENT_API, writes=True, object_in_url=True),
    Endpoint("api:tumour-assessment", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, ASSESSMENT, object_in_url=True),
    Endpoint("api:tumour-assessment", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, ASSESSMENT, _patch_api, writes=True, object_in_url=True),
    Endpoint("api:tumour-preview", "POST", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, ASSESSMENT_API, object_in_url=True,
             note="computes an unsaved assessment; writes nothing"),
    Endpoint("api:tumour-summary", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
]
# fmt: on


def build(scenario: Any) -> dict[str, Any]:
    coordinator = scenario.people[Role.COORDINATOR.value]
    investigator = scenario.people[Role.INVESTIGATOR.value]
    subject = Subject.objects.get(
        study__key=scenario.key, subject_number=scenario.sites["SH01"].subject
    )
    day = dt.date(2025, 3, 5)
    for code, kind, organ, mm in (
        ("T1", "target", "liver", "40"),
        ("T2", "target", "lung", "25"),
        ("NT1", "non_target", "peritoneum", None),
    ):
        services.add_lesion(
            coordinator,
            subject,
            {
                "code": code,
                "kind": kind,
                "organ": organ,
                "baseline_date": day,
                "baseline_mm": Decimal(mm) if mm else None,
            },
        )
    assessment = services.record_assessment(
        coordinator,
        subject,
        AssessmentEntry(
            assessment_date=dt.date(2025, 4, 23),
            lesions={
                "T1": LesionEntry("measured", Decimal("28")),
                "T2": LesionEntry("measured", Decimal("17")),
                "NT1": LesionEntry("present"),
            },
        ),
    )
    assert assessment.computed_response == "PR"
    candidate = _eligible(
        subject.study, Site.objects.get(code="SH01"), coordinator, investigator, "TU"
    )
    empty = subjects.enroll(coordinator, candidate, ENROLLMENT_DATE)
    subjects.record_anchor_event(coordinator, empty, "first_dose", FIRST_DOSE)
    return {
        "tumour_assessment": assessment.pk,
        "tumour_assessment_version": TumourAssessment.objects.get(pk=assessment.pk).version,
        "tumour_empty_subject": empty.subject_number,
    }
