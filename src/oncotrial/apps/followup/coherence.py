"""Date rules shared by the treatment and follow-up tables, so that survival endpoints
read one consistent story: nothing in the future, nothing before enrollment, nothing
after the death, and the last dose where the administrations put it.

Each check adds messages to an `errors` dict (field → messages) that the services raise
as one `ValidationError`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model
from django.utils import timezone

from oncotrial.apps.followup.models import Death, Withdrawal
from oncotrial.apps.rows import fetch_one
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.treatment.models import Administration, EndOfTreatment

Errors = dict[str, list[str]]


def add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def iso(value: dt.date) -> str:
    return value.isoformat()


def _others(where: str, params: list[Any], excluding: Model | None) -> tuple[str, list[Any]]:
    """`where` without the row `excluding` (a row being changed), if it is saved."""
    if excluding is not None and excluding.pk:
        return f"{where} AND {{id}} <> %s", [*params, excluding.pk]
    return where, params


def death_date(subject: Subject, *, excluding: Death | None = None) -> dt.date | None:
    where, params = _others("{subject_id} = %s", [subject.pk], excluding)
    death = fetch_one(Death, where, params, columns=("id", "date"))
    return death.date if death is not None else None


def check_date(
    errors: Errors,
    subject: Subject,
    field: str,
    value: dt.date | None,
    *,
    label: str = "The date",
    death: bool = True,
) -> None:
    """`value` is not in the future, not before the subject's enrollment and (unless
    `death` is False) not after the recorded death."""
    if value is None:
        return
    if not isinstance(value, dt.date):
        add(errors, field, "Enter a valid date.")
        return
    if value > timezone.localdate():
        add(errors, field, f"{label} cannot be in the future.")
    if value < subject.enrollment_date:
        add(errors, field, f"{label} is before enrollment ({iso(subject.enrollment_date)}).")
    died = death_date(subject) if death else None
    if died is not None and value > died:
        add(errors, field, f"{label} is after the subject's death ({iso(died)}).")


def last_given_dose(subject: Subject, *, excluding: Administration | None = None) -> dt.date | None:
    """The date of the latest administration that was not omitted."""
    where, params = _others(
        "{subject_id} = %s AND {modification} <> %s",
        [subject.pk, Administration.Modification.OMITTED.value],
        excluding,
    )
    latest = fetch_one(
        Administration, where, params, columns=("id", "date"), order_by="{date} DESC"
    )
    return latest.date if latest is not None else None


def recorded_last_doses(subject: Subject) -> list[tuple[str, dt.date]]:
    """The last-dose dates stated by the end of treatment and the withdrawal."""
    found: list[tuple[str, dt.date]] = []
    columns = ("id", "last_dose_date")
    end = fetch_one(EndOfTreatment, "{subject_id} = %s", [subject.pk], columns=columns)
    if end is not None and end.last_dose_date is not None:
        found.append(("end of treatment", end.last_dose_date))
    withdrawal = fetch_one(Withdrawal, "{subject_id} = %s", [subject.pk], columns=columns)
    if withdrawal is not None and withdrawal.last_dose_date is not None:
        found.append(("withdrawal", withdrawal.last_dose_date))
    return found


def check_last_dose(errors: Errors, subject: Subject, field: str, value: dt.date | None) -> None:
    """A stated date of last dose is the date of the latest administration recorded (when
    administrations are recorded)."""
    if value is None:
        return
    latest = last_given_dose(subject)
    if latest is not None and value != latest:
        add(
            errors,
            field,
            f"The latest administration recorded is on {iso(latest)}; the date of last dose "
            "must be that date.",
        )
