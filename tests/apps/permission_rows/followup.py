"""Permission matrix rows of the followup app (subject page, its forms and the correction
page, worklist of survival contacts, contacts, recurrences, deaths, withdrawals,
disposition).

`build` records for the SH01 subject an "alive" telephone contact on 2025-04-01 and a
recurrence on 2025-04-25; and enrolls a second SH01 subject who withdrew consent on
2025-04-15 (survival follow-up continuing) and died on 2025-05-10, whose rows the death
and withdrawal PATCH rows change (the first subject has neither, for the rows that
record them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.followup import services
from oncotrial.apps.subjects import services as subjects
from oncotrial.apps.subjects.models import Subject
from oncotrial.domain.permissions import Action, Role

from ..permission_endpoint import SUBJ, Endpoint, K
from ..permission_scenario import ENROLLMENT_DATE, FIRST_DOSE, _eligible

CONTACT = {"date": "2025-05-03", "method": "telephone", "vital_status": "alive"}
RECURRENCE = {"date": "2025-05-04", "site": "distant", "diagnosed_by": "imaging"}
DEATH = {"date": "2025-07-01", "cause": "disease_progression"}
WITHDRAWAL = {"date": "2025-05-02", "kind": "lost_to_follow_up"}


def _page(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{kind}-{name}": str(value) for name, value in values.items()}


def _record(kind: str) -> tuple[str, ...]:
    return (*SUBJ, kind)


def _patch(key: str, values: dict[str, Any]):
    def body(ctx: dict[str, Any]) -> dict[str, Any]:
        return {**values, "expected_version": ctx[f"{key}_version"], "reason": "source re-read"}

    return body


CONTACT_ROW = ("{key}", "{followup_contact}")
CONTACT_EDIT = ("{key}", "{subject}", "contact", "{followup_contact}")


def _edit_page(ctx: dict[str, Any]) -> dict[str, Any]:
    """The correction form of the build's contact: it was a clinic visit."""
    values = {"date": "2025-04-01", "method": "visit", "vital_status": "alive", "notes": ""}
    return {
        **{f"edit-{name}": value for name, value in values.items()},
        "change-expected_version": str(ctx["followup_contact_version"]),
        "change-reason": "source re-read",
    }


RECURRENCE_ROW = ("{key}", "{followup_recurrence}")
DEATH_ROW = ("{key}", "{followup_death}")
WITHDRAWAL_ROW = ("{key}", "{followup_withdrawal}")

# fmt: off
# columns:               anon adm inv coo dm  mon sta none bj02
ROWS: list[Endpoint] = [
    Endpoint("followup:worklist", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, note="survival contacts due at the user's sites"),
    Endpoint("followup:subject", "GET", "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("followup:record", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, _record("contact"), _page("contact", CONTACT),
             writes=True, object_in_url=True, variant="contact"),
    Endpoint("followup:record", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, _record("recurrence"), _page("recurrence", RECURRENCE),
             writes=True, object_in_url=True, variant="recurrence"),
    Endpoint("followup:record", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, _record("death"), _page("death", DEATH),
             writes=True, object_in_url=True, variant="death"),
    Endpoint("followup:record", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, _record("withdrawal"), _page("withdrawal", WITHDRAWAL),
             writes=True, object_in_url=True, variant="withdrawal"),
    Endpoint("followup:edit", "GET", "302 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, CONTACT_EDIT, object_in_url=True),
    Endpoint("followup:edit", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, CONTACT_EDIT, _edit_page, writes=True, object_in_url=True),
    Endpoint("api:followup-contacts", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:followup-contacts", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, CONTACT, writes=True, object_in_url=True),
    Endpoint("api:followup-contact", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, CONTACT_ROW, object_in_url=True),
    Endpoint("api:followup-contact", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, CONTACT_ROW, _patch("followup_contact", {"method": "visit"}),
             writes=True, object_in_url=True),
    Endpoint("api:followup-recurrences", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:followup-recurrences", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, RECURRENCE, writes=True, object_in_url=True),
    Endpoint("api:followup-recurrence", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, RECURRENCE_ROW, object_in_url=True),
    Endpoint("api:followup-recurrence", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, RECURRENCE_ROW,
             _patch("followup_recurrence", {"diagnosed_by": "biopsy"}),
             writes=True, object_in_url=True),
    Endpoint("api:followup-deaths", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:followup-deaths", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, DEATH, writes=True, object_in_url=True),
    Endpoint("api:followup-death", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, DEATH_ROW, object_in_url=True),
    Endpoint("api:followup-death", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, DEATH_ROW, _patch("followup_death", {"cause": "unknown"}),
             writes=True, object_in_url=True),
    Endpoint("api:followup-withdrawals", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:followup-withdrawals", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, WITHDRAWAL, writes=True, object_in_url=True),
    Endpoint("api:followup-withdrawal", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, WITHDRAWAL_ROW, object_in_url=True),
    Endpoint("api:followup-withdrawal", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, WITHDRAWAL_ROW,
             _patch("followup_withdrawal", {"withdrawal_reason": "Moved to another city"}),
             writes=True, object_in_url=True),
    Endpoint("api:followup-disposition", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
]
# fmt: on


def build(scenario: Any) -> dict[str, Any]:
    coordinator = scenario.people[Role.COORDINATOR.value]
    investigator = scenario.people[Role.INVESTIGATOR.value]
    subject = Subject.objects.get(
        study__key=scenario.key, subject_number=scenario.sites["SH01"].subject
    )
    contact = services.record_contact(
        coordinator,
        subject,
        {"date": dt.date(2025, 4, 1), "method": "telephone", "vital_status": "alive"},
    )
    recurrence = services.record_recurrence(
        coordinator,
        subject,
        {"date": dt.date(2025, 4, 25), "site": "local", "diagnosed_by": "imaging"},
    )
    candidate = _eligible(
        subject.study, Site.objects.get(code="SH01"), coordinator, investigator, "FU"
    )
    other = subjects.enroll(coordinator, candidate, ENROLLMENT_DATE)
    subjects.record_anchor_event(coordinator, other, "first_dose", FIRST_DOSE)
    withdrawal = services.record_withdrawal(
        coordinator,
        other,
        {
            "date": dt.date(2025, 4, 15),
            "kind": "consent_withdrawn",
            "withdrawal_reason": "Moved abroad",
            "survival_follow_up": True,
        },
    )
    death = services.record_death(
        investigator, other, {"date": dt.date(2025, 5, 10), "cause": "disease_progression"}
    )
    return {
        "followup_contact": contact.pk,
        "followup_contact_version": contact.version,
        "followup_recurrence": recurrence.pk,
        "followup_recurrence_version": recurrence.version,
        "followup_death": death.pk,
        "followup_death_version": death.version,
        "followup_withdrawal": withdrawal.pk,
        "followup_withdrawal_version": withdrawal.version,
    }
