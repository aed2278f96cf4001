"""Schedule of assessments: visits timed from anchors, repeating cycles, event-triggered
visits and survival follow-up.

Days are offsets from the anchor date: day 0 is the anchor itself (the first dose, the
date of enrollment, the date of surgery).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from oncotrial.domain.protocol.base import Identifier, Strict, UnitSymbol
from oncotrial.domain.protocol.design import StopCondition, TimeUnit

BUILTIN_ANCHORS: tuple[str, ...] = ("consent", "enrollment")

AssessmentKind = Literal[
    "clinical",
    "lab",
    "imaging",
    "tumour_assessment",
    "ecg",
    "questionnaire",
    "specimen",
    "adverse_events",
    "concomitant_medications",
    "survival_status",
    "other",
]


class Assessment(Strict):
    id: Identifier
    label: str = Field(min_length=1)
    kind: AssessmentKind
    unit: UnitSymbol | None = None
    """For a lab assessment with a single result (e.g. CA19-9 in U/mL)."""
    panel: list[str] = []
    """For a lab panel: the analytes it contains."""
    method: str | None = None


class Anchor(Strict):
    id: Identifier
    label: str = Field(min_length=1)
    event_triggered: bool = False
    """True when the anchor event may never happen (surgery, progression)."""


class Window(Strict):
    before: int = Field(default=0, ge=0)
    after: int = Field(default=0, ge=0)


class VisitRepeat(Strict):
    every: int = Field(ge=1)
    unit: Literal["days", "weeks", "months", "cycles"]
    """`cycles`: treatment cycles of the regimen the subject is on (its cycle length), for
    schedules written as "every 4 cycles" when regimens of different lengths are allowed."""
    until: list[StopCondition] = Field(min_length=1)
    max_count: int | None = Field(default=None, ge=1)


class Visit(Strict):
    id: Identifier
    label: str = Field(min_length=1)
    anchor: Identifier
    day: int | None = None
    days: list[int] = []
    """Several visits at these days from the anchor (post-operative days 1, 3, 5, 7, 30)."""
    window: Window = Window()
    repeat: VisitRepeat | None = None
    assessments: list[Identifier] = []
    forms: list[Identifier] = []
    note: str | None = None

    @model_validator(mode="after")
    def _one_timing(self) -> Visit:
        if (self.day is None) == (not self.days):
            raise ValueError("give exactly one of 'day' (one visit) or 'days' (a list)")
        if self.repeat is not None and self.days:
            raise ValueError("'repeat' needs a single starting 'day', not a list of 'days'")
        return self


class FollowUp(Strict):
    anchor: Identifier
    every: int = Field(ge=1)
    unit: TimeUnit
    until: list[StopCondition] = Field(min_length=1)
    methods: list[Literal["visit", "telephone", "email", "records", "other"]] = ["visit"]
    assessments: list[Identifier] = []


class Schedule(Strict):
    anchors: list[Anchor] = []
    """Anchors beyond the built-in ones (consent, enrollment)."""
    assessments: list[Assessment] = []
    visits: list[Visit] = Field(min_length=1)
    follow_up: FollowUp | None = None
    max_duration_months: float | None = Field(default=None, gt=0)
