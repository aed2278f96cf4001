"""Endpoints: what the trial measures, and how each is derived from captured data."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from oncotrial.domain.protocol.base import Identifier, Strict

Role = Literal["primary", "secondary", "exploratory"]
ResponseCriteria = Literal["RECIST 1.1", "iRECIST"]
CtcaeVersion = Literal["4.0", "4.03", "5.0"]

TimeToEventMeasure = Literal["os", "pfs", "pfs2", "rfs", "dfs", "efs", "ttp", "dor", "other"]
Event = Literal[
    "death",
    "progression",
    "recurrence",
    "progression_on_next_line",
    "new_primary",
    "other",
]
Censoring = Literal[
    "last_known_alive",
    "last_tumour_assessment",
    "last_contact",
    "end_of_study",
]


class _Endpoint(Strict):
    id: Identifier
    role: Role
    title: str = Field(min_length=1)
    description: str | None = None
    time_frame: str | None = None
    """The time frame as the protocol words it ("Up to approximately 24 months")."""


class TimeToEvent(_Endpoint):
    kind: Literal["time_to_event"]
    measure: TimeToEventMeasure
    start: Identifier
    """The anchor the clock starts from (first_dose, enrollment, surgery…)."""
    events: list[Event] = Field(min_length=1)
    censor_at: Censoring
    landmarks_months: list[float] = []


class ResponseRate(_Endpoint):
    kind: Literal["objective_response_rate", "disease_control_rate", "best_overall_response"]
    criteria: ResponseCriteria
    confirmation: bool
    assessment_visit: Identifier | None = None
    """The imaging visit whose assessments count."""
    at_months: float | None = Field(default=None, gt=0)
    """Response evaluated at this time from the start (e.g. 6 months); None: best response."""
    min_sd_days: int | None = Field(default=None, ge=0)


class MarkerChange(_Endpoint):
    kind: Literal["marker_change"]
    assessment: Identifier
    """The lab assessment (e.g. ca19_9)."""
    baseline_visit: Identifier
    measures: list[Literal["change_from_baseline", "best_change", "per_visit"]] = Field(
        min_length=1
    )


class AdverseEvents(_Endpoint):
    kind: Literal["adverse_events"]
    ctcae_version: CtcaeVersion
    related_only: bool = False
    serious_only: bool = False
    min_grade: int = Field(default=1, ge=1, le=5)


class Descriptive(_Endpoint):
    kind: Literal["descriptive"]
    assessment: Identifier | None = None


Endpoint = Annotated[
    TimeToEvent | ResponseRate | MarkerChange | AdverseEvents | Descriptive,
    Field(discriminator="kind"),
]
