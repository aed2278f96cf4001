"""Turn simulated candidates into the records the web app would hold, through the same
services: screening, consent, enrolment, the calendar, treatment, visits, forms, tumour
assessments (responses computed by the RECIST/iRECIST engine), labs, adverse events,
follow-up, deaths, withdrawals and losses. One candidate per transaction."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from oncotrial.apps import request_cache
from oncotrial.apps.accounts.models import Site
from oncotrial.apps.crfs import services as crfs
from oncotrial.apps.followup import selectors as followup_selectors
from oncotrial.apps.followup import services as followup
from oncotrial.apps.labs import services as lab_services
from oncotrial.apps.safety import catalogue
from oncotrial.apps.safety import services as safety
from oncotrial.apps.screening import services as screening
from oncotrial.apps.simulation import treatment
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects import services as subjects
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.tumour import services as tumour
from oncotrial.apps.tumour.series import AssessmentEntry, LesionEntry, NewLesionEntry
from oncotrial.apps.visits import services as visits
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import labs
from oncotrial.domain.eligibility import screening_fields
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.forms import FormField
from oncotrial.domain.simulate import SimulatedCandidate
from oncotrial.domain.simulate.screening import eligible_values
from oncotrial.domain.simulate.visits import visit_day_offset


@dataclass(frozen=True)
class Staff:
    """Who does what at one site: the investigator screens, enrols, treats and reports
    adverse events; the coordinator enters visits, labs and imaging."""

    site: Site
    investigator: Any
    coordinator: Any


@dataclass
class Tally:
    candidates: int = 0
    enrolled: int = 0
    screen_failed: int = 0
    in_screening: int = 0
    deaths: int = 0
    progressions: int = 0
    withdrawn: int = 0
    lost: int = 0
    visits: int = 0
    missed: int = 0
    assessments: int = 0
    lab_results: int = 0
    adverse_events: int = 0
    serious: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Context:
    study: Study
    protocol: Protocol
    staff: list[Staff]
    as_of: dt.date
    tally: Tally
    terms: dict[str, str] = field(default_factory=dict)


def _day(start: dt.date, days: float) -> dt.date:
    return start + dt.timedelta(days=int(days))


def run(
    study: Study,
    protocol: Protocol,
    candidates: Iterable[SimulatedCandidate],
    staff: list[Staff],
    as_of: dt.date,
    progress: Callable[[int, Tally], None] | None = None,
) -> Tally:
    """Create every candidate of `candidates`, each in its own transaction."""
    context = Context(study, protocol, staff, as_of, Tally())
    version = protocol.safety.ctcae_version if protocol.safety else "5.0"
    for term in catalogue_terms():
        found = catalogue.find_term(version, term)
        if found is not None:
            context.terms[term] = found.term
    with _statements_not_logged():
        for candidate in candidates:
            with transaction.atomic(), request_cache.remembering():
                create_candidate(context, candidate)
            if progress is not None:
                progress(candidate.index + 1, context.tally)
    return context.tally


@contextmanager
def _statements_not_logged() -> Iterator[None]:
    """With DEBUG on (the local demo), Django formats and keeps every SQL statement for
    the debug pages; a cohort makes hundreds of thousands, none of which anyone reads."""
    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        yield
    finally:
        settings.DEBUG = debug


def catalogue_terms() -> list[str]:
    from oncotrial.domain.simulate.safety import SERIOUS_TERMS, TERMS

    return [*TERMS, *SERIOUS_TERMS]


def create_candidate(context: Context, planned: SimulatedCandidate) -> Subject | None:
    protocol = context.protocol
    staff = context.staff[planned.site % len(context.staff)]
    tally = context.tally
    tally.candidates += 1
    rng = planned.rng("screening")
    age = planned.age
    change: dict[str, object] = dict(planned.failure[1]) if planned.failure else {}
    if "age" in change:
        age = int(change.pop("age"))  # type: ignore[call-overload]
    born = planned.screened_on.replace(year=planned.screened_on.year - age) - dt.timedelta(
        days=rng.randint(1, 300)
    )
    candidate = screening.register_candidate(
        staff.investigator,
        context.study,
        staff.site,
        initials=planned.initials,
        date_of_birth=born,
        sex=planned.sex,
        screening_date=planned.screened_on,
    )
    age_now = _age(born, planned.screened_on)
    values = eligible_values(protocol, {"age": age_now, "sex": planned.sex}, planned.index)
    values.update(change)
    if planned.outcome == "in_screening":
        values = dict(list(values.items())[: len(values) // 2])
    fields = {f.id: f for f in screening_fields(protocol)}
    screening.record_screening_values(
        staff.investigator,
        candidate,
        {
            k: (v, fields[k].unit)
            for k, v in values.items()
            if k in fields and k not in ("age", "sex")
        },
    )
    if planned.outcome == "in_screening":
        tally.in_screening += 1
        return None
    checklist = screening.checklist_ids(protocol)
    if checklist:
        screening.record_attestations(staff.investigator, candidate, dict.fromkeys(checklist, True))
    candidate.refresh_from_db()
    if planned.outcome == "screen_failed":
        tally.screen_failed += 1
        reason = planned.failure[0] if planned.failure else "other"
        tally.failures[reason] = tally.failures.get(reason, 0) + 1
        if candidate.status != "screen_failed":
            screening.record_screen_failure(
                staff.investigator, candidate, f"Criterion {reason} not met"
            )
        return None
    return _enrol(context, planned, staff, candidate)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _enrol(context: Context, planned: SimulatedCandidate, staff: Staff, candidate: Any) -> Subject:
    protocol, tally = context.protocol, context.tally
    assert planned.enrolled_on
    assert planned.start_on
    assert planned.course
    investigator = staff.investigator
    screening.confirm_eligibility(investigator, candidate)
    screening.record_consent(
        investigator,
        candidate,
        consented_at=dt.datetime.combine(
            planned.enrolled_on - dt.timedelta(days=1), dt.time(9, 30), tzinfo=dt.UTC
        ),
        obtained_by=investigator,
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
        planned.enrolled_on,
        arm_id=arms[planned.arm] if needs_arm else None,
    )
    tally.enrolled += 1
    course = planned.course
    start = planned.start_on
    cut = context.as_of
    if start > cut:
        return subject
    timed = [a for a in protocol.schedule.anchors if not a.event_triggered]
    if timed:
        regimens = subjects.regimen_choices(protocol, subject.arm_id)
        subjects.record_anchor_event(
            investigator, subject, timed[0].id, start, regimen=next(iter(regimens), "")
        )
        subject.refresh_from_db()
    death = _day(start, course.death_day)
    progression = (
        _day(start, course.progression_day) if course.progression_day is not None else None
    )
    dropout = _day(start, course.dropout_day) if course.dropout_day is not None else None
    end_day, end_reason = course.end_of_treatment()
    treatment_end = _day(start, end_day)
    # the day the subject leaves the study (death, withdrawal, loss), or the data cut
    leaves = min(d for d in (death, dropout, cut) if d is not None)
    rng = planned.rng("treatment")

    # treatment up to its end (or the data cut)
    given_until = min(treatment_end, cut)
    last_dose = treatment.give_fractions(investigator, subject, protocol, start, given_until)
    operated = None
    if "surgery" in {a.id for a in protocol.schedule.anchors}:
        cycles, last = treatment.give_cycles(
            investigator,
            subject,
            protocol,
            start,
            given_until,
            rng,
            max_cycles=treatment.CYCLES_BEFORE_SURGERY,
        )
        if cycles == treatment.CYCLES_BEFORE_SURGERY and last and rng.random() < 0.6:
            when = last + dt.timedelta(days=28)
            if when < min(given_until, leaves):
                treatment.operate(investigator, subject, when, rng)
                operated = when
    else:
        _cycles, last = treatment.give_cycles(
            investigator, subject, protocol, start, given_until, rng
        )
    last_dose = max(d for d in (last_dose, last, start) if d is not None)
    if progression is not None and progression <= cut and progression < leaves:
        tally.progressions += 1
        if "progression" in subjects.anchor_choices(protocol):
            subjects.record_anchor_event(investigator, subject, "progression", progression)
        if operated is not None and progression > operated:
            followup.record_recurrence(
                investigator,
                subject,
                {
                    "date": progression,
                    "site": "distant",
                    "diagnosed_by": "imaging",
                    "notes": "New liver lesions on contrast CT; CA19-9 rising.",
                },
            )
    ended = treatment_end <= cut and end_reason not in (
        "death",
        "lost_to_follow_up",
        "consent_withdrawn",
    )
    if ended:
        reason = {"progression": "progression", "toxicity": "toxicity"}[end_reason]
        treatment.services.record_end_of_treatment(
            investigator,
            subject,
            {"date": treatment_end, "primary_reason": reason, "last_dose_date": last_dose},
        )
    subject.refresh_from_db()

    # visits, and what was done at them
    attended = _visits(context, subject, planned, leaves)
    _forms(context, subject, attended)
    _tumour(context, subject, planned, staff, attended, start, leaves)
    _labs(context, subject, planned, staff, attended, start)
    _adverse_events(context, subject, planned, staff, start, min(leaves, cut))
    if ended:
        _contacts(context, subject, staff, treatment_end, leaves)

    # how the subject leaves
    if death <= cut and (dropout is None or death <= dropout):
        alive = followup_selectors.last_known_alive(subject).date
        followup.record_death(
            investigator,
            subject,
            {
                "date": max(death, alive),
                "cause": "disease_progression" if progression else "unknown",
            },
        )
        tally.deaths += 1
    elif dropout is not None and dropout <= cut and course.dropout:
        alive = followup_selectors.last_known_alive(subject).date
        date = max(dropout, alive)
        if not ended:
            treatment.services.record_end_of_treatment(
                investigator,
                subject,
                {"date": date, "primary_reason": course.dropout, "last_dose_date": last_dose},
            )
        followup.record_withdrawal(
            investigator,
            subject,
            {
                "date": date,
                "kind": course.dropout,
                "withdrawal_reason": "Wishes to be treated closer to home"
                if course.dropout == "consent_withdrawn"
                else "",
                "last_dose_date": last_dose,
                "survival_follow_up": course.dropout == "consent_withdrawn",
            },
        )
        if course.dropout == "lost_to_follow_up":
            tally.lost += 1
        else:
            tally.withdrawn += 1
    return subject


def _visits(
    context: Context, subject: Subject, planned: SimulatedCandidate, leaves: dt.date
) -> list[Visit]:
    """Visits whose window closed before the subject left (or the data cut) take place,
    mostly on time, a few out of window; some are missed."""
    rng = planned.rng("visits")
    user = context.staff[planned.site % len(context.staff)].coordinator
    done: list[Visit] = []
    last_date = subject.enrollment_date
    # recording visits plans the calendar further: take the next planned ones until none
    # is left that could have taken place
    while pending := _unrecorded_visits(subject):
        for visit in pending:
            if visit.window_end >= min(leaves, context.as_of - dt.timedelta(days=3)):
                return done
            if visit.target_date >= leaves:
                return done
            offset = visit_day_offset(
                rng,
                (visit.target_date - visit.window_start).days,
                (visit.window_end - visit.target_date).days,
            )
            if offset is None:
                visits.mark_missed(user, visit, "Patient could not attend", visit.version)
                context.tally.missed += 1
                continue
            actual = visit.target_date + dt.timedelta(days=offset)
            actual = min(max(actual, subject.enrollment_date, last_date), leaves, context.as_of)
            done.append(visits.record_visit(user, visit, actual, visit.version))
            last_date = actual
            context.tally.visits += 1
    return done


def _unrecorded_visits(subject: Subject) -> list[Visit]:
    return list(
        Visit.objects.filter(
            subject=subject, cancelled=False, actual_date__isnull=True, missed=False
        ).order_by("target_date", "visit_id", "occurrence")
    )


def _forms(context: Context, subject: Subject, attended: list[Visit]) -> None:
    forms = {f.id: f for f in context.protocol.forms}
    visit_forms = {v.id: v.forms for v in context.protocol.schedule.visits}
    user = context.staff[0].investigator if subject.site == context.staff[0].site else None
    user = user or next(s.investigator for s in context.staff if s.site.pk == subject.site_id)
    for visit in attended:
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


def _plausible(item: FormField, on: dt.date | None) -> object:
    if item.type in ("integer", "decimal"):
        low = item.expected_min if item.expected_min is not None else item.min
        high = item.expected_max if item.expected_max is not None else item.max
        middle = ((low or 0) + (high if high is not None else (low or 0) + 10)) / 2
        return round(middle) if item.type == "integer" else round(middle, 1)
    if item.type == "choice":
        return item.choices[0].code
    if item.type == "multichoice":
        return [item.choices[0].code]
    if item.type == "boolean":
        return False
    if item.type == "date":
        return (on or dt.date.today()).isoformat()
    if item.type == "datetime":
        return f"{(on or dt.date.today()).isoformat()}T09:00:00+00:00"
    return "Recorded at the visit."


def _tumour(
    context: Context,
    subject: Subject,
    planned: SimulatedCandidate,
    staff: Staff,
    attended: list[Visit],
    start: dt.date,
    leaves: dt.date,
) -> None:
    """Baseline lesions a few days before treatment, then a scan at each imaging visit
    that took place; RECIST stops imaging at progression, iRECIST after its
    confirmation (or after one more scan)."""
    response = context.protocol.tumour_response
    if response is None or planned.course is None:
        return
    course = planned.course.tumour
    rng = planned.rng("tumour")
    imaging = {
        v.id for v in context.protocol.schedule.visits if response.assessment in v.assessments
    }
    baseline = start - dt.timedelta(days=rng.randint(3, 12))
    baseline = max(baseline, subject.enrollment_date - dt.timedelta(days=20))
    user = staff.coordinator
    baseline_lesions = []
    for lesion in course.lesions:
        values: dict[str, Any] = {
            "code": lesion.code,
            "kind": lesion.kind,
            "organ": lesion.organ,
            "location": lesion.location,
            "nodal": lesion.nodal,
            "method": "ct",
            "baseline_date": baseline,
        }
        if lesion.mm is not None:
            values.update(baseline_mm=Decimal(lesion.mm), slice_thickness_mm=Decimal("5"))
        baseline_lesions.append(values)
    tumour.add_lesions(user, subject, baseline_lesions)
    scans_after_progression = 0
    irecist = context.protocol.tumour_response and str(response.criteria) == "iRECIST"
    for visit in attended:
        if visit.visit_id not in imaging or visit.actual_date is None:
            continue
        if visit.actual_date <= max(baseline, start) or visit.actual_date >= leaves:
            continue
        day = (visit.actual_date - start).days
        scan = course.scan(day, rng)
        lesions = {
            code: LesionEntry("measured", Decimal(str(mm))) for code, mm in scan.targets.items()
        }
        lesions["NT1"] = LesionEntry(scan.non_target)
        news = [
            NewLesionEntry(code=code, organ=organ, location="", mm=Decimal(str(mm)))
            for code, organ, mm in scan.new_lesions
        ]
        try:
            tumour.record_assessment(
                user, subject, AssessmentEntry(visit.actual_date, "ct", visit, lesions, news)
            )
        except ValidationError:
            continue
        context.tally.assessments += 1
        if course.progression_day is not None and day >= course.progression_day:
            scans_after_progression += 1
            if not irecist or scans_after_progression >= 2:
                break


def _labs(
    context: Context,
    subject: Subject,
    planned: SimulatedCandidate,
    staff: Staff,
    attended: list[Visit],
    start: dt.date,
) -> None:
    """The lab panels each attended visit plans; CA19-9 follows the tumour burden."""
    assert planned.course is not None
    rng = planned.rng("labs")
    lab_ids = {a.id: a for a in lab_services.lab_assessments(context.protocol)}
    planned_at = {v.id: v.assessments for v in context.protocol.schedule.visits}
    for visit in attended:
        on = visit.actual_date
        if on is None:
            continue
        for assessment_id in planned_at.get(visit.visit_id, []):
            assessment = lab_ids.get(assessment_id)
            if assessment is None:
                continue
            try:
                analytes = labs.assessment_analytes(assessment)
            except labs.UnknownAnalyteError:
                continue
            results: dict[str, Any] = {}
            for analyte in analytes:
                if analyte.id == "ca19_9":
                    results["ca19_9"] = planned.course.ca19_9((on - start).days, rng)
                else:
                    results[analyte.id] = _lab_value(analyte, rng, rng.random() < 0.08)
            if not results:
                continue
            try:
                saved = lab_services.record_panel(
                    staff.coordinator, subject, assessment_id, on, results, visit=visit
                )
            except ValidationError:
                continue
            context.tally.lab_results += len(saved)


def _lab_value(analyte: labs.Analyte, rng: random.Random, abnormal: bool) -> float:
    lower = analyte.lower if analyte.lower is not None else 0.0
    upper = analyte.upper if analyte.upper is not None else (lower * 3 or 100.0)
    if analyte.id == "drain_amylase":
        return round(rng.uniform(50, 900), 0)
    if abnormal:
        if analyte.lower is not None and rng.random() < 0.5:
            value = analyte.lower * rng.uniform(0.55, 0.9)
        else:
            value = upper * rng.uniform(1.15, 2.2)
    else:
        value = rng.uniform(lower + (upper - lower) * 0.2, upper - (upper - lower) * 0.15)
    return round(value, 2 if value < 10 else 1)


def _adverse_events(
    context: Context,
    subject: Subject,
    planned: SimulatedCandidate,
    staff: Staff,
    start: dt.date,
    until: dt.date,
) -> None:
    assert planned.course is not None
    interventions = safety.interventions(subject)
    consent = safety.consent_date(subject) or subject.enrollment_date
    for event in planned.course.adverse_events:
        onset = max(start + dt.timedelta(days=event.onset_day), consent)
        if onset >= until:
            continue
        term = context.terms.get(event.term)
        if term is None:
            continue
        resolved = onset + dt.timedelta(days=event.lasts_days)
        values: dict[str, Any] = {
            "term": term,
            "grade": event.grade,
            "onset_date": onset,
            "action_taken": "dose_reduced" if event.grade >= 3 else "dose_not_changed",
            "description": "",
        }
        if resolved < until and not event.serious:
            values.update(resolution_date=resolved, outcome="recovered")
        else:
            values.update(ongoing=True, outcome="not_recovered")
        now = dt.datetime.combine(min(resolved, until), dt.time(12), tzinfo=dt.UTC)
        if event.serious:
            # reported while ongoing; its resolution comes as a follow-up below
            aware = dt.datetime.combine(onset + dt.timedelta(days=1), dt.time(10), tzinfo=dt.UTC)
            values.update(
                serious=True,
                criteria=["hospitalisation"],
                aware_at=aware,
                action_taken="drug_interrupted",
                description=f"{term} requiring admission; treatment interrupted.",
            )
            now = aware + dt.timedelta(hours=6)
        relationships = {i: event.relationship for i, _name in interventions}
        try:
            saved = safety.report_event(staff.investigator, subject, values, relationships, now=now)
        except ValidationError:
            continue
        context.tally.adverse_events += 1
        if event.serious:
            context.tally.serious += 1
            report = saved.sae_reports.get()
            safety.record_sent(
                staff.coordinator,
                report,
                sent_to_sponsor_at=now,
                sent_to_ethics_at=now + dt.timedelta(hours=20),
                narrative=f"Admitted with {term.lower()}; treated.",
                expected_version=report.version,
                now=now + dt.timedelta(hours=24),
            )
            if resolved < until:
                saved.refresh_from_db()
                safety.change_event(
                    staff.investigator,
                    saved,
                    {"resolution_date": resolved, "ongoing": False, "outcome": "recovered"},
                    expected_version=saved.version,
                    reason="Follow-up: the event resolved",
                    now=dt.datetime.combine(resolved, dt.time(12), tzinfo=dt.UTC),
                )


def _contacts(
    context: Context, subject: Subject, staff: Staff, ended: dt.date, leaves: dt.date
) -> None:
    """Survival contacts every follow-up interval after the end of treatment."""
    follow_up = context.protocol.schedule.follow_up
    if follow_up is None:
        return
    due = followup_selectors.next_contact_date(ended, follow_up.every, follow_up.unit)
    count = 0
    while due < min(leaves, context.as_of - dt.timedelta(days=10)):
        method = "telephone" if count % 2 == 0 else "visit"
        followup.record_contact(
            staff.investigator,
            subject,
            {"date": due, "method": method, "vital_status": "alive", "notes": ""},
        )
        count += 1
        due = followup_selectors.next_contact_date(due, follow_up.every, follow_up.unit)
