"""An enrolled subject at SH01 and at BJ02 of the sarcoma trial (anlotinib and
toripalimab; CTCAE 5.0; SAE initial report due 24 h after awareness), consented on
2025-03-04, with the staff of `tests/apps/conftest.py`."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from oncotrial.apps.subjects.models import Subject
from tests.apps.permission_scenario import build_site

NOW = dt.datetime(2025, 5, 10, 12, 0, tzinfo=dt.UTC)
"""The frozen "now" of the safety tests."""


@pytest.fixture
def safety_world(staff, other_site_staff, sarcoma_study, study_sites):
    sh01 = build_site(
        sarcoma_study, study_sites["SH01"], staff["coordinator"], staff["investigator"]
    )
    bj02 = build_site(
        sarcoma_study,
        study_sites["BJ02"],
        other_site_staff["coordinator"],
        other_site_staff["investigator"],
    )
    return SimpleNamespace(
        study=sarcoma_study,
        staff=staff,
        bj02_staff=other_site_staff,
        subject=Subject.objects.get(study=sarcoma_study, subject_number=sh01.subject),
        bj02_subject=Subject.objects.get(study=sarcoma_study, subject_number=bj02.subject),
    )


RELATED = {"anlotinib": "probable", "toripalimab": "unlikely"}


def ae_values(**changes):
    """A grade 2 hypertension starting 2025-04-02, ongoing."""
    return {
        "term": "Hypertension",
        "grade": 2,
        "onset_date": dt.date(2025, 4, 2),
        "ongoing": True,
        "outcome": "not_recovered",
        "action_taken": "dose_not_changed",
        **changes,
    }
