"""Data locks: freezing a form, a visit, a subject's casebook or the whole study.

A lock at one level covers everything below it: a study lock covers every subject, a
subject lock its visits and forms, a visit lock its forms. Every service that changes
clinical data calls `assert_unlocked` before changing anything; locked data cannot
change until a data manager unlocks it, giving a reason. Locking and unlocking are
audited like any other change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.access import require
from oncotrial.apps.accounts.models import Membership
from oncotrial.apps.audit.services import AuditContext, record_create, record_update
from oncotrial.apps.crfs.models import FormInstance, Lock
from oncotrial.apps.request_cache import forget, remembered
from oncotrial.apps.rows import fetch
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import Action, Role, allows

LOCK_FIELDS = ["scope", "study_id", "subject_id", "visit_id", "form_instance_id", "reason"]
UNLOCK_FIELDS = ["unlocked_at", "unlocked_by_id", "unlock_reason"]

_LEVEL_ORDER = {
    Lock.Scope.STUDY: 0,
    Lock.Scope.SUBJECT: 1,
    Lock.Scope.VISIT: 2,
    Lock.Scope.FORM: 3,
}


def describe(lock: Lock) -> str:
    """What a lock covers, in words: "study X", "subject 01-001", "visit …", "form …"."""
    if lock.scope == Lock.Scope.STUDY:
        return f"study {lock.study.key}"
    if lock.scope == Lock.Scope.SUBJECT:
        return f"subject {lock.subject.subject_number}"
    if lock.scope == Lock.Scope.VISIT:
        return f"visit {lock.visit.label} of subject {lock.visit.subject.subject_number}"
    form = lock.form_instance
    return f"form {form.form_id}#{form.repeat_index} of subject {form.subject.subject_number}"


class Locked(ValidationError):
    """The data is locked. Carries the lock: its level, who locked it and when.

    A ValidationError, so that pages and API endpoints that already show a service's
    field errors show this one too (under "lock")."""

    def __init__(self, lock: Lock) -> None:
        self.lock = lock
        self.level = lock.scope
        self.locked_by = lock.locked_by.get_username()
        self.locked_at = lock.locked_at
        when = lock.locked_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        text = (
            f"The data is locked ({lock.get_scope_display().lower()} lock on {describe(lock)}, "
            f"by {self.locked_by} on {when}"
            + (f": {lock.reason}" if lock.reason else "")
            + "). A data manager must unlock it before it can change."
        )
        super().__init__({"lock": [text]})
        self.text = text

    def __str__(self) -> str:
        return self.text


def active_lock_for(
    form_instance: FormInstance | None = None,
    visit: Visit | None = None,
    subject: Subject | None = None,
    study: Study | None = None,
) -> Lock | None:
    """The widest lock in force over the given data, or None. Give the most specific
    target you have; the levels above it are derived (a form's visit, subject and study).
    The study's locks in force are read once per request; describing the covering lock
    takes one more query."""
    if form_instance is not None:
        visit = visit or form_instance.visit
        subject = subject or form_instance.subject
    if visit is not None:
        subject = subject or visit.subject
    if subject is not None:
        study = study or subject.study
    if study is None:
        raise TypeError("active_lock_for needs a form instance, visit, subject or study")
    covering: list[tuple[int, str, dt.datetime]] = [
        (pk, scope, locked_at)
        for pk, scope, subject_id, visit_id, form_instance_id, locked_at in _active_locks(study)
        if scope == Lock.Scope.STUDY
        or (subject is not None and scope == Lock.Scope.SUBJECT and subject_id == subject.pk)
        or (visit is not None and scope == Lock.Scope.VISIT and visit_id == visit.pk)
        or (
            form_instance is not None
            and form_instance.pk is not None
            and scope == Lock.Scope.FORM
            and form_instance_id == form_instance.pk
        )
    ]
    if not covering:
        return None
    widest = min(covering, key=lambda row: (_LEVEL_ORDER[Lock.Scope(row[1])], row[2]))
    return Lock.objects.select_related(
        "locked_by",
        "study",
        "subject",
        "visit__subject",
        "form_instance__subject",
    ).get(pk=widest[0])


_ACTIVE_LOCK_COLUMNS = ("id", "scope", "subject_id", "visit_id", "form_instance_id", "locked_at")


def _active_locks(study: Study) -> list[tuple[Any, ...]]:
    """(pk, scope, subject, visit, form instance, locked at) of the study's locks in
    force: read once per request (a request that locks or unlocks forgets them), and
    usually empty."""
    return remembered(  # type: ignore[no-any-return]
        ("active_locks", study.pk),
        lambda: [
            (
                lock.pk,
                lock.scope,
                lock.subject_id,
                lock.visit_id,
                lock.form_instance_id,
                lock.locked_at,
            )
            for lock in fetch(
                Lock,
                "{study_id} = %s AND {unlocked_at} IS NULL",
                [study.pk],
                columns=_ACTIVE_LOCK_COLUMNS,
            )
        ],
    )


def assert_unlocked(
    form_instance: FormInstance | None = None,
    visit: Visit | None = None,
    subject: Subject | None = None,
    study: Study | None = None,
) -> None:
    """Raise `Locked` when a lock covers the given data."""
    lock = active_lock_for(form_instance=form_instance, visit=visit, subject=subject, study=study)
    if lock is not None:
        raise Locked(lock)


def _visible_locks(user: Any, study: Study) -> QuerySet[Lock]:
    sites = access_selectors.sites_for(user, study, Action.VIEW_SUBJECTS)
    return (
        Lock.objects.filter(study=study)
        .filter(
            Q(scope=Lock.Scope.STUDY)
            | Q(subject__site__in=sites)
            | Q(visit__subject__site__in=sites)
            | Q(form_instance__subject__site__in=sites)
        )
        .select_related(
            "study",
            "subject",
            "visit__subject",
            "form_instance__subject",
            "locked_by",
            "unlocked_by",
        )
    )


def locks_for(user: Any, study: Study, *, active_only: bool = False) -> list[Lock]:
    """The study's locks the user may see: study locks, and locks on data of the user's
    sites. Newest first."""
    locks = _visible_locks(user, study)
    if active_only:
        locks = locks.filter(unlocked_at__isnull=True)
    return list(locks.order_by("-locked_at", "-id"))


def get_lock(user: Any, study: Study, pk: int) -> Lock:
    """A lock the user may see (see `locks_for`); else Lock.DoesNotExist."""
    return _visible_locks(user, study).get(pk=pk)


def _subject_of(lock: Lock) -> Subject | None:
    if lock.subject is not None:
        return lock.subject
    if lock.visit is not None:
        return lock.visit.subject
    if lock.form_instance is not None:
        return lock.form_instance.subject
    return None


def _context(user: Any, study: Study, subject: Subject | None, reason: str = "") -> AuditContext:
    return AuditContext(
        user,
        study_key=study.key,
        site_code=subject.site.code if subject is not None else "",
        subject_ref=subject.subject_number if subject is not None else "",
        reason=reason,
    )


def _require_study_wide(user: Any, study: Study) -> None:
    roles = {
        Role(m.role)
        for m in Membership.objects.filter(user=user, study=study, site__isnull=True)
        if getattr(user, "is_authenticated", False)
    }
    if not allows(roles, Action.LOCK_DATA):
        raise PermissionDenied(
            f"Locking or unlocking the whole of {study.key} needs a study-wide role that "
            f"allows it ({Action.LOCK_DATA.value})."
        )


@transaction.atomic
def lock(
    user: Any,
    study: Study,
    scope: str,
    *,
    subject: Subject | None = None,
    visit: Visit | None = None,
    form_instance: FormInstance | None = None,
    reason: str = "",
) -> Lock:
    """Lock a form, a visit, a subject or the whole study (data manager only)."""
    reason = (reason or "").strip()
    try:
        scope = Lock.Scope(scope)
    except ValueError:
        raise ValidationError(
            {"scope": [f"Unknown scope {scope!r}; choose form, visit, subject or study."]}
        ) from None
    errors: dict[str, list[str]] = {}
    target_subject: Subject | None = None
    if scope == Lock.Scope.FORM:
        if form_instance is None:
            errors["form_instance"] = ["Choose the form to lock."]
        else:
            target_subject = form_instance.subject
            visit, subject = form_instance.visit, target_subject
    elif scope == Lock.Scope.VISIT:
        if visit is None:
            errors["visit"] = ["Choose the visit to lock."]
        else:
            target_subject = visit.subject
            form_instance, subject = None, target_subject
    elif scope == Lock.Scope.SUBJECT:
        if subject is None:
            errors["subject"] = ["Choose the subject to lock."]
        else:
            target_subject = subject
            form_instance = visit = None
    else:
        form_instance = visit = subject = None
    if target_subject is not None and target_subject.study_id != study.pk:
        errors["subject"] = ["That subject is not in this study."]
    if errors:
        raise ValidationError(errors)

    if scope == Lock.Scope.STUDY:
        _require_study_wide(user, study)
    else:
        assert target_subject is not None
        require(user, study, Action.LOCK_DATA, target_subject.site)

    # serialise concurrent locking of the same data
    Study.objects.select_for_update().filter(pk=study.pk).first()
    existing = Lock.objects.filter(
        study=study,
        scope=scope,
        subject=subject if scope == Lock.Scope.SUBJECT else None,
        visit=visit if scope == Lock.Scope.VISIT else None,
        form_instance=form_instance if scope == Lock.Scope.FORM else None,
        unlocked_at__isnull=True,
    )
    if existing.exists():
        raise ValidationError({"scope": ["This is already locked."]})
    new = Lock.objects.create(
        study=study,
        scope=scope,
        subject=subject if scope == Lock.Scope.SUBJECT else None,
        visit=visit if scope == Lock.Scope.VISIT else None,
        form_instance=form_instance if scope == Lock.Scope.FORM else None,
        locked_at=timezone.now(),
        locked_by=user,
        reason=reason,
    )
    record_create(_context(user, study, target_subject, reason), new, LOCK_FIELDS)
    forget()
    return new


@transaction.atomic
def unlock(user: Any, lock: Lock, reason: str) -> Lock:
    """Lift a lock. A reason is required and goes into the audit trail."""
    lock = (
        Lock.objects.select_for_update(of=("self",))
        .select_related(
            "study", "subject__site", "visit__subject__site", "form_instance__subject__site"
        )
        .get(pk=lock.pk)
    )
    subject = _subject_of(lock)
    if lock.scope == Lock.Scope.STUDY:
        _require_study_wide(user, lock.study)
    else:
        assert subject is not None
        require(user, lock.study, Action.LOCK_DATA, subject.site)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Give a reason for unlocking."]})
    if lock.unlocked_at is not None:
        raise ValidationError({"lock": ["This lock has already been lifted."]})
    now = timezone.now()
    lock.unlocked_at = now
    lock.unlocked_by = user
    lock.unlock_reason = reason
    lock.save(update_fields=["unlocked_at", "unlocked_by", "unlock_reason"])
    record_update(
        _context(user, lock.study, subject, reason),
        lock,
        {
            "unlocked_at": (None, now),
            "unlocked_by_id": (None, user.pk),
            "unlock_reason": ("", reason),
        },
    )
    forget()
    return lock
