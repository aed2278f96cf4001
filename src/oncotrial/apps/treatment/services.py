"""The write path for treatment given: administrations (and radiotherapy fractions),
surgery, end of treatment and next-line therapy.

Each function validates what is specific to its table against the protocol and the
subject's other records, then writes through `records.create / update / delete` (role
at the subject's site, locks, version conflicts, reason for changes, audit) in one
transaction. Side effects on the subject go through the subjects service (anchor events
re-plan the calendar) or `treatment.status`, audited in the same transaction. Bad input
raises `ValidationError` with messages per field, and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from oncotrial.apps import records
from oncotrial.apps.followup import coherence
from oncotrial.apps.followup import selectors as followup_selectors
from oncotrial.apps.followup.coherence import Errors, add, iso
from oncotrial.apps.studies.selectors import protocol_of
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects import services as subject_services
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.treatment.models import (
    Administration,
    EndOfTreatment,
    NextLineTherapy,
    Surgery,
)
from oncotrial.apps.treatment.status import TERMINAL, current_status, set_status
from oncotrial.domain import units
from oncotrial.domain.permissions import Action
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.design import Intervention

SURGERY_ANCHOR = "surgery"
LAST_DOSE_ANCHOR = "last_dose"
END_ANCHOR = "end_of_treatment"


def _subject(subject: Subject) -> Subject:
    return subject_selectors.reread(subject.pk)


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def arm_interventions(protocol: Protocol, arm_id: str) -> list[Intervention]:
    """The interventions of the subject's arm, in protocol order."""
    arm = next((a for a in protocol.design.arms if a.id == arm_id), None)
    wanted = set(arm.interventions) if arm is not None else set()
    return [i for i in protocol.design.interventions if i.id in wanted]


def administered_interventions(protocol: Protocol, arm_id: str) -> list[Intervention]:
    """Interventions recorded as administrations (procedures are recorded as surgery)."""
    return [i for i in arm_interventions(protocol, arm_id) if i.type != "procedure"]


def planned_fractions(intervention: Intervention) -> int | None:
    """Fractions the protocol plans: the maximum total dose over the dose per fraction."""
    plan = intervention.fractionation
    if plan is None or plan.total_dose_max is None:
        return None
    per = units.convert(plan.dose_per_fraction.value, plan.dose_per_fraction.unit, "Gy")
    total = units.convert(plan.total_dose_max.value, plan.total_dose_max.unit, "Gy")
    return round(total / per) if per > 0 else None


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


# --------------------------------------------------------------------------- administrations


def _check_administration(
    subject: Subject, values: dict[str, Any], current: Administration | None
) -> None:
    protocol = protocol_of(subject.protocol_version)
    errors: Errors = {}
    choices = {i.id: i for i in administered_interventions(protocol, subject.arm_id)}
    intervention = choices.get(values.get("intervention_id") or "")
    if intervention is None:
        add(
            errors,
            "intervention_id",
            f"Unknown intervention {values.get('intervention_id')!r} for this subject's arm; "
            f"choose one of {', '.join(choices) or 'none'}.",
        )
    date = values.get("date")
    coherence.check_date(errors, subject, "date", date, label="The administration date")
    modification = values.get("modification") or Administration.Modification.NONE
    omitted = modification == Administration.Modification.OMITTED
    if (
        modification != Administration.Modification.NONE
        and not (values.get("modification_reason") or "").strip()
    ):
        add(errors, "modification_reason", "Give the reason the administration was modified.")
    visit = values.get("visit")
    if visit is not None and visit.subject_id != subject.pk:
        add(errors, "visit", "This visit is not one of the subject's.")
    cycle, day = values.get("cycle"), values.get("day")
    length = intervention.cycle_length_days if intervention is not None else None
    if day is not None and length and day > length:
        assert intervention is not None
        add(errors, "day", f"Day {day} is beyond the {length}-day cycle of {intervention.name}.")
    if day is not None and cycle is None:
        add(errors, "cycle", "Give the cycle the day belongs to.")
    dose, unit = _decimal(values.get("dose")), (values.get("dose_unit") or "").strip()
    fraction, fraction_dose = (
        values.get("fraction_number"),
        _decimal(values.get("fraction_dose_gy")),
    )
    if intervention is not None and intervention.type == "radiation":
        _check_fraction(errors, subject, intervention, fraction, fraction_dose, omitted, current)
        if dose is not None or unit:
            add(errors, "dose", "Radiotherapy is recorded as the fraction dose in Gy.")
    elif intervention is not None:
        if fraction is not None or fraction_dose is not None:
            add(errors, "fraction_number", "Only radiotherapy is given in fractions.")
        _check_dose(errors, intervention, dose, unit, omitted)
    if date is not None and isinstance(date, dt.date) and not omitted:
        for source, last in coherence.recorded_last_doses(subject):
            if date > last and not (current is not None and current.date > last):
                add(
                    errors,
                    "date",
                    f"The {source} records the last dose on {iso(last)}; this administration "
                    "is after it.",
                )
    _raise(errors)


