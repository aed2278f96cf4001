"""Writing tumour assessments: the only way lesions, assessments and investigator
assessments change. Every write goes through `oncotrial.apps.records` (role at the
subject's site, locks, version conflicts, reasons, audit) and then re-evaluates the
subject's whole series with the RECIST engine: the computed values beside each
assessment and the subject's summary are updated in the same transaction, with audit
records for what the re-evaluation changed. A series the engine refuses is not saved:
the engine's messages come back as field errors, naming the lesion and the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from oncotrial.apps import records
from oncotrial.apps.audit.services import as_text, record_create, record_update
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.tumour import series
from oncotrial.apps.tumour.models import (
    IRECIST_CODES,
    RECIST_CODES,
    Lesion,
    LesionResult,
    NewLesion,
    TumourAssessment,
    TumourSummary,
)
from oncotrial.apps.tumour.series import AssessmentEntry, LesionEntry, NewLesionEntry
from oncotrial.domain.permissions import Action
from oncotrial.domain.recist import InvalidPatient, Problem, Result, TimePoint, evaluate_raw
from oncotrial.domain.recist import parse_patient as engine_parse

RECOMPUTED = "Recomputed by the response engine after a change to the subject's assessments"
AUDITED_COMPUTED = (
    "sum_mm",
    "change_from_baseline_pct",
    "change_from_nadir_pct",
    "computed_response",
)


# --------------------------------------------------------------------------- helpers

TENTH = Decimal("0.1")


def mm(value: Any) -> Decimal | None:
    """A size as stored: millimetres to 0.1 mm (so 17 and 17.0 are the same value)."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(TENTH)
    except (InvalidOperation, ValueError):
        raise ValidationError({"mm": [f"{value!r} is not a number of millimetres."]}) from None


def _problem_errors(problems: Sequence[Problem], lesion_codes: set[str]) -> dict[str, list[str]]:
    """The engine's problems as field errors: under the lesion's code for a baseline
    lesion, under `new_lesions` for a new one, else under the assessment date."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        if problem.lesion_id and problem.lesion_id in lesion_codes:
            key = problem.lesion_id
        elif problem.lesion_id:
            key = "new_lesions"
        elif problem.date:
            key = "assessment_date"
        else:
            key = NON_FIELD_ERRORS
        text = f"{problem.lesion_id}: {problem.message}" if problem.lesion_id else problem.message
        if problem.date and not problem.lesion_id:
            text = f"{problem.date}: {problem.message}"
        errors.setdefault(key, []).append(text)
    return errors


def _evaluate(raw: Mapping[str, Any], codes: set[str]) -> Result:
    try:
        return evaluate_raw(raw)
    except InvalidPatient as exc:
        raise ValidationError(_problem_errors(exc.problems, codes)) from None


def _lock_subject(subject: Subject) -> Subject:
    """The subject re-read under a row lock: changes to one subject's series queue."""
    return subject_selectors.reread_locked(subject.pk)


# --------------------------------------------------------------------------- lesions


LESION_FIELDS = (
    "code",
    "kind",
    "organ",
    "location",
    "nodal",
    "method",
    "slice_thickness_mm",
    "baseline_date",
    "baseline_mm",
)


def _sized(values: Mapping[str, Any]) -> dict[str, Any]:
    sized = dict(values)
    for name in ("baseline_mm", "slice_thickness_mm"):
        if name in sized:
            try:
                sized[name] = mm(sized[name])
            except ValidationError:
                raise ValidationError({name: ["Give a number of millimetres."]}) from None
    return sized


def _check_baseline(subject: Subject, lesions: list[Lesion], changed: Lesion) -> None:
    """The engine's baseline checks (measurability, at most 5 targets and 2 per organ),
    for the lesions with `changed` among them; its problems about `changed` refuse it."""
    raw = {"assessments": [series.baseline_raw(lesions)]}
    try:
        engine_parse(raw)
    except InvalidPatient as exc:
        mine = [p for p in exc.problems if p.lesion_id == changed.code]
        if mine:
            field = "kind" if any("target lesions" in p.message for p in mine) else "baseline_mm"
            raise ValidationError({field: [f"{p.lesion_id}: {p.message}" for p in mine]}) from None


