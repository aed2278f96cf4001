"""Baseline characteristics: age in completed years at screening."""

from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.apps.reports.baseline import age_at_screening
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.subjects.models import Subject


@pytest.mark.parametrize(
    ("born", "screened", "age"),
    [
        (dt.date(1960, 5, 17), dt.date(2025, 5, 16), 64),  # the day before the birthday
        (dt.date(1960, 5, 17), dt.date(2025, 5, 17), 65),  # on the birthday
        (dt.date(1960, 2, 29), dt.date(2025, 2, 28), 64),  # leap-day birth, no 29th
        (dt.date(1960, 2, 29), dt.date(2025, 3, 1), 65),
    ],
)
def test_age_is_completed_years_at_screening(born, screened, age):
    subject = Subject(candidate=Candidate(date_of_birth=born, screening_date=screened))
    assert age_at_screening(subject) == age


def test_no_date_of_birth_gives_no_age():
    subject = Subject(candidate=Candidate(screening_date=dt.date(2025, 1, 1)))
    assert age_at_screening(subject) is None
