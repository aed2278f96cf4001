"""Permission matrix rows of the treatment app (subject page, its forms and the correction
page, worklist, administrations, surgeries, end of treatment, next-line therapies).

`build` records for the SH01 subject an anlotinib dose on the first-dose day
(2025-03-12), a surgery on 2025-04-10 and a second-line therapy from 2025-04-20; and
enrolls a second SH01 subject with a dose on 2025-03-12 and an end of treatment on
2025-04-02, whose row the end-of-treatment PATCH changes (the first subject's treatment
has not ended, for the rows that record an end of treatment)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.subjects import services as subjects
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.treatment import services
from oncotrial.domain.permissions import Action, Role

from ..permission_endpoint import SUBJ, Endpoint, K
from ..permission_scenario import ENROLLMENT_DATE, FIRST_DOSE, _eligible

ADMINISTRATION = {
    "intervention_id": "anlotinib",
    "cycle": 1,
    "day": 3,
    "date": "2025-03-14",
    "dose": "12",
    "dose_unit": "mg",
}
SURGERY = {"date": "2025-04-12", "procedure": "hepatic_wedge", "intent": "palliative"}
END = {"date": "2025-04-30", "primary_reason": "progression", "last_dose_date": "2025-03-12"}
NEXT_LINE = {"line_number": 3, "regimen": "Pazopanib", "start_date": "2025-05-01"}


def _page(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{kind}-{name}": str(value) for name, value in values.items()}


def _record(kind: str) -> tuple[str, ...]:
    return (*SUBJ, kind)


def _patch(key: str, values: dict[str, Any]):
    def body(ctx: dict[str, Any]) -> dict[str, Any]:
        return {**values, "expected_version": ctx[f"{key}_version"], "reason": "source re-read"}

    return body


ADMIN_ROW = ("{key}", "{treatment_administration}")
ADMIN_EDIT = ("{key}", "{subject}", "administration", "{treatment_administration}")


def _edit_page(ctx: dict[str, Any]) -> dict[str, Any]:
    """The correction form of the build's administration: the dose reduced, with the
    version read and a reason."""
    values = {
        "intervention_id": "anlotinib",
        "visit": "",
        "cycle": "1",
        "day": "1",
        "date": "2025-03-12",
        "dose": "10",
        "dose_unit": "mg",
        "modification": "reduced",
        "modification_reason": "grade 2 hand-foot skin reaction",
    }
    return {
        **{f"edit-{name}": value for name, value in values.items()},
        "change-expected_version": str(ctx["treatment_administration_version"]),
        "change-reason": "source re-read",
    }


SURGERY_ROW = ("{key}", "{treatment_surgery}")
END_ROW = ("{key}", "{treatment_end}")
LINE_ROW = ("{key}", "{treatment_next_line}")

# fmt: off
# columns:               anon adm inv coo dm  mon sta none bj02
ROWS: list[Endpoint] = [
    Endpoint("treatment:worklist", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, note="subjects on treatment at the user's sites"),
    Endpoint("treatment:subject", "GET", "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("treatment:record", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, _record("administration"),
             _page("administration", {**ADMINISTRATION, "modification": "none"}),
             writes=True, object_in_url=True, variant="administration"),
    Endpoint("treatment:record", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, _record("surgery"), _page("surgery", SURGERY),
             writes=True, object_in_url=True, variant="surgery"),
    Endpoint("treatment:record", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, _record("end_of_treatment"), _page("end_of_treatment", END),
             writes=True, object_in_url=True, variant="end of treatment"),
    Endpoint("treatment:record", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, _record("next_line"), _page("next_line", NEXT_LINE),
             writes=True, object_in_url=True, variant="next line"),
    Endpoint("treatment:edit", "GET", "302 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, ADMIN_EDIT, object_in_url=True),
    Endpoint("treatment:edit", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, ADMIN_EDIT, _edit_page, writes=True, object_in_url=True),
    Endpoint("api:treatment-administrations", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:treatment-administrations", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, ADMINISTRATION, writes=True, object_in_url=True),
    Endpoint("api:treatment-administration", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, ADMIN_ROW, object_in_url=True),
    Endpoint("api:treatment-administration", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, ADMIN_ROW,
             _patch("treatment_administration",
                    {"dose": "10", "modification": "reduced",
                     "modification_reason": "grade 2 hand-foot skin reaction"}),
             writes=True, object_in_url=True),
    Endpoint("api:treatment-surgeries", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:treatment-surgeries", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, SURGERY, writes=True, object_in_url=True),
    Endpoint("api:treatment-surgery", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SURGERY_ROW, object_in_url=True),
    Endpoint("api:treatment-surgery", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, SURGERY_ROW,
             _patch("treatment_surgery", {"resection_margin": "R1"}),
             writes=True, object_in_url=True),
    Endpoint("api:treatment-ends", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:treatment-ends", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, END, writes=True, object_in_url=True),
    Endpoint("api:treatment-end", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, END_ROW, object_in_url=True),
    Endpoint("api:treatment-end", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, END_ROW,
             _patch("treatment_end", {"primary_reason": "toxicity"}),
             writes=True, object_in_url=True),
    Endpoint("api:treatment-next-lines", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:treatment-next-lines", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, NEXT_LINE, writes=True, object_in_url=True),
    Endpoint("api:treatment-next-line", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, LINE_ROW, object_in_url=True),
    Endpoint("api:treatment-next-line", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, LINE_ROW,
             _patch("treatment_next_line", {"progression_date": "2025-05-20"}),
             writes=True, object_in_url=True),
]
# fmt: on


def build(scenario: Any) -> dict[str, Any]:
    coordinator = scenario.people[Role.COORDINATOR.value]
    investigator = scenario.people[Role.INVESTIGATOR.value]
    subject = Subject.objects.get(
        study__key=scenario.key, subject_number=scenario.sites["SH01"].subject
    )
    dose = {
        "intervention_id": "anlotinib",
        "cycle": 1,
        "day": 1,
        "date": FIRST_DOSE,
        "dose": Decimal("12"),
        "dose_unit": "mg",
    }
    administration = services.record_administration(coordinator, subject, dose)
    surgery = services.record_surgery(
        investigator,
        subject,
        {
            "date": dt.date(2025, 4, 10),
            "procedure": "other",
            "procedure_other": "Wide excision of the thigh mass",
            "intent": "radical",
            "resection_margin": "R0",
        },
    )
    line = services.record_next_line(
        coordinator,
        subject,
        {"line_number": 2, "regimen": "Doxorubicin", "start_date": dt.date(2025, 4, 20)},
    )
    candidate = _eligible(
        subject.study, Site.objects.get(code="SH01"), coordinator, investigator, "TX"
    )
    ended = subjects.enroll(coordinator, candidate, ENROLLMENT_DATE)
    subjects.record_anchor_event(coordinator, ended, "first_dose", FIRST_DOSE)
    services.record_administration(coordinator, ended, dose)
    end = services.record_end_of_treatment(
        coordinator,
        ended,
        {
            "date": dt.date(2025, 4, 2),
            "primary_reason": "progression",
            "last_dose_date": FIRST_DOSE,
        },
    )
    return {
        "treatment_administration": administration.pk,
        "treatment_administration_version": administration.version,
        "treatment_surgery": surgery.pk,
        "treatment_surgery_version": surgery.version,
        "treatment_next_line": line.pk,
        "treatment_next_line_version": line.version,
        "treatment_end": end.pk,
        "treatment_end_version": end.version,
    }
