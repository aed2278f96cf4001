from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def protocol_file() -> Path:
    """A small complete protocol (radiotherapy + immunotherapy, three groups)."""
    return FIXTURES / "demo_trial.yaml"


@pytest.fixture
def edited_protocol(tmp_path: Path, protocol_file: Path):
    """Write a copy of the fixture protocol with text replaced; returns its path."""

    def edit(*replacements: tuple[str, str], name: str = "demo_trial.yaml") -> Path:
        text = protocol_file.read_text(encoding="utf-8")
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new)
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return edit


@pytest.fixture
def loaded_study(db, protocol_file: Path):
    from oncotrial.apps.studies.services import load_protocol_file

    return load_protocol_file(protocol_file).study


@pytest.fixture
def user(db, django_user_model):
    return django_user_model.objects.create_user(username="reader", password="a-long-pass-123")


# --------------------------------------------------------------------------- conduct
# Sites, people in each role and screened candidates, for the enrollment and visit tests.

SEED_STUDIES = Path(__file__).resolve().parents[2] / "studies"


@pytest.fixture
def conduct_admin(db, django_user_model):
    """The superuser who sets studies up (writes the set-up audit records)."""
    return django_user_model.objects.create_superuser(
        username="setup-admin", password="a-long-pass-123"
    )


@pytest.fixture
def conduct_study(db, conduct_admin):
    """Load a protocol (a file in studies/ by name, or a path) with sites S01 (prefix 01)
    and S02 (prefix 02); returns the Study."""
    from oncotrial.apps.accounts import services as account_services
    from oncotrial.apps.studies.services import load_protocol_file

    def load(name_or_path: str | Path):
        path = Path(name_or_path)
        if not path.is_absolute():
            path = SEED_STUDIES / path
        study = load_protocol_file(path).study
        for code, prefix in (("S01", "01"), ("S02", "02")):
            site = account_services.add_site(conduct_admin, code=code, name=f"Hospital {code}")
            account_services.add_study_site(conduct_admin, study, site, prefix)
        return study

    return load


@pytest.fixture
def conduct_member(db, django_user_model, conduct_admin):
    """Create a user holding `role` in `study` at site `site_code` (None: all sites)."""
    from oncotrial.apps.accounts import services as account_services
    from oncotrial.apps.accounts.models import Site
    from oncotrial.domain.permissions import Role

    def make(study, role: str | Role, site_code: str | None = "S01", username: str = ""):
        role = Role(role)
        username = username or f"{role.value}-{site_code or 'all'}-{study.key}"[:150]
        user, _ = django_user_model.objects.get_or_create(username=username)
        user.set_password("a-long-pass-123")
        user.save()
        site = Site.objects.get(code=site_code) if site_code else None
        account_services.grant_role(conduct_admin, user, study, role, site)
        return user

    return make


@pytest.fixture
def conduct_candidate(db, conduct_admin):
    """Create a screening candidate directly through the models: screening values, and
    (unless told otherwise) consent and an investigator's confirmation of eligibility."""
    import datetime as dt

    from django.utils import timezone

    from oncotrial.apps.accounts.models import Site
    from oncotrial.apps.screening.models import (
        Candidate,
        Consent,
        EligibilityConfirmation,
        ScreeningValue,
    )
    from oncotrial.apps.studies.selectors import current_version

    counter = iter(range(1, 10_000))

    def make(
        study,
        site_code: str = "S01",
        *,
        values: dict | None = None,
        consent: bool = True,
        confirmed: bool = True,
        screening_date: dt.date = dt.date(2024, 1, 2),
        number: str = "",
    ):
        version = current_version(study)
        now = timezone.now()
        candidate = Candidate.objects.create(
            study=study,
            site=Site.objects.get(code=site_code),
            screening_number=number or f"SCR-{site_code}-{next(counter):03d}",
            protocol_version=version,
            screening_date=screening_date,
            registered_at=now,
            registered_by=conduct_admin,
            status=Candidate.Status.ELIGIBLE if confirmed else Candidate.Status.SCREENING,
        )
        for variable, value in (values or {}).items():
            ScreeningValue.objects.create(
                candidate=candidate,
                variable=variable,
                value=value,
                recorded_at=now,
                recorded_by=conduct_admin,
            )
        if consent:
            Consent.objects.create(
                candidate=candidate,
                protocol_version=version,
                form_version=version.label,
                consented_at=now,
                obtained_by=conduct_admin,
                recorded_at=now,
            )
        if confirmed:
            EligibilityConfirmation.objects.create(
                candidate=candidate,
                confirmed_at=now,
                confirmed_by=conduct_admin,
                evaluation={"outcome": "eligible", "criteria": []},
            )
        return candidate

    return make


