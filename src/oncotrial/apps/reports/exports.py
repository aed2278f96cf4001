"""The derived endpoint dataset: one row per subject per endpoint.

Calendar dates are identifying (HIPAA's safe harbour lists every date more precise than
the year), so a user who may not see identifying details gets the dataset without its
date columns: times are in days and months from each endpoint's start.
"""

from __future__ import annotations

from typing import Any

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.reports.cohort import gather
from oncotrial.apps.studies.selectors import StudyView
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.domain import endpoints
from oncotrial.domain.permissions import Action

DATE_COLUMNS = frozenset(
    {
        "start_date",
        "end_date",
        "best_response_date",
        "window_end",
        "baseline_date",
        "last_date",
        "best_change_date",
        "visits",
    }
)
"""Columns holding calendar dates (marker visits are written with their dates)."""


def derived_rows(user: Any, view: StudyView) -> tuple[list[str], list[dict[str, Any]]]:
    protocol = view.protocol
    subjects = list(subject_selectors.subjects_for(user, view.study))
    arm_labels = {arm.id: arm.label for arm in protocol.design.arms}
    records = gather(subjects, protocol, arm_labels)
    rows = endpoints.to_csv_rows(endpoints.derive_all(protocol, records))
    columns = list(endpoints.COLUMNS)
    if not access_selectors.can(user, view.study, Action.VIEW_PHI):
        columns = [c for c in columns if c not in DATE_COLUMNS]
        rows = [{c: row[c] for c in columns} for row in rows]
    return columns, rows
