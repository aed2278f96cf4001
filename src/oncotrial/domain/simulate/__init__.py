"""Simulated cohorts: the random model of a study's candidates and subjects (pure).

`simulate_cohort(protocol, subjects, seed, as_of)` yields candidates one at a time;
`oncotrial.apps.simulation` turns each into service calls."""

from oncotrial.domain.simulate.assumptions import Assumptions, assumptions_of
from oncotrial.domain.simulate.cohort import Course, SimulatedCandidate, simulate_cohort

__all__ = ["Assumptions", "Course", "SimulatedCandidate", "assumptions_of", "simulate_cohort"]
