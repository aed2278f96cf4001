"""Registry identification of a study: the ClinicalTrials.gov-facing facts."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from oncotrial.domain.protocol.base import Strict

OverallStatus = Literal[
    "not_yet_recruiting",
    "recruiting",
    "enrolling_by_invitation",
    "active_not_recruiting",
    "suspended",
    "terminated",
    "completed",
    "withdrawn",
    "unknown",
]
Phase = Literal["early_phase1", "phase1", "phase2", "phase3", "phase4", "na"]
StudyType = Literal["interventional", "observational"]


class Person(Strict):
    name: str = Field(min_length=1)
    affiliation: str | None = None
    role: str | None = None


class Sponsor(Strict):
    name: str = Field(min_length=1)
    agency_class: Literal["industry", "nih", "fed", "other_gov", "indiv", "network", "other"] = (
        "other"
    )


class Enrollment(Strict):
    target: int = Field(ge=1)
    type: Literal["anticipated", "actual"] = "anticipated"


class KeyDates(Strict):
    start: dt.date | None = None
    primary_completion: dt.date | None = None
    completion: dt.date | None = None
    first_submitted: dt.date | None = None
    first_posted: dt.date | None = None
    last_update: dt.date | None = None
    enrollment_start: dt.date | None = None
    enrollment_end: dt.date | None = None
    follow_up_end: dt.date | None = None


class Identification(Strict):
    nct_id: str | None = Field(default=None, pattern=r"^NCT\d{8}$")
    org_study_id: str | None = None
    brief_title: str = Field(min_length=1)
    official_title: str | None = None
    acronym: str | None = None
    sponsor: Sponsor
    collaborators: list[Sponsor] = []
    principal_investigators: list[Person] = []
    contacts: list[Person] = []
    countries: list[str] = []
    conditions: list[str] = Field(min_length=1)
    keywords: list[str] = []
    overall_status: OverallStatus = "not_yet_recruiting"
    phases: list[Phase] = []
    study_type: StudyType
    enrollment: Enrollment
    dates: KeyDates = KeyDates()
