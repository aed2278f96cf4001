"""What derivation produces: one :class:`DerivedRow` per subject per endpoint."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Days per month used to express times in months (365.25 / 12).
DAYS_PER_MONTH = 30.4375


def months(days: int) -> float:
    """``days`` in months of 30.4375 days, rounded to 0.01."""
    return round(days / DAYS_PER_MONTH, 2)


@dataclass(frozen=True, slots=True)
class Landmark:
    """Status at a landmark time: ``event`` (by then), ``event_free`` or ``censored``."""

    months: float
    status: str


@dataclass(frozen=True, slots=True)
class Survival:
    """A time-to-event result: from ``start`` to ``end``, an event or a censoring."""

    start: dt.date
    end: dt.date
    days: int
    months: float
    event: bool
    event_type: str | None
    """Which protocol event happened (``death``, ``progression``…); ``None`` if censored."""
    censor_reason: str | None
    landmarks: tuple[Landmark, ...] = ()


@dataclass(frozen=True, slots=True)
class Response:
    """Best overall response within the endpoint's window and whether it counts."""

    best_response: str
    """As the criteria spell it (``PR``; ``iPR`` for iRECIST); ``NE`` without assessment."""
    best_response_date: dt.date | None
    confirmed: bool | None
    responder: bool
    """Counts in the numerator (ORR: CR/PR; DCR: CR/PR/SD/NON-CR/NON-PD)."""
    evaluable: bool
    """In the per-protocol (evaluable) denominator; every subject is in the ITT one."""
    window_end: dt.date | None
    """Last date whose assessments count (``at_months`` time frame), else ``None``."""


@dataclass(frozen=True, slots=True)
class MarkerPoint:
    date: dt.date
    value: float
    change: float
    change_pct: float | None


@dataclass(frozen=True, slots=True)
class MarkerResult:
    baseline_date: dt.date
    baseline_value: float
    visits: tuple[MarkerPoint, ...]
    """Every value after the start, with its change from baseline."""
    last: MarkerPoint | None
    best: MarkerPoint | None
    """The visit with the most negative % change from baseline."""


@dataclass(frozen=True, slots=True)
class TermGrade:
    term: str
    soc: str | None
    worst_grade: int


@dataclass(frozen=True, slots=True)
class SafetyResult:
    """One treated subject's adverse events that pass the endpoint's filters."""

    events: int
    worst_grade: int | None
    grade3_plus: bool
    serious: bool
    related: bool
    by_term: tuple[TermGrade, ...]
    """Worst grade per term, sorted by term."""


@dataclass(frozen=True, slots=True)
class DescriptiveResult:
    observations: int
    first_date: dt.date | None
    last_date: dt.date | None
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DerivedRow:
    """One subject's value for one endpoint.

    ``evaluable`` is ``False`` with ``reason`` when the endpoint cannot be derived for
    the subject (e.g. never treated, no surgery); then the kind's result is ``None``.
    Response rows are always produced for the ITT denominator (``response`` set, NE).
    """

    subject_id: str
    arm: str | None
    site: str | None
    endpoint_id: str
    kind: str
    measure: str | None
    evaluable: bool
    reason: str | None = None
    survival: Survival | None = None
    response: Response | None = None
    marker: MarkerResult | None = None
    safety: SafetyResult | None = None
    descriptive: DescriptiveResult | None = None
    notes: tuple[str, ...] = ()