# --------------------------------------------------------------------------- conduct

STAFF_PASSWORD = "a-long-pass-123"


@pytest.fixture(scope="session")
def staff_password_hash() -> str:
    """The hash of STAFF_PASSWORD, computed once (hashing is slow on purpose)."""
    from django.contrib.auth.hashers import make_password

    return make_password(STAFF_PASSWORD)


@pytest.fixture
def sarcoma_study(db):
    """The anlotinib + toripalimab sarcoma trial, loaded from its seed protocol file."""
    from oncotrial.apps.studies.services import load_protocol_file

    return load_protocol_file(SEED_STUDIES / "anlotinib-toripalimab-sarcoma.yaml").study


@pytest.fixture
def study_sites(db, sarcoma_study):
    """Two sites taking part in the sarcoma trial: {"SH01": site, "BJ02": site}."""
    from oncotrial.apps.accounts.services import add_site, add_study_site

    sites = {}
    for code, name, prefix in [("SH01", "Shanghai", "01"), ("BJ02", "Beijing", "02")]:
        sites[code] = add_site(None, code=code, name=f"{name} Cancer Hospital")
        add_study_site(None, sarcoma_study, sites[code], prefix)
    return sites


@pytest.fixture
def staff(db, django_user_model, sarcoma_study, study_sites, staff_password_hash):
    """One user per role in the sarcoma trial, keyed by role value: site roles at SH01,
    study-wide roles (administrator, statistician, data manager, monitor) at every site.
    Every password is STAFF_PASSWORD."""
    from oncotrial.apps.accounts.services import grant_role
    from oncotrial.domain.permissions import Role

    site_roles = {Role.INVESTIGATOR, Role.COORDINATOR}
    people = {}
    for role in Role:
        person = django_user_model.objects.create(
            username=f"sts_{role.value}", password=staff_password_hash
        )
        site = study_sites["SH01"] if role in site_roles else None
        grant_role(None, person, sarcoma_study, role, site)
        people[role.value] = person
    return people


@pytest.fixture
def other_site_staff(db, django_user_model, sarcoma_study, study_sites, staff_password_hash):
    """An investigator and a coordinator of site BJ02 only: {"investigator": …, …}."""
    from oncotrial.apps.accounts.services import grant_role
    from oncotrial.domain.permissions import Role

    people = {}
    for role in (Role.INVESTIGATOR, Role.COORDINATOR):
        person = django_user_model.objects.create(
            username=f"bj02_{role.value}", password=staff_password_hash
        )
        grant_role(None, person, sarcoma_study, role, study_sites["BJ02"])
        people[role.value] = person
    return people


# --------------------------------------------------------------------------- data management
# A subject with a visit and a filled form, and people in every data-management role, for
# the query, signature and lock tests.


