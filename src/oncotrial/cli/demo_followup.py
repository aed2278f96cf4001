"""Demo follow-up: survival contacts by telephone or at a visit every follow-up interval
after the end of treatment, a recurrence after surgery, one death, one withdrawal of
consent and one loss to follow-up. Everything goes through the follow-up (and treatment)
services, as the demo users, with dates after each subject's last known alive date."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from oncotrial.apps.followup import coherence, selectors, services
from oncotrial.apps.followup.models import Death, FollowUpContact, Recurrence, Withdrawal
from oncotrial.apps.studies.models import Study
from oncotrial.apps.studies.selectors import protocol_of
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.treatment import services as treatment
from oncotrial.apps.treatment.models import EndOfTreatment, Surgery

RECURRENCE_AFTER_DAYS = 120


def _user(users: dict[str, Any], subject: Subject) -> Any:
    return users["investigator" if subject.site.code == "SH01" else "investigator.bj"]


def _between(start: dt.date, end: dt.date, rng: random.Random) -> dt.date:
    """A date from `start` to `end` (both included; `start` when the span is empty)."""
    days = (end - start).days
    return start + dt.timedelta(days=rng.randint(0, days)) if days > 0 else start


def _contacts(user: Any, subject: Subject, today: dt.date, rng: random.Random) -> int:
    follow_up = protocol_of(subject.protocol_version).schedule.follow_up
    end = EndOfTreatment.objects.filter(subject=subject).first()
    if follow_up is None or end is None:
        return 0
    count, due = 0, selectors.next_contact_date(end.date, follow_up.every, follow_up.unit)
    while due <= today - dt.timedelta(days=10):
        method = "telephone" if count % 2 == 0 else "visit"
        services.record_contact(
            user,
            subject,
            {
                "date": due,
                "method": method,
                "vital_status": "alive",
                "notes": "Alive; no new anticancer therapy." if method == "visit" else "",
            },
        )
        count += 1
        due = selectors.next_contact_date(due, follow_up.every, follow_up.unit)
    return count


def _leave(user: Any, subject: Subject, kind: str, today: dt.date, rng: random.Random) -> bool:
    """End the subject's treatment and record their withdrawal (or loss) after the last
    date they were known alive."""
    alive = selectors.last_known_alive(subject).date
    if alive >= today:
        return False
    date = _between(alive + dt.timedelta(days=1), today, rng)
    last = coherence.last_given_dose(subject)
    if not EndOfTreatment.objects.filter(subject=subject).exists():
        treatment.record_end_of_treatment(
            user,
            subject,
            {
                "date": date,
                "primary_reason": "consent_withdrawn" if kind != "lost_to_follow_up" else kind,
                "last_dose_date": last,
            },
        )
    services.record_withdrawal(
        user,
        subject,
        {
            "date": date,
            "kind": kind,
            "withdrawal_reason": "Wishes to be treated closer to home"
            if kind == "consent_withdrawn"
            else "",
            "last_dose_date": last,
            "survival_follow_up": kind == "consent_withdrawn",
        },
    )
    return True


def populate(
    study: Study,
    users: dict[str, Any],
    today: dt.date,
    progress: Callable[[str], None],
) -> None:
    subjects = list(
        Subject.objects.filter(study=study)
        .select_related("site", "study", "protocol_version", "candidate")
        .order_by("pk")
    )
    if not subjects or any(
        model.objects.filter(subject__study=study).exists()
        for model in (FollowUpContact, Recurrence, Death, Withdrawal)
    ):
        return
    rng = random.Random(f"demo-followup:{study.key}")
    contacts = recurrences = 0
    for subject in subjects:
        contacts += _contacts(_user(users, subject), subject, today, rng)
    # a recurrence after the earliest surgery: about four months later, sooner when the
    # operation is recent
    surgery = Surgery.objects.filter(subject__study=study).order_by("date", "pk").first()
    if surgery is not None:
        subject = next(s for s in subjects if s.pk == surgery.subject_id)
        span = (today - surgery.date).days
        when = surgery.date + dt.timedelta(days=min(RECURRENCE_AFTER_DAYS, span * 2 // 3))
        if span >= 21:
            services.record_recurrence(
                _user(users, subject),
                subject,
                {
                    "date": when,
                    "site": "distant",
                    "diagnosed_by": "imaging",
                    "notes": "New liver lesions on contrast CT; CA19-9 rising.",
                },
            )
            recurrences += 1

    # one death among the subjects in follow-up, after the last date known alive (late, so
    # that the data other tables hold for the subject come before it)
    in_follow_up = [s for s in subjects if _status(s) == Subject.Status.FOLLOW_UP]
    died = 0
    for subject in in_follow_up[:1]:
        alive = selectors.last_known_alive(subject).date
        if alive < today:
            services.record_death(
                _user(users, subject),
                subject,
                {
                    "date": max(alive + dt.timedelta(days=1), today - dt.timedelta(days=1)),
                    "cause": "disease_progression",
                },
            )
            died += 1

    # one withdrawal of consent and one loss to follow-up among those still on treatment
    left = 0
    on_treatment = [s for s in subjects if _status(s) == Subject.Status.ON_TREATMENT]
    kinds = ["consent_withdrawn", "lost_to_follow_up"]
    for subject in reversed(on_treatment):
        if not kinds:
            break
        if _leave(_user(users, subject), subject, kinds[0], today, rng):
            kinds.pop(0)
            left += 1
    progress(
        f"{study.key}: {contacts} survival contacts, {recurrences} recurrence(s), "
        f"{died} death(s), {left} withdrawal(s) or loss(es) to follow-up"
    )


def _status(subject: Subject) -> str:
    return Subject.objects.values_list("status", flat=True).get(pk=subject.pk)
