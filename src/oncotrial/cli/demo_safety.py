"""Demo adverse events: a realistic CTCAE grade mix for the enrolled subjects of a
study, their relationship to each study intervention, and three serious adverse events
whose initial reports were sent on time, are due, and are overdue."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from oncotrial.apps.safety import catalogue, services
from oncotrial.apps.safety.models import AdverseEvent
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects.models import Subject

COMMON = [
    "Fatigue",
    "Nausea",
    "Diarrhea",
    "Anorexia",
    "Hypertension",
    "Proteinuria",
    "Palmar-plantar erythrodysesthesia syndrome",
    "Rash maculo-papular",
    "Alanine aminotransferase increased",
    "Neutrophil count decreased",
    "Platelet count decreased",
    "Anemia",
    "Hypothyroidism",
    "Mucositis oral",
    "Pruritus",
    "Weight loss",
    "Hypertriglyceridemia",
    "Cough",
]
"""Adverse events common with targeted therapy and immunotherapy."""

GRADE_WEIGHTS = {1: 50, 2: 32, 3: 14, 4: 4}
RELATIONSHIP_WEIGHTS = {
    "not_related": 15,
    "unlikely": 20,
    "possible": 35,
    "probable": 22,
    "definite": 8,
}

SERIOUS = [
    # term, grade, criteria, hours since the site became aware, hours until sent (None: not yet)
    ("Febrile neutropenia", 3, ["hospitalisation"], 24 * 12, 9),
    ("Pneumonitis", 3, ["hospitalisation"], 6, None),
    ("Colitis", 3, ["hospitalisation", "medically_important"], 30, None),
]
"""One report sent on time, one due (in 18 h), one overdue (by 6 h)."""


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def populate(
    study: Study,
    users: dict[str, Any],
    today: dt.date,
    progress: Callable[[str], None],
) -> None:
    subjects = list(
        Subject.objects.filter(study=study).select_related("site", "candidate").order_by("pk")
    )
    if not subjects or AdverseEvent.objects.filter(subject__study=study).exists():
        return
    rng = random.Random(f"demo-safety:{study.key}")
    now = (
        timezone.now()
        if today >= timezone.localdate()
        else dt.datetime.combine(today, dt.time(12, 0), tzinfo=dt.UTC)
    )
    version = services.ctcae_version(subjects[0])
    terms = [t for t in (catalogue.find_term(version, name) for name in COMMON) if t]
    interventions = services.interventions(subjects[0])
    events = 0
    for subject in subjects:
        user = users["investigator" if subject.site.code == "SH01" else "investigator.bj"]
        start = max(
            services.consent_date(subject) or subject.enrollment_date, subject.enrollment_date
        )
        days = (now.date() - start).days
        if days < 3:
            continue
        for term in rng.sample(terms, k=min(len(terms), rng.randint(2, 4))):
            allowed = [g for g in term.grades if g in GRADE_WEIGHTS]
            grade = _pick(rng, {g: GRADE_WEIGHTS[g] for g in allowed})
            onset = start + dt.timedelta(days=rng.randint(1, days - 1))
            lasted = rng.randint(3, 40)
            resolved = onset + dt.timedelta(days=lasted)
            values: dict[str, Any] = {
                "term": term.term,
                "grade": grade,
                "onset_date": onset,
                "action_taken": "dose_reduced" if grade >= 3 else "dose_not_changed",
                "description": "",
            }
            if resolved < now.date() and rng.random() < 0.7:
                values.update(resolution_date=resolved, outcome="recovered")
            else:
                values.update(ongoing=True, outcome="not_recovered")
            relationships = {i: _pick(rng, RELATIONSHIP_WEIGHTS) for i, _name in interventions}
            services.report_event(user, subject, values, relationships, now=now)
            events += 1
    saes = sae_clocks(users, [s for s in subjects if s.site.code == "SH01"], now)
    progress(f"{study.key}: {events} adverse events and {saes} serious adverse events")


def sae_clocks(users: dict[str, Any], subjects: list[Subject], now: dt.datetime) -> int:
    """Three serious adverse events among `subjects` (of site SH01) whose initial reports
    were sent on time, are due and are overdue at `now`. Returns how many were reported."""
    interventions = services.interventions(subjects[0]) if subjects else []
    saes = 0
    for subject, (term, grade, criteria, hours, sent_after) in zip(subjects, SERIOUS, strict=False):
        aware = now - dt.timedelta(hours=hours)
        onset = aware.date() - dt.timedelta(days=1)
        if onset < (services.consent_date(subject) or subject.enrollment_date):
            continue
        user = users["investigator"]
        try:
            event = services.report_event(
                user,
                subject,
                {
                    "term": term,
                    "grade": grade,
                    "onset_date": onset,
                    "ongoing": True,
                    "outcome": "recovering",
                    "serious": True,
                    "criteria": criteria,
                    "aware_at": aware,
                    "action_taken": "drug_interrupted",
                    "description": f"{term} requiring admission; treatment interrupted.",
                },
                {i: "probable" if n == 0 else "possible" for n, (i, _) in enumerate(interventions)},
                now=now,
            )
        except ValidationError:
            continue
        saes += 1
        if sent_after is not None:
            report = event.sae_reports.get()
            services.record_sent(
                users["coordinator"],
                report,
                sent_to_sponsor_at=aware + dt.timedelta(hours=sent_after),
                sent_to_ethics_at=aware + dt.timedelta(hours=sent_after + 20),
                narrative=f"Admitted with {term.lower()}; treated and improving.",
                expected_version=report.version,
                now=now,
            )
    return saes
