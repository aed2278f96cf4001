"""The only write path for adverse events and SAE reports.

Each function checks the user's role at the subject's site first (403 before any field
message), validates what is specific to adverse events (a CTCAE term of the protocol's
version and a grade it allows, the relationship to each study intervention, the
consistency rules of `domain.ctcae.events`), then writes through `records`, which
checks locks and versions, requires reasons for changes and writes the audit records,
all in one transaction. `now` (default: the current time) makes the reporting clock
testable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from oncotrial.apps import records
from oncotrial.apps.accounts.access import require
from oncotrial.apps.safety import catalogue
from oncotrial.apps.safety.models import (
    CRITERIA,
    AdverseEvent,
    AeRelationship,
    Outcome,
    Relationship,
    SaeReport,
)
from oncotrial.apps.studies.selectors import current_version, protocol_of
from oncotrial.apps.subjects.models import Subject
from oncotrial.domain.ctcae.events import EventValues, check_event, follow_up_due, report_due
from oncotrial.domain.ctcae.terms import format_grades
from oncotrial.domain.permissions import Action
from oncotrial.domain.protocol import Protocol

EVENT_FIELDS = (
    "term",
    "grade",
    "onset_date",
    "resolution_date",
    "ongoing",
    "serious",
    "criteria",
    "aware_at",
    "action_taken",
    "outcome",
    "description",
)
"""The values a person gives for an adverse event (`criteria`: a list of the
seriousness criteria met)."""

FINAL_OUTCOMES = {Outcome.RECOVERED, Outcome.SEQUELAE, Outcome.FATAL}
"""Outcomes after which no further follow-up report is scheduled."""


def protocol_for(subject: Subject) -> Protocol:
    version = current_version(subject.study) or subject.protocol_version
    return protocol_of(version)


def interventions(subject: Subject) -> list[tuple[str, str]]:
    """(id, name) of the protocol's study interventions."""
    return [(i.id, i.name) for i in protocol_for(subject).design.interventions]


def ctcae_version(subject: Subject) -> str:
    return str(protocol_for(subject).safety.ctcae_version)


def consent_date(subject: Subject) -> dt.date | None:
    first = subject.candidate.consents.order_by("consented_at").first()
    return None if first is None else timezone.localdate(first.consented_at)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


