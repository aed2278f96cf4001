"""The studies the permission matrix runs against, and a fingerprint of the conduct data.

`build` sets up, through the services only, the sarcoma trial at two sites (SH01 and
BJ02) with, at each site, a candidate in screening (values and attestations complete,
eligibility not yet confirmed), a confirmed-eligible consented candidate and an
enrolled subject with a visit calendar. The sarcoma trial has no study-specific case
report form, so the same people hold the same roles in the sirolimus study, which
collects `baseline_history` at its baseline visit: at each site an enrolled subject
with that form filled in, an open and an answered query on it, a signature and a lock
on another visit. `fingerprint` captures what a denied request must leave untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps

from oncotrial.apps.crfs import locks, queries, signatures
from oncotrial.apps.crfs import services as crfs
from oncotrial.apps.screening import selectors as screening_selectors
from oncotrial.apps.screening import services as screening
from oncotrial.apps.subjects import services as subjects
from oncotrial.apps.visits.models import Visit
from tests.apps.sarcoma_values import COMPLETE

SCREENING_DATE = dt.date(2025, 3, 3)
ENROLLMENT_DATE = dt.date(2025, 3, 10)
FIRST_DOSE = dt.date(2025, 3, 12)
CONSENTED_AT = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC)

CRF_COMPLETE = {
    "informed_consent": (True, None),
    "histological_diagnosis": (True, None),
    "age": (61, "years"),
    "ecog": (1, None),
    "bilirubin": (0.8, "xULN"),
    "alt": (1.0, "xULN"),
    "ast": (1.1, "xULN"),
    "liver_metastases": (False, None),
    "creatinine": (0.9, "xULN"),
    "pregnant": (False, None),
    "breastfeeding": (False, None),
    "active_infection": (False, None),
}
"""Screening values meeting every computable criterion of the sirolimus study."""

CRF_FORM = "baseline_history"
"""The sirolimus study's form, collected at the baseline visit."""

BASELINE_HISTORY = {
    "height": 170,
    "weight": 71,
    "pathology": "pdac",
    "ajcc_edition": "8",
    "t_stage": "T3",
    "n_stage": "N1",
    "m_stage": "M0",
    "prior_resection": False,
    "prior_lines": 2,
    "hypertension": False,
    "hypercholesterolaemia": False,
    "diabetes": False,
}
"""A complete baseline_history inside every expected range (no automatic query)."""

TESTS_APPS = Path(__file__).resolve().parent
SEED_STUDIES = TESTS_APPS.parents[1] / "studies"
FIXTURES = TESTS_APPS / "fixtures"

ANONYMOUS, NO_ROLE, OTHER_SITE = "anonymous", "no_role", "other_site"
"""The columns of the matrix that are not a role of the study."""

ROW_CHECKED_APPS = ("screening", "subjects", "visits", "crfs")
"""Apps whose every row is checksummed (the others: row counts)."""


@dataclass
class SiteObjects:
    """What a URL can point at, at one site."""

    screening: str
    """Screening number of a candidate in screening (complete, not yet confirmed)."""
    eligible: str
    """Screening number of a consented candidate whose eligibility is confirmed."""
    subject: str
    """Subject number of an enrolled subject with a calendar."""
    visit: int
    """Primary key of the subject's first treatment visit (past, not yet recorded)."""


@dataclass
class CrfObjects:
    """Case report form data of one site, in the sirolimus study."""

    subject: str
    """Subject number of an enrolled subject."""
    visit: int
    """Primary key of the subject's baseline visit, where the form below is collected."""
    form: int
    """Primary key of the subject's baseline_history form (complete, saved once)."""
    open_query: int
    """An open query on the form's weight (raised by the data manager)."""
    answered_query: int
    """A query on the form (raised by the monitor, answered by the coordinator)."""
    signature: int
    """The investigator's signature of the form."""
    lock: int
    """A lock in force on the subject's day-1 visit (no form there)."""


@dataclass
class Scenario:
    key: str
    people: dict[str, Any]
    """Column name → user (None for the anonymous column)."""
    sites: dict[str, SiteObjects] = field(default_factory=dict)
    crf_key: str = ""
    """The study with a case report form (sirolimus)."""
    crf_sites: dict[str, CrfObjects] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """Values the modules of `permission_rows` add for their URLs and bodies."""


