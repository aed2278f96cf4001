"""The write path for subjects: enrollment with arm assignment, and anchor events.

Every function checks the user's role at the subject's site, changes the database in
one transaction and writes the audit records in that same transaction. Bad input raises
`django.core.exceptions.ValidationError` with messages per field, and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from oncotrial.apps.accounts.access import require
from oncotrial.apps.accounts.models import StudySite
from oncotrial.apps.audit.services import (
    AuditContext,
    record_create,
    record_delete,
    record_update,
)
from oncotrial.apps.crfs.locks import assert_unlocked
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.screening.services import consent_is_valid
from oncotrial.apps.studies import selectors as study_selectors
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import AllocationList, AllocationSlot, AnchorEvent, Subject
from oncotrial.apps.visits import services as visit_services
from oncotrial.domain import calendar
from oncotrial.domain.eligibility import Measurement, assign_by_rule
from oncotrial.domain.permissions import Action
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.randomization import generate_allocation_list, stratum_key

SLOT_CHUNK = 24
"""How many allocation slots of a stratum are generated at a time."""

_SUBJECT_FIELDS = [
    "subject_number",
    "study_id",
    "site_id",
    "candidate_id",
    "arm_id",
    "assignment_method",
    "stratum",
    "protocol_version_id",
    "enrollment_date",
    "status",
]


def screening_measurements(candidate: Candidate) -> dict[str, Measurement]:
    """The candidate's screening values as the eligibility domain reads them."""
    return {
        v.variable: Measurement(_as_value(v.value), v.unit or None) for v in candidate.values.all()
    }