def _check_dose(
    errors: Errors,
    intervention: Intervention,
    dose: Decimal | None,
    unit: str,
    omitted: bool,
) -> None:
    if omitted:
        if dose not in (None, Decimal(0)):
            add(errors, "dose", "An omitted administration has no dose.")
        return
    if dose is None:
        if intervention.dose is not None:
            add(errors, "dose", f"Give the dose of {intervention.name} given.")
        return
    if not unit:
        add(errors, "dose_unit", "Give the unit of the dose.")
        return
    try:
        given = units.parse_unit(unit)
    except units.UnknownUnitError as exc:
        add(errors, "dose_unit", f"{str(exc).capitalize()}.")
        return
    if intervention.dose is not None:
        planned = units.parse_unit(intervention.dose.unit)
        if given.dimension != planned.dimension:
            add(
                errors,
                "dose_unit",
                f"{given.symbol} is not a unit of {intervention.name}'s dose, which the "
                f"protocol gives in {planned.symbol} ({planned.dimension.replace('_', ' ')}).",
            )
    elif given.dimension not in {
        "mass",
        "dose_per_bsa",
        "dose_per_weight",
        "international_units",
        "volume",
    }:
        add(errors, "dose_unit", f"{given.symbol} is not a unit of a drug dose.")


def _check_fraction(
    errors: Errors,
    subject: Subject,
    intervention: Intervention,
    fraction: int | None,
    fraction_dose: Decimal | None,
    omitted: bool,
    current: Administration | None,
) -> None:
    if fraction is None:
        add(errors, "fraction_number", f"Give the fraction number of {intervention.name}.")
        return
    planned = planned_fractions(intervention)
    if planned is not None and fraction > planned:
        add(
            errors,
            "fraction_number",
            f"{intervention.name} plans {planned} fraction{'s' if planned != 1 else ''}; "
            f"fraction {fraction} is beyond the plan.",
        )
    others = Administration.objects.filter(
        subject=subject, intervention_id=intervention.id
    ).exclude(pk=getattr(current, "pk", None))
    if others.filter(fraction_number=fraction).exists():
        add(errors, "fraction_number", f"Fraction {fraction} is already recorded.")
    if omitted:
        if fraction_dose not in (None, Decimal(0)):
            add(errors, "fraction_dose_gy", "An omitted fraction has no dose.")
        return
    if fraction_dose is None:
        add(errors, "fraction_dose_gy", "Give the dose of the fraction in Gy.")
        return
    plan = intervention.fractionation
    if plan is not None and plan.total_dose_max is not None:
        maximum = Decimal(
            str(units.convert(plan.total_dose_max.value, plan.total_dose_max.unit, "Gy"))
        )
        delivered = sum(
            (f for f in others.values_list("fraction_dose_gy", flat=True) if f is not None),
            Decimal(0),
        )
        if delivered + fraction_dose > maximum:
            add(
                errors,
                "fraction_dose_gy",
                f"The total dose would be {(delivered + fraction_dose).normalize()} Gy, above "
                f"the {maximum.normalize()} Gy the protocol plans for {intervention.name}.",
            )


def _first_anchor(protocol: Protocol) -> str | None:
    timed = [a.id for a in protocol.schedule.anchors if not a.event_triggered]
    return timed[0] if timed else None


