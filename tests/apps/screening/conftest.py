from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from oncotrial.apps.screening import services

SCREENING_DATE = dt.date(2025, 3, 3)
SEED = Path(__file__).resolve().parents[3] / "studies" / "anlotinib-toripalimab-sarcoma.yaml"


@pytest.fixture
def coordinator(staff):
    return staff["coordinator"]


@pytest.fixture
def investigator(staff):
    return staff["investigator"]


@pytest.fixture
def candidate(sarcoma_study, study_sites, coordinator):
    """A candidate registered at SH01 with identifying details."""
    return services.register_candidate(
        coordinator,
        sarcoma_study,
        study_sites["SH01"],
        initials="WL",
        full_name="Wang Lei",
        date_of_birth=dt.date(1970, 5, 17),
        sex="male",
        screening_date=SCREENING_DATE,
    )


@pytest.fixture
def other_candidate(sarcoma_study, study_sites, other_site_staff):
    """A candidate of site BJ02."""
    return services.register_candidate(
        other_site_staff["coordinator"],
        sarcoma_study,
        study_sites["BJ02"],
        full_name="Li Na",
        screening_date=SCREENING_DATE,
    )


def attest_all(user, candidate):
    protocol = services.selectors.candidate_protocol(candidate)
    answers = dict.fromkeys(services.checklist_ids(protocol), True)
    return services.record_attestations(user, candidate, answers)