def _screened(
    study: Any,
    site: Any,
    coordinator: Any,
    investigator: Any,
    initials: str,
    values: dict[str, Any] = COMPLETE,
) -> Any:
    candidate = screening.register_candidate(
        coordinator,
        study,
        site,
        initials=initials,
        full_name=f"Patient {initials}",
        date_of_birth=dt.date(1970, 5, 17),
        sex="male",
        screening_date=SCREENING_DATE,
    )
    screening.record_screening_values(coordinator, candidate, values)
    protocol = screening_selectors.candidate_protocol(candidate)
    answers = dict.fromkeys(screening.checklist_ids(protocol), True)
    screening.record_attestations(investigator, candidate, answers)
    return candidate


def _eligible(
    study: Any,
    site: Any,
    coordinator: Any,
    investigator: Any,
    initials: str,
    values: dict[str, Any] = COMPLETE,
) -> Any:
    candidate = _screened(study, site, coordinator, investigator, initials, values)
    screening.confirm_eligibility(investigator, candidate)
    screening.record_consent(
        coordinator, candidate, consented_at=CONSENTED_AT, obtained_by=coordinator
    )
    return candidate


def build_site(study: Any, site: Any, coordinator: Any, investigator: Any) -> SiteObjects:
    screened = _screened(study, site, coordinator, investigator, "SA")
    eligible = _eligible(study, site, coordinator, investigator, "EL")
    to_enroll = _eligible(study, site, coordinator, investigator, "EN")
    subject = subjects.enroll(coordinator, to_enroll, ENROLLMENT_DATE)
    subjects.record_anchor_event(coordinator, subject, "first_dose", FIRST_DOSE)
    visit = (
        Visit.objects.filter(subject=subject, visit_id="treatment_cycle", cancelled=False)
        .order_by("target_date")
        .first()
    )
    assert visit is not None
    assert visit.actual_date is None
    assert not visit.missed
    return SiteObjects(
        screening=screened.screening_number,
        eligible=eligible.screening_number,
        subject=subject.subject_number,
        visit=visit.pk,
    )


def build_crf_site(
    study: Any,
    site: Any,
    people: dict[str, Any],
    coordinator: Any,
    investigator: Any,
    password: str,
) -> CrfObjects:
    """An enrolled subject of the sirolimus study with baseline_history filled in, an
    open and an answered query on it, the investigator's signature of it, and a lock on
    the day-1 visit. `people` holds the study-wide data manager and monitor."""
    candidate = _eligible(study, site, coordinator, investigator, "CR", CRF_COMPLETE)
    subject = subjects.enroll(coordinator, candidate, ENROLLMENT_DATE)
    subjects.record_anchor_event(coordinator, subject, "first_dose", FIRST_DOSE)
    baseline = Visit.objects.get(subject=subject, visit_id="baseline", occurrence=1)
    day1 = Visit.objects.get(subject=subject, visit_id="day1", occurrence=1)
    saved = crfs.save_form(
        coordinator, subject, CRF_FORM, BASELINE_HISTORY, visit=baseline, expected_version=0
    )
    assert saved.raised_queries == [], saved.raised_queries
    form = saved.form_instance
    data_manager, monitor = people["data_manager"], people["monitor"]
    open_query = queries.raise_query(
        data_manager,
        subject,
        "Weight at baseline: please confirm.",
        form_instance=form,
        item_id="weight",
    )
    answered = queries.raise_query(
        monitor,
        subject,
        "Is the N stage from the pathology report?",
        form_instance=form,
        item_id="n_stage",
    )
    queries.answer(coordinator, answered, "Yes, pathology report of 2025-02-20.", 1)
    signature = signatures.sign(
        investigator,
        subject,
        "form",
        form_instance=form,
        password=password,
        meaning=signatures.DEFAULT_MEANINGS["form"],
    )
    lock = locks.lock(data_manager, study, "visit", visit=day1, reason="day 1 reviewed")
    return CrfObjects(
        subject=subject.subject_number,
        visit=baseline.pk,
        form=form.pk,
        open_query=open_query.pk,
        answered_query=answered.pk,
        signature=signature.pk,
        lock=lock.pk,
    )


