"""Demo data: sites, one user per role, and a simulated cohort per study with a few
examples on top (data management, an investigator's tumour assessment, serious adverse
events whose report clocks run, specimens).

Everything is created through the same services the web app uses, so the demo's
screening logs, calendars and audit trails are the real thing. The data are
deterministic for a given `today` and seed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from oncotrial.apps.accounts import services as accounts
from oncotrial.apps.crfs import locks, queries, signatures
from oncotrial.apps.crfs import services as crfs
from oncotrial.apps.crfs.models import FormInstance
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies.models import Study
from oncotrial.apps.studies.selectors import get_study
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.cli import demo_safety, demo_specimens, demo_tumour
from oncotrial.domain.permissions import Role

SITES = (
    ("SH01", "Shanghai General Hospital", "Shanghai", "China", "01"),
    ("BJ02", "China-Japan Friendship Hospital", "Beijing", "China", "02"),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    site_code: str | None
    """None: the role applies at every site of every study."""


DEMO_USERS = (
    DemoUser("admin", Role.STUDY_ADMIN, None),
    DemoUser("investigator", Role.INVESTIGATOR, "SH01"),
    DemoUser("coordinator", Role.COORDINATOR, "SH01"),
    DemoUser("investigator.bj", Role.INVESTIGATOR, "BJ02"),
    DemoUser("datamanager", Role.DATA_MANAGER, None),
    DemoUser("monitor", Role.MONITOR, None),
    DemoUser("statistician", Role.STATISTICIAN, None),
)

Progress = Callable[[str], None]


def ensure_sites_and_users(password: str, studies: Iterable[Study]) -> list[DemoUser]:
    """The demo sites in every study, and one user per role with `password`."""
    user_model = get_user_model()
    sites = {
        code: accounts.add_site(None, code=code, name=name, city=city, country=country)
        for code, name, city, country, _ in SITES
    }
    users = {}
    hashed = make_password(password)  # one password for every demo user: hashed once
    for demo_user in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=demo_user.username)
        user.password = hashed
        user.is_active = True
        user.save()
        users[demo_user.username] = user
    for study in studies:
        for code, _name, _city, _country, prefix in SITES:
            accounts.add_study_site(None, study, sites[code], prefix)
        for demo_user in DEMO_USERS:
            site = sites[demo_user.site_code] if demo_user.site_code else None
            accounts.grant_role(None, users[demo_user.username], study, demo_user.role, site)
    return list(DEMO_USERS)


def _manage_data(study: Study, users: dict[str, Any], password: str, progress: Progress) -> None:
    """Data management on the filled forms: a correction with its reason, a query answered
    and closed, one left open, a signed form and a locked visit."""
    filled = list(
        FormInstance.objects.filter(subject__study=study, subject__site__code="SH01")
        .select_related("subject", "visit")
        .order_by("subject__subject_number", "pk")
    )
    if not filled:
        return
    protocol = get_study(study.key).protocol
    first = filled[0]
    form = {f.id: f for f in protocol.forms}[first.form_id]
    numeric = next((f for f in form.fields if f.type in ("integer", "decimal")), None)
    if numeric is not None:
        current = first.items.get(item_id=numeric.id).value
        corrected = (current or 0) + 1
        crfs.save_form(
            users["coordinator"],
            first.subject,
            first.form_id,
            {numeric.id: corrected},
            visit=first.visit,
            expected_version=first.version,
            reason="Transcription error corrected against the source document",
            partial=True,
        )
    item = form.fields[0].id
    answered = queries.raise_query(
        users["monitor"],
        first.subject,
        f"Please confirm {form.fields[0].label.lower()} against the source document.",
        form_instance=first,
        item_id=item,
    )
    answered = queries.answer(
        users["coordinator"], answered, "Checked against the clinic notes: correct.", 1
    )
    queries.close(users["datamanager"], answered, "Resolved.", answered.version)
    last = filled[-1]
    last_field = {f.id: f for f in protocol.forms}[last.form_id].fields[0]
    queries.raise_query(
        users["monitor"],
        last.subject,
        f"{last_field.label} differs from the clinic notes; please check.",
        form_instance=last,
        item_id=last_field.id,
    )
    first.refresh_from_db()
    signatures.sign(
        users["investigator"],
        first.subject,
        "form",
        form_instance=first,
        password=password,
        meaning=signatures.DEFAULT_MEANINGS["form"],
    )
    locked_visit = (
        Visit.objects.filter(subject=first.subject, actual_date__isnull=False)
        .order_by("target_date")
        .first()
    )
    if locked_visit is not None:
        locks.lock(
            users["datamanager"],
            study,
            "visit",
            subject=first.subject,
            visit=locked_visit,
            reason="Visit monitored and source-verified",
        )
    progress(f"{study.key}: a correction, queries, a signature and a locked visit")


def simulate_study(
    study: Study,
    today: dt.date,
    progress: Progress,
    password: str = "",
    *,
    subjects: int | None = None,
    seed: str = "demo",
) -> int:
    """The demo cohort of `study`: a simulated cohort of the protocol's target size
    (`subjects` when given), then an investigator's tumour assessment beside the computed
    one, the data-management examples, serious adverse events whose report clocks run,
    and specimens. Returns the number of candidates created (0
    when the study already has candidates)."""
    from oncotrial.apps import simulation

    if Candidate.objects.filter(study=study).exists():
        progress(f"{study.key}: already has data, left as it is")
        return 0
    protocol = get_study(study.key).protocol
    size = subjects or (protocol.sample_size.target if protocol.sample_size else 30)
    started = time.perf_counter()
    marks = {max(1, round(size * f)) for f in (0.25, 0.5, 0.75)}

    def step(_count: int, tally: simulation.Tally) -> None:
        if tally.enrolled in marks and tally.enrolled not in shown:
            shown.add(tally.enrolled)
            progress(f"{study.key}: {tally.enrolled}/{size} enrolled")

    shown: set[int] = set()
    tally = simulation.simulate(study, subjects=size, seed=seed, as_of=today, progress=step)
    progress(
        f"{study.key}: {tally.enrolled} enrolled, {tally.screen_failed} screen failures, "
        f"{tally.in_screening} in screening; {tally.visits} visits, {tally.assessments} tumour "
        f"assessments, {tally.lab_results} lab results, {tally.adverse_events} adverse events "
        f"({tally.serious} serious), {tally.deaths} deaths "
        f"({time.perf_counter() - started:.1f} s)"
    )
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    overridden = demo_tumour.investigator_assessment(users, study)
    if overridden is not None:
        progress(
            f"{study.key}: the investigator reads {overridden.computed_response} as "
            f"{overridden.investigator_response} ({overridden.subject.subject_number}, "
            f"{overridden.assessment_date})"
        )
    if password:
        _manage_data(study, users, password, progress)
    alive = list(
        Subject.objects.filter(
            study=study,
            site__code="SH01",
            status__in=[Subject.Status.ON_TREATMENT, Subject.Status.FOLLOW_UP],
        )
        .select_related("site", "study", "candidate")
        .order_by("-enrollment_date")
    )
    now = timezone.now()
    saes = demo_safety.sae_clocks(users, alive, now)
    progress(f"{study.key}: {saes} serious adverse events with report clocks running")
    demo_specimens.populate(study, users, today, progress)
    return tally.candidates
