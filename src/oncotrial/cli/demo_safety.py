"""Demo serious adverse events: three whose initial reports were sent on time, are due,
and are overdue, so the report clocks of the safety worklist run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from oncotrial.apps.safety import services
from oncotrial.apps.subjects.models import Subject

SERIOUS = [
    # term, grade, criteria, hours since the site became aware, hours until sent (None: not yet)
    ("Febrile neutropenia", 3, ["hospitalisation"], 24 * 12, 9),
    ("Pneumonitis", 3, ["hospitalisation"], 6, None),
    ("Colitis", 3, ["hospitalisation", "medically_important"], 30, None),
]
"""One report sent on time, one due (in 18 h), one overdue (by 6 h)."""


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