def _after_administration(user: Any, subject: Subject, reason: str = "") -> None:
    """The first administration starts treatment: the protocol's first timed anchor (first
    dose, treatment start) when none is recorded, and the status on treatment."""
    protocol = protocol_of(subject.protocol_version)
    anchor = _first_anchor(protocol)
    needs_anchor = bool(anchor) and not (
        AnchorEvent.objects.filter(subject=subject, anchor=anchor).exists()
    )
    needs_status = subject.status == Subject.Status.ENROLLED  # as read for this change
    if not (needs_anchor or needs_status):
        return  # treatment already started (the usual case)
    first = (
        Administration.objects.filter(subject=subject)
        .exclude(modification=Administration.Modification.OMITTED)
        .order_by("date")
        .first()
    )
    if first is None:
        return
    if needs_anchor:
        assert anchor is not None
        regimens = subject_services.regimen_choices(protocol, subject.arm_id)
        regimen = first.intervention_id if first.intervention_id in regimens else ""
        subject_services.record_anchor_event(
            user, subject, anchor, first.date, reason=reason, regimen=regimen
        )
    if current_status(subject) == Subject.Status.ENROLLED:
        set_status(user, subject, Subject.Status.ON_TREATMENT, reason or "first administration")


@transaction.atomic
def record_administration(
    user: Any, subject: Subject, values: Mapping[str, Any], *, reason: str = ""
) -> Administration:
    subject = _subject(subject)
    records.check_access(user, subject, Action.ENTER_DATA, values.get("visit"))
    data = dict(values)
    _check_administration(subject, data, None)
    created = records.create(user, Administration, subject, data, reason=reason)
    _after_administration(user, subject, reason)
    return created


@transaction.atomic
def change_administration(
    user: Any,
    record: Administration,
    values: Mapping[str, Any],
    *,
    expected_version: Any,
    reason: str,
) -> Administration:
    subject = _subject(record.subject)
    locked = records.lock_for_change(record, expected_version)
    merged = {name: getattr(locked, name) for name in Administration.audited_fields}
    merged["visit"] = locked.visit
    merged.pop("visit_id")
    merged.update(values)
    records.check_access(user, subject, Action.ENTER_DATA, merged.get("visit"))
    _check_administration(subject, merged, locked)
    changes = dict(values)
    if "visit" in changes:
        visit = changes.pop("visit")
        changes["visit_id"] = visit.pk if visit is not None else None
    return records.update(user, locked, changes, expected_version=expected_version, reason=reason)


# --------------------------------------------------------------------------- surgery


def _check_surgery(subject: Subject, values: dict[str, Any]) -> None:
    errors: Errors = {}
    coherence.check_date(errors, subject, "date", values.get("date"), label="The surgery date")
    if (
        values.get("procedure") == Surgery.Procedure.OTHER
        and not (values.get("procedure_other") or "").strip()
    ):
        add(errors, "procedure_other", "Describe the procedure.")
    if values.get("procedure") == Surgery.Procedure.ABLATION and values.get("resection_margin"):
        add(errors, "resection_margin", "An ablation has no resection margin.")
    _raise(errors)


def _sync_surgery_anchor(user: Any, subject: Subject, reason: str) -> None:
    """The protocol's `surgery` anchor (when it has one) is the date of the first
    surgery; recording it re-plans the visits timed from surgery."""
    protocol = protocol_of(subject.protocol_version)
    if SURGERY_ANCHOR not in {a.id for a in protocol.schedule.anchors}:
        return
    first = Surgery.objects.filter(subject=subject).order_by("date").first()
    if first is None:
        return
    subject_services.follow_anchor_event(
        user, subject, SURGERY_ANCHOR, first.date, reason=reason, corrected="surgery date corrected"
    )


@transaction.atomic
def record_surgery(
    user: Any, subject: Subject, values: Mapping[str, Any], *, reason: str = ""
) -> Surgery:
    subject = _subject(subject)
    records.check_access(user, subject, Action.ENTER_DATA)
    _check_surgery(subject, dict(values))
    created = records.create(user, Surgery, subject, values, reason=reason)
    _sync_surgery_anchor(user, subject, reason)
    return created


