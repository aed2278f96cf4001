"""Read queries for tumour assessments, always scoped by the user's sites."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.tumour import series
from oncotrial.apps.tumour.models import Lesion, TumourAssessment, TumourSummary
from oncotrial.apps.visits.models import Visit
from oncotrial.apps.visits.selectors import status_of


def lesions(subject: Subject) -> list[Lesion]:
    return series.saved_lesions(subject)


def assessments(subject: Subject) -> list[TumourAssessment]:
    return series.saved_assessments(subject)


def summary(subject: Subject) -> TumourSummary | None:
    return TumourSummary.objects.filter(subject=subject).first()


def get_assessment(subject: Subject, pk: int) -> TumourAssessment:
    """One of the subject's assessments; else TumourAssessment.DoesNotExist."""
    return (
        TumourAssessment.objects.select_related("visit", "subject__study", "subject__site")
        .prefetch_related("lesion_results__lesion", "new_lesions")
        .get(subject=subject, pk=pk)
    )


def imaging_visits(subject: Subject) -> list[Visit]:
    """The subject's visits that include tumour imaging, in date order."""
    settings = series.settings_for(subject)
    ids = series.imaging_visit_ids(series.protocol_for(subject), settings.assessment)
    return list(
        Visit.objects.filter(subject=subject, visit_id__in=ids).order_by(
            "target_date", "occurrence"
        )
    )


@dataclass(frozen=True)
class WorklistRow:
    subject: Subject
    latest: TumourAssessment | None
    summary: TumourSummary | None
    imaging: Visit | None
    """The next imaging visit not yet done (the oldest due or overdue one first)."""
    imaging_status: str
    """due, overdue, upcoming, or "" when the calendar has no imaging visit to come."""


def worklist(
    user: Any, study: Study, today: dt.date, site: Site | None = None
) -> list[WorklistRow]:
    """Every subject at the user's sites (or at `site`) with their latest assessment,
    best overall response and the imaging visit due, overdue or coming next."""
    subjects = list(subject_selectors.subjects_for(user, study, site))
    latest: dict[int, TumourAssessment] = {}
    for assessment in TumourAssessment.objects.filter(subject__in=subjects).order_by(
        "assessment_date"
    ):
        latest[assessment.subject_id] = assessment
    summaries = {s.subject_id: s for s in TumourSummary.objects.filter(subject__in=subjects)}
    rows = []
    ids: set[str] | None = None
    for subject in subjects:
        if ids is None:
            settings = series.settings_for(subject)
            ids = series.imaging_visit_ids(series.protocol_for(subject), settings.assessment)
        pending = (
            Visit.objects.filter(
                subject=subject,
                visit_id__in=ids,
                actual_date__isnull=True,
                missed=False,
                cancelled=False,
            )
            .order_by("target_date", "occurrence")
            .first()
        )
        rows.append(
            WorklistRow(
                subject=subject,
                latest=latest.get(subject.pk),
                summary=summaries.get(subject.pk),
                imaging=pending,
                imaging_status=status_of(pending, today) if pending else "",
            )
        )
    return rows