def _check_lesion(subject: Subject, lesion: Lesion, others: list[Lesion]) -> None:
    code = (lesion.code or "").strip().upper()
    lesion.code = code
    if not code:
        raise ValidationError({"code": ["Give the lesion a code, e.g. T1 or NT1."]})
    if any(o.code == code for o in others):
        raise ValidationError({"code": [f"{code} is already used for this subject."]})
    if lesion.baseline_date is not None:
        later = TumourAssessment.objects.filter(
            subject=subject, assessment_date__lte=lesion.baseline_date
        ).first()
        if later is not None:
            raise ValidationError(
                {
                    "baseline_date": [
                        "The baseline must come before the follow-up assessment of "
                        f"{later.assessment_date.isoformat()}."
                    ]
                }
            )
    records.validate(lesion)
    _check_baseline(subject, [*others, lesion], lesion)


@transaction.atomic
def add_lesion(user: Any, subject: Subject, values: Mapping[str, Any]) -> Lesion:
    """Choose a lesion at baseline. A target must be measurable (RECIST 1.1 §3.1.1) and
    within 5 targets, 2 per organ (§3.2.1). Baseline lesions are fixed once a follow-up
    assessment exists (a correction is a change with a reason)."""
    return add_lesions(user, subject, [values])[0]


@transaction.atomic
def add_lesions(user: Any, subject: Subject, lesions: Sequence[Mapping[str, Any]]) -> list[Lesion]:
    """Choose several baseline lesions at once (a baseline read from one scan): each is
    checked as `add_lesion` checks it, with the ones before it, and the series is
    evaluated once. One refused lesion refuses them all."""
    records.check_access(user, subject, Action.ENTER_DATA)
    subject = _lock_subject(subject)
    if TumourAssessment.objects.filter(subject=subject).exists():
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    "Baseline lesions are fixed once a follow-up assessment is recorded "
                    "(RECIST 1.1 §3.2); correct an existing lesion with a reason instead."
                ]
            }
        )
    saved = series.saved_lesions(subject)
    created = []
    for values in lesions:
        unknown = sorted(set(values) - set(LESION_FIELDS))
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})
        lesion = Lesion(subject=subject, **_sized(values))
        _check_lesion(subject, lesion, saved)
        new = records.create(user, Lesion, subject, {n: getattr(lesion, n) for n in LESION_FIELDS})
        saved.append(new)
        created.append(new)
    reevaluate(user, subject)
    return created


@transaction.atomic
def change_lesion(
    user: Any,
    lesion: Lesion,
    values: Mapping[str, Any],
    *,
    expected_version: Any,
    reason: str,
) -> Lesion:
    """Correct a baseline lesion (with a reason); the series is evaluated again."""
    subject = _lock_subject(lesion.subject)
    records.check_access(user, subject, Action.ENTER_DATA)
    values = _sized(values)
    draft = Lesion.objects.get(pk=lesion.pk)
    for name, value in values.items():
        if name in LESION_FIELDS:
            setattr(draft, name, value)
    others = [o for o in series.saved_lesions(subject) if o.pk != lesion.pk]
    _check_lesion(subject, draft, others)
    values = {**values, "code": draft.code} if "code" in values else values
    changed = records.update(user, lesion, values, expected_version=expected_version, reason=reason)
    reevaluate(user, subject, strict=True)
    return changed


# --------------------------------------------------------------------------- assessments


