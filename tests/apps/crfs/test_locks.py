"""Locks: form, visit, subject and study levels; locked data refuse changes (visit
records, anchor events, form saves) until unlocked with a reason; audited; only data
managers lock and unlock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oncotrial.apps.accounts.models import Membership, Site
from oncotrial.apps.crfs import locks
from oncotrial.apps.crfs.models import Lock
from oncotrial.apps.subjects import services as subject_services
from oncotrial.apps.subjects.models import AnchorEvent
from oncotrial.apps.visits import services as visit_services
from oncotrial.apps.visits.models import Visit

from .audit_helpers import audit_written

LOCK_CREATE = [("crfs.lock", f, "create") for f in locks.LOCK_FIELDS]


@pytest.fixture
def world(dm_world):
    return dm_world


def _lock(world, scope, **target):
    return locks.lock(world.data_manager, world.study, scope, reason="Interim analysis", **target)


def test_lock_is_audited_and_unlock_needs_a_reason(world):
    with audit_written() as written:
        lock = _lock(world, "visit", visit=world.visit)
    assert written.fields() == LOCK_CREATE
    assert {r.subject_ref for r in written.records} == {world.subject.subject_number}
    assert (lock.locked_by, lock.visit, lock.scope) == (world.data_manager, world.visit, "visit")

    with audit_written() as written, pytest.raises(ValidationError) as exc:
        locks.unlock(world.data_manager, lock, "   ")
    assert "reason" in exc.value.message_dict
    assert written.records == []
    lock.refresh_from_db()
    assert lock.unlocked_at is None

    with audit_written() as written:
        unlocked = locks.unlock(world.data_manager, lock, "Correction of the visit date")
    assert written.fields() == [
        ("crfs.lock", "unlocked_at", "update"),
        ("crfs.lock", "unlocked_by_id", "update"),
        ("crfs.lock", "unlock_reason", "update"),
    ]
    assert {r.reason for r in written.records} == {"Correction of the visit date"}
    assert unlocked.unlocked_by == world.data_manager
    assert locks.active_lock_for(visit=world.visit) is None
    with pytest.raises(ValidationError):
        locks.unlock(world.data_manager, unlocked, "again")


@pytest.mark.parametrize("scope", ["form", "visit", "subject", "study"])
def test_every_level_covers_the_form(world, scope):
    target = {
        "form": {"form_instance": world.form},
        "visit": {"visit": world.visit},
        "subject": {"subject": world.subject},
        "study": {},
    }[scope]
    lock = _lock(world, scope, **target)
    assert locks.active_lock_for(form_instance=world.form) == lock
    with pytest.raises(locks.Locked) as exc:
        locks.assert_unlocked(form_instance=world.form)
    assert exc.value.level == scope
    assert exc.value.locked_by == world.data_manager.username
    assert exc.value.locked_at == lock.locked_at
    assert "dm-data-manager" in str(exc.value)
    assert "Interim analysis" in str(exc.value)
    # the other subject's form is only covered by a study lock
    covered = locks.active_lock_for(form_instance=world.other_form)
    assert (covered is not None) == (scope == "study")


def test_lower_levels_do_not_cover_higher_ones(world):
    _lock(world, "form", form_instance=world.form)
    assert locks.active_lock_for(visit=world.visit) is None
    assert locks.active_lock_for(subject=world.subject) is None
    other_form = world.make_form(world.subject, world.visit, "labs")
    assert locks.active_lock_for(form_instance=other_form) is None


def test_widest_lock_is_reported(world):
    _lock(world, "form", form_instance=world.form)
    study_lock = _lock(world, "study")
    assert locks.active_lock_for(form_instance=world.form) == study_lock


def test_locked_visit_refuses_recording(world):
    _lock(world, "visit", visit=world.visit)
    visit = Visit.objects.get(pk=world.visit.pk)
    with pytest.raises(locks.Locked):
        visit_services.record_visit(world.coordinator, visit, dt.date(2024, 1, 12), visit.version)
    with pytest.raises(locks.Locked):
        visit_services.mark_missed(world.coordinator, visit, "Patient unwell", visit.version)
    visit.refresh_from_db()
    assert visit.actual_date is None
    assert not visit.missed
    # another visit of the same subject is not locked
    other = Visit.objects.filter(subject=world.subject).exclude(pk=visit.pk).first()
    visit_services.mark_missed(world.coordinator, other, "Patient unwell", other.version)


@pytest.mark.parametrize("scope", ["subject", "study"])
def test_locked_subject_refuses_visits_and_anchor_events(world, scope):
    _lock(world, scope, **({"subject": world.subject} if scope == "subject" else {}))
    visit = Visit.objects.get(pk=world.visit.pk)
    with pytest.raises(locks.Locked):
        visit_services.record_visit(world.coordinator, visit, dt.date(2024, 1, 12), visit.version)
    with pytest.raises(locks.Locked) as exc:
        subject_services.record_anchor_event(
            world.coordinator, world.subject, "first_dose", dt.date(2024, 1, 16), reason="typo"
        )
    assert exc.value.message_dict["lock"]
    assert AnchorEvent.objects.get(subject=world.subject, anchor="first_dose").date == dt.date(
        2024, 1, 15
    )


def test_unlocked_data_can_change_again(world):
    lock = _lock(world, "subject", subject=world.subject)
    locks.unlock(world.data_manager, lock, "Query answered, correction needed")
    visit = Visit.objects.get(pk=world.visit.pk)
    visit_services.record_visit(world.coordinator, visit, dt.date(2024, 1, 12), visit.version)


def _save_form():
    services = pytest.importorskip("oncotrial.apps.crfs.services")
    if not hasattr(services, "save_form"):
        pytest.skip("form entry not written yet")
    return services.save_form


@pytest.mark.parametrize("scope", ["form", "visit", "subject", "study"])
def test_save_form_refuses_locked_form(world, scope):
    save_form = _save_form()
    target = {
        "form": {"form_instance": world.form},
        "visit": {"visit": world.visit},
        "subject": {"subject": world.subject},
        "study": {},
    }[scope]
    _lock(world, scope, **target)
    with audit_written() as written, pytest.raises(ValidationError) as exc:
        save_form(
            world.coordinator,
            world.subject,
            "baseline_history",
            {"weight": 72, "height": 170},
            visit=world.visit,
            expected_version=world.form.version,
            reason="Transcription error",
            partial=True,
        )
    assert "lock" in exc.value.message_dict
    assert written.records == []
    assert world.form.items.get(item_id="weight").value == 71


@pytest.mark.parametrize("role", ["investigator", "coordinator", "monitor", "statistician"])
def test_roles_that_may_not_lock(world, role):
    with audit_written() as written, pytest.raises(PermissionDenied):
        locks.lock(getattr(world, role), world.study, "visit", visit=world.visit)
    assert not Lock.objects.exists()
    assert written.records == []


def test_only_data_managers_unlock(world):
    lock = _lock(world, "visit", visit=world.visit)
    with pytest.raises(PermissionDenied):
        locks.unlock(world.monitor, lock, "Because")
    lock.refresh_from_db()
    assert lock.unlocked_at is None


def test_study_lock_needs_a_study_wide_role(world, django_user_model):
    site_dm = django_user_model.objects.create(username="site-dm")
    Membership.objects.create(
        user=site_dm, study=world.study, site=Site.objects.get(code="S01"), role="data_manager"
    )
    with pytest.raises(PermissionDenied):
        locks.lock(site_dm, world.study, "study")
    # a site data manager may lock their own site's data, not another site's
    locks.lock(site_dm, world.study, "visit", visit=world.visit)
    with pytest.raises(PermissionDenied):
        locks.lock(site_dm, world.study, "visit", visit=world.other_visit)


def test_lock_field_errors(world):
    with pytest.raises(ValidationError) as exc:
        locks.lock(world.data_manager, world.study, "visit")
    assert "visit" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        locks.lock(world.data_manager, world.study, "building")
    assert "scope" in exc.value.message_dict
    _lock(world, "visit", visit=world.visit)
    with pytest.raises(ValidationError) as exc:
        _lock(world, "visit", visit=world.visit)
    assert "already locked" in exc.value.message_dict["scope"][0]


def test_locks_for_is_site_scoped(world):
    mine = _lock(world, "visit", visit=world.visit)
    theirs = _lock(world, "subject", subject=world.other_subject)
    study_lock = _lock(world, "study")
    assert set(locks.locks_for(world.data_manager, world.study)) == {mine, theirs, study_lock}
    assert set(locks.locks_for(world.coordinator, world.study)) == {mine, study_lock}
    with pytest.raises(Lock.DoesNotExist):
        locks.get_lock(world.coordinator, world.study, theirs.pk)