@pytest.fixture
def dm_world(
    conduct_study, conduct_admin, conduct_candidate, django_user_model, staff_password_hash
):
    """The sirolimus study with sites S01 and S02: an enrolled subject at each site (first
    dose recorded, calendar materialised), a partly filled baseline_history form at each
    subject's baseline visit (form, other_form), and users: investigator, coordinator
    (S01), data_manager, monitor and statistician (all sites), other_investigator (S02).
    Every password is "a-long-pass-123". `make_form(subject, visit, form_id, **items)`
    adds another form."""
    import datetime as dt
    from types import SimpleNamespace

    from django.utils import timezone

    from oncotrial.apps.accounts import services as account_services
    from oncotrial.apps.accounts.models import Site
    from oncotrial.apps.crfs.models import FormInstance, ItemValue
    from oncotrial.apps.subjects import services as subject_services
    from oncotrial.apps.visits.models import Visit
    from oncotrial.domain.permissions import Role

    study = conduct_study("sirolimus-pancreatic-cancer.yaml")

    def member(username, role, site_code):
        # the password hash is computed once per session: hashing is slow on purpose
        person = django_user_model.objects.create(
            username=username, password=staff_password_hash, first_name="", last_name=""
        )
        site = Site.objects.get(code=site_code) if site_code else None
        account_services.grant_role(conduct_admin, person, study, Role(role), site)
        return person

    people = {
        "investigator": member("dm-investigator", "investigator", "S01"),
        "coordinator": member("dm-coordinator", "coordinator", "S01"),
        "data_manager": member("dm-data-manager", "data_manager", None),
        "monitor": member("dm-monitor", "monitor", None),
        "statistician": member("dm-statistician", "statistician", None),
        "other_investigator": member("dm-investigator-s02", "investigator", "S02"),
    }
    other_coordinator = member("dm-coordinator-s02", "coordinator", "S02")
    subjects = []
    for site_code, coordinator in (("S01", people["coordinator"]), ("S02", other_coordinator)):
        subject = subject_services.enroll(
            coordinator, conduct_candidate(study, site_code), dt.date(2024, 1, 10)
        )
        subject_services.record_anchor_event(
            coordinator, subject, "first_dose", dt.date(2024, 1, 15)
        )
        subject.refresh_from_db()
        subjects.append(subject)

    def make_form(subject, visit, form_id="baseline_history", repeat_index=1, **items):
        now = timezone.now()
        form = FormInstance.objects.create(
            subject=subject,
            visit=visit,
            form_id=form_id,
            repeat_index=repeat_index,
            created_at=now,
            created_by=people["coordinator"],
            updated_at=now,
            updated_by=people["coordinator"],
        )
        for item_id, value in items.items():
            ItemValue.objects.create(
                form_instance=form,
                item_id=item_id,
                value=value,
                updated_at=now,
                updated_by=people["coordinator"],
            )
        return form

    subject, other_subject = subjects
    visit = Visit.objects.get(subject=subject, visit_id="baseline", occurrence=1)
    other_visit = Visit.objects.get(subject=other_subject, visit_id="baseline", occurrence=1)
    return SimpleNamespace(
        study=study,
        subject=subject,
        other_subject=other_subject,
        visit=visit,
        other_visit=other_visit,
        form=make_form(subject, visit, weight=71, height=170),
        other_form=make_form(other_subject, other_visit, weight=64, height=158),
        make_form=make_form,
        password="a-long-pass-123",
        **people,
    )


# --------------------------------------------------------------------------- CRF entry
# The sirolimus study with people in each role and enrolled subjects, for the data entry,
# casebook and their API tests.


@pytest.fixture
def crf_world(conduct_study, conduct_member, conduct_candidate):
    """The sirolimus study (sites S01, S02), users investigator, coordinator, monitor,
    data_manager (S01 or all sites) and other_coordinator (S02), a subject enrolled at
    each site with first dose on 2024-01-15 (subject / other_subject) and the S01
    subject's baseline visit (`visit`), where form `baseline_history` is collected.
    `subject_with_visits(n)` enrolls another S01 subject whose calendar is exactly n
    visits, alternating baseline (with its form) and tumour-marker visits."""
    import datetime as dt
    from types import SimpleNamespace

    from oncotrial.apps.subjects import services as subject_services
    from oncotrial.apps.visits.models import Visit

    study = conduct_study("sirolimus-pancreatic-cancer.yaml")
    people = {
        "investigator": conduct_member(study, "investigator", "S01"),
        "coordinator": conduct_member(study, "coordinator", "S01"),
        "monitor": conduct_member(study, "monitor", "S01"),
        "data_manager": conduct_member(study, "data_manager", None),
        "other_coordinator": conduct_member(
            study, "coordinator", "S02", username="crf-coordinator-S02"
        ),
    }

    def enroll(site_code: str = "S01"):
        coordinator = people["coordinator" if site_code == "S01" else "other_coordinator"]
        subject = subject_services.enroll(
            coordinator, conduct_candidate(study, site_code), dt.date(2024, 1, 10)
        )
        subject_services.record_anchor_event(
            coordinator, subject, "first_dose", dt.date(2024, 1, 15)
        )
        subject.refresh_from_db()
        return subject

    def subject_with_visits(count: int):
        subject = enroll("S01")
        Visit.objects.filter(subject=subject).delete()
        start = dt.date(2024, 1, 15)
        for index in range(count):
            day = 21 * index
            target = start + dt.timedelta(days=day)
            Visit.objects.create(
                subject=subject,
                visit_id="baseline" if index % 2 == 0 else "tumour_markers_q3w",
                occurrence=index + 1,
                label=f"Visit {index + 1}",
                anchor="first_dose",
                day=day,
                target_date=target,
                window_start=target - dt.timedelta(days=3),
                window_end=target + dt.timedelta(days=3),
            )
        return subject

    subject = enroll("S01")
    other_subject = enroll("S02")
    return SimpleNamespace(
        study=study,
        subject=subject,
        other_subject=other_subject,
        visit=Visit.objects.get(subject=subject, visit_id="baseline", occurrence=1),
        other_visit=Visit.objects.get(subject=other_subject, visit_id="baseline", occurrence=1),
        enroll=enroll,
        subject_with_visits=subject_with_visits,
        **people,
    )