def _check_entry(
    subject: Subject,
    entry: AssessmentEntry,
    lesions: list[Lesion],
    replacing: TumourAssessment | None,
) -> None:
    """What the engine does not see: result words that fit the lesion, sizes given
    where measured, a date after the baseline and not taken, a visit of the subject."""
    errors: dict[str, list[str]] = {}
    if not lesions:
        raise ValidationError(
            {NON_FIELD_ERRORS: ["Choose the baseline lesions before recording an assessment."]}
        )
    by_code = {lesion.code: lesion for lesion in lesions}
    for code, given in entry.lesions.items():
        lesion = by_code.get(code)
        if lesion is None:
            errors.setdefault(code, []).append(f"{code} is not a baseline lesion of the subject.")
            continue
        allowed = (
            LesionResult.TARGET_RESULTS if lesion.is_target else LesionResult.NON_TARGET_RESULTS
        )
        if given.result not in allowed:
            errors.setdefault(code, []).append(
                f"{code}: choose one of {', '.join(allowed)} (not {given.result!r})."
            )
        elif lesion.is_target and given.result == "measured" and given.mm is None:
            errors.setdefault(code, []).append(
                f"{code}: give the diameter in mm (0 if it disappeared), or choose "
                "too small to measure / not evaluable."
            )
        if given.mm is not None and given.mm < 0:
            errors.setdefault(code, []).append(f"{code}: a size cannot be negative.")
    seen: set[str] = set()
    for new in entry.new_lesions:
        code = (new.code or "").strip().upper()
        new.code = code
        if not code:
            errors.setdefault("new_lesions", []).append("Give each new lesion a code, e.g. NL1.")
        elif code in by_code:
            errors.setdefault("new_lesions", []).append(
                f"{code}: the code of a baseline lesion cannot name a new lesion."
            )
        elif code in seen:
            errors.setdefault("new_lesions", []).append(f"{code} is listed twice.")
        seen.add(code)
        if not (new.organ or "").strip():
            errors.setdefault("new_lesions", []).append(f"{code or 'new lesion'}: give the organ.")
        if new.mm is not None and new.mm < 0:
            errors.setdefault("new_lesions", []).append(f"{code}: a size cannot be negative.")
    baseline = max(lesion.baseline_date for lesion in lesions)
    if entry.assessment_date <= baseline:
        errors.setdefault("assessment_date", []).append(
            f"A follow-up assessment comes after the baseline ({baseline.isoformat()})."
        )
    taken = TumourAssessment.objects.filter(subject=subject, assessment_date=entry.assessment_date)
    if replacing is not None:
        taken = taken.exclude(pk=replacing.pk)
    if taken.exists():
        errors.setdefault("assessment_date", []).append(
            f"An assessment of {entry.assessment_date.isoformat()} is already recorded."
        )
    if entry.visit is not None and entry.visit.subject_id != subject.pk:
        errors.setdefault("visit", []).append("This visit is not one of the subject's.")
    if errors:
        raise ValidationError(errors)


def _entries_with(
    subject: Subject, entry: AssessmentEntry, replacing: TumourAssessment | None
) -> list[AssessmentEntry]:
    saved = [
        series.entry_of(a)
        for a in series.saved_assessments(subject)
        if replacing is None or a.pk != replacing.pk
    ]
    return [*saved, entry]


@transaction.atomic
def record_assessment(user: Any, subject: Subject, entry: AssessmentEntry) -> TumourAssessment:
    """Save a follow-up assessment with a result per baseline lesion and its new lesions;
    the responses are computed and the subject's summary brought up to date."""
    records.check_access(user, subject, Action.ENTER_DATA, entry.visit)
    subject = _lock_subject(subject)
    lesions = series.saved_lesions(subject)
    _check_entry(subject, entry, lesions, None)
    codes = {lesion.code for lesion in lesions}
    _evaluate(series.patient_raw(subject, lesions, _entries_with(subject, entry, None)), codes)
    assessment = records.create(
        user,
        TumourAssessment,
        subject,
        {"visit": entry.visit, "assessment_date": entry.assessment_date, "method": entry.method},
    )
    by_code = {lesion.code: lesion for lesion in lesions}
    for code, given in entry.lesions.items():
        _create_result(user, subject, assessment, by_code[code], given)
    for new in entry.new_lesions:
        _create_new(user, subject, assessment, new)
    reevaluate(user, subject, strict=True)
    assessment.refresh_from_db()
    return assessment


