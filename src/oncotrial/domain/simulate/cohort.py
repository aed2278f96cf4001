"""The random model of a cohort, one candidate at a time.

`simulate_cohort` yields the study's candidates in the order they are screened: accrual
is uniform over the protocol's accrual period (ending shortly before the data cut), a
share of candidates fail screening on a criterion of the protocol, and each enrolled
subject gets a course: survival drawn from the protocol's design assumption
(exponential, median under the alternative), progression before death, a tumour-size
trajectory, adverse events, a CA19-9 level tied to the tumour burden, and now and then a
withdrawal, a loss to follow-up or an early stop for toxicity. Times are in days from
the start of treatment; nothing here knows about dates past `as_of`, which the code
turning a course into records uses as the data cut.

Every candidate draws from its own random stream (seeded by the cohort's seed, the study
and the candidate's position), so the same seed gives the same cohort however it is
consumed, and a cohort of any size is produced in constant memory.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from oncotrial.domain.protocol import Protocol
from oncotrial.domain.simulate.assumptions import (
    DAYS_PER_MONTH,
    SCREEN_FAILURE_RATE,
    WITHDRAWAL_RATE,
    Assumptions,
    assumptions_of,
)
from oncotrial.domain.simulate.safety import AdverseEventPlan, adverse_events
from oncotrial.domain.simulate.screening import eligible_values, pick_failure
from oncotrial.domain.simulate.tumour import TumourCourse, tumour_course

IN_SCREENING_DAYS = 12
"""Candidates screened in the last days before the data cut are still in screening."""
TOXICITY_STOP = 0.08


@dataclass(frozen=True)
class Course:
    """What happens to an enrolled subject, in days from the start of treatment."""

    death_day: float
    progression_day: float | None
    """None: death comes first, without progression."""
    dropout_day: float | None
    dropout: str | None
    """consent_withdrawn / lost_to_follow_up / None"""
    toxicity_stop_day: float | None
    tumour: TumourCourse
    adverse_events: tuple[AdverseEventPlan, ...]
    ca19_9_baseline: float

    def ca19_9(self, day: float, rng: random.Random) -> float:
        """The marker follows the tumour burden (U/mL)."""
        burden = max(self.tumour.factor(day), 0.05)
        progression = self.progression_day
        if progression is not None and day >= progression:
            # rises with progression, whether by growth or by new lesions
            before = max(self.tumour.factor(progression - 0.01), 0.05)
            burden = max(burden, before * (1.3 + 0.004 * (day - progression)))
        level = self.ca19_9_baseline * float(burden) ** 1.3 * rng.uniform(0.92, 1.08)
        return round(float(level), 1)

    def end_of_treatment(self) -> tuple[float, str]:
        """When treatment stops and why (progression, toxicity, death, a withdrawal or a
        loss), before the data cut is applied."""
        ends = [(self.death_day, "death")]
        if self.progression_day is not None:
            ends.append((self.progression_day + 7, "progression"))
        if self.toxicity_stop_day is not None:
            ends.append((self.toxicity_stop_day, "toxicity"))
        if self.dropout_day is not None and self.dropout:
            ends.append((self.dropout_day, self.dropout))
        return min(ends)


@dataclass(frozen=True)
class SimulatedCandidate:
    index: int
    seed: str
    """The seed of this candidate's own random stream (for the records' details)."""
    site: int
    """Index of the site, among the sites the cohort is spread over."""
    screened_on: dt.date
    age: int
    sex: str
    initials: str
    outcome: str
    """enrolled / screen_failed / in_screening"""
    failure: tuple[str, dict[str, object]] | None = None
    """For a screen failure: the criterion and the values that fail it (None: the
    protocol's criteria give no way to fail; the candidate is then enrolled)."""
    enrolled_on: dt.date | None = None
    start_on: dt.date | None = None
    arm: int = 0
    course: Course | None = None
    extras: dict[str, float] = field(default_factory=dict)

    def rng(self, purpose: str) -> random.Random:
        """A random stream of this candidate for one purpose (visits, labs…)."""
        return random.Random(f"{self.seed}:{purpose}")


def _exponential(rng: random.Random, rate: float) -> float:
    value: float = rng.expovariate(rate)
    return value


def course_of(rng: random.Random, assumptions: Assumptions) -> Course:
    """One subject's course under `assumptions`."""
    death = _exponential(rng, assumptions.os_rate_per_day) + 1
    pfs = _exponential(rng, assumptions.pfs_rate_per_day) + 1
    progression: float | None = pfs
    if pfs >= death:
        # progression usually precedes death: most progress a while before dying
        progression = death * rng.uniform(0.55, 0.92) if rng.random() < 0.85 else None
    dropout_day: float | None = None
    dropout: str | None = None
    roll = rng.random()
    if roll < assumptions.loss:
        dropout, dropout_day = "lost_to_follow_up", rng.uniform(min(20.0, death / 2), death)
    elif roll < assumptions.loss + WITHDRAWAL_RATE:
        dropout = "consent_withdrawn"
        dropout_day = rng.uniform(min(14.0, death / 2), min(death, 365.0))
    toxicity: float | None = None
    if rng.random() < TOXICITY_STOP:
        toxicity = rng.uniform(30, 200)
    tumour = tumour_course(rng, progression, assumptions.criteria)
    treated_until = min(
        d for d in (death, (progression or death) + 7, toxicity or death, dropout_day or death)
    )
    return Course(
        death_day=death,
        progression_day=progression,
        dropout_day=dropout_day,
        dropout=dropout,
        toxicity_stop_day=toxicity,
        tumour=tumour,
        adverse_events=adverse_events(rng, treated_until),
        ca19_9_baseline=round(math.exp(rng.gauss(math.log(420), 0.9)), 1),
    )


def _initials(rng: random.Random) -> str:
    return "".join(chr(65 + rng.randint(0, 25)) for _ in range(2))


def _sex(protocol: Protocol, rng: random.Random) -> str:
    sex = protocol.eligibility.sex
    return sex if sex != "all" else rng.choice(["female", "male"])


def accrual_window(assumptions: Assumptions, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The accrual period: the protocol's length, ending a fortnight before the data cut
    (the last candidates are still in screening)."""
    end = as_of - dt.timedelta(days=IN_SCREENING_DAYS + 2)
    start = end - dt.timedelta(days=round(assumptions.accrual_months * DAYS_PER_MONTH))
    return start, end


def simulate_cohort(
    protocol: Protocol,
    subjects: int,
    seed: int | str,
    as_of: dt.date,
    *,
    study_key: str | None = None,
    site_weights: Sequence[float] = (0.6, 0.4),
    in_screening: int = 2,
    assumptions: Assumptions | None = None,
) -> Iterator[SimulatedCandidate]:
    """The candidates of a cohort of `subjects` enrolled subjects, in screening order:
    screen failures interleaved (about one candidate in five), then `in_screening`
    candidates still in screening at `as_of`."""
    assumptions = assumptions or assumptions_of(protocol)
    key = study_key or protocol.identification.acronym or protocol.identification.brief_title
    start, end = accrual_window(assumptions, as_of)
    span = (end - start).days
    accrual = random.Random(f"accrual:{seed}:{key}")
    arms = len(protocol.design.arms) or 1
    position = 0.0
    previous = 0.0
    index = 0
    for slot in range(subjects):
        # the next of `subjects` sorted uniform times on the accrual period
        position = 1 - (1 - position) * accrual.random() ** (1 / (subjects - slot))
        failures = 0
        while accrual.random() < SCREEN_FAILURE_RATE:
            failures += 1
        moments = sorted(accrual.uniform(previous, position) for _ in range(failures))
        for moment in moments:
            yield _candidate(
                protocol,
                key,
                seed,
                index,
                start,
                span,
                moment,
                "screen_failed",
                site_weights,
                assumptions,
                arms,
                slot,
            )
            index += 1
        yield _candidate(
            protocol,
            key,
            seed,
            index,
            start,
            span,
            position,
            "enrolled",
            site_weights,
            assumptions,
            arms,
            slot,
        )
        index += 1
        previous = position
    for extra in range(in_screening):
        screened = as_of - dt.timedelta(days=IN_SCREENING_DAYS - 4 * extra)
        yield _candidate(
            protocol,
            key,
            seed,
            index,
            screened,
            0,
            0.0,
            "in_screening",
            site_weights,
            assumptions,
            arms,
            extra,
        )
        index += 1


def _candidate(
    protocol: Protocol,
    key: str,
    seed: int | str,
    index: int,
    start: dt.date,
    span: int,
    moment: float,
    outcome: str,
    site_weights: Sequence[float],
    assumptions: Assumptions,
    arms: int,
    slot: int,
) -> SimulatedCandidate:
    own = f"{seed}:{key}:{index}"
    rng = random.Random(own)
    screened = start + dt.timedelta(days=int(moment * span))
    site = rng.choices(range(len(site_weights)), weights=list(site_weights))[0]
    age_limit = protocol.eligibility.max_age_years
    age = rng.randint(38, int(age_limit) - 1 if age_limit and age_limit < 76 else 75)
    common = {
        "index": index,
        "seed": own,
        "site": site,
        "screened_on": screened,
        "age": age,
        "sex": _sex(protocol, rng),
        "initials": _initials(rng),
    }
    if outcome == "screen_failed":
        values = eligible_values(protocol, {"age": age, "sex": common["sex"]}, index)
        failure = pick_failure(protocol, values, rng)
        if failure is not None:
            return SimulatedCandidate(outcome=outcome, failure=failure, **common)  # type: ignore[arg-type]
        outcome = "enrolled"  # nothing in the protocol to fail on
    if outcome != "enrolled":
        return SimulatedCandidate(outcome=outcome, **common)  # type: ignore[arg-type]
    enrolled = screened + dt.timedelta(days=rng.randint(3, 9))
    return SimulatedCandidate(
        outcome="enrolled",
        enrolled_on=enrolled,
        start_on=enrolled + dt.timedelta(days=rng.randint(2, 6)),
        arm=slot % arms,
        course=course_of(rng, assumptions),
        **common,  # type: ignore[arg-type]
    )
