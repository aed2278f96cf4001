"""Simulated cohorts created through the services (see docs/simulation.md).

`simulate(study, subjects=N, seed=S, as_of=date)` draws a cohort from the pure model
(`oncotrial.domain.simulate`) and records it candidate by candidate, each in its own
transaction, as the study's site staff. Nothing is kept in memory between candidates,
so a cohort of any size streams."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from oncotrial.apps.accounts.models import Membership, StudySite
from oncotrial.apps.request_cache import remembering
from oncotrial.apps.simulation.driver import Staff, Tally, run
from oncotrial.apps.studies.models import Study
from oncotrial.apps.studies.selectors import get_study
from oncotrial.domain.permissions import Role
from oncotrial.domain.simulate import assumptions_of, simulate_cohort

__all__ = ["Staff", "Tally", "remembering", "simulate", "staff_for"]


class NoStaff(Exception):
    """The study has no site with an investigator to record the cohort."""


def staff_for(study: Study) -> list[Staff]:
    """Each active site of `study` with its investigator and research coordinator (the
    investigator doubles as coordinator where there is none)."""
    staff = []
    for study_site in (
        StudySite.objects.filter(study=study, active=True)
        .select_related("site")
        .order_by("site__code")
    ):
        site = study_site.site
        people = {
            m.role: m.user
            for m in Membership.objects.filter(study=study, site=site)
            .select_related("user")
            .order_by("pk")
            if m.user.is_active
        }
        investigator = people.get(Role.INVESTIGATOR.value)
        if investigator is None:
            continue
        staff.append(Staff(site, investigator, people.get(Role.COORDINATOR.value, investigator)))
    if not staff:
        raise NoStaff(
            f"{study.key} has no site with an investigator; add sites and roles first "
            "(or run `oncotrial demo`)"
        )
    return staff


def simulate(
    study: Study,
    *,
    subjects: int,
    seed: int | str,
    as_of: dt.date,
    progress: Callable[[int, Tally], None] | None = None,
    in_screening: int = 2,
    staff: list[Staff] | None = None,
) -> Tally:
    """Create a simulated cohort of `subjects` enrolled subjects (with their screen
    failures and `in_screening` candidates still in screening) in `study`."""
    protocol = get_study(study.key).protocol
    staff = staff or staff_for(study)
    with remembering():
        weights = [0.6, 0.4] if len(staff) == 2 else [1.0] * len(staff)
    cohort = simulate_cohort(
        protocol,
        subjects,
        seed,
        as_of,
        study_key=study.key,
        site_weights=weights,
        in_screening=in_screening,
        assumptions=assumptions_of(protocol),
    )
    return run(study, protocol, cohort, staff, as_of, progress)