def _result_values(lesion: Lesion, given: LesionEntry) -> dict[str, Any]:
    sized = given.result not in ("too_small", "not_evaluable")
    return {
        "result": given.result,
        "mm": mm(given.mm) if sized else None,
        "increased_since_last": None if lesion.is_target else given.increased_since_last,
    }


def _create_result(
    user: Any, subject: Subject, assessment: TumourAssessment, lesion: Lesion, given: LesionEntry
) -> LesionResult:
    return records.create(
        user,
        LesionResult,
        subject,
        {"assessment": assessment, "lesion": lesion, **_result_values(lesion, given)},
    )


def _new_values(new: NewLesionEntry) -> dict[str, Any]:
    return {
        "code": new.code,
        "organ": new.organ.strip(),
        "location": new.location,
        "nodal": new.nodal,
        "equivocal": new.equivocal,
        "mm": mm(new.mm),
        "increased_since_last": new.increased_since_last,
    }


def _create_new(
    user: Any, subject: Subject, assessment: TumourAssessment, new: NewLesionEntry
) -> NewLesion:
    return records.create(user, NewLesion, subject, {"assessment": assessment, **_new_values(new)})


@transaction.atomic
def change_assessment(
    user: Any,
    assessment: TumourAssessment,
    entry: AssessmentEntry,
    *,
    expected_version: Any,
    reason: str,
) -> TumourAssessment:
    """Change a saved assessment (date, method, visit, lesion results, new lesions) with
    a reason. Each changed row is audited; the assessment's version moves on even when
    only a lesion result changed, so that a copy read before is refused."""
    subject = _lock_subject(assessment.subject)
    locked = records.lock_for_change(assessment, expected_version)
    records.check_access(user, subject, Action.ENTER_DATA, locked.visit)
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Give a reason for changing what was saved."]})
    lesions = series.saved_lesions(subject)
    _check_entry(subject, entry, lesions, locked)
    codes = {lesion.code for lesion in lesions}
    _evaluate(series.patient_raw(subject, lesions, _entries_with(subject, entry, locked)), codes)
    before = locked.version
    locked = records.update(
        user,
        locked,
        {"visit": entry.visit, "assessment_date": entry.assessment_date, "method": entry.method},
        expected_version=locked.version,
        reason=reason,
    )
    changed = locked.version != before
    by_code = {lesion.code: lesion for lesion in lesions}
    results = {r.lesion.code: r for r in locked.lesion_results.select_related("lesion")}
    for code, lesion in by_code.items():
        given = entry.lesions.get(code)
        row = results.get(code)
        if given is None and row is not None:
            records.delete(user, row, expected_version=row.version, reason=reason)
            changed = True
        elif given is not None and row is None:
            _create_result(user, subject, locked, lesion, given)
            changed = True
        elif given is not None and row is not None:
            version = row.version
            row = records.update(
                user,
                row,
                _result_values(lesion, given),
                expected_version=row.version,
                reason=reason,
            )
            changed = changed or row.version != version
    news = {n.code: n for n in locked.new_lesions.all()}
    wanted = {n.code: n for n in entry.new_lesions}
    for code, row_new in news.items():
        if code not in wanted:
            records.delete(user, row_new, expected_version=row_new.version, reason=reason)
            changed = True
    for code, new in wanted.items():
        if code in news:
            version = news[code].version
            updated = records.update(
                user, news[code], _new_values(new), expected_version=version, reason=reason
            )
            changed = changed or updated.version != version
        else:
            _create_new(user, subject, locked, new)
            changed = True
    if changed and locked.version == before:
        TumourAssessment.objects.filter(pk=locked.pk).update(
            version=F("version") + 1, recorded_at=timezone.now(), recorded_by=user
        )
    reevaluate(user, subject, strict=True)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def delete_assessment(
    user: Any, assessment: TumourAssessment, *, expected_version: Any, reason: str
) -> None:
    """Remove an assessment entered in error; the audit trail keeps what it held."""
    subject = _lock_subject(assessment.subject)
    locked = records.lock_for_change(assessment, expected_version)
    records.check_access(user, subject, Action.ENTER_DATA, locked.visit)
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Give a reason for deleting this record."]})
    for row in locked.lesion_results.all():
        records.delete(user, row, expected_version=row.version, reason=reason)
    for new in locked.new_lesions.all():
        records.delete(user, new, expected_version=new.version, reason=reason)
    records.delete(user, locked, expected_version=locked.version, reason=reason)
    reevaluate(user, subject)


