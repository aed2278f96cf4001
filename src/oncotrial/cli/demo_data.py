"""Demo data: sites, one user per role, and a screened and enrolled cohort per study.

Everything is created through the same services the web app uses, so the demo's
screening logs, calendars and audit trails are the real thing. The data are
deterministic for a given `today`.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from oncotrial.apps.accounts import services as accounts
from oncotrial.apps.accounts.models import Site
from oncotrial.apps.crfs import locks, queries, signatures
from oncotrial.apps.crfs import services as crfs
from oncotrial.apps.crfs.models import FormInstance
from oncotrial.apps.screening import services as screening
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies.models import Study
from oncotrial.apps.studies.selectors import get_study
from oncotrial.apps.subjects import services as subjects
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits import services as visits
from oncotrial.apps.visits.models import Visit
from oncotrial.cli import (
    demo_followup,
    demo_labs,
    demo_safety,
    demo_specimens,
    demo_treatment,
    demo_tumour,
)
from oncotrial.domain.eligibility import (
    Measurement,
    ScreeningField,
    evaluate_eligibility,
    screening_fields,
)
from oncotrial.domain.permissions import Role
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.forms import FormField
from oncotrial.domain.protocol.rules import AllOf, AnyOf, Condition, Rule
from oncotrial.domain.units import convert

CLINICAL_DATA = (
    demo_treatment,
    demo_tumour,
    demo_labs,
    demo_safety,
    demo_specimens,
    demo_followup,
)
"""The demo modules of the clinical tables, in the order they add data: treatment
before the data timed from it, follow-up (deaths, withdrawals) last."""

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

# Values of an unremarkable candidate; the solver below adjusts them to each protocol.
TYPICAL_VALUES: dict[str, object] = {
    "ecog": 1,
    "karnofsky": 80,
    "life_expectancy": 8,
    "measurable_disease": True,
    "histological_diagnosis": True,
    "anc": 2.4,
    "wbc": 5.6,
    "platelets": 190,
    "hemoglobin": 11.8,
    "bilirubin": 0.8,
    "ast": 1.1,
    "alt": 1.0,
    "alkaline_phosphatase": 1.2,
    "albumin": 38,
    "creatinine": 0.9,
    "creatinine_clearance": 82,
    "inr": 1.0,
    "aptt": 1.0,
    "lvef": 60,
    "qtc": 420,
    "ca19_9": 640,
    "brain_metastases": "none",
    "pregnant": False,
    "breastfeeding": False,
    "childbearing_potential": False,
    "pregnancy_test_negative": True,
    "contraception_agreed": True,
    "informed_consent": True,
    "prior_systemic_lines": 1,
    "active_infection": False,
    "other_malignancy_5y": False,
    "worst_unresolved_toxicity_grade": 1,
    "days_since_last_anticancer_therapy": 45,
    "days_since_major_surgery": 90,
    "days_since_radiotherapy": 120,
    "days_since_last_trial_drug": 60,
}

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


def populate_study(study: Study, today: dt.date, progress: Progress, password: str = "") -> int:
    """A small cohort at each site: enrolled subjects with visits, a screen failure and a
    candidate still in screening. Returns the number of candidates created (0 when the
    study already has candidates)."""
    if Candidate.objects.filter(study=study).exists():
        return 0
    protocol = get_study(study.key).protocol
    rng = random.Random(f"demo:{study.key}")
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    created = 0
    for code, *_ in SITES:
        site = Site.objects.get(code=code)
        investigator = users["investigator" if code == "SH01" else "investigator.bj"]
        plan = ["enrolled"] * 4 + ["screen_failure", "in_screening"]
        for index, outcome in enumerate(plan):
            screened_on = today - dt.timedelta(days=200 - 30 * index - rng.randint(0, 9))
            _candidate(study, protocol, site, investigator, outcome, screened_on, index, rng, today)
            created += 1
    progress(f"{study.key}: {created} candidates screened at {len(SITES)} sites")
    if password:
        _manage_data(study, users, password, progress)
    for clinical in CLINICAL_DATA:
        clinical.populate(study, users, today, progress)
    return created


@transaction.atomic
def _candidate(
    study: Study,
    protocol: Protocol,
    site: Site,
    investigator: Any,
    outcome: str,
    screened_on: dt.date,
    index: int,
    rng: random.Random,
    today: dt.date,
) -> None:
    age = rng.randint(42, 66)
    sex = (
        protocol.eligibility.sex
        if protocol.eligibility.sex != "all"
        else rng.choice(["female", "male"])
    )
    born = screened_on.replace(year=screened_on.year - age) - dt.timedelta(days=rng.randint(1, 300))
    if outcome == "screen_failure" and protocol.eligibility.max_age_years:
        born = born.replace(year=born.year - (int(protocol.eligibility.max_age_years) - age + 4))
    candidate = screening.register_candidate(
        investigator,
        study,
        site,
        initials=f"{chr(65 + rng.randint(0, 25))}{chr(65 + rng.randint(0, 25))}",
        date_of_birth=born,
        sex=sex,
        screening_date=screened_on,
    )
    values = eligible_values(protocol, {"age": _age(born, screened_on), "sex": sex}, index)
    if outcome == "screen_failure" and not protocol.eligibility.max_age_years:
        values.update(failing_values(protocol, values))
    if outcome == "in_screening":
        values = dict(list(values.items())[: len(values) // 2])
    fields = {f.id: f for f in screening_fields(protocol)}
    screening.record_screening_values(
        investigator,
        candidate,
        {
            k: (v, fields[k].unit)
            for k, v in values.items()
            if k in fields and k not in ("age", "sex")
        },
    )
    if outcome == "in_screening":
        return
    checklist = screening.checklist_ids(protocol)
    if checklist:
        screening.record_attestations(investigator, candidate, dict.fromkeys(checklist, True))
    candidate.refresh_from_db()
    if outcome == "screen_failure":
        return
    screening.confirm_eligibility(investigator, candidate)
    consented = timezone.make_aware(
        dt.datetime.combine(screened_on + dt.timedelta(days=1), dt.time(9, 30)), dt.UTC
    )
    screening.record_consent(
        investigator, candidate, consented_at=consented, obtained_by=investigator
    )
    arms = [a.id for a in protocol.design.arms]
    needs_arm = (
        len(arms) > 1
        and protocol.design.randomization is None
        and not any(a.assignment_rule for a in protocol.design.arms)
    )
    subject = subjects.enroll(
        investigator,
        candidate,
        screened_on + dt.timedelta(days=3),
        arm_id=arms[index % len(arms)] if needs_arm else None,
    )
    _start_treatment(investigator, subject, protocol, screened_on + dt.timedelta(days=7), today)
    _record_visits(investigator, subject, today, rng)
    _fill_forms(investigator, subject, protocol)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _start_treatment(
    user: Any, subject: Subject, protocol: Protocol, start: dt.date, today: dt.date
) -> None:
    """Record the first event the subject's visits are timed from (first dose, treatment
    start), choosing a regimen where the protocol leaves one open."""
    timed = [a for a in protocol.schedule.anchors if not a.event_triggered]
    if not timed or start > today:
        return
    regimens = subjects.regimen_choices(protocol, subject.arm_id)
    subjects.record_anchor_event(
        user, subject, timed[0].id, start, regimen=next(iter(regimens), "")
    )


def _record_visits(user: Any, subject: Subject, today: dt.date, rng: random.Random) -> None:
    """Visits whose window has closed are done (now and then a few days off target) or,
    once in a while, missed; the recent ones stay due for the worklist."""
    for visit in Visit.objects.filter(subject=subject, cancelled=False).order_by("target_date"):
        if visit.window_end >= today - dt.timedelta(days=3):
            break
        if rng.random() < 0.08:
            visits.mark_missed(user, visit, "Patient could not attend", visit.version)
            continue
        shift = rng.choice([0, 0, 0, 1, -1, 2])
        actual = min(
            max(visit.target_date + dt.timedelta(days=shift), subject.enrollment_date), today
        )
        visits.record_visit(user, visit, actual, visit.version)


def _fill_forms(user: Any, subject: Subject, protocol: Protocol) -> None:
    """Fill the study-specific forms of every visit that took place."""
    forms = {f.id: f for f in protocol.forms}
    visit_forms = {v.id: v.forms for v in protocol.schedule.visits}
    done = Visit.objects.filter(subject=subject, actual_date__isnull=False).order_by("target_date")
    for visit in done:
        for form_id in visit_forms.get(visit.visit_id, []):
            form = forms[form_id]
            values = {f.id: _plausible(f, visit.actual_date) for f in form.fields}
            try:
                crfs.save_form(user, subject, form_id, values, visit=visit, expected_version=0)
            except crfs.CrfError as exc:
                kept = {k: v for k, v in values.items() if k not in exc.message_dict}
                crfs.save_form(
                    user, subject, form_id, kept, visit=visit, expected_version=0, partial=True
                )


def _plausible(field: FormField, on: dt.date | None) -> object:
    if field.type in ("integer", "decimal"):
        low = field.expected_min if field.expected_min is not None else field.min
        high = field.expected_max if field.expected_max is not None else field.max
        middle = ((low or 0) + (high if high is not None else (low or 0) + 10)) / 2
        return round(middle) if field.type == "integer" else round(middle, 1)
    if field.type == "choice":
        return field.choices[0].code
    if field.type == "multichoice":
        return [field.choices[0].code]
    if field.type == "boolean":
        return False
    if field.type == "date":
        return (on or dt.date.today()).isoformat()
    if field.type == "datetime":
        return f"{(on or dt.date.today()).isoformat()}T09:00:00+00:00"
    return "Recorded at the visit."


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
    progress(f"{study.key}: forms filled, a correction, queries, a signature and a locked visit")


def eligible_values(protocol: Protocol, given: dict[str, object], index: int) -> dict[str, object]:
    """Screening values that meet every computable criterion of `protocol` (the
    checklist aside), starting from typical values and setting, for each criterion that
    fails, every condition of its rule the way that makes the criterion pass. `index`
    alternates the values that assign observational cohorts, so every cohort gets some."""
    fields = {f.id: f for f in screening_fields(protocol)}
    values: dict[str, object] = {**given}
    for field in fields.values():
        values.setdefault(field.id, TYPICAL_VALUES.get(field.id, _neutral(field)))
        if field.type == "boolean" and any(u.startswith("arm:") for u in field.used_by):
            values[field.id] = index % 2 == 0
    criteria = {c.id: c for c in [*protocol.eligibility.inclusion, *protocol.eligibility.exclusion]}
    inclusion = {c.id for c in protocol.eligibility.inclusion}
    for criterion_id in _failing(protocol, values):
        rule = criteria[criterion_id].rule if criterion_id in criteria else None
        if rule is None:
            continue
        for condition, wanted in _wanted_truths(rule, criterion_id in inclusion):
            field = fields.get(condition.field)
            if field is None or field.id in given:
                continue
            value = _value_making(condition, wanted, field)
            if value is not None:
                values[field.id] = value
    return values


def failing_values(protocol: Protocol, values: dict[str, object]) -> dict[str, object]:
    """A change to `values` that makes the first computable inclusion criterion fail."""
    fields = {f.id: f for f in screening_fields(protocol)}
    for criterion in protocol.eligibility.inclusion:
        if criterion.rule is None:
            continue
        for condition, wanted in _wanted_truths(criterion.rule, False):
            field = fields.get(condition.field)
            value = _value_making(condition, wanted, field) if field else None
            if value is not None and _failing(protocol, {**values, condition.field: value}):
                return {condition.field: value}
    return {}


def _wanted_truths(rule: Rule, wanted: bool) -> list[tuple[Condition, bool]]:
    """Each condition with the truth value that makes `rule` come out as `wanted`
    (setting every condition so is enough, since all/any are monotone)."""
    if isinstance(rule, Condition):
        return [(rule, wanted)]
    if isinstance(rule, AllOf):
        return [p for r in rule.all for p in _wanted_truths(r, wanted)]
    if isinstance(rule, AnyOf):
        return [p for r in rule.any for p in _wanted_truths(r, wanted)]
    return _wanted_truths(rule.not_, not wanted)


_NEGATED = {
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "==": "!=",
    "!=": "==",
    "in": "not_in",
    "not_in": "in",
    "between": "outside",
}


def _value_making(condition: Condition, wanted: bool, field: ScreeningField) -> object | None:
    op = condition.op if wanted else _NEGATED[condition.op]
    raw = condition.value
    if field.type == "boolean":
        target = raw[0] if isinstance(raw, list) else raw
        return bool(target) if op in ("==", "in") else not bool(target)
    if field.type == "choice":
        listed = [str(v) for v in (raw if isinstance(raw, list) else [raw])]
        if op in ("==", "in"):
            return listed[0]
        return next((c for c in field.choices if c not in listed), None)
    if field.type not in ("number", "integer"):
        return None
    numbers = [
        float(v)
        for v in (raw if isinstance(raw, list) else [raw])
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    if not numbers:
        return None
    if condition.unit and field.unit:
        try:
            numbers = [convert(n, condition.unit, field.unit) for n in numbers]
        except ValueError:
            return None
    step = 1.0 if field.type == "integer" else max(abs(numbers[0]) * 0.1, 0.1)
    chosen = {
        ">=": numbers[0] + step,
        ">": numbers[0] + step,
        "<=": numbers[0] - step if numbers[0] - step >= 0 else numbers[0],
        "<": numbers[0] - step,
        "==": numbers[0],
        "!=": numbers[0] + step,
        "in": numbers[0],
        "not_in": max(numbers) + step,
        "between": sum(numbers[:2]) / 2,
        "outside": max(numbers) + step,
    }[op]
    if field.minimum is not None:
        chosen = max(chosen, field.minimum)
    if field.maximum is not None:
        chosen = min(chosen, field.maximum)
    return round(chosen) if field.type == "integer" else round(chosen, 2)


def _measurements(protocol: Protocol, values: dict[str, object]) -> dict[str, Measurement]:
    units = {f.id: f.unit for f in screening_fields(protocol)}
    return {k: Measurement(v, units.get(k)) for k, v in values.items()}  # type: ignore[arg-type]


def _failing(protocol: Protocol, values: dict[str, object]) -> list[str]:
    result = evaluate_eligibility(protocol, _measurements(protocol, values))
    return [c.id for c in result.criteria if c.computable and c.eligible_for_criterion is not True]


def _neutral(field: ScreeningField) -> object:
    if field.type == "boolean":
        return False
    if field.type == "choice":
        return field.choices[0] if field.choices else ""
    if field.type in ("number", "integer"):
        return field.minimum if field.minimum is not None else 0
    return ""


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
    (`subjects` when given), then the data-management examples, serious adverse events
    whose report clocks run, and specimens. Returns the number of candidates created (0
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


def write_study_report(study: Study, root: Path) -> Path | None:
    """The study report (HTML, figures, derived endpoints as CSV) in `root`/<key>/."""
    from oncotrial.apps.reports.files import write_report
    from oncotrial.apps.reports.study_report import build_full_report

    built = build_full_report(get_study(study.key))
    written = write_report(built, root / study.key, pdf=False)
    return written.html