def _as_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _resolve(
    subject: Subject,
    given: Mapping[str, Any],
    relationships: Mapping[str, str] | None,
    *,
    now: dt.datetime,
    require_relationships: bool,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The model values of an event from what a person gave, and the messages per field."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(given) - set(EVENT_FIELDS))
    for name in unknown:
        errors[name] = ["This field cannot be set here."]
    version = ctcae_version(subject)
    values: dict[str, Any] = {k: v for k, v in given.items() if k in EVENT_FIELDS}
    text = str(values.pop("term", "") or "").strip()
    grade = _as_int(values.get("grade"))
    if values.get("grade") not in (None, "") and grade is None:
        errors.setdefault("grade", []).append("The grade is a whole number from 1 to 5.")
    term = catalogue.find_term(version, text) if text else None
    if not text:
        errors.setdefault("term", []).append("Give the CTCAE term of the event.")
    elif term is None:
        errors.setdefault("term", []).append(
            f"“{text}” is not a term of CTCAE {version}; choose one from the list."
        )
    elif grade is not None and grade not in term.grades:
        errors.setdefault("grade", []).append(
            f"{term.term} allows grades {format_grades(term.grades)} in CTCAE {version}; "
            f"{grade} is not one of them."
        )
    if grade is None and "grade" not in errors:
        errors["grade"] = ["Give the CTCAE grade."]
    criteria = set(values.pop("criteria", None) or ())
    for name in sorted(criteria - set(CRITERIA)):
        errors.setdefault("criteria", []).append(f"“{name}” is not a seriousness criterion.")
    values.update({name: name in criteria for name in CRITERIA})
    values["grade"] = grade
    if term is not None:
        values.update(term_entered=text, term=term.term, soc=term.soc, meddra_code=term.meddra_code)
    values["ctcae_version"] = version
    values["ongoing"] = bool(values.get("ongoing"))
    values["serious"] = bool(values.get("serious"))
    if not values.get("outcome"):
        values["outcome"] = Outcome.NOT_RECOVERED if values["ongoing"] else ""
    if not values.get("aware_at"):
        values["aware_at"] = None
    if not values.get("resolution_date"):
        values["resolution_date"] = None
    onset = values.get("onset_date")
    if onset is None:
        errors.setdefault("onset_date", []).append("Give the onset date.")
    if isinstance(onset, dt.date) and (
        values["resolution_date"] is None or isinstance(values["resolution_date"], dt.date)
    ):
        aware = values["aware_at"] if isinstance(values["aware_at"], dt.datetime) else None
        found = check_event(
            EventValues(
                grade=grade,
                onset_date=onset,
                resolution_date=values["resolution_date"],
                ongoing=values["ongoing"],
                outcome=str(values.get("outcome") or ""),
                serious=values["serious"],
                criteria=frozenset(criteria & set(CRITERIA)),
                aware_at=aware,
            ),
            today=timezone.localdate(now),
            now=now,
            consent_date=consent_date(subject),
        )
        for name, messages in found.items():
            errors.setdefault(name, []).extend(messages)
    if relationships is not None:
        known = dict(interventions(subject))
        choices = set(Relationship.values)
        for key in sorted(set(relationships) - set(known)):
            errors.setdefault("relationships", []).append(
                f"“{key}” is not a study intervention of this protocol."
            )
        for key, name in known.items():
            value = relationships.get(key)
            if not value:
                if require_relationships:
                    errors.setdefault("relationships", []).append(
                        f"Give the relationship to {name}."
                    )
            elif value not in choices:
                errors.setdefault("relationships", []).append(
                    f"“{value}” is not a relationship (choose one of "
                    f"{', '.join(Relationship.values)})."
                )
    return values, errors


def _initial_report(user: Any, event: AdverseEvent) -> SaeReport:
    protocol = protocol_for(event.subject)
    assert event.aware_at is not None
    return records.create(
        user,
        SaeReport,
        event.subject,
        {
            "adverse_event": event,
            "kind": SaeReport.Kind.INITIAL,
            "sequence": 0,
            "due_at": report_due(event.aware_at, protocol.safety.sae_initial_report_hours),
        },
    )


@transaction.atomic
def report_event(
    user: Any,
    subject: Subject,
    values: Mapping[str, Any],
    relationships: Mapping[str, str],
    *,
    now: dt.datetime | None = None,
) -> AdverseEvent:
    """A new adverse event of `subject` with its relationship to each study
    intervention; a serious one gets its initial SAE report, due
    `sae_initial_report_hours` after the site became aware."""
    require(user, subject.study, Action.ENTER_DATA, subject.site)
    fields, errors = _resolve(
        subject, values, relationships, now=_now(now), require_relationships=True
    )
    if errors:
        raise ValidationError(errors)
    event = records.create(user, AdverseEvent, subject, fields)
    for intervention_id, _name in interventions(subject):
        records.create(
            user,
            AeRelationship,
            subject,
            {
                "adverse_event": event,
                "intervention_id": intervention_id,
                "relationship": relationships[intervention_id],
            },
        )
    if event.serious:
        _initial_report(user, event)
    return event


def current_values(event: AdverseEvent) -> dict[str, Any]:
    values = {name: getattr(event, name) for name in EVENT_FIELDS if name != "criteria"}
    values["term"] = event.term_entered or event.term
    values["criteria"] = event.criteria
    return values


@transaction.atomic
def change_event(
    user: Any,
    event: AdverseEvent,
    values: Mapping[str, Any],
    relationships: Mapping[str, str] | None = None,
    *,
    expected_version: Any,
    reason: str,
    now: dt.datetime | None = None,
) -> AdverseEvent:
    """Change what was recorded (a reason is required). Turning an event serious creates
    its initial SAE report; a changed awareness time moves the unsent initial report's
    due time."""
    subject = event.subject
    require(user, subject.study, Action.ENTER_DATA, subject.site)
    merged = {**current_values(event), **values}
    fields, errors = _resolve(
        subject, merged, relationships, now=_now(now), require_relationships=False
    )
    if errors:
        raise ValidationError(errors)
    fields.pop("ctcae_version", None)
    if merged.get("term") == current_values(event)["term"]:
        for name in ("term_entered", "term", "soc", "meddra_code"):
            fields.pop(name, None)
    changed = records.update(user, event, fields, expected_version=expected_version, reason=reason)
    for rel in changed.relationships.all():
        new = (relationships or {}).get(rel.intervention_id)
        if new and new != rel.relationship:
            records.update(
                user, rel, {"relationship": new}, expected_version=rel.version, reason=reason
            )
    known = {rel.intervention_id for rel in changed.relationships.all()}
    for intervention_id, _name in interventions(subject):
        new = (relationships or {}).get(intervention_id)
        if new and intervention_id not in known:
            records.create(
                user,
                AeRelationship,
                subject,
                {"adverse_event": changed, "intervention_id": intervention_id, "relationship": new},
                reason=reason,
            )
    if changed.serious:
        initial = changed.sae_reports.filter(sequence=0).first()
        if initial is None:
            _initial_report(user, changed)
        elif initial.status == SaeReport.Status.DRAFT and changed.aware_at is not None:
            hours = protocol_for(subject).safety.sae_initial_report_hours
            due = report_due(changed.aware_at, hours)
            if due != initial.due_at:
                records.update(
                    user, initial, {"due_at": due}, expected_version=initial.version, reason=reason
                )
    return changed


def mark_serious(
    user: Any,
    event: AdverseEvent,
    criteria: Iterable[str],
    aware_at: dt.datetime | None,
    *,
    expected_version: Any,
    reason: str,
    now: dt.datetime | None = None,
) -> AdverseEvent:
    """Mark the event serious (criteria met, when the site became aware): creates the
    initial SAE report with its due time."""
    return change_event(
        user,
        event,
        {"serious": True, "criteria": list(criteria), "aware_at": aware_at},
        expected_version=expected_version,
        reason=reason,
        now=now,
    )


@transaction.atomic
def record_sent(
    user: Any,
    report: SaeReport,
    *,
    sent_to_sponsor_at: dt.datetime | None,
    sent_to_ethics_at: dt.datetime | None = None,
    narrative: str | None = None,
    expected_version: Any,
    reason: str = "",
    now: dt.datetime | None = None,
) -> SaeReport:
    """Record when the report went to the sponsor (and ethics committee). When the
    protocol sets `sae_follow_up_days` and the event has not reached a final outcome,
    the next follow-up report is scheduled that many days after this one was sent."""
    subject = report.subject
    require(user, subject.study, Action.ENTER_DATA, subject.site)
    at = _now(now)
    event = report.adverse_event
    errors: dict[str, list[str]] = {}
    if sent_to_sponsor_at is None:
        errors["sent_to_sponsor_at"] = ["Give when the report was sent to the sponsor."]
    for name, value in (
        ("sent_to_sponsor_at", sent_to_sponsor_at),
        ("sent_to_ethics_at", sent_to_ethics_at),
    ):
        if value is None:
            continue
        if value > at:
            errors.setdefault(name, []).append("This time is in the future.")
        if event.aware_at is not None and value < event.aware_at:
            errors.setdefault(name, []).append(
                "This is before the site became aware of the event "
                f"({timezone.localtime(event.aware_at):%Y-%m-%d %H:%M})."
            )
    if errors:
        raise ValidationError(errors)
    first_send = report.status == SaeReport.Status.DRAFT
    values: dict[str, Any] = {
        "status": SaeReport.Status.SENT,
        "sent_to_sponsor_at": sent_to_sponsor_at,
        "sent_to_ethics_at": sent_to_ethics_at,
    }
    if narrative is not None:
        values["narrative"] = narrative
    reason = (reason or "").strip() or (f"{report.label} sent to the sponsor" if first_send else "")
    sent = records.update(user, report, values, expected_version=expected_version, reason=reason)
    days = protocol_for(subject).safety.sae_follow_up_days
    if (
        first_send
        and days
        and event.outcome not in FINAL_OUTCOMES
        and not event.sae_reports.filter(status=SaeReport.Status.DRAFT).exists()
    ):
        assert sent_to_sponsor_at is not None
        _follow_up(user, event, follow_up_due(sent_to_sponsor_at, days))
    return sent


def _follow_up(user: Any, event: AdverseEvent, due: dt.datetime, narrative: str = "") -> SaeReport:
    last = event.sae_reports.order_by("-sequence").first()
    sequence = 1 if last is None else last.sequence + 1
    return records.create(
        user,
        SaeReport,
        event.subject,
        {
            "adverse_event": event,
            "kind": SaeReport.Kind.FOLLOW_UP,
            "sequence": sequence,
            "due_at": due,
            "narrative": narrative,
        },
    )


@transaction.atomic
def add_follow_up(
    user: Any, event: AdverseEvent, *, narrative: str = "", now: dt.datetime | None = None
) -> SaeReport:
    """A follow-up report of a serious event whose reports are all sent. It is due
    `sae_follow_up_days` after now when the protocol sets it, else within the
    initial-report hours."""
    subject = event.subject
    require(user, subject.study, Action.ENTER_DATA, subject.site)
    if not event.serious:
        raise ValidationError({"serious": ["Only a serious event has SAE reports."]})
    if event.sae_reports.filter(status=SaeReport.Status.DRAFT).exists():
        raise ValidationError(
            {"sae_reports": ["A report of this event is not sent yet: send it first."]}
        )
    safety = protocol_for(subject).safety
    at = _now(now)
    due = (
        follow_up_due(at, safety.sae_follow_up_days)
        if safety.sae_follow_up_days
        else report_due(at, safety.sae_initial_report_hours)
    )
    return _follow_up(user, event, due, narrative)