# --------------------------------------------------------------------------- override


def response_codes(criteria: str) -> tuple[str, ...]:
    return IRECIST_CODES if criteria == "iRECIST" else RECIST_CODES


@transaction.atomic
def set_investigator_response(
    user: Any,
    assessment: TumourAssessment,
    response: str,
    reason: str,
    *,
    expected_version: Any,
) -> TumourAssessment:
    """Record the investigator's time-point response where it differs from the computed
    one, with the reason (kept beside the computed response, which stays as computed)."""
    reason = (reason or "").strip()
    criteria = series.settings_for(assessment.subject).criteria
    errors: dict[str, list[str]] = {}
    if response not in response_codes(criteria):
        errors["investigator_response"] = [
            f"Choose a {criteria} response: {', '.join(response_codes(criteria))}."
        ]
    elif response == assessment.computed_response:
        errors["investigator_response"] = [
            f"{response} is the computed response; an investigator's assessment records a "
            "different one."
        ]
    if not reason:
        errors["override_reason"] = ["Give the reason the response differs from the computed one."]
    if errors:
        records.check_access(user, assessment.subject, Action.ENTER_DATA, assessment.visit)
        raise ValidationError(errors)
    return records.update(
        user,
        assessment,
        {"investigator_response": response, "override_reason": reason},
        expected_version=expected_version,
        reason=reason,
    )


@transaction.atomic
def clear_investigator_response(
    user: Any, assessment: TumourAssessment, reason: str, *, expected_version: Any
) -> TumourAssessment:
    """Withdraw the investigator's response: the computed one stands alone again."""
    return records.update(
        user,
        assessment,
        {"investigator_response": "", "override_reason": ""},
        expected_version=expected_version,
        reason=reason,
    )


# --------------------------------------------------------------------------- evaluation


