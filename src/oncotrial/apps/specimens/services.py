"""The write path for specimens and their chain of custody.

`collect_specimen` records a specimen (label unique in the study, a positive amount in
a unit that fits its type, collected no later than now, for one of the protocol's
specimen assessments). `transfer_specimen` records a handover and, in the same
transaction, moves the specimen to the receiving location with its new status: a
transfer starts where the specimen is, is dated no earlier than its collection or the
previous transfer and never moves a specimen that was used up or destroyed. Changes and
deletions need a reason; a specimen with a custody history cannot be deleted. Every
write goes through `oncotrial.apps.records` (role, locks, versions, audit).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from oncotrial.apps import records
from oncotrial.apps.specimens.models import (
    FINAL_STATUSES,
    AmountUnit,
    Specimen,
    SpecimenTransfer,
    SpecimenType,
)
from oncotrial.apps.studies.selectors import protocol_of
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import Action
from oncotrial.domain.protocol import Protocol

TISSUE = {SpecimenType.TUMOUR_TISSUE, SpecimenType.ADJACENT_NORMAL}
LIQUID = {
    SpecimenType.BLOOD,
    SpecimenType.PLASMA,
    SpecimenType.SERUM,
    SpecimenType.PBMC,
    SpecimenType.URINE,
}
UNITS_FOR: dict[str, set[str]] = {
    **{t: {"mg", "g", "cores", "slides"} for t in TISSUE},
    **{t: {"mL", "uL"} for t in LIQUID},
    SpecimenType.PBMC: {"mL", "uL"},
    SpecimenType.STOOL: {"mg", "g", "mL"},
    SpecimenType.OTHER: set(AmountUnit.values),
}
"""Amount units that fit each specimen type."""


def specimen_assessments(protocol: Protocol) -> dict[str, str]:
    """The protocol's specimen assessments: id → label."""
    return {a.id: a.label for a in protocol.schedule.assessments if a.kind == "specimen"}


def _moment(raw: Any, field: str, errors: dict[str, list[str]]) -> dt.datetime | None:
    value = raw
    if isinstance(raw, str):
        value = parse_datetime(raw.strip()) if raw.strip() else None
        if value is None and raw.strip():
            errors[field] = ["Enter a date and time as YYYY-MM-DD HH:MM."]
            return None
    if value is None:
        errors[field] = ["This field is required."]
        return None
    if not isinstance(value, dt.datetime):
        errors[field] = ["Enter a date and time as YYYY-MM-DD HH:MM."]
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + dt.timedelta(minutes=5):
        errors[field] = ["This is in the future."]
        return None
    return value


