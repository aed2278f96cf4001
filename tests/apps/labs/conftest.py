from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.apps.subjects import services as subject_services

SIROLIMUS = "sirolimus-pancreatic-cancer.yaml"
SARCOMA = "anlotinib-toripalimab-sarcoma.yaml"
ENROLLED_ON = dt.date(2024, 1, 10)
FIRST_DOSE = dt.date(2024, 1, 15)


@pytest.fixture
def sirolimus(conduct_study):
    return conduct_study(SIROLIMUS)


@pytest.fixture
def coordinator(sirolimus, conduct_member):
    return conduct_member(sirolimus, "coordinator", "S01")


@pytest.fixture
def other_site_investigator(sirolimus, conduct_member):
    return conduct_member(sirolimus, "investigator", "S02", username="inv-s02")


@pytest.fixture
def monitor(sirolimus, conduct_member):
    return conduct_member(sirolimus, "monitor", None, username="monitor-all")


@pytest.fixture
def data_manager(sirolimus, conduct_member):
    return conduct_member(sirolimus, "data_manager", None, username="dm-all")


@pytest.fixture
def subject(sirolimus, coordinator, conduct_candidate):
    subject = subject_services.enroll(coordinator, conduct_candidate(sirolimus), ENROLLED_ON)
    subject_services.record_anchor_event(coordinator, subject, "first_dose", FIRST_DOSE)
    subject.refresh_from_db()
    return subject
