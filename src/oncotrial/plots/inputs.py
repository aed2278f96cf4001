"""What the plots take: plain, frozen dataclasses, independent of the database.

Every field is documented on its class. Sequences are normalised to tuples of floats
on construction; an input that cannot be drawn raises :class:`ValueError` with a
message naming the class, the item and the field.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

TimeUnit = Literal["days", "weeks", "months"]
TIME_UNITS: tuple[str, ...] = ("days", "weeks", "months")

#: Response categories the waterfall, spider and swimmer plots colour (RECIST 1.1 and
#: iRECIST spellings of :mod:`oncotrial.domain.recist`).
RESPONSES: tuple[str, ...] = (
    "CR",
    "PR",
    "SD",
    "NON-CR/NON-PD",
    "PD",
    "NE",
    "iCR",
    "iPR",
    "iSD",
    "iNON-CR/NON-PD",
    "iUPD",
    "iCPD",
)


def _floats(owner: str, name: str, values: Sequence[float]) -> tuple[float, ...]:
    out: list[float] = []
    for i, value in enumerate(values):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{owner}: {name}[{i}] is {value!r}, not a finite number")
        out.append(number)
    return tuple(out)


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def _response(owner: str, name: str, value: str) -> None:
    if value not in RESPONSES:
        raise ValueError(f"{owner}: {name} {value!r} is not one of {', '.join(RESPONSES)}")


def _count(owner: str, name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{owner}: {name} must be a count (an integer ≥ 0), got {value!r}")


# --------------------------------------------------------------------- Kaplan–Meier


@dataclass(frozen=True)
class SurvivalCurve:
    """One Kaplan–Meier estimate, as a post-step function.

    - ``name``: the group's label (arm, stratum), also the key of its risk-table row.
    - ``times``: event times in the plot's time unit, ascending; the curve is drawn as
      ``survival[i]`` from ``times[i]`` until the next time. When the first time is
      after 0 the curve starts at 1.0 at time 0 (lifelines' ``timeline`` starts at 0).
    - ``survival``: the estimate at each time, in [0, 1], non-increasing.
    - ``lower``/``upper``: the pointwise confidence band at each time (same length as
      ``times``), or empty for no band; an undefined limit (NaN, e.g. where the estimate
      is 0) is drawn at the estimate, so the band ends there.
    - ``censor_times``/``censor_survival``: where the ``+`` censoring marks go (the
      curve's height at each censoring time); empty for a curve without censoring.
    - ``n``/``events``: subjects and events for the legend (``None`` leaves them out).
    """

    name: str
    times: Sequence[float]
    survival: Sequence[float]
    lower: Sequence[float] = ()
    upper: Sequence[float] = ()
    censor_times: Sequence[float] = ()
    censor_survival: Sequence[float] = ()
    n: int | None = None
    events: int | None = None

    def __post_init__(self) -> None:
        owner = f"SurvivalCurve {self.name!r}"
        for name in ("times", "survival", "censor_times", "censor_survival"):
            _set(self, name, _floats(owner, name, getattr(self, name)))
        times, survival = self.times, self.survival
        for name in ("lower", "upper"):
            # An undefined limit (NaN where S = 0, R's NA) collapses onto the estimate,
            # so the band simply ends there.
            limits = [float(v) for v in getattr(self, name)]
            if len(limits) == len(survival):
                limits = [
                    v if math.isfinite(v) else s for v, s in zip(limits, survival, strict=True)
                ]
            _set(self, name, _floats(owner, name, limits))
        if not times:
            raise ValueError(f"{owner}: times is empty; a curve needs at least one point")
        if len(survival) != len(times):
            raise ValueError(
                f"{owner}: survival has {len(survival)} values but times has {len(times)}"
            )
        for name in ("lower", "upper"):
            band = getattr(self, name)
            if band and len(band) != len(times):
                raise ValueError(
                    f"{owner}: {name} has {len(band)} values but times has {len(times)}"
                )
        if bool(self.lower) != bool(self.upper):
            raise ValueError(f"{owner}: give both lower and upper for a confidence band")
        if len(self.censor_survival) != len(self.censor_times):
            raise ValueError(
                f"{owner}: censor_survival has {len(self.censor_survival)} values but "
                f"censor_times has {len(self.censor_times)}"
            )
        if any(b < a for a, b in itertools.pairwise(times)) or times[0] < 0:
            raise ValueError(f"{owner}: times must be ascending and ≥ 0")
        if any(t < 0 for t in self.censor_times):
            raise ValueError(f"{owner}: censor_times must be ≥ 0")
        for name in ("survival", "lower", "upper", "censor_survival"):
            if any(not 0.0 <= s <= 1.0 for s in getattr(self, name)):
                raise ValueError(f"{owner}: {name} values must lie in [0, 1]")
        if any(b > a + 1e-12 for a, b in itertools.pairwise(survival)):
            raise ValueError(f"{owner}: survival must not increase over time")
        if self.n is not None:
            _count(owner, "n", self.n)
        if self.events is not None:
            _count(owner, "events", self.events)
            if self.n is not None and self.events > self.n:
                raise ValueError(f"{owner}: events ({self.events}) exceed n ({self.n})")

    @property
    def median(self) -> float | None:
        """The median survival time: the first time the estimate is ≤ 0.5 (else None)."""
        for t, s in zip(self.times, self.survival, strict=True):
            if s <= 0.5:
                return t
        return None


@dataclass(frozen=True)
class RiskTable:
    """Numbers at risk shown under a Kaplan–Meier plot.

    - ``times``: the times the counts are taken at; they become the x-axis ticks.
    - ``rows``: group name (a :class:`SurvivalCurve` name) → one count per time.
    """

    times: Sequence[float]
    rows: Mapping[str, Sequence[int]]

    def __post_init__(self) -> None:
        _set(self, "times", _floats("RiskTable", "times", self.times))
        if not self.times:
            raise ValueError("RiskTable: times is empty")
        if any(b <= a for a, b in itertools.pairwise(self.times)):
            raise ValueError("RiskTable: times must be strictly ascending")
        rows: dict[str, tuple[int, ...]] = {}
        for name, counts in self.rows.items():
            counts = tuple(counts)
            if len(counts) != len(self.times):
                raise ValueError(
                    f"RiskTable: rows[{name!r}] has {len(counts)} counts but times has "
                    f"{len(self.times)}"
                )
            for count in counts:
                _count("RiskTable", f"rows[{name!r}]", count)
            rows[name] = counts
        _set(self, "rows", rows)


# ------------------------------------------------------------- tumour response plots


@dataclass(frozen=True)
class WaterfallBar:
    """One subject's bar: best % change from baseline in the sum of target diameters.

    ``response`` is the best overall response (``CR``, ``PR``, ``SD``, ``PD``, ``NE``;
    iRECIST ``iCR``, ``iPR``, ``iSD``, ``iUPD``, ``iCPD``); it sets the bar's colour.
    """

    subject: str
    best_change_pct: float
    response: str

    def __post_init__(self) -> None:
        owner = f"WaterfallBar {self.subject!r}"
        _set(self, "best_change_pct", _floats(owner, "best_change_pct", [self.best_change_pct])[0])
        if self.best_change_pct < -100.0:
            raise ValueError(f"{owner}: best_change_pct {self.best_change_pct} is below -100")
        _response(owner, "response", self.response)


@dataclass(frozen=True)
class SpiderSeries:
    """One subject's line: % change from baseline in the target sum over time.

    - ``weeks``/``change_pct``: one point per assessment, ascending in time; when the
      first week is not 0 the line starts at baseline (week 0, 0 %).
    - ``response``: best overall response, colours the line.
    - ``new_lesion_weeks``: assessments (among ``weeks``) where a new lesion appeared.
    """

    subject: str
    weeks: Sequence[float]
    change_pct: Sequence[float]
    response: str
    new_lesion_weeks: Sequence[float] = ()

    def __post_init__(self) -> None:
        owner = f"SpiderSeries {self.subject!r}"
        for name in ("weeks", "change_pct", "new_lesion_weeks"):
            _set(self, name, _floats(owner, name, getattr(self, name)))
        if len(self.change_pct) != len(self.weeks):
            raise ValueError(
                f"{owner}: change_pct has {len(self.change_pct)} values but weeks has "
                f"{len(self.weeks)}"
            )
        if any(b <= a for a, b in itertools.pairwise(self.weeks)):
            raise ValueError(f"{owner}: weeks must be strictly ascending")
        if self.weeks and self.weeks[0] < 0:
            raise ValueError(f"{owner}: weeks must be ≥ 0")
        missing = [w for w in self.new_lesion_weeks if w not in self.weeks]
        if missing:
            raise ValueError(
                f"{owner}: new_lesion_weeks {missing} are not assessment weeks {list(self.weeks)}"
            )
        _response(owner, "response", self.response)


@dataclass(frozen=True)
class ResponseOnset:
    """When a response was first documented (months from the start of treatment)."""

    months: float
    response: str  # CR, PR, iCR or iPR


@dataclass(frozen=True)
class SwimmerLane:
    """One subject's bar in the swimmer plot; every time is in months from start.

    - ``arm``: colours the bar.
    - ``duration_months``: time on treatment (the bar's length).
    - ``response_onsets``: first CR/PR (iCR/iPR), one marker each.
    - ``progression_months``/``death_months``: markers, or ``None``.
    - ``ongoing``: still on treatment; an arrow continues the bar.
    """

    subject: str
    arm: str
    duration_months: float
    response_onsets: Sequence[ResponseOnset] = ()
    progression_months: float | None = None
    death_months: float | None = None
    ongoing: bool = False

    def __post_init__(self) -> None:
        owner = f"SwimmerLane {self.subject!r}"
        duration = _floats(owner, "duration_months", [self.duration_months])[0]
        if duration < 0:
            raise ValueError(f"{owner}: duration_months must be ≥ 0")
        _set(self, "duration_months", duration)
        onsets = tuple(self.response_onsets)
        for onset in onsets:
            if onset.response not in ("CR", "PR", "iCR", "iPR"):
                raise ValueError(
                    f"{owner}: response_onsets response {onset.response!r} is not CR, PR, "
                    "iCR or iPR"
                )
            if not math.isfinite(onset.months) or onset.months < 0:
                raise ValueError(f"{owner}: response_onsets months must be ≥ 0")
        _set(self, "response_onsets", onsets)
        for name in ("progression_months", "death_months"):
            value = getattr(self, name)
            if value is not None:
                number = _floats(owner, name, [value])[0]
                if number < 0:
                    raise ValueError(f"{owner}: {name} must be ≥ 0")
                _set(self, name, number)
        if self.ongoing and self.death_months is not None:
            raise ValueError(f"{owner}: ongoing is true but death_months is given")


# ------------------------------------------------------------------ adverse events


@dataclass(frozen=True)
class AdverseEventCount:
    """Subjects with an AE term, by their worst CTCAE grade for that term.

    ``subjects_by_grade`` maps grade (1–5) to the number of subjects whose worst grade
    of this term is that grade, so each subject is counted once per term.
    """

    term: str
    subjects_by_grade: Mapping[int, int]

    def __post_init__(self) -> None:
        owner = f"AdverseEventCount {self.term!r}"
        if not self.term.strip():
            raise ValueError("AdverseEventCount: term is empty")
        counts: dict[int, int] = {}
        for grade, n in self.subjects_by_grade.items():
            if grade not in (1, 2, 3, 4, 5):
                raise ValueError(f"{owner}: subjects_by_grade has grade {grade!r}, not 1–5")
            _count(owner, f"subjects_by_grade[{grade}]", n)
            counts[grade] = n
        _set(self, "subjects_by_grade", counts)

    @property
    def total(self) -> int:
        return sum(self.subjects_by_grade.values())


# -------------------------------------------------------------------------- CONSORT


@dataclass(frozen=True)
class Reason:
    """A reason and how many subjects it applies to."""

    label: str
    n: int

    def __post_init__(self) -> None:
        _count(f"Reason {self.label!r}", "n", self.n)


@dataclass(frozen=True)
class Tally:
    """A count with its reasons (reasons may overlap, so they need not add up to n)."""

    n: int
    reasons: Sequence[Reason] = ()

    def __post_init__(self) -> None:
        _count("Tally", "n", self.n)
        reasons = tuple(self.reasons)
        for reason in reasons:
            if reason.n > self.n:
                raise ValueError(
                    f"Tally: reason {reason.label!r} counts {reason.n}, more than n={self.n}"
                )
        _set(self, "reasons", reasons)


@dataclass(frozen=True)
class ConsortArm:
    """One arm's branch of the CONSORT diagram.

    - ``allocated``: enrolled/allocated to the arm.
    - ``received``: received the allocated treatment; ``not_received`` says why not.
    - ``discontinued``: stopped treatment, with reasons (follow-up stage).
    - ``analysed``: in the analysis; ``excluded_from_analysis`` says who was not.
    """

    name: str
    allocated: int
    received: int
    analysed: int
    not_received: Sequence[Reason] = ()
    discontinued: Tally = field(default_factory=lambda: Tally(0))
    excluded_from_analysis: Tally = field(default_factory=lambda: Tally(0))

    def __post_init__(self) -> None:
        owner = f"ConsortArm {self.name!r}"
        for name in ("allocated", "received", "analysed"):
            _count(owner, name, getattr(self, name))
        _set(self, "not_received", tuple(self.not_received))
        if self.received > self.allocated:
            raise ValueError(
                f"{owner}: received ({self.received}) exceeds allocated ({self.allocated})"
            )
        if self.analysed > self.allocated:
            raise ValueError(
                f"{owner}: analysed ({self.analysed}) exceeds allocated ({self.allocated})"
            )
        if self.discontinued.n > self.received:
            raise ValueError(
                f"{owner}: discontinued ({self.discontinued.n}) exceeds received ({self.received})"
            )


@dataclass(frozen=True)
class ConsortFlow:
    """The CONSORT 2010 flow of participants (1 to 3 arms).

    - ``assessed``: assessed for eligibility.
    - ``excluded``: not enrolled, with reasons (not meeting criteria, declined…).
    - ``arms``: one branch per arm; ``sum(arm.allocated) == assessed - excluded.n``.
    - ``allocation_label``: ``"Randomised"`` for a randomised trial, ``"Enrolled"``
      for a single-arm or non-randomised one.
    """

    assessed: int
    excluded: Tally
    arms: Sequence[ConsortArm]
    allocation_label: str = "Randomised"

    def __post_init__(self) -> None:
        _count("ConsortFlow", "assessed", self.assessed)
        arms = tuple(self.arms)
        if not 1 <= len(arms) <= 3:
            raise ValueError(f"ConsortFlow: arms must hold 1 to 3 arms, got {len(arms)}")
        _set(self, "arms", arms)
        if self.excluded.n > self.assessed:
            raise ValueError(
                f"ConsortFlow: excluded ({self.excluded.n}) exceeds assessed ({self.assessed})"
            )
        allocated = sum(arm.allocated for arm in arms)
        if allocated != self.assessed - self.excluded.n:
            raise ValueError(
                f"ConsortFlow: arms allocate {allocated} subjects but assessed − excluded is "
                f"{self.assessed - self.excluded.n}"
            )

    @property
    def allocated(self) -> int:
        return sum(arm.allocated for arm in self.arms)
