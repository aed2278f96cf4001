"""Enrolled subjects of a seed study for the treatment and follow-up tests, built
through the services: sites S01 and S02, a coordinator, an investigator, a monitor and a
data manager at S01 (or study-wide) and a coordinator at S02."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

ENROLLED = dt.date(2024, 1, 10)
STARTED = dt.date(2024, 1, 15)


@pytest.fixture
def world(conduct_study, conduct_member, conduct_candidate):
    """`world(study_file, anchor=..., arm_id=...)`: the study with a subject enrolled on
    2024-01-10 at each site; `anchor` (default: the protocol's first dose anchor,
    recorded on 2024-01-15; None: nothing recorded), `values` the screening values
    (e.g. those an assignment rule reads)."""
    from oncotrial.apps.subjects import services as subject_services

    def make(
        name: str,
        *,
        anchor: str | None = "first_dose",
        arm_id: str | None = None,
        values: dict | None = None,
        regimen: str = "",
    ):
        study = conduct_study(name)
        people = SimpleNamespace(
            coordinator=conduct_member(study, "coordinator", "S01"),
            investigator=conduct_member(study, "investigator", "S01"),
            monitor=conduct_member(study, "monitor", None),
            data_manager=conduct_member(study, "data_manager", None),
            statistician=conduct_member(study, "statistician", None),
            other_coordinator=conduct_member(
                study, "coordinator", "S02", username=f"tx-coordinator-S02-{study.key}"[:150]
            ),
        )

        def enroll(site_code: str = "S01"):
            user = people.coordinator if site_code == "S01" else people.other_coordinator
            subject = subject_services.enroll(
                user, conduct_candidate(study, site_code, values=values), ENROLLED, arm_id=arm_id
            )
            if anchor:
                subject_services.record_anchor_event(
                    user, subject, anchor, STARTED, regimen=regimen
                )
            subject.refresh_from_db()
            return subject

        return SimpleNamespace(
            study=study,
            subject=enroll("S01"),
            other_subject=enroll("S02"),
            enroll=enroll,
            **vars(people),
        )

    return make
