"""Who may do what in a study: roles and the actions each role allows.

Roles are held per study and site. The mapping is policy, kept pure so that it can be
read, tested and documented apart from the web layer.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    STUDY_ADMIN = "study_admin"
    INVESTIGATOR = "investigator"
    COORDINATOR = "coordinator"
    DATA_MANAGER = "data_manager"
    MONITOR = "monitor"
    STATISTICIAN = "statistician"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.STUDY_ADMIN: "Study administrator",
    Role.INVESTIGATOR: "Investigator",
    Role.COORDINATOR: "Research coordinator",
    Role.DATA_MANAGER: "Data manager",
    Role.MONITOR: "Monitor",
    Role.STATISTICIAN: "Statistician",
}


class Action(StrEnum):
    VIEW_STUDY = "view_study"
    """See the study, its protocol and the site-level counts."""
    VIEW_SUBJECTS = "view_subjects"
    """See screening candidates, subjects and their data at the user's sites."""
    VIEW_PHI = "view_phi"
    """See identifying details (name, date of birth) of candidates."""
    SCREEN = "screen"
    """Register candidates and enter screening variables."""
    ATTEST_ELIGIBILITY = "attest_eligibility"
    """Attest checklist criteria and confirm a passed eligibility check."""
    RECORD_CONSENT = "record_consent"
    ENROLL = "enroll"
    RECORD_VISITS = "record_visits"
    """Record visit dates, missed visits and anchor events (first dose, surgery)."""
    ENTER_DATA = "enter_data"
    """Enter and change case report form data."""
    SIGN = "sign"
    """Sign forms, visits and casebooks electronically."""
    RAISE_QUERY = "raise_query"
    """Open and re-open data queries, and close them once resolved."""
    ANSWER_QUERY = "answer_query"
    LOCK_DATA = "lock_data"
    """Lock and unlock forms, visits, subjects and the whole study."""
    MANAGE_STUDY = "manage_study"
    """Sites, memberships, allocation lists."""
    VIEW_ALLOCATION = "view_allocation"
    """See the concealed allocation list (never given to site roles)."""
    VIEW_DEIDENTIFIED = "view_deidentified"
    """See de-identified data for analysis: the study report and the derived endpoint
    dataset."""


_READ = {Action.VIEW_STUDY, Action.VIEW_SUBJECTS}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.STUDY_ADMIN: frozenset(
        {*_READ, Action.MANAGE_STUDY, Action.VIEW_ALLOCATION, Action.VIEW_DEIDENTIFIED}
    ),
    Role.INVESTIGATOR: frozenset(
        {
            *_READ,
            Action.VIEW_PHI,
            Action.SCREEN,
            Action.ATTEST_ELIGIBILITY,
            Action.RECORD_CONSENT,
            Action.ENROLL,
            Action.RECORD_VISITS,
            Action.ENTER_DATA,
            Action.SIGN,
            Action.ANSWER_QUERY,
            # the investigator leads the trial at the site: reports of the site's subjects
            Action.VIEW_DEIDENTIFIED,
        }
    ),
    Role.COORDINATOR: frozenset(
        {
            *_READ,
            Action.VIEW_PHI,
            Action.SCREEN,
            Action.RECORD_CONSENT,
            Action.ENROLL,
            Action.RECORD_VISITS,
            Action.ENTER_DATA,
            Action.ANSWER_QUERY,
        }
    ),
    Role.DATA_MANAGER: frozenset({*_READ, Action.RAISE_QUERY, Action.LOCK_DATA}),
    # monitors verify source data, which needs the identifying details
    Role.MONITOR: frozenset({*_READ, Action.VIEW_PHI, Action.RAISE_QUERY}),
    Role.STATISTICIAN: frozenset({*_READ, Action.VIEW_DEIDENTIFIED}),
}


def allows(roles: set[Role] | frozenset[Role], action: Action) -> bool:
    """True when any of `roles` allows `action`."""
    return any(action in ROLE_ACTIONS[role] for role in roles)
