from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.apps.subjects import services as subject_services

SURGERY = "surgery-liver-metastatic-pancreatic-cancer.yaml"
ENROLLED_ON = dt.date(2024, 1, 10)
TREATMENT_START = dt.date(2024, 1, 15)
SURGERY_DAY = dt.date(2024, 5, 20)
PROSPECTIVE = {"treated_before_study_start": False}
"""The screening value that assigns the prospective cohort."""


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
def surgery(conduct_study):
    return conduct_study(SURGERY)


@pytest.fixture
def coordinator(surgery, conduct_member):
    return conduct_member(surgery, "coordinator", "S01")


@pytest.fixture
def other_site_investigator(surgery, conduct_member):
    return conduct_member(surgery, "investigator", "S02", username="inv-s02")


@pytest.fixture
def monitor(surgery, conduct_member):
    return conduct_member(surgery, "monitor", None, username="monitor-all")


@pytest.fixture
def data_manager(surgery, conduct_member):
    return conduct_member(surgery, "data_manager", None, username="dm-all")


@pytest.fixture
def subject(surgery, coordinator, conduct_candidate):
    candidate = conduct_candidate(surgery, values=PROSPECTIVE)
    subject = subject_services.enroll(coordinator, candidate, ENROLLED_ON)
    subject_services.record_anchor_event(
        coordinator, subject, "treatment_start", TREATMENT_START, regimen="ag"
    )
    subject_services.record_anchor_event(coordinator, subject, "surgery", SURGERY_DAY)
    subject.refresh_from_db()
    return subject


def tumour(label: str = "S01-T-0001", **more):
    return {
        "label": label,
        "specimen_type": "tumour_tissue",
        "amount": 100,
        "amount_unit": "mg",
        "collected_at": at(SURGERY_DAY, 10, 30),
        "storage_location": "Operating theatre 3",
        "assessment_id": "intraop_specimen",
        **more,
    }
