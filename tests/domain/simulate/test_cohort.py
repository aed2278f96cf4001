"""The random model of a cohort, checked without a database."""

from __future__ import annotations

import datetime as dt
import math
import types
from collections import Counter
from pathlib import Path

import pytest

from oncotrial.domain.eligibility import AGE_CRITERION_ID, Measurement, evaluate_eligibility
from oncotrial.domain.protocol import load_protocol
from oncotrial.domain.simulate import assumptions_of, simulate_cohort
from oncotrial.domain.simulate.assumptions import DAYS_PER_MONTH
from oncotrial.domain.simulate.cohort import accrual_window
from oncotrial.domain.simulate.screening import eligible_values
from oncotrial.domain.stats.kaplan_meier import kaplan_meier

STUDIES = Path(__file__).parents[3] / "studies"
SEEDS = sorted(STUDIES.glob("*.yaml"))
AS_OF = dt.date(2026, 11, 2)

pytestmark = pytest.mark.skipif(not SEEDS, reason="no studies/")


def _protocol(stem: str):
    return load_protocol(STUDIES / f"{stem}.yaml")


def test_the_same_seed_gives_the_same_cohort_and_another_seed_another():
    protocol = _protocol("sirolimus-pancreatic-cancer")
    first = list(simulate_cohort(protocol, 40, 7, AS_OF, study_key="s"))
    again = list(simulate_cohort(protocol, 40, 7, AS_OF, study_key="s"))
    other = list(simulate_cohort(protocol, 40, 8, AS_OF, study_key="s"))
    assert first == again
    assert first != other


def test_a_cohort_streams_one_candidate_at_a_time():
    protocol = _protocol("sirolimus-pancreatic-cancer")
    cohort = simulate_cohort(protocol, 10_000, 1, AS_OF, study_key="s")
    assert isinstance(cohort, types.GeneratorType)
    first = next(cohort)
    assert first.index == 0


def test_sirolimus_overall_survival_follows_the_design_assumption():
    """The sample size assumes a median OS of 6 months with sirolimus (median1): the
    Kaplan–Meier median of a large simulated cohort, censored at the data cut, is near
    it. With 2,000 exponential times the median's standard error is about 2.2 %."""
    protocol = _protocol("sirolimus-pancreatic-cancer")
    assumptions = assumptions_of(protocol)
    assert assumptions.median_os_months == 6
    assert assumptions.source == "sample_size.parameters.median1"
    assert assumptions.accrual_months == 24
    assert assumptions.loss == 0.05
    times, events = [], []
    for candidate in simulate_cohort(protocol, 2000, 11, AS_OF, study_key="s", in_screening=0):
        if candidate.course is None:
            continue
        assert candidate.start_on is not None
        followed = (AS_OF - candidate.start_on).days
        died = candidate.course.death_day <= followed
        times.append((candidate.course.death_day if died else followed) / DAYS_PER_MONTH)
        events.append(1 if died else 0)
    assert len(times) == 2000
    median = kaplan_meier(times, events).median
    assert median is not None
    assert abs(median - 6.0) / 6.0 < 0.08


def test_a_descriptive_design_uses_the_default_survival_and_its_dates():
    surgery = assumptions_of(_protocol("surgery-liver-metastatic-pancreatic-cancer"))
    assert surgery.source == "default"
    assert surgery.median_os_months == 14.0
    # accrual from 2024-08-23 to 2026-06-30: 22.2 months
    assert surgery.accrual_months == pytest.approx(22.2, abs=0.1)
    assert assumptions_of(_protocol("intestinal-radiotherapy-pd1")).criteria == "iRECIST"


def test_progression_comes_before_death_and_nothing_exceeds_the_course():
    protocol = _protocol("anlotinib-toripalimab-sarcoma")
    courses = [
        c.course
        for c in simulate_cohort(protocol, 1500, 3, AS_OF, study_key="a")
        if c.course is not None
    ]
    progressed = [c for c in courses if c.progression_day is not None]
    assert all(c.progression_day < c.death_day for c in progressed)
    # most subjects progress before they die, a few die without progression
    assert 0.85 < len(progressed) / len(courses) < 0.99
    for course in courses:
        end, _why = course.end_of_treatment()
        assert end <= course.death_day
        if course.dropout_day is not None:
            assert course.dropout_day <= course.death_day
    dropouts = Counter(c.dropout for c in courses)
    assert 0.02 < dropouts["lost_to_follow_up"] / len(courses) < 0.08
    assert 0.02 < dropouts["consent_withdrawn"] / len(courses) < 0.08


