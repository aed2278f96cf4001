from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from oncotrial.apps.screening import services

SCREENING_DATE = dt.date(2025, 3, 3)
SEED = Path(__file__).resolve().parents[3] / "studies" / "anlotinib-toripalimab-sarcoma.yaml"

COMPLETE = {
    "age": (54, "years"),
    "ecog": (1, None),
    "life_expectancy": (12, "months"),
    "measurable_disease": (True, None),
    "anc": (2.1, "10^9/L"),
    "platelets": (180, "10^9/L"),
    "hemoglobin": (12.5, "g/dL"),
    "bilirubin": (0.8, "xULN"),
    "alt": (1.0, "xULN"),
    "ast": (1.1, "xULN"),
    "liver_metastases": (False, None),
    "creatinine": (0.9, "xULN"),
    "sex": ("male", None),
    "contraception_agreed": (True, None),
    "prior_anlotinib": (False, None),
    "prior_anti_pd1_pdl1": (False, None),
    "other_malignancy_5y": (False, None),
    "worst_unresolved_toxicity_grade": (1, None),
    "brain_metastases": ("none", None),
    "days_since_major_surgery": (60, "days"),
    "days_since_incisional_biopsy": (30, "days"),
    "days_since_significant_trauma": (365, "days"),
    "active_infection": (False, None),
    "unexplained_fever": (False, None),
    "days_since_last_trial_drug": (90, "days"),
}
"""Screening values of a candidate who meets every computable criterion of the sarcoma
trial."""


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
