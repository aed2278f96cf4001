"""Read queries for follow-up: when the subject was last known alive, their disposition,
and the per-site worklist of survival contacts due. Always scoped by the user's sites."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.followup.models import Death, FollowUpContact, Recurrence, Withdrawal
from oncotrial.apps.studies.models import Study
from oncotrial.apps.studies.selectors import protocol_of
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.treatment.models import (
    Administration,
    EndOfTreatment,
    NextLineTherapy,
    Surgery,
)
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import calendar

DUE_WINDOW_DAYS = 14
"""A survival contact is due from this many days before its date, and overdue once this
many days after it have passed."""


@dataclass(frozen=True)
class KnownAlive:
    date: dt.date
    source: str
    """What showed the subject alive that day (e.g. "contact", "visit", "administration")."""


def last_known_alive(subject: Subject) -> KnownAlive:
    """The latest date the subject is known to have been alive: an "alive" contact, a visit
    that took place, an administration given, a surgery, a recurrence diagnosed, a
    next-line therapy started or progressing, a withdrawal of consent (the subject spoke
    to the site), and at least enrollment. On a tie the earlier source in that order is
    named."""
    candidates: list[tuple[dt.date | None, str]] = [
        (
            FollowUpContact.objects.filter(
                subject=subject, vital_status=FollowUpContact.VitalStatus.ALIVE
            )
            .order_by("-date")
            .values_list("date", flat=True)
            .first(),
            "contact",
        ),
        (
            Visit.objects.filter(subject=subject, actual_date__isnull=False)
            .order_by("-actual_date")
            .values_list("actual_date", flat=True)
            .first(),
            "visit",
        ),
        (
            Administration.objects.filter(subject=subject)
            .exclude(modification=Administration.Modification.OMITTED)
            .order_by("-date")
            .values_list("date", flat=True)
            .first(),
            "administration",
        ),
        (_latest(Surgery, subject, "date"), "surgery"),
        (_latest(Recurrence, subject, "date"), "recurrence"),
        (_latest(NextLineTherapy, subject, "start_date"), "next-line therapy"),
        (_latest(NextLineTherapy, subject, "progression_date"), "next-line progression"),
        (
            Withdrawal.objects.filter(subject=subject, kind=Withdrawal.Kind.CONSENT_WITHDRAWN)
            .values_list("date", flat=True)
            .first(),
            "withdrawal of consent",
        ),
    ]
    best = KnownAlive(subject.enrollment_date, "enrollment")
    for date, source in candidates:
        if date is not None and date > best.date:
            best = KnownAlive(date, source)
    return best


def _latest(model: Any, subject: Subject, field: str) -> dt.date | None:
    value: dt.date | None = (
        model.objects.filter(subject=subject, **{f"{field}__isnull": False})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    return value


def resting_status(subject: Subject) -> str:
    """The status the records support: dead or withdrawn / lost when those (or the death
    or withdrawal events) are recorded, else in follow-up after the end of treatment, on
    treatment once treatment started (an administration, or the protocol's first-dose
    event), else enrolled."""
    events = set(AnchorEvent.objects.filter(subject=subject).values_list("anchor", flat=True))
    if "death" in events or Death.objects.filter(subject=subject).exists():
        return Subject.Status.DEAD
    withdrawal = Withdrawal.objects.filter(subject=subject).first()
    if withdrawal is not None:
        lost = withdrawal.kind == Withdrawal.Kind.LOST
        return Subject.Status.LOST if lost else Subject.Status.WITHDRAWN
    if "withdrawal" in events:
        return Subject.Status.WITHDRAWN
    protocol = protocol_of(subject.protocol_version)
    follow_up = protocol.schedule.follow_up
    if EndOfTreatment.objects.filter(subject=subject).exists() or (
        follow_up is not None and follow_up.anchor in events
    ):
        return Subject.Status.FOLLOW_UP
    started = {a.id for a in protocol.schedule.anchors if not a.event_triggered} & events
    if started or Administration.objects.filter(subject=subject).exists():
        return Subject.Status.ON_TREATMENT
    return Subject.Status.ENROLLED


@dataclass(frozen=True)
class Disposition:
    subject: Subject
    status: str
    status_label: str
    first_dose: dt.date | None
    last_dose: dt.date | None
    end_of_treatment: EndOfTreatment | None
    death: Death | None
    withdrawal: Withdrawal | None
    last_known_alive: KnownAlive
    survival_follow_up: bool
    """Survival status is still being collected (in follow-up, or withdrawn with survival
    follow-up agreed)."""


def disposition(subject: Subject) -> Disposition:
    given = Administration.objects.filter(subject=subject).exclude(
        modification=Administration.Modification.OMITTED
    )
    first = given.order_by("date").values_list("date", flat=True).first()
    last = given.order_by("-date").values_list("date", flat=True).first()
    death = Death.objects.filter(subject=subject).first()
    withdrawal = Withdrawal.objects.filter(subject=subject).first()
    follow_up = death is None and (
        subject.status == Subject.Status.FOLLOW_UP
        or (withdrawal is not None and withdrawal.survival_follow_up)
    )
    return Disposition(
        subject=subject,
        status=subject.status,
        status_label=subject.get_status_display(),
        first_dose=first,
        last_dose=last,
        end_of_treatment=EndOfTreatment.objects.filter(subject=subject).first(),
        death=death,
        withdrawal=withdrawal,
        last_known_alive=last_known_alive(subject),
        survival_follow_up=follow_up,
    )


# --------------------------------------------------------------------------- worklist


@dataclass(frozen=True)
class ContactDue:
    subject: Subject
    last_contact: dt.date | None
    since: dt.date
    """The date the interval counts from (last alive contact, else start of follow-up)."""
    due_date: dt.date
    status: str
    """due or overdue."""
    days_overdue: int


def next_contact_date(since: dt.date, every: int, unit: str) -> dt.date:
    if unit == "months":
        return calendar.add_months(since, every)
    days = every * (7 if unit == "weeks" else 1)
    return since + dt.timedelta(days=days)


def _follow_up_start(subject: Subject, anchor: str) -> dt.date | None:
    event = AnchorEvent.objects.filter(subject=subject, anchor=anchor).first()
    if event is not None:
        return event.date
    end = EndOfTreatment.objects.filter(subject=subject).first()
    if end is not None:
        return end.date
    withdrawal = Withdrawal.objects.filter(subject=subject).first()
    return withdrawal.date if withdrawal is not None else None


def contacts_due(
    user: Any, study: Study, today: dt.date, site: Site | None = None
) -> list[ContactDue]:
    """Subjects in survival follow-up at the user's sites (or at `site`) whose next
    contact, one follow-up interval of the protocol after the last alive contact (or
    after the start of follow-up), is due or overdue on `today`; most overdue first."""
    subjects = (
        subject_selectors.subjects_for(user, study, site)
        .filter(status__in=[Subject.Status.FOLLOW_UP, Subject.Status.WITHDRAWN])
        .select_related("protocol_version")
    )
    rows: list[ContactDue] = []
    for subject in subjects:
        follow_up = protocol_of(subject.protocol_version).schedule.follow_up
        if follow_up is None:
            continue
        if (
            subject.status == Subject.Status.WITHDRAWN
            and not Withdrawal.objects.filter(subject=subject, survival_follow_up=True).exists()
        ):
            continue
        last = (
            FollowUpContact.objects.filter(
                subject=subject, vital_status=FollowUpContact.VitalStatus.ALIVE
            )
            .order_by("-date")
            .values_list("date", flat=True)
            .first()
        )
        start = _follow_up_start(subject, follow_up.anchor)
        since = max(d for d in (last, start, subject.enrollment_date) if d is not None)
        due = next_contact_date(since, follow_up.every, follow_up.unit)
        if today < due - dt.timedelta(days=DUE_WINDOW_DAYS):
            continue
        overdue = today > due + dt.timedelta(days=DUE_WINDOW_DAYS)
        rows.append(
            ContactDue(
                subject=subject,
                last_contact=last,
                since=since,
                due_date=due,
                status="overdue" if overdue else "due",
                days_overdue=max((today - due).days, 0),
            )
        )
    rows.sort(key=lambda r: (r.due_date, r.subject.subject_number))
    return rows
