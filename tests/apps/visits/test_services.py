"""Visit calendars: materialised from anchor events, re-materialised when events are
recorded, statuses on a given day, the worklist, recording visits and conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.crfs import locks
from oncotrial.apps.screening.models import Consent
from oncotrial.apps.studies import selectors as study_selectors
from oncotrial.apps.subjects import services as subject_services
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.visits import selectors, services
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import calendar

SIROLIMUS = "sirolimus-pancreatic-cancer.yaml"
SURGERY = "surgery-liver-metastatic-pancreatic-cancer.yaml"
ENROLLED_ON = dt.date(2024, 1, 10)
FIRST_DOSE = dt.date(2024, 1, 15)


@pytest.fixture
def sirolimus(conduct_study):
    return conduct_study(SIROLIMUS)


@pytest.fixture
def coordinator(sirolimus, conduct_member):
    return conduct_member(sirolimus, "coordinator", "S01")


@pytest.fixture
def subject(sirolimus, coordinator, conduct_candidate):
    subject = subject_services.enroll(coordinator, conduct_candidate(sirolimus), ENROLLED_ON)
    subject_services.record_anchor_event(coordinator, subject, "first_dose", FIRST_DOSE)
    subject.refresh_from_db()
    return subject


def _visit(subject, visit_id, occurrence=1):
    return Visit.objects.get(subject=subject, visit_id=visit_id, occurrence=occurrence)


def test_first_dose_materialises_markers_every_three_weeks_with_windows(subject):
    assert subject.status == Subject.Status.ON_TREATMENT
    baseline = _visit(subject, "baseline")
    assert baseline.target_date == dt.date(2024, 1, 14)
    assert (baseline.window_start, baseline.window_end) == (
        dt.date(2024, 1, 1),
        FIRST_DOSE - dt.timedelta(days=1),
    )
    markers = list(
        Visit.objects.filter(subject=subject, visit_id="tumour_markers_q3w").order_by("occurrence")
    )
    assert [m.target_date for m in markers[:3]] == [
        dt.date(2024, 2, 5),
        dt.date(2024, 2, 26),
        dt.date(2024, 3, 18),
    ]
    assert (markers[0].window_start, markers[0].window_end) == (
        dt.date(2024, 2, 2),
        dt.date(2024, 2, 8),
    )
    # planned six months beyond the subject's latest event (here the consent, which the
    # fixture records today)
    latest = max(services.anchor_dates(subject).values())
    ahead = calendar.add_months(latest, services.PLAN_AHEAD_MONTHS)
    assert subject.calendar_planned_until == ahead
    assert markers[-1].target_date <= ahead < markers[-1].target_date + dt.timedelta(weeks=3)
    review = _visit(subject, "review_q3m")
    assert review.target_date == FIRST_DOSE + dt.timedelta(days=91)
    assert not Visit.objects.filter(subject=subject, is_follow_up=True).exists()


@pytest.fixture
def consented_subject(sirolimus, coordinator, conduct_candidate):
    """A subject consented the day before enrollment, treated from FIRST_DOSE and with no
    later event: the plan reaches six months past the first dose."""
    candidate = conduct_candidate(sirolimus)
    Consent.objects.filter(candidate=candidate).update(
        consented_at=dt.datetime(2024, 1, 9, 9, 0, tzinfo=dt.UTC)
    )
    subject = subject_services.enroll(coordinator, candidate, ENROLLED_ON)
    subject_services.record_anchor_event(coordinator, subject, "first_dose", FIRST_DOSE)
    subject.refresh_from_db()
    return subject


def _planned_markers(subject):
    return list(
        Visit.objects.filter(
            subject=subject, visit_id="tumour_markers_q3w", cancelled=False
        ).order_by("occurrence")
    )


def test_the_plan_reaches_six_months_ahead_and_recorded_visits_move_it_on(
    consented_subject, coordinator
):
    subject = consented_subject
    assert subject.calendar_planned_until == dt.date(2024, 7, 15)
    markers = _planned_markers(subject)
    # every 3 weeks from day 21 (2024-02-05): the 8th is the last before 2024-07-15
    assert [m.target_date for m in markers[-2:]] == [dt.date(2024, 6, 10), dt.date(2024, 7, 1)]
    assert len(markers) == 8
    created = AuditRecord.objects.filter(
        entity="visits.visit", action="create", field="target_date"
    )
    planned = (Visit.objects.filter(subject=subject).count(), created.count())
    # a visit that would move the plan on by less than three months changes nothing
    services.record_visit(coordinator, markers[0], dt.date(2024, 2, 5), markers[0].version)
    assert (Visit.objects.filter(subject=subject).count(), created.count()) == planned
    # the 6th marker visit (2024-05-20) moves it on to 2024-11-20: six more markers (and
    # any other visit due by then) are planned, each with its audit records
    sixth = markers[5]
    services.record_visit(coordinator, sixth, dt.date(2024, 5, 20), sixth.version)
    subject.refresh_from_db()
    assert subject.calendar_planned_until == dt.date(2024, 11, 20)
    markers = _planned_markers(subject)
    assert len(markers) == 14
    assert markers[-1].target_date == dt.date(2024, 11, 4)
    more = Visit.objects.filter(subject=subject).count() - planned[0]
    assert more >= 6
    assert created.count() - planned[1] == more
    assert created.filter(new_value="2024-11-04", subject_ref=subject.subject_number).exists()
    # a missed visit counts as activity on its planned date
    last = markers[-1]
    services.mark_missed(coordinator, last, "Admitted elsewhere", last.version)
    subject.refresh_from_db()
    assert subject.calendar_planned_until == dt.date(2025, 5, 4)


def test_the_plan_never_passes_the_protocols_limit(consented_subject):
    protocol = study_selectors.protocol_of(consented_subject.protocol_version)
    limit = services.protocol_horizon(consented_subject, protocol)
    assert limit == dt.date(2029, 1, 10)  # 60 months from enrollment
    assert services.horizon(consented_subject, protocol, {"x": dt.date(2028, 12, 1)}) == limit
    assert services.horizon(consented_subject, protocol, {"x": dt.date(2028, 6, 1)}) == (
        dt.date(2028, 12, 1)
    )


def test_anchor_event_is_audited(subject):
    event = AnchorEvent.objects.get(subject=subject, anchor="first_dose")
    records = AuditRecord.objects.filter(entity="subjects.anchorevent", entity_id=str(event.pk))
    assert {r.field: r.new_value for r in records}["date"] == "2024-01-15"
    assert AuditRecord.objects.filter(
        entity="subjects.subject", field="status", new_value="on_treatment"
    ).exists()


def test_progression_cancels_later_markers_and_keeps_recorded_visits(subject, coordinator):
    first = _visit(subject, "tumour_markers_q3w", 1)
    services.record_visit(coordinator, first, dt.date(2024, 2, 6), first.version)
    second = _visit(subject, "tumour_markers_q3w", 2)
    services.mark_missed(coordinator, second, "Patient in hospital", second.version)
    subject_services.record_anchor_event(coordinator, subject, "progression", dt.date(2024, 3, 1))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.actual_date == dt.date(2024, 2, 6)
    assert not first.cancelled
    assert second.missed
    assert not second.cancelled
    later = Visit.objects.filter(
        subject=subject, visit_id="tumour_markers_q3w", target_date__gt=dt.date(2024, 3, 1)
    )
    assert later.exists()
    assert all(v.cancelled for v in later)
    assert (
        AuditRecord.objects.filter(
            entity="visits.visit",
            field="cancelled",
            new_value="true",
            subject_ref=subject.subject_number,
        ).count()
        == later.count()
    )
    # the review every 3 months does not stop at progression
    assert not _visit(subject, "review_q3m").cancelled


def test_correcting_an_anchor_date_moves_unrecorded_visits_and_needs_a_reason(subject, coordinator):
    with pytest.raises(ValidationError) as info:
        subject_services.record_anchor_event(
            coordinator, subject, "first_dose", dt.date(2024, 1, 16)
        )
    assert "reason" in info.value.message_dict
    subject_services.record_anchor_event(
        coordinator, subject, "first_dose", dt.date(2024, 1, 16), reason="Entry error"
    )
    assert _visit(subject, "tumour_markers_q3w").target_date == dt.date(2024, 2, 6)
    assert AuditRecord.objects.filter(
        entity="subjects.anchorevent", field="date", old_value="2024-01-15", reason="Entry error"
    ).exists()


def test_removing_an_event_plans_the_visits_it_stopped_and_needs_a_reason(subject, coordinator):
    progression = dt.date(2024, 3, 1)
    subject_services.record_anchor_event(coordinator, subject, "progression", progression)
    event = AnchorEvent.objects.get(subject=subject, anchor="progression")
    later = Visit.objects.filter(
        subject=subject, visit_id="tumour_markers_q3w", target_date__gt=progression
    )
    assert later.exists()
    assert not later.filter(cancelled=False).exists()
    before = (AnchorEvent.objects.count(), AuditRecord.objects.count())
    with pytest.raises(ValidationError) as info:
        subject_services.remove_anchor_event(coordinator, subject, "progression", reason=" ")
    assert info.value.message_dict == {"reason": ["Give a reason for removing a recorded event."]}
    with pytest.raises(ValidationError) as info:
        subject_services.remove_anchor_event(coordinator, subject, "surgery", reason="typo")
    assert info.value.message_dict == {
        "anchor": ["No 'surgery' event is recorded for this subject."]
    }
    assert (AnchorEvent.objects.count(), AuditRecord.objects.count()) == before

    subject_services.remove_anchor_event(
        coordinator, subject, "progression", reason="Entered for the wrong subject"
    )
    assert not AnchorEvent.objects.filter(subject=subject, anchor="progression").exists()
    removed = AuditRecord.objects.filter(entity="subjects.anchorevent", entity_id=str(event.pk))
    assert {(r.field, r.old_value) for r in removed.filter(action="delete")} == {
        ("subject_id", str(subject.pk)),
        ("anchor", "progression"),
        ("date", "2024-03-01"),
    }
    assert {r.reason for r in removed.filter(action="delete")} == {"Entered for the wrong subject"}
    assert not later.filter(cancelled=True).exists()


def test_unknown_anchor_and_future_date_are_field_errors(subject, coordinator):
    before = (AnchorEvent.objects.count(), AuditRecord.objects.count())
    with pytest.raises(ValidationError) as info:
        subject_services.record_anchor_event(coordinator, subject, "lunch", dt.date(2024, 2, 1))
    assert "anchor" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        subject_services.record_anchor_event(
            coordinator, subject, "progression", dt.date.today() + dt.timedelta(days=3)
        )
    assert "date" in info.value.message_dict
    assert (AnchorEvent.objects.count(), AuditRecord.objects.count()) == before


def test_surgery_brings_post_operative_visits(conduct_study, conduct_member, conduct_candidate):
    study = conduct_study(SURGERY)
    user = conduct_member(study, "investigator", "S01")
    subject = subject_services.enroll(
        user, conduct_candidate(study, values={"treated_before_study_start": False}), ENROLLED_ON
    )
    assert not Visit.objects.filter(subject=subject, anchor="surgery").exists()
    surgery = dt.date(2024, 6, 3)
    subject_services.record_anchor_event(user, subject, "surgery", surgery)
    post_op = Visit.objects.filter(subject=subject, visit_id="postoperative_days").order_by(
        "occurrence"
    )
    assert [v.target_date - surgery for v in post_op] == [
        dt.timedelta(days=d) for d in (1, 3, 5, 7, 30)
    ]
    assert _visit(subject, "surgery_day").target_date == surgery


def test_visit_statuses_on_a_given_day(subject, coordinator):
    markers = _visit(subject, "tumour_markers_q3w", 1)  # window 2024-02-02 .. 2024-02-08

    def status(today):
        return {r.visit.pk: r.status for r in selectors.calendar(subject, today)}[markers.pk]

    assert status(dt.date(2024, 2, 1)) == "upcoming"
    assert status(dt.date(2024, 2, 2)) == "due"
    assert status(dt.date(2024, 2, 8)) == "due"
    assert status(dt.date(2024, 2, 9)) == "overdue"
    services.record_visit(coordinator, markers, dt.date(2024, 2, 10), markers.version)
    assert status(dt.date(2024, 2, 11)) == "done"
    row = next(
        r for r in selectors.calendar(subject, dt.date(2024, 2, 11)) if r.visit.pk == markers.pk
    )
    assert row.in_window is False
    markers.refresh_from_db()
    services.mark_missed(coordinator, markers, "Recorded on the wrong visit", markers.version)
    assert status(dt.date(2024, 2, 11)) == "missed"


def test_worklist_shows_due_and_overdue_visits_of_the_users_sites(
    sirolimus, subject, conduct_member, conduct_candidate
):
    other = conduct_member(sirolimus, "coordinator", "S02")
    elsewhere = subject_services.enroll(other, conduct_candidate(sirolimus, "S02"), ENROLLED_ON)
    subject_services.record_anchor_event(other, elsewhere, "first_dose", FIRST_DOSE)
    one = conduct_member(sirolimus, "coordinator", "S01", username="one")
    today = dt.date(2024, 2, 3)
    rows = selectors.worklist(one, sirolimus, today)
    assert {r.visit.subject.subject_number for r in rows} == {"01-001"}
    assert {r.status for r in rows} <= {"due", "overdue"}
    assert [r.visit.target_date for r in rows] == sorted(r.visit.target_date for r in rows)
    ids = [r.visit.visit_id for r in rows]
    assert "tumour_markers_q3w" in ids
    assert "baseline" in ids  # never recorded: overdue
    assert {r.status for r in rows if r.visit.visit_id == "baseline"} == {"overdue"}
    admin = conduct_member(sirolimus, "study_admin", None)
    assert {
        r.visit.subject.subject_number for r in selectors.worklist(admin, sirolimus, today)
    } == {
        "01-001",
        "02-001",
    }
    from oncotrial.apps.accounts.models import Site

    only_two = selectors.worklist(admin, sirolimus, today, site=Site.objects.get(code="S02"))
    assert {r.visit.subject.subject_number for r in only_two} == {"02-001"}


def test_record_visit_is_audited_and_a_changed_date_needs_a_reason(subject, coordinator):
    visit = _visit(subject, "day1")
    services.record_visit(coordinator, visit, FIRST_DOSE, visit.version)
    visit.refresh_from_db()
    assert (visit.actual_date, visit.version, visit.recorded_by) == (FIRST_DOSE, 2, coordinator)
    assert AuditRecord.objects.filter(
        entity="visits.visit", entity_id=str(visit.pk), field="actual_date", new_value="2024-01-15"
    ).exists()
    with pytest.raises(ValidationError) as info:
        services.record_visit(coordinator, visit, dt.date(2024, 1, 16), visit.version)
    assert "reason" in info.value.message_dict
    services.record_visit(
        coordinator, visit, dt.date(2024, 1, 16), visit.version, reason="Transcription error"
    )
    assert AuditRecord.objects.filter(
        entity="visits.visit",
        field="actual_date",
        old_value="2024-01-15",
        reason="Transcription error",
    ).exists()


def test_stale_version_is_a_conflict_and_changes_nothing(subject, coordinator):
    visit = _visit(subject, "day1")
    stale = visit.version
    services.record_visit(coordinator, visit, FIRST_DOSE, stale)
    before = AuditRecord.objects.count()
    with pytest.raises(services.VersionConflict):
        services.mark_missed(coordinator, visit, "Not seen", stale)
    with pytest.raises(services.VersionConflict):
        services.record_visit(coordinator, visit, dt.date(2024, 1, 16), stale, reason="x")
    visit.refresh_from_db()
    assert (visit.actual_date, visit.missed, visit.version) == (FIRST_DOSE, False, stale + 1)
    assert AuditRecord.objects.count() == before


def test_missed_needs_a_reason_and_future_dates_are_refused(subject, coordinator):
    visit = _visit(subject, "day1")
    with pytest.raises(ValidationError) as info:
        services.mark_missed(coordinator, visit, "  ", visit.version)
    assert "reason" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.record_visit(
            coordinator, visit, dt.date.today() + dt.timedelta(days=1), visit.version
        )
    assert "actual_date" in info.value.message_dict
    visit.refresh_from_db()
    assert visit.version == 1


def test_roles_that_may_not_record_visits_are_refused(sirolimus, subject, conduct_member):
    visit = _visit(subject, "day1")
    for user in (
        conduct_member(sirolimus, "monitor", "S01"),
        conduct_member(sirolimus, "coordinator", "S02"),
        conduct_member(sirolimus, "statistician", None),
    ):
        with pytest.raises(PermissionDenied):
            services.record_visit(user, visit, FIRST_DOSE, visit.version)
        with pytest.raises(PermissionDenied):
            subject_services.record_anchor_event(user, subject, "progression", FIRST_DOSE)
    visit.refresh_from_db()
    assert visit.actual_date is None


@pytest.fixture
def data_manager(sirolimus, conduct_member):
    return conduct_member(sirolimus, "data_manager", None)


def _planned_as(visit: Visit) -> tuple:
    visit.refresh_from_db()
    return (visit.target_date, visit.window_start, visit.window_end, visit.cancelled, visit.version)


def _visit_audit(visit: Visit) -> int:
    return AuditRecord.objects.filter(entity="visits.visit", entity_id=str(visit.pk)).count()


def test_a_locked_visit_keeps_its_plan_when_the_calendar_is_planned_again(
    sirolimus, subject, coordinator, data_manager
):
    first, second, fourth = (_visit(subject, "tumour_markers_q3w", n) for n in (1, 2, 4))
    for visit in (second, fourth):
        locks.lock(data_manager, sirolimus, "visit", visit=visit, reason="Source verified")
    kept = {v.pk: (_planned_as(v), _visit_audit(v)) for v in (second, fourth)}
    # a corrected first dose moves the unlocked visits two days on
    subject_services.record_anchor_event(
        coordinator, subject, "first_dose", dt.date(2024, 1, 17), reason="Entry error"
    )
    first.refresh_from_db()
    assert (first.target_date, first.window_start) == (dt.date(2024, 2, 7), dt.date(2024, 2, 4))
    assert _visit(subject, "tumour_markers_q3w", 3).target_date == dt.date(2024, 3, 20)
    # progression would cancel the fourth marker visit: it is locked, so it stays planned
    subject_services.record_anchor_event(coordinator, subject, "progression", dt.date(2024, 3, 1))
    assert _visit(subject, "tumour_markers_q3w", 3).cancelled
    assert {v.pk: (_planned_as(v), _visit_audit(v)) for v in (second, fourth)} == kept
    assert second.target_date == dt.date(2024, 2, 26)
    assert not fourth.cancelled


@pytest.mark.parametrize("scope", ["subject", "study"])
def test_a_subject_or_study_lock_keeps_the_whole_calendar(
    scope, sirolimus, subject, coordinator, data_manager
):
    target = {"subject": subject} if scope == "subject" else {}
    locks.lock(data_manager, sirolimus, scope, reason="Database lock", **target)
    visits = list(subject.visits.all())
    kept = {v.pk: _planned_as(v) for v in visits}
    audited = AuditRecord.objects.filter(entity="visits.visit").count()
    with pytest.raises(locks.Locked):
        subject_services.record_anchor_event(
            coordinator, subject, "first_dose", dt.date(2024, 1, 22), reason="Entry error"
        )
    with pytest.raises(locks.Locked):
        subject_services.remove_anchor_event(coordinator, subject, "first_dose", reason="x")
    # the services refuse the change; the calendar holds even if planned again from a
    # changed event
    AnchorEvent.objects.filter(subject=subject, anchor="first_dose").update(
        date=dt.date(2024, 1, 22)
    )
    protocol = study_selectors.protocol_of(subject.protocol_version)
    with transaction.atomic():
        services.materialise(coordinator, subject, protocol)
    assert {v.pk: _planned_as(v) for v in visits} == kept
    assert AuditRecord.objects.filter(entity="visits.visit").count() == audited


def test_visits_counted_in_cycles_follow_the_chosen_regimen(
    conduct_study, conduct_member, conduct_candidate
):
    """Surgery study: assessments every 4 cycles, where a cycle is 28 days for AG and
    14 days for FOLFIRINOX, so the regimen decides the dates."""
    study = conduct_study(SURGERY)
    user = conduct_member(study, "investigator", "S01")
    subject = subject_services.enroll(
        user, conduct_candidate(study, values={"treated_before_study_start": False}), ENROLLED_ON
    )
    start = dt.date(2024, 1, 15)
    with pytest.raises(ValidationError) as info:
        subject_services.record_anchor_event(user, subject, "treatment_start", start)
    assert "regimen" in str(info.value.message_dict["anchor"])
    assert not AnchorEvent.objects.filter(subject=subject).exists()

    subject_services.record_anchor_event(
        user, subject, "treatment_start", start, regimen="folfirinox"
    )
    assessments = Visit.objects.filter(subject=subject, visit_id="periodic_assessment")
    offsets = [(v.target_date - start).days for v in assessments.order_by("occurrence")[:3]]
    assert offsets == [0, 56, 112]  # 4 cycles x 14 days
    subject.refresh_from_db()
    assert subject.regimen == "folfirinox"
    assert AuditRecord.objects.filter(
        entity="subjects.subject", field="regimen", new_value="folfirinox"
    ).exists()

    with pytest.raises(ValidationError) as info:
        subject_services.record_anchor_event(user, subject, "treatment_start", start, regimen="ag")
    assert "reason" in info.value.message_dict
    subject_services.record_anchor_event(
        user, subject, "treatment_start", start, regimen="ag", reason="regimen switched at MDT"
    )
    offsets = [(v.target_date - start).days for v in assessments.order_by("occurrence")[:3]]
    assert offsets == [0, 112, 224]  # 4 cycles x 28 days


def test_an_unknown_regimen_is_a_field_error(conduct_study, conduct_member, conduct_candidate):
    study = conduct_study(SURGERY)
    user = conduct_member(study, "investigator", "S01")
    subject = subject_services.enroll(
        user, conduct_candidate(study, values={"treated_before_study_start": False}), ENROLLED_ON
    )
    with pytest.raises(ValidationError) as info:
        subject_services.record_anchor_event(
            user, subject, "treatment_start", dt.date(2024, 1, 15), regimen="sorafenib"
        )
    assert "Unknown regimen 'sorafenib'" in info.value.message_dict["regimen"][0]
