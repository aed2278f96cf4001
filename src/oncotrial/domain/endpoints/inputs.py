"""What endpoint derivation needs to know about one subject, independent of storage.

The study report gathers each subject's captured data (treatment, follow-up, tumour
assessments, labs, adverse events) into a :class:`SubjectRecord`; derivation never
looks anywhere else. Dates are calendar dates; ``None`` means "not known / did not
happen".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class TumourAssessment:
    """One post-baseline overall time-point response, as the RECIST engine reports it.

    ``response`` is the engine's overall code: ``CR``, ``PR``, ``SD``,
    ``NON-CR/NON-PD``, ``PD``, ``NE`` for RECIST 1.1, and ``iCR``, ``iPR``, ``iSD``,
    ``iNON-CR/NON-PD``, ``iUPD``, ``iCPD``, ``NE`` for iRECIST.
    ``change_from_baseline_pct`` is the % change of the sum of diameters from baseline
    (``None`` when not all targets were measured or there is no target disease).
    """

    date: dt.date
    response: str
    change_from_baseline_pct: float | None = None


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    """One adverse event: CTCAE term and system organ class, worst grade of the episode."""

    term: str
    grade: int
    onset: dt.date | None = None
    soc: str | None = None
    serious: bool = False
    related: bool = False
    """Related to study treatment (possibly, probably or definitely)."""

    def __post_init__(self) -> None:
        if not 1 <= self.grade <= 5:
            raise ValueError(f"adverse event {self.term!r}: CTCAE grade {self.grade} not in 1-5")


@dataclass(frozen=True, slots=True)
class MarkerValue:
    """One lab result of a marker (e.g. CA19-9 in U/mL) on a date."""

    date: dt.date
    value: float


@dataclass(frozen=True, slots=True)
class Observation:
    """One captured observation of a descriptive assessment (e.g. a stool sample)."""

    date: dt.date
    value: str | float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubjectRecord:
    """Everything captured about one subject that endpoints are derived from.

    ``anchors`` maps the protocol's start identifiers (``first_dose``, ``surgery``,
    ``first_radiotherapy``, ``treatment_start``…) to dates; ``enrollment`` is also
    found there when absent, from ``enrollment_date``. ``progression_date`` is the
    response engine's progression date (RECIST 1.1 first PD; iRECIST the date of
    the iUPD confirmed as iCPD, ``None`` while unconfirmed); when ``None`` it is
    derived from ``tumour_assessments`` by the same rule. ``data_cutoff`` is the end
    of study or data cut-off date: nothing after it counts.
    """

    subject_id: str
    arm: str | None = None
    site: str | None = None
    enrollment_date: dt.date | None = None
    anchors: Mapping[str, dt.date] = field(default_factory=dict)
    treated: bool
    """Received at least one dose of study treatment (safety population)."""
    evaluable_for_response: bool | None = None
    """Per-protocol response evaluability; ``None``: has a post-baseline assessment."""

    death_date: dt.date | None = None
    death_cause: str | None = None
    last_known_alive: dt.date | None = None
    last_contact: dt.date | None = None
    data_cutoff: dt.date | None = None
    withdrawal_date: dt.date | None = None
    """Withdrawal of consent or lost to follow-up: follow-up ends here."""

    progression_date: dt.date | None = None
    tumour_assessments: tuple[TumourAssessment, ...] = ()
    next_line_start: dt.date | None = None
    next_line_progression_date: dt.date | None = None
    recurrence_date: dt.date | None = None
    new_primary_date: dt.date | None = None

    adverse_events: tuple[AdverseEvent, ...] = ()
    markers: Mapping[str, tuple[MarkerValue, ...]] = field(default_factory=dict)
    """Marker series per lab assessment id (e.g. ``ca19_9``)."""
    observations: Mapping[str, tuple[Observation, ...]] = field(default_factory=dict)
    """Descriptive assessments per assessment id (e.g. ``stool_sample``)."""

    def anchor(self, name: str) -> dt.date | None:
        """The date the clock named ``name`` starts from, if the subject has it."""
        found = self.anchors.get(name)
        if found is None and name == "enrollment":
            return self.enrollment_date
        return found
