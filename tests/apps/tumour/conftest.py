"""An enrolled subject in the sarcoma trial (RECIST 1.1, confirmation, SD ≥ 42 days) and
in the radiotherapy + PD-1 trial (iRECIST), with people of each role at site S01."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

SARCOMA = "anlotinib-toripalimab-sarcoma.yaml"
ILDR = "intestinal-radiotherapy-pd1.yaml"
ENROLLED = dt.date(2024, 1, 10)
FIRST_DOSE = dt.date(2024, 1, 15)


@pytest.fixture
def tumour_world(conduct_study, conduct_member, conduct_candidate):
    """`make(protocol_file, anchor)` loads the study and enrolls a subject at S01 with
    the anchor event on 2024-01-15; returns a namespace with the study, the subject, an
    S02 subject, and users coordinator, investigator, monitor (S01), data_manager (all
    sites), other_coordinator (S02)."""
    from oncotrial.apps.subjects import services as subject_services

    def make(protocol_file: str = SARCOMA, anchor: str = "first_dose"):
        from oncotrial.apps.studies.selectors import get_study

        study = conduct_study(protocol_file)
        arms = get_study(study.key).protocol.design.arms
        arm_id = arms[0].id if len(arms) > 1 else None
        people = {
            "coordinator": conduct_member(study, "coordinator", "S01"),
            "investigator": conduct_member(study, "investigator", "S01"),
            "monitor": conduct_member(study, "monitor", "S01"),
            "data_manager": conduct_member(study, "data_manager", None),
            "other_coordinator": conduct_member(
                study, "coordinator", "S02", username=f"tumour-coordinator-S02-{study.key}"
            ),
        }

        def enroll(site_code: str = "S01"):
            who = people["coordinator" if site_code == "S01" else "other_coordinator"]
            subject = subject_services.enroll(
                who, conduct_candidate(study, site_code), ENROLLED, arm_id=arm_id
            )
            subject_services.record_anchor_event(who, subject, anchor, FIRST_DOSE)
            subject.refresh_from_db()
            return subject

        return SimpleNamespace(
            study=study,
            subject=enroll("S01"),
            other_subject=enroll("S02"),
            enroll=enroll,
            **people,
        )

    return make
