"""Accrual: screening and enrollment over time and by site, against the target."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.subjects.models import Subject


@dataclass(frozen=True)
class MonthCount:
    month: str
    """YYYY-MM."""
    enrolled: int
    cumulative: int


@dataclass(frozen=True)
class SiteAccrual:
    site: str
    screened: int
    screen_failures: int
    enrolled: int


@dataclass(frozen=True)
class Accrual:
    target: int | None
    screened: int
    enrolled: int
    first_enrollment: dt.date | None
    last_enrollment: dt.date | None
    by_month: list[MonthCount]
    by_site: list[SiteAccrual]

    @property
    def percent_of_target(self) -> float | None:
        if not self.target:
            return None
        return 100.0 * self.enrolled / self.target


def accrual(candidates: list[Candidate], subjects: list[Subject], target: int | None) -> Accrual:
    dates = sorted(s.enrollment_date for s in subjects)
    months = Counter(d.strftime("%Y-%m") for d in dates)
    by_month: list[MonthCount] = []
    running = 0
    for month in sorted(months):
        running += months[month]
        by_month.append(MonthCount(month, months[month], running))
    screened = Counter(c.site.code for c in candidates)
    failed = Counter(c.site.code for c in candidates if c.status == Candidate.Status.SCREEN_FAILED)
    enrolled = Counter(s.site.code for s in subjects)
    sites = sorted(set(screened) | set(enrolled))
    return Accrual(
        target=target,
        screened=len(candidates),
        enrolled=len(subjects),
        first_enrollment=dates[0] if dates else None,
        last_enrollment=dates[-1] if dates else None,
        by_month=by_month,
        by_site=[SiteAccrual(s, screened[s], failed[s], enrolled[s]) for s in sites],
    )
