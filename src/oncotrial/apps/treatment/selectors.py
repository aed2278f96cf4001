"""Read queries for treatment given, scoped by the user's sites: a subject's
administrations grouped by cycle, and the per-site worklist of subjects on treatment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.treatment.models import Administration


@dataclass(frozen=True)
class CycleRows:
    cycle: int | None
    """None: administrations recorded without a cycle (e.g. radiotherapy fractions)."""
    administrations: list[Administration]


def by_cycle(subject: Subject) -> list[CycleRows]:
    """The subject's administrations grouped by cycle (cycles in order, then those
    without a cycle), each group in date order."""
    groups: dict[int | None, list[Administration]] = {}
    for row in Administration.objects.filter(subject=subject).select_related("visit"):
        groups.setdefault(row.cycle, []).append(row)
    ordered = sorted(groups, key=lambda c: (c is None, c or 0))
    return [
        CycleRows(c, sorted(groups[c], key=lambda a: (a.date, a.intervention_id, a.pk)))
        for c in ordered
    ]


@dataclass(frozen=True)
class OnTreatment:
    subject: Subject
    last_dose: dt.date | None
    cycles: int
    """The highest cycle number recorded."""
    administrations: int
    days_since_last_dose: int | None


def on_treatment(
    user: Any, study: Study, today: dt.date, site: Site | None = None
) -> list[OnTreatment]:
    """Subjects on treatment at the user's sites (or at `site`) with their last dose and
    the cycles recorded; longest since the last dose first."""
    given = ~Q(treatment_administration_set__modification=Administration.Modification.OMITTED)
    subjects = (
        subject_selectors.subjects_for(user, study, site)
        .filter(status=Subject.Status.ON_TREATMENT)
        .annotate(
            last_dose=Max("treatment_administration_set__date", filter=given),
            cycles=Max("treatment_administration_set__cycle"),
            given_count=Count("treatment_administration_set", filter=given),
        )
    )
    rows = [
        OnTreatment(
            subject=s,
            last_dose=s.last_dose,
            cycles=s.cycles or 0,
            administrations=s.given_count,
            days_since_last_dose=(today - s.last_dose).days if s.last_dose else None,
        )
        for s in subjects
    ]
    rows.sort(
        key=lambda r: (
            r.days_since_last_dose is not None,
            -(r.days_since_last_dose or 0),
            r.subject.subject_number,
        )
    )
    return rows