@transaction.atomic
def change_surgery(
    user: Any, record: Surgery, values: Mapping[str, Any], *, expected_version: Any, reason: str
) -> Surgery:
    subject = _subject(record.subject)
    locked = records.lock_for_change(record, expected_version)
    records.check_access(user, subject, Action.ENTER_DATA)
    merged = {name: getattr(locked, name) for name in Surgery.audited_fields} | dict(values)
    _check_surgery(subject, merged)
    changed = records.update(user, locked, values, expected_version=expected_version, reason=reason)
    _sync_surgery_anchor(user, subject, reason)
    return changed


# --------------------------------------------------------------------------- end of treatment


def _check_end(subject: Subject, values: dict[str, Any], current: EndOfTreatment | None) -> None:
    errors: Errors = {}
    existing = EndOfTreatment.objects.filter(subject=subject).first()
    if current is None and existing is not None:
        add(
            errors,
            "date",
            f"The end of treatment is already recorded ({iso(existing.date)}); correct it instead.",
        )
    date, last = values.get("date"), values.get("last_dose_date")
    coherence.check_date(errors, subject, "date", date, label="The end of treatment date")
    coherence.check_date(errors, subject, "last_dose_date", last, label="The date of last dose")
    coherence.check_last_dose(errors, subject, "last_dose_date", last)
    if isinstance(date, dt.date) and isinstance(last, dt.date) and date < last:
        add(errors, "date", f"The end of treatment is before the last dose ({iso(last)}).")
    if last is None and coherence.last_given_dose(subject) is not None:
        add(errors, "last_dose_date", "Give the date of last dose (administrations are recorded).")
    if (
        values.get("primary_reason") == EndOfTreatment.Reason.OTHER
        and not (values.get("reason_other") or "").strip()
    ):
        add(errors, "reason_other", "Describe the reason treatment ended.")
    _raise(errors)


def _sync_end_anchors(user: Any, subject: Subject, end: EndOfTreatment, reason: str) -> None:
    """Record the protocol's last-dose and end-of-treatment anchors (the follow-up
    schedule starts from the latter), and the status in follow-up."""
    protocol = protocol_of(subject.protocol_version)
    known = subject_services.anchor_choices(protocol)
    terminal = current_status(subject) in TERMINAL
    wanted = [(LAST_DOSE_ANCHOR, end.last_dose_date)]
    if not terminal:
        wanted.append((END_ANCHOR, end.date))
    for anchor, date in wanted:
        if date is not None and anchor in known:
            subject_services.follow_anchor_event(
                user, subject, anchor, date, reason=reason, corrected="end of treatment corrected"
            )
    if not terminal:
        set_status(user, subject, Subject.Status.FOLLOW_UP, reason or "end of treatment")


@transaction.atomic
def record_end_of_treatment(
    user: Any, subject: Subject, values: Mapping[str, Any], *, reason: str = ""
) -> EndOfTreatment:
    subject = _subject(subject)
    records.check_access(user, subject, Action.ENTER_DATA)
    _check_end(subject, dict(values), None)
    created = records.create(user, EndOfTreatment, subject, values, reason=reason)
    _sync_end_anchors(user, subject, created, reason)
    return created


@transaction.atomic
def change_end_of_treatment(
    user: Any,
    record: EndOfTreatment,
    values: Mapping[str, Any],
    *,
    expected_version: Any,
    reason: str,
) -> EndOfTreatment:
    subject = _subject(record.subject)
    locked = records.lock_for_change(record, expected_version)
    records.check_access(user, subject, Action.ENTER_DATA)
    merged = {name: getattr(locked, name) for name in EndOfTreatment.audited_fields}
    _check_end(subject, merged | dict(values), locked)
    changed = records.update(user, locked, values, expected_version=expected_version, reason=reason)
    _sync_end_anchors(user, subject, changed, reason)
    return changed


# --------------------------------------------------------------------------- next line