def test_accrual_is_spread_over_the_protocols_period_in_screening_order():
    protocol = _protocol("sirolimus-pancreatic-cancer")
    start, end = accrual_window(assumptions_of(protocol), AS_OF)
    assert (end - start).days == round(24 * DAYS_PER_MONTH)
    cohort = list(simulate_cohort(protocol, 400, 5, AS_OF, study_key="s"))
    dates = [c.screened_on for c in cohort]
    assert dates == sorted(dates)
    enrolled = [c for c in cohort if c.outcome == "enrolled"]
    assert len(enrolled) == 400
    assert all(start <= c.screened_on <= end for c in enrolled)
    # uniform accrual: about half the subjects in each half of the period
    middle = start + (end - start) / 2
    assert 0.4 < sum(c.screened_on < middle for c in enrolled) / 400 < 0.6
    assert [c.outcome for c in cohort[-2:]] == ["in_screening", "in_screening"]
    assert all(c.enrolled_on > c.screened_on for c in enrolled)
    assert all(c.start_on > c.enrolled_on for c in enrolled)


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_screen_failures_fail_a_criterion_of_the_protocol(path):
    """Each screen failure names a criterion of the protocol (or its age limit), and
    the eligibility engine finds exactly that criterion not met with the values given."""
    protocol = load_protocol(path)
    ids = {c.id for c in [*protocol.eligibility.inclusion, *protocol.eligibility.exclusion]}
    failures = [
        c
        for c in simulate_cohort(protocol, 300, 2, AS_OF, study_key=path.stem)
        if c.outcome == "screen_failed"
    ]
    assert 0.12 < len(failures) / (len(failures) + 300) < 0.28
    reasons = Counter()
    for candidate in failures:
        assert candidate.failure is not None
        criterion, change = candidate.failure
        assert criterion in ids | {AGE_CRITERION_ID}
        reasons[criterion] += 1
        values = eligible_values(
            protocol, {"age": candidate.age, "sex": candidate.sex}, candidate.index
        )
        values.update(change)
        measured = {k: Measurement(v, None) for k, v in values.items()}
        result = evaluate_eligibility(protocol, measured)
        failed = {
            c.id for c in result.criteria if c.computable and c.eligible_for_criterion is False
        }
        assert criterion in failed
    # reasons vary where the protocol has several criteria to fail
    if len(ids) > 5:
        assert len(reasons) >= 3


def test_tumour_trajectories_give_every_kind_of_response():
    protocol = _protocol("intestinal-radiotherapy-pd1")
    courses = [
        c.course.tumour
        for c in simulate_cohort(protocol, 1000, 4, AS_OF, study_key="i")
        if c.course is not None
    ]
    depths = Counter(t.depth for t in courses)
    assert depths["cr"] > 10
    assert 0.15 < depths["pr"] / len(courses) < 0.35
    pseudo = [t for t in courses if t.pseudo]
    assert pseudo  # iRECIST: some pseudo-progressions
    for course in pseudo:
        # swelling of at least 20 % at the first scan, then a fall below baseline
        assert course.factor(45) >= 1.2
        assert course.factor(course.nadir_day) < 1.0
    for course in courses:
        if course.progression_day is None or course.by_new_lesion:
            continue
        before = course.factor(course.progression_day - 0.01)
        assert course.factor(course.progression_day + 1) >= 1.2 * before
    assert not any(
        t.pseudo
        for c in simulate_cohort(_protocol("sirolimus-pancreatic-cancer"), 500, 4, AS_OF)
        if c.course
        for t in [c.course.tumour]
    )


def test_ca19_9_follows_the_tumour_burden():
    protocol = _protocol("sirolimus-pancreatic-cancer")
    import random

    for candidate in simulate_cohort(protocol, 200, 9, AS_OF, study_key="s"):
        course = candidate.course
        if course is None or course.tumour.depth != "pr" or course.progression_day is None:
            continue
        if course.progression_day < course.tumour.nadir_day:
            continue
        rng = random.Random(0)
        at_nadir = course.ca19_9(course.tumour.nadir_day, rng)
        assert at_nadir < course.ca19_9_baseline * 0.75
        later = course.ca19_9(course.progression_day + 60, rng)
        assert later > at_nadir


def test_adverse_events_have_a_realistic_grade_mix():
    protocol = _protocol("anlotinib-toripalimab-sarcoma")
    events = [
        e
        for c in simulate_cohort(protocol, 1000, 6, AS_OF, study_key="a")
        if c.course is not None
        for e in c.course.adverse_events
    ]
    grades = Counter(e.grade for e in events)
    total = len(events)
    assert grades[1] > grades[2] > grades[3] > grades[4] > 0
    assert 0.12 < (grades[3] + grades[4]) / total < 0.24
    serious = [e for e in events if e.serious]
    assert serious
    assert all(e.grade >= 3 for e in serious)
    assert 0.02 < len(serious) / total < 0.1
    assert math.isclose(sum(grades.values()), total)
