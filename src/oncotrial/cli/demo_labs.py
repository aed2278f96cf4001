"""Demo laboratory results: the lab panels the protocol schedules at each visit that took
place (values inside the normal range, a few outside), a CA19-9 series at every marker
visit of the sirolimus and surgery studies (falling in responders, rising in the
others), and the post-operative day panels of the surgery study for subjects whose
surgery is recorded. Everything goes through the lab services, as the site staff."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from oncotrial.apps.labs import services
from oncotrial.apps.labs.models import LabResult
from oncotrial.apps.studies.models import Study
from oncotrial.apps.studies.selectors import protocol_of
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import labs

POSTOP_SHIFT = {"amylase": 2.5, "drain_amylase": 1.0, "wbc": 1.6, "anc": 1.8, "albumin": 0.8}
"""How the first post-operative days move some analytes (× the usual value)."""


def _value(analyte: labs.Analyte, rng: random.Random, abnormal: bool) -> float:
    """A plausible value in the analyte's default unit: inside the range, or (when
    `abnormal`) a little outside it."""
    lower = analyte.lower if analyte.lower is not None else 0.0
    upper = analyte.upper if analyte.upper is not None else (lower * 3 or 100.0)
    if analyte.id == "drain_amylase":
        return round(rng.uniform(50, 900), 0)
    if abnormal:
        if analyte.lower is not None and rng.random() < 0.5:
            value = analyte.lower * rng.uniform(0.55, 0.9)
        else:
            value = upper * rng.uniform(1.15, 2.2)
    else:
        value = rng.uniform(lower + (upper - lower) * 0.2, upper - (upper - lower) * 0.15)
    return round(value, 2 if value < 10 else 1)


def _user(users: dict[str, Any], subject: Subject) -> Any:
    return users["coordinator"] if subject.site.code == "SH01" else users["investigator.bj"]


def _record(
    user: Any,
    subject: Subject,
    assessment_id: str,
    on: dt.date,
    results: dict[str, Any],
    visit: Visit | None,
) -> int:
    try:
        return len(services.record_panel(user, subject, assessment_id, on, results, visit=visit))
    except ValidationError:
        return 0  # locked visit or a protocol the catalogue cannot place: leave it out


def populate(
    study: Study,
    users: dict[str, Any],
    today: dt.date,
    progress: Callable[[str], None],
) -> None:
    """Lab results for the study's enrolled subjects (idempotent: a subject who already
    has results is left alone)."""
    rng = random.Random(f"demo-labs:{study.key}")
    subjects = Subject.objects.filter(study=study).select_related("site", "protocol_version")
    saved = 0
    for subject in subjects.order_by("subject_number"):
        if LabResult.objects.filter(subject=subject).exists():
            continue
        protocol = protocol_of(subject.protocol_version)
        lab_ids = {a.id: a for a in services.lab_assessments(protocol)}
        planned = {v.id: v.assessments for v in protocol.schedule.visits}
        user = _user(users, subject)
        responder = rng.random() < 0.5
        marker_base = rng.uniform(150, 1800)
        marker_step = 0
        surgery = AnchorEvent.objects.filter(subject=subject, anchor="surgery").first()
        visits = Visit.objects.filter(subject=subject, cancelled=False, missed=False)
        for visit in visits.order_by("target_date", "occurrence"):
            on = visit.actual_date or (visit.target_date if visit.target_date < today else None)
            if on is None or on > today:
                continue
            if visit.day < 0:
                on = min(on, visit.target_date)  # pre-treatment samples precede the anchor
            postop = surgery is not None and visit.anchor == "surgery" and visit.day > 0
            for assessment_id in planned.get(visit.visit_id, []):
                assessment = lab_ids.get(assessment_id)
                if assessment is None:
                    continue
                try:
                    analytes = labs.assessment_analytes(assessment)
                except labs.UnknownAnalyteError:
                    continue
                if not analytes:
                    continue
                if analytes == [labs.BY_ID["ca19_9"]]:
                    factor = (0.8 if responder else 1.12) ** marker_step
                    marker_step += 1
                    value = round(marker_base * factor * rng.uniform(0.93, 1.07), 1)
                    saved += _record(user, subject, assessment_id, on, {"ca19_9": value}, visit)
                    continue
                results: dict[str, Any] = {}
                for analyte in analytes:
                    value = _value(analyte, rng, abnormal=rng.random() < 0.08)
                    if postop and visit.day <= 3 and analyte.id in POSTOP_SHIFT:
                        value = round(value * POSTOP_SHIFT[analyte.id], 1)
                    results[analyte.id] = value
                saved += _record(user, subject, assessment_id, on, results, visit)
    progress(f"{study.key}: {saved} laboratory results")