def build(password_hash: str, password: str) -> Scenario:
    """The sarcoma trial at SH01 and BJ02 with the people of the matrix and, at each
    site, the objects of `build_site`. The study, sites and people are the ones the
    `sarcoma_study`, `study_sites`, `staff` and `other_site_staff` fixtures make (built
    here once for a whole module); the column without a role in the study is an
    investigator of another study at SH01. The sirolimus study runs at the same sites
    with the same people in the same roles, and the objects of `build_crf_site`.
    `password` is the one `password_hash` was made from (signatures need it)."""
    from django.contrib.auth import get_user_model

    from oncotrial.apps.accounts.services import add_site, add_study_site, grant_role
    from oncotrial.apps.studies.services import load_protocol_file
    from oncotrial.domain.permissions import Role

    users = get_user_model().objects

    study = load_protocol_file(SEED_STUDIES / "anlotinib-toripalimab-sarcoma.yaml").study
    crf_study = load_protocol_file(SEED_STUDIES / "sirolimus-pancreatic-cancer.yaml").study

    def person(username: str, role: Role, studies: tuple[Any, ...], site: Any) -> Any:
        user = users.create(username=username, password=password_hash)
        for one in studies:
            grant_role(None, user, one, role, site)
        return user

    sites = {}
    for code, name, prefix in [("SH01", "Shanghai", "01"), ("BJ02", "Beijing", "02")]:
        sites[code] = add_site(None, code=code, name=f"{name} Cancer Hospital")
        add_study_site(None, study, sites[code], prefix)
        add_study_site(None, crf_study, sites[code], prefix)
    site_roles = {Role.INVESTIGATOR, Role.COORDINATOR}
    people: dict[str, Any] = {
        role.value: person(
            f"sts_{role.value}",
            role,
            (study, crf_study),
            sites["SH01"] if role in site_roles else None,
        )
        for role in Role
    }
    bj02 = {
        role: person(f"bj02_{role.value}", role, (study, crf_study), sites["BJ02"])
        for role in (Role.INVESTIGATOR, Role.COORDINATOR)
    }
    other_study = load_protocol_file(FIXTURES / "demo_trial.yaml").study
    add_study_site(None, other_study, sites["SH01"], "01")
    people[NO_ROLE] = person("elsewhere", Role.INVESTIGATOR, (other_study,), sites["SH01"])
    people[OTHER_SITE] = bj02[Role.INVESTIGATOR]
    people[ANONYMOUS] = None

    scenario = Scenario(key=study.key, people=people)
    scenario.sites["SH01"] = build_site(
        study, sites["SH01"], people[Role.COORDINATOR.value], people[Role.INVESTIGATOR.value]
    )
    scenario.sites["BJ02"] = build_site(
        study, sites["BJ02"], bj02[Role.COORDINATOR], bj02[Role.INVESTIGATOR]
    )
    scenario.crf_key = crf_study.key
    for code, coordinator, investigator in [
        ("SH01", people[Role.COORDINATOR.value], people[Role.INVESTIGATOR.value]),
        ("BJ02", bj02[Role.COORDINATOR], bj02[Role.INVESTIGATOR]),
    ]:
        scenario.crf_sites[code] = build_crf_site(
            crf_study, sites[code], people, coordinator, investigator, password
        )
    return scenario


# --------------------------------------------------------------------------- fingerprint


def _models() -> list[Any]:
    """Every model of the project's apps (studies, accounts, audit, screening, subjects,
    visits and any app added later)."""
    configs = [c for c in apps.get_app_configs() if c.name.startswith("oncotrial.apps.")]
    return [m for config in configs for m in config.get_models()]


def fingerprint() -> dict[str, Any]:
    """Row counts of every model of the project's apps (the audit trail included), and a
    checksum of every row of the screening, subject and visit tables: candidates,
    subjects and visits with their versions and statuses, values, attestations,
    confirmations, consents, anchor events and allocation slots."""
    state: dict[str, Any] = {}
    for model in _models():
        manager = model._default_manager
        state[model._meta.label] = manager.count()
        if model._meta.app_label in ROW_CHECKED_APPS:
            names = [f.attname for f in model._meta.concrete_fields]
            rows = repr(list(manager.order_by("pk").values_list(*names)))
            state[f"{model._meta.label} rows"] = hashlib.sha256(rows.encode()).hexdigest()
    return state