def _check_next_line(
    subject: Subject, values: dict[str, Any], current: NextLineTherapy | None
) -> None:
    errors: Errors = {}
    start, progression = values.get("start_date"), values.get("progression_date")
    coherence.check_date(errors, subject, "start_date", start, label="The start date")
    coherence.check_date(
        errors, subject, "progression_date", progression, label="The progression date"
    )
    if isinstance(start, dt.date) and isinstance(progression, dt.date) and progression < start:
        add(errors, "progression_date", f"The progression is before the start ({iso(start)}).")
    if isinstance(start, dt.date):
        last = coherence.last_given_dose(subject)
        if last is not None and start < last:
            add(
                errors,
                "start_date",
                f"A next line starts after study treatment; the last dose is on {iso(last)}.",
            )
    line = values.get("line_number")
    if line is not None:
        clash = NextLineTherapy.objects.filter(subject=subject, line_number=line)
        if current is not None:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            add(errors, "line_number", f"Line {line} is already recorded.")
    if not (values.get("regimen") or "").strip():
        add(errors, "regimen", "Name the regimen.")
    _raise(errors)


@transaction.atomic
def record_next_line(
    user: Any, subject: Subject, values: Mapping[str, Any], *, reason: str = ""
) -> NextLineTherapy:
    subject = _subject(subject)
    records.check_access(user, subject, Action.ENTER_DATA)
    _check_next_line(subject, dict(values), None)
    return records.create(user, NextLineTherapy, subject, values, reason=reason)


@transaction.atomic
def change_next_line(
    user: Any,
    record: NextLineTherapy,
    values: Mapping[str, Any],
    *,
    expected_version: Any,
    reason: str,
) -> NextLineTherapy:
    subject = _subject(record.subject)
    locked = records.lock_for_change(record, expected_version)
    records.check_access(user, subject, Action.ENTER_DATA)
    merged = {name: getattr(locked, name) for name in NextLineTherapy.audited_fields}
    _check_next_line(subject, merged | dict(values), locked)
    return records.update(user, locked, values, expected_version=expected_version, reason=reason)


# --------------------------------------------------------------------------- delete


@transaction.atomic
def delete_record(
    user: Any, record: records.ClinicalRecord, *, expected_version: Any, reason: str
) -> None:
    """Remove a treatment row entered in error (the audit trail keeps its values).

    The events a surgery or an end of treatment set go with it when they still have the
    record's dates (an event on another date was recorded independently, and stays):
    the surgery event follows the remaining first surgery, or is removed with the only
    one; the last-dose and end-of-treatment events are removed. Either re-plans the
    calendar. The status goes back to what the remaining records support (e.g. enrolled
    when the last administration goes and no first-dose event is recorded)."""
    subject = _subject(record.subject)
    records.delete(user, record, expected_version=expected_version, reason=reason)
    if isinstance(record, Surgery):
        _surgery_anchor_after_deletion(user, subject, record, reason)
        return
    if isinstance(record, EndOfTreatment):
        _unfollow_end_anchors(user, subject, record, reason)
    if current_status(subject) not in TERMINAL:
        set_status(user, subject, followup_selectors.resting_status(subject), reason)


def _surgery_anchor_after_deletion(
    user: Any, subject: Subject, deleted: Surgery, reason: str
) -> None:
    """The surgery event set from the deleted surgery's date moves to the remaining first
    surgery, or goes when none remains."""
    protocol = protocol_of(subject.protocol_version)
    if SURGERY_ANCHOR not in {a.id for a in protocol.schedule.anchors}:
        return
    event = AnchorEvent.objects.filter(subject=subject, anchor=SURGERY_ANCHOR).first()
    if event is None or event.date != deleted.date:
        return
    if Surgery.objects.filter(subject=subject).exists():
        _sync_surgery_anchor(user, subject, reason)
    else:
        subject_services.unfollow_anchor_event(
            user, subject, SURGERY_ANCHOR, deleted.date, reason=reason
        )


def _unfollow_end_anchors(user: Any, subject: Subject, end: EndOfTreatment, reason: str) -> None:
    """Remove the last-dose and end-of-treatment events the deleted end of treatment set
    (see `_sync_end_anchors`)."""
    known = subject_services.anchor_choices(protocol_of(subject.protocol_version))
    for anchor, date in ((LAST_DOSE_ANCHOR, end.last_dose_date), (END_ANCHOR, end.date)):
        if anchor in known:
            subject_services.unfollow_anchor_event(user, subject, anchor, date, reason=reason)