def _amount(raw: Any, errors: dict[str, list[str]]) -> float | None:
    try:
        amount = float(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        errors["amount"] = ["Enter the amount as a number."]
        return None
    if not math.isfinite(amount) or amount <= 0:
        errors["amount"] = ["The amount must be more than zero."]
        return None
    return amount


def _text(values: Mapping[str, Any], name: str) -> str:
    return str(values.get(name) or "").strip()


def _check(
    subject: Subject, values: Mapping[str, Any], *, current: Specimen | None = None
) -> dict[str, Any]:
    """The specimen's fields from `values`, checked; ValidationError per field."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    protocol = protocol_of(subject.protocol_version)
    assessments = specimen_assessments(protocol)
    if "assessment_id" in values or current is None:
        assessment = _text(values, "assessment_id")
        if assessment and assessment not in assessments:
            known = ", ".join(assessments) or "none"
            errors["assessment_id"] = [
                f"{assessment!r} is not a specimen assessment of this protocol ({known})."
            ]
        clean["assessment_id"] = assessment
    if "visit" in values or current is None:
        visit = values.get("visit")
        if visit is not None and not isinstance(visit, Visit):
            visit = Visit.objects.filter(subject=subject, pk=visit).first()
            if visit is None:
                errors["visit"] = ["No such visit of this subject."]
        if isinstance(visit, Visit) and visit.subject_id != subject.pk:
            errors["visit"] = ["That visit is not one of this subject's."]
        clean["visit"] = visit if isinstance(visit, Visit) else None
    kind = _text(values, "specimen_type") if "specimen_type" in values else None
    if kind is not None or current is None:
        if kind not in SpecimenType.values:
            errors["specimen_type"] = [f"Choose one of: {', '.join(SpecimenType.values)}."]
        clean["specimen_type"] = kind
    if "amount" in values or current is None:
        clean["amount"] = _amount(values.get("amount"), errors)
    if "amount_unit" in values or current is None:
        unit = _text(values, "amount_unit").replace("µ", "u").replace("μ", "u")
        if unit not in AmountUnit.values:
            errors["amount_unit"] = [f"Choose one of: {', '.join(AmountUnit.labels)}."]
        clean["amount_unit"] = unit
    kind_now = clean.get("specimen_type", current.specimen_type if current else None)
    unit_now = clean.get("amount_unit", current.amount_unit if current else None)
    if (
        kind_now in UNITS_FOR
        and unit_now in AmountUnit.values
        and unit_now not in UNITS_FOR[kind_now]
        and "amount_unit" not in errors
    ):
        fits = ", ".join(sorted(UNITS_FOR[kind_now]))
        errors["amount_unit"] = [
            f"{SpecimenType(kind_now).label} is measured in {fits}, not {unit_now}."
        ]
    if "collected_at" in values or current is None:
        clean["collected_at"] = _moment(values.get("collected_at"), "collected_at", errors)
        if current is not None and clean["collected_at"] is not None:
            first = current.transfers.order_by("transferred_at").first()
            if first is not None and clean["collected_at"] > first.transferred_at:
                errors["collected_at"] = [
                    "The specimen was handed over before this time "
                    f"({first.transferred_at:%Y-%m-%d %H:%M} UTC)."
                ]
    if "label" in values or current is None:
        label = _text(values, "label")
        if not label:
            errors["label"] = ["Give the specimen's label or barcode."]
        else:
            taken = Specimen.objects.filter(study=subject.study, label=label)
            if current is not None:
                taken = taken.exclude(pk=current.pk)
            if taken.exists():
                errors["label"] = [f"Label {label} is already used in this study."]
        clean["label"] = label
    if current is None:
        location = _text(values, "storage_location")
        if not location:
            errors["storage_location"] = ["Say where the specimen is kept."]
        clean["storage_location"] = location
    if "notes" in values or current is None:
        clean["notes"] = _text(values, "notes")
    if errors:
        raise ValidationError(errors)
    return clean


def collect_specimen(user: Any, subject: Subject, values: Mapping[str, Any]) -> Specimen:
    """Record a collected specimen: specimen_type, amount, amount_unit, collected_at,
    label, storage_location; optional visit, assessment_id, notes."""
    visit = values.get("visit") if isinstance(values.get("visit"), Visit) else None
    records.check_access(user, subject, Action.ENTER_DATA, visit)
    clean = _check(subject, values)
    try:
        with transaction.atomic():
            return records.create(user, Specimen, subject, {"study": subject.study, **clean})
    except IntegrityError:
        raise ValidationError(
            {"label": [f"Label {clean['label']} is already used in this study."]}
        ) from None


CHANGEABLE = (
    "visit",
    "assessment_id",
    "specimen_type",
    "amount",
    "amount_unit",
    "collected_at",
    "label",
    "notes",
)


def change_specimen(
    user: Any,
    specimen: Specimen,
    values: Mapping[str, Any],
    *,
    expected_version: Any,
    reason: str,
) -> Specimen:
    """Correct what was recorded at collection (not its location or status: those
    change only by a transfer)."""
    subject = Subject.objects.select_related("study", "site").get(pk=specimen.subject_id)
    records.check_access(user, subject, Action.ENTER_DATA, specimen.visit)
    unknown = sorted(set(values) - set(CHANGEABLE))
    if unknown:
        raise ValidationError(
            {
                name: [
                    "This field cannot be changed here"
                    + (": record a transfer." if name in ("storage_location", "status") else ".")
                ]
                for name in unknown
            }
        )
    clean = _check(subject, values, current=specimen)
    try:
        with transaction.atomic():
            return records.update(
                user, specimen, clean, expected_version=expected_version, reason=reason
            )
    except IntegrityError:
        raise ValidationError(
            {"label": [f"Label {clean.get('label')} is already used in this study."]}
        ) from None


def delete_specimen(user: Any, specimen: Specimen, *, expected_version: Any, reason: str) -> None:
    """Remove a specimen recorded in error; one with a custody history stays (record a
    transfer marking it destroyed instead)."""
    if specimen.transfers.exists():
        raise ValidationError(
            {
                "specimen": [
                    "This specimen has a custody history and cannot be deleted; record a "
                    "transfer marking it destroyed instead."
                ]
            }
        )
    records.delete(user, specimen, expected_version=expected_version, reason=reason)


def transfer_specimen(
    user: Any,
    specimen: Specimen,
    values: Mapping[str, Any],
    *,
    expected_version: Any,
) -> SpecimenTransfer:
    """Record a handover of `specimen` (to_location, transferred_at, handed_over_by,
    received_by, condition; optional from_location — the specimen's current location —,
    status_after — stored by default — and notes) and move the specimen there."""
    subject = Subject.objects.select_related("study", "site").get(pk=specimen.subject_id)
    records.check_access(user, subject, Action.ENTER_DATA, specimen.visit)
    with transaction.atomic():
        locked = records.lock_for_change(specimen, expected_version)
        errors: dict[str, list[str]] = {}
        if locked.status in FINAL_STATUSES:
            errors["specimen"] = [
                f"This specimen was {locked.get_status_display().lower()}; it cannot move."
            ]
        from_location = _text(values, "from_location") or locked.storage_location
        if from_location != locked.storage_location:
            errors["from_location"] = [
                f"The specimen is at {locked.storage_location}, not {from_location}."
            ]
        to_location = _text(values, "to_location")
        if not to_location:
            errors["to_location"] = ["Say where the specimen goes."]
        status_after = _text(values, "status_after") or "stored"
        allowed = [c[0] for c in SpecimenTransfer._meta.get_field("status_after").choices or []]
        if status_after not in allowed:
            errors["status_after"] = [f"Choose one of: {', '.join(allowed)}."]
        if (
            to_location
            and to_location == locked.storage_location
            and status_after not in FINAL_STATUSES
        ):
            errors["to_location"] = [f"The specimen is already at {to_location}."]
        when = _moment(values.get("transferred_at"), "transferred_at", errors)
        if when is not None:
            previous = locked.transfers.order_by("-transferred_at", "-pk").first()
            if when < locked.collected_at:
                errors["transferred_at"] = [
                    "A transfer cannot be dated before the collection "
                    f"({locked.collected_at:%Y-%m-%d %H:%M} UTC)."
                ]
            elif previous is not None and when < previous.transferred_at:
                errors["transferred_at"] = [
                    "A transfer cannot be dated before the previous one "
                    f"({previous.transferred_at:%Y-%m-%d %H:%M} UTC, to "
                    f"{previous.to_location})."
                ]
        for name in ("handed_over_by", "received_by", "condition"):
            if not _text(values, name):
                errors[name] = ["This field is required."]
        if errors:
            raise ValidationError(errors)
        transfer = records.create(
            user,
            SpecimenTransfer,
            subject,
            {
                "specimen": locked,
                "from_location": from_location,
                "to_location": to_location,
                "transferred_at": when,
                "handed_over_by": _text(values, "handed_over_by"),
                "received_by": _text(values, "received_by"),
                "condition": _text(values, "condition"),
                "status_after": status_after,
                "notes": _text(values, "notes"),
            },
        )
        records.update(
            user,
            locked,
            {"storage_location": to_location, "status": status_after},
            expected_version=locked.version,
            reason=f"Transfer {transfer.pk}: {from_location} → {to_location}",
        )
    specimen.refresh_from_db()
    return transfer