def reevaluate(user: Any, subject: Subject, *, strict: bool = False) -> TumourSummary | None:
    """Evaluate the subject's whole series and store the results: the computed values of
    every assessment and the subject's summary, auditing what changed. With `strict`, a
    series the engine refuses raises ValidationError (the caller's change is undone);
    otherwise the problems are kept on the summary."""
    lesions = series.saved_lesions(subject)
    assessments = series.saved_assessments(subject)
    settings = series.settings_for(subject)
    context = records.audit_context(user, subject, RECOMPUTED)
    if not lesions:
        TumourSummary.objects.filter(subject=subject).delete()
        return None
    raw = series.patient_raw(subject, lesions, [series.entry_of(a) for a in assessments], settings)
    result: Result | None = None
    problems: list[dict[str, Any]] = []
    try:
        result = evaluate_raw(raw)
    except InvalidPatient as exc:
        if strict:
            codes = {lesion.code for lesion in lesions}
            raise ValidationError(_problem_errors(exc.problems, codes)) from None
        problems = [p.to_dict() for p in exc.problems]
    points = {tp.date: tp for tp in result.timepoints} if result else {}
    for assessment in assessments:
        _store_timepoint(context, assessment, points.get(assessment.assessment_date), settings)
    start, source = series.start_of(subject)
    values: dict[str, Any] = {
        "criteria": settings.criteria,
        "start_date": start,
        "start_source": source,
        "baseline_date": min(lesion.baseline_date for lesion in lesions),
        "baseline_sum_mm": result.baseline_sum_mm if result else None,
        "best_overall_response": result.best_overall_response if result else "",
        "best_overall_response_date": result.best_overall_response_date if result else None,
        "confirmed": result.confirmed if result else None,
        "confirmation_date": result.confirmation_date if result else None,
        "progression_date": result.progression_date if result else None,
        "iupd_dates": [d.isoformat() for d in result.iupd_dates] if result else [],
        "icpd_date": result.icpd_date if result else None,
        "notes": list(result.notes) if result else [],
        "problems": problems,
        "evaluated_at": timezone.now(),
    }
    summary = TumourSummary.objects.filter(subject=subject).first()
    if summary is None:
        summary = TumourSummary.objects.create(subject=subject, **values)
        record_create(context, summary, TumourSummary.tracked_fields)
        return summary
    changes = {
        name: (getattr(summary, name), values[name])
        for name in TumourSummary.tracked_fields
        if as_text(getattr(summary, name)) != as_text(values[name])
    }
    for name, value in values.items():
        setattr(summary, name, value)
    summary.save()
    if changes:
        record_update(context, summary, changes)
    return summary


def _store_timepoint(
    context: Any,
    assessment: TumourAssessment,
    point: TimePoint | None,
    settings: series.Settings,
) -> None:
    values: dict[str, Any] = {
        "criteria": settings.criteria,
        "sum_mm": point.sum_mm if point else None,
        "assessed_sum_mm": point.assessed_sum_mm if point else None,
        "nadir_mm": point.nadir_mm if point else None,
        "change_from_baseline_pct": _pct(point.change_from_baseline_pct) if point else None,
        "change_from_nadir_pct": _pct(point.change_from_nadir_pct) if point else None,
        "target_response": (point.target or "") if point else "",
        "non_target_response": (point.non_target or "") if point else "",
        "new_lesions_response": point.new_lesions if point else "",
        "computed_response": point.overall if point else "",
        "computed_notes": list(point.notes) if point else [],
    }
    changes = {
        name: (getattr(assessment, name), values[name])
        for name in AUDITED_COMPUTED
        if as_text(getattr(assessment, name)) != as_text(values[name])
    }
    if all(as_text(getattr(assessment, n)) == as_text(v) for n, v in values.items()):
        return
    TumourAssessment.objects.filter(pk=assessment.pk).update(**values)
    for name, value in values.items():
        setattr(assessment, name, value)
    if changes:
        record_update(context, assessment, changes)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class Preview:
    """What an unsaved assessment would give: its time point (None when the series
    cannot be evaluated), the subject's result with it, and the problems found."""

    timepoint: TimePoint | None
    result: Result | None
    errors: dict[str, list[str]]


def preview(
    subject: Subject, entry: AssessmentEntry, replacing: TumourAssessment | None = None
) -> Preview:
    """Compute the response of an unsaved assessment (or of a change to `replacing`)
    without saving anything."""
    lesions = series.saved_lesions(subject)
    try:
        _check_entry(subject, entry, lesions, replacing)
    except ValidationError as exc:
        return Preview(None, None, exc.message_dict)
    raw = series.patient_raw(subject, lesions, _entries_with(subject, entry, replacing))
    try:
        result = evaluate_raw(raw)
    except InvalidPatient as exc:
        codes = {lesion.code for lesion in lesions}
        return Preview(None, None, _problem_errors(exc.problems, codes))
    point = next((tp for tp in result.timepoints if tp.date == entry.assessment_date), None)
    return Preview(point, result, {})