def _as_value(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _has_confirmed_eligibility(candidate: Candidate) -> bool:
    for confirmation in candidate.confirmations.filter(revoked_at__isnull=True):
        evaluation = confirmation.evaluation if isinstance(confirmation.evaluation, dict) else {}
        if evaluation.get("outcome", "eligible") == "eligible":
            return True
    return False


def _next_subject_number(study_site: StudySite) -> str:
    prefix = f"{study_site.subject_prefix}-"
    numbers = Subject.objects.filter(
        study=study_site.study, subject_number__startswith=prefix
    ).values_list("subject_number", flat=True)
    used = [int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()]
    return f"{prefix}{max(used, default=0) + 1:03d}"


def _allocation_list(user: Any, study: Study, protocol: Protocol) -> AllocationList:
    scheme = protocol.design.randomization
    assert scheme is not None
    allocation = AllocationList.objects.select_for_update().filter(study=study).first()
    if allocation is None:
        allocation = AllocationList.objects.create(
            study=study,
            seed=secrets.token_hex(16),
            ratio=dict(scheme.ratio),
            block_sizes=list(scheme.block_sizes),
            created_at=timezone.now(),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        # the seed stays in the concealed list; the audit trail says that it was drawn
        record_create(
            AuditContext(user, study_key=study.key, reason="allocation list created"),
            allocation,
            ["study_id", "ratio", "block_sizes", "created_at"],
        )
    return allocation


def _take_slot(allocation: AllocationList, stratum: str) -> AllocationSlot:
    """The next unused slot of `stratum`, locked; generates more slots when needed."""
    free = AllocationSlot.objects.select_for_update().filter(
        allocation_list=allocation, stratum=stratum, subject__isnull=True
    )
    slot = free.order_by("sequence").first()
    if slot is not None:
        return slot
    existing = AllocationSlot.objects.filter(allocation_list=allocation, stratum=stratum).count()
    arms = generate_allocation_list(
        allocation.ratio, allocation.block_sizes, existing + SLOT_CHUNK, allocation.seed, stratum
    )
    AllocationSlot.objects.bulk_create(
        AllocationSlot(allocation_list=allocation, stratum=stratum, sequence=i + 1, arm_id=arm)
        for i, arm in enumerate(arms)
        if i >= existing
    )
    return free.order_by("sequence").first()  # type: ignore[return-value]


@transaction.atomic
def enroll(
    user: Any,
    candidate: Candidate,
    enrollment_date: dt.date,
    *,
    arm_id: str | None = None,
) -> Subject:
    """Enroll a consented candidate whose passed eligibility an investigator confirmed.

    The subject number is the site's prefix and the site's next sequence number (01-001).
    The arm: the only arm of a single-arm study; the next slot of the subject's stratum
    in the concealed allocation list of a randomized study; the cohort whose rule the
    screening values satisfy in an observational study; otherwise `arm_id`, chosen by
    the investigator. The subject's visit calendar is materialised.
    """
    study = Study.objects.select_for_update().get(pk=candidate.study_id)
    candidate = Candidate.objects.select_for_update().select_related("site").get(pk=candidate.pk)
    require(user, study, Action.ENROLL, candidate.site)
    view = study_selectors.get_study(study.key)
    protocol = view.protocol

    errors: dict[str, list[str]] = {}
    if not isinstance(enrollment_date, dt.date):
        errors.setdefault("enrollment_date", []).append("Enter a valid date.")
    elif enrollment_date > timezone.localdate():
        errors.setdefault("enrollment_date", []).append(
            "The enrollment date cannot be in the future."
        )
    elif enrollment_date < candidate.screening_date:
        errors.setdefault("enrollment_date", []).append(
            f"The enrollment date is before the screening date ({candidate.screening_date})."
        )
    if Subject.objects.filter(candidate=candidate).exists():
        errors.setdefault("screening_number", []).append(
            f"Candidate {candidate.screening_number} is already enrolled."
        )
    elif candidate.status in (Candidate.Status.SCREEN_FAILED, Candidate.Status.DECLINED):
        errors.setdefault("screening_number", []).append(
            f"Candidate {candidate.screening_number} is recorded as "
            f"{candidate.get_status_display().lower()}."
        )
    if not consent_is_valid(candidate, view.version):
        errors.setdefault("consent", []).append(
            "No valid informed consent for the current protocol version is recorded."
        )
    if not _has_confirmed_eligibility(candidate):
        errors.setdefault("eligibility", []).append(
            "No passed eligibility check confirmed by an investigator is recorded."
        )
    study_site = StudySite.objects.select_for_update().filter(study=study, site=candidate.site)
    study_site_row = study_site.first()
    if study_site_row is None or not study_site_row.active:
        errors.setdefault("site", []).append(
            f"Site {candidate.site.code} does not take part in {study.key}."
        )
    if errors:
        raise ValidationError(errors)
    assert study_site_row is not None

    values = screening_measurements(candidate)
    arms = [a.id for a in protocol.design.arms]
    stratum = ""
    slot: AllocationSlot | None = None
    scheme = protocol.design.randomization
    if scheme is not None:
        method = "randomized"
        try:
            stratum = stratum_key(scheme.strata, values)
        except ValueError as exc:
            raise ValidationError({"stratum": [f"Cannot stratify: {exc}."]}) from exc
        slot = _take_slot(_allocation_list(user, study, protocol), stratum)
        chosen = slot.arm_id
    elif len(arms) == 1:
        method, chosen = "single_arm", arms[0]
    elif any(a.assignment_rule is not None for a in protocol.design.arms):
        method = "rule"
        try:
            matched = assign_by_rule(protocol, values)
        except ValueError as exc:
            raise ValidationError({"arm_id": [f"Cannot assign a cohort: {exc}."]}) from exc
        if matched is None:
            raise ValidationError(
                {
                    "arm_id": [
                        "The screening values match no cohort's assignment rule "
                        "(enter the values the cohort rules use)."
                    ]
                }
            )
        chosen = matched
    else:
        method = "single_arm"
        if not arm_id:
            raise ValidationError({"arm_id": ["Choose the arm (this study is not randomized)."]})
        if arm_id not in arms:
            raise ValidationError(
                {"arm_id": [f"Unknown arm {arm_id!r}; choose one of {', '.join(arms)}."]}
            )
        chosen = arm_id

    now = timezone.now()
    subject = Subject.objects.create(
        study=study,
        site=candidate.site,
        candidate=candidate,
        subject_number=_next_subject_number(study_site_row),
        arm_id=chosen,
        assignment_method=method,
        stratum=stratum,
        protocol_version=view.version,
        enrollment_date=enrollment_date,
        enrolled_at=now,
        enrolled_by=user,
    )
    context = AuditContext(
        user, study_key=study.key, site_code=candidate.site.code, subject_ref=subject.subject_number
    )
    record_create(context, subject, _SUBJECT_FIELDS)
    if slot is not None:
        slot.subject = subject
        slot.used_at = now
        slot.save(update_fields=["subject", "used_at"])
        record_update(context, slot, {"subject_id": (None, subject.pk), "used_at": (None, now)})
    old_status = candidate.status
    candidate.status = Candidate.Status.ENROLLED
    candidate.version += 1
    candidate.save(update_fields=["status", "version"])
    record_update(
        AuditContext(
            user,
            study_key=study.key,
            site_code=candidate.site.code,
            subject_ref=candidate.screening_number,
        ),
        candidate,
        {"status": (old_status, candidate.status)},
    )
    visit_services.materialise(user, subject, protocol)
    return subject


_TREATMENT_END = "end_of_treatment"


def follow_anchor_event(
    user: Any, subject: Subject, anchor: str, date: dt.date, *, reason: str, corrected: str
) -> None:
    """Record the event `anchor` on `date`, as another record states it, unless it is
    already on that date; a moved date is explained by `reason`, else by `corrected`."""
    existing = AnchorEvent.objects.filter(subject=subject, anchor=anchor).first()
    if existing is not None and existing.date == date:
        return
    explained = reason or (corrected if existing else "")
    record_anchor_event(user, subject, anchor, date, reason=explained)


def unfollow_anchor_event(
    user: Any, subject: Subject, anchor: str, date: dt.date | None, *, reason: str
) -> None:
    """Remove the event `anchor` that a record being deleted set (see
    `follow_anchor_event`), when it still has the date that record stated. An event on
    another date was recorded or corrected independently of the record, and stays."""
    existing = AnchorEvent.objects.filter(subject=subject, anchor=anchor).first()
    if existing is None or date is None or existing.date != date:
        return
    remove_anchor_event(user, subject, anchor, reason=reason)


@transaction.atomic
def remove_anchor_event(user: Any, subject: Subject, anchor: str, *, reason: str) -> None:
    """Remove the recorded date of an event the calendar is timed from (a reason is
    required), then re-materialise the subject's calendar: visits timed from the event
    and not yet recorded are cancelled, visits the event stopped come back. The
    subject's status is left to the caller (it follows the records, see
    `followup.selectors.resting_status`)."""
    subject = subject_selectors.reread_locked(subject.pk)
    require(user, subject.study, Action.RECORD_VISITS, subject.site)
    assert_unlocked(subject=subject)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    existing = AnchorEvent.objects.select_for_update().filter(subject=subject, anchor=anchor)
    event = existing.first()
    if event is None:
        errors["anchor"] = [f"No {anchor!r} event is recorded for this subject."]
    if not reason:
        errors["reason"] = ["Give a reason for removing a recorded event."]
    if errors:
        raise ValidationError(errors)
    assert event is not None
    context = AuditContext(
        user,
        study_key=subject.study.key,
        site_code=subject.site.code,
        subject_ref=subject.subject_number,
        reason=reason,
    )
    record_delete(context, event, ["subject_id", "anchor", "date"])
    event.delete()
    protocol = study_selectors.protocol_of(subject.protocol_version)
    visit_services.materialise(user, subject, protocol)


@transaction.atomic
def record_anchor_event(
    user: Any,
    subject: Subject,
    anchor: str,
    date: dt.date,
    *,
    reason: str = "",
    regimen: str = "",
) -> AnchorEvent:
    """Record (or correct, with a reason) the date of an event the calendar is timed from,
    then re-materialise the subject's calendar. `regimen` names the intervention whose
    cycle length times visits counted in cycles, where the protocol leaves a choice."""
    subject = subject_selectors.reread_locked(subject.pk)
    require(user, subject.study, Action.RECORD_VISITS, subject.site)
    assert_unlocked(subject=subject)
    protocol = study_selectors.protocol_of(subject.protocol_version)
    known = anchor_choices(protocol)
    errors: dict[str, list[str]] = {}
    if anchor not in known:
        errors["anchor"] = [f"Unknown event {anchor!r}; choose one of {', '.join(known)}."]
    if not isinstance(date, dt.date):
        errors["date"] = ["Enter a valid date."]
    elif date > timezone.localdate():
        errors["date"] = ["The date cannot be in the future."]
    elif date < subject.candidate.screening_date:
        errors["date"] = [f"The date is before screening ({subject.candidate.screening_date})."]
    existing = AnchorEvent.objects.filter(subject=subject, anchor=anchor).first()
    if existing is not None and existing.date != date and not reason.strip():
        errors["reason"] = ["Give a reason for changing a date already recorded."]
    regimens = regimen_choices(protocol, subject.arm_id)
    if regimen and regimen not in regimens:
        errors["regimen"] = [
            f"Unknown regimen {regimen!r}; choose one of {', '.join(regimens) or 'none'}."
        ]
    elif regimen and subject.regimen and regimen != subject.regimen and not reason.strip():
        errors["reason"] = ["Give a reason for changing the regimen."]
    if errors:
        raise ValidationError(errors)

    context = AuditContext(
        user,
        study_key=subject.study.key,
        site_code=subject.site.code,
        subject_ref=subject.subject_number,
        reason=reason.strip(),
    )
    if regimen and regimen != subject.regimen:
        old_regimen = subject.regimen
        subject.regimen = regimen
        subject.version += 1
        subject.save(update_fields=["regimen", "version"])
        record_update(context, subject, {"regimen": (old_regimen, regimen)})
    now = timezone.now()
    if existing is None:
        event = AnchorEvent.objects.create(
            subject=subject, anchor=anchor, date=date, recorded_at=now, recorded_by=user
        )
        record_create(context, event, ["subject_id", "anchor", "date"])
    else:
        event = existing
        if existing.date != date:
            old = existing.date
            event.date = date
            event.recorded_at = now
            event.recorded_by = user
            event.save(update_fields=["date", "recorded_at", "recorded_by"])
            record_update(context, event, {"date": (old, date)})

    new_status = _status_after(subject, anchor, protocol)
    if new_status != subject.status:
        old_status = subject.status
        subject.status = new_status
        subject.version += 1
        subject.save(update_fields=["status", "version"])
        record_update(context, subject, {"status": (old_status, new_status)})
    visit_services.materialise(user, subject, protocol)
    return event


def regimen_choices(protocol: Protocol, arm_id: str) -> dict[str, str]:
    """Regimens to choose from when the arm's interventions have different cycle lengths
    (empty when there is nothing to choose)."""
    try:
        lengths = calendar.regimen_cycle_lengths(protocol, arm_id)
    except calendar.CalendarError:
        return {}
    if len(set(lengths.values())) < 2:
        return {}
    names = {i.id: i.name for i in protocol.design.interventions}
    return {i: f"{names[i]} ({days}-day cycles)" for i, days in lengths.items()}


def anchor_choices(protocol: Protocol) -> dict[str, str]:
    """Events a user may record: the protocol's anchors (and the ones its visits, follow-up
    and stop conditions use), with their labels."""
    choices: dict[str, str] = {a.id: a.label for a in protocol.schedule.anchors}
    for visit in protocol.schedule.visits:
        choices.setdefault(visit.anchor, visit.anchor.replace("_", " ").capitalize())
    if protocol.schedule.follow_up is not None:
        choices.setdefault(protocol.schedule.follow_up.anchor, "End of treatment")
    for extra, label in (
        ("progression", "Progression"),
        ("surgery", "Surgery"),
        ("death", "Death"),
        ("withdrawal", "Withdrawal"),
    ):
        if any(extra in (v.repeat.until if v.repeat else []) for v in protocol.schedule.visits):
            choices.setdefault(extra, label)
    choices.setdefault("death", "Death")
    choices.pop("enrollment", None)
    choices.pop("consent", None)
    return choices


def _status_after(subject: Subject, anchor: str, protocol: Protocol) -> str:
    if anchor == "death":
        return Subject.Status.DEAD
    if anchor == "withdrawal":
        return Subject.Status.WITHDRAWN
    follow_up = protocol.schedule.follow_up
    if anchor == _TREATMENT_END or (follow_up is not None and anchor == follow_up.anchor):
        return Subject.Status.FOLLOW_UP
    treatment_anchors = {a.id for a in protocol.schedule.anchors if not a.event_triggered}
    if anchor in treatment_anchors and subject.status == Subject.Status.ENROLLED:
        return Subject.Status.ON_TREATMENT
    return subject.status
