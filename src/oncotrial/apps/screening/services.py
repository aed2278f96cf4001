"""The write path for screening and consent.

Every function here checks the user's role at the candidate's site, validates its input
(raising :class:`ScreeningError` with a message per field and changing nothing), writes
the change and its audit records in one transaction, and bumps ``Candidate.version``.

Optimistic concurrency: each write compares the version the caller read (the
`expected_version` argument, or the version of the candidate instance passed in) with the
stored one and refuses a stale write with :class:`StaleVersion`. On success the passed
instance is refreshed, so a caller can chain writes with the same object.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from oncotrial.apps.accounts import selectors as access
from oncotrial.apps.accounts.access import require
from oncotrial.apps.accounts.models import Site, StudySite
from oncotrial.apps.audit.services import (
    AuditContext,
    record_create,
    record_create_many,
    record_delete,
    record_update,
)
from oncotrial.apps.screening import selectors
from oncotrial.apps.screening.models import (
    Attestation,
    Candidate,
    Consent,
    EligibilityConfirmation,
    ScreeningValue,
)
from oncotrial.apps.studies.models import ProtocolVersion, Study
from oncotrial.apps.studies.selectors import current_version, protocol_of
from oncotrial.domain.eligibility import (
    EligibilityResult,
    Measurement,
    evaluate_eligibility,
    protocol_variables,
)
from oncotrial.domain.permissions import Action
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.variables import ScreeningVariable
from oncotrial.domain.units import UnknownUnitError, known_units, parse_unit

NON_FIELD = "__all__"

RawValue = Any
"""A value as posted: a number, a boolean, text, a date or None / "" (clear it)."""


class ScreeningError(ValidationError):
    """Bad input: ``message_dict`` maps each field (a screening variable id, or
    ``__all__``) to its messages. Nothing was changed."""

    def __init__(self, errors: Mapping[str, str | list[str]] | str) -> None:
        if isinstance(errors, str):
            errors = {NON_FIELD: [errors]}
        super().__init__({k: v if isinstance(v, list) else [v] for k, v in errors.items()})


class StaleVersion(ScreeningError):
    """The candidate changed since the caller read it."""

    def __init__(self, candidate: Candidate, expected: int, current: int) -> None:
        super().__init__(
            {
                "version": (
                    f"Candidate {candidate.screening_number} was changed by someone else "
                    f"(you edited version {expected}, it is now at version {current}). "
                    "Reload the candidate and enter your change again."
                )
            }
        )
        self.current = current


# --------------------------------------------------------------------------- helpers


def _ctx(user: Any, candidate: Candidate, reason: str = "") -> AuditContext:
    return AuditContext(
        user,
        study_key=candidate.study.key,
        site_code=candidate.site.code,
        subject_ref=candidate.screening_number,
        reason=reason,
    )


def _lock(
    candidate: Candidate, expected_version: int | None, *, enrolled_ok: bool = False
) -> Candidate:
    """The candidate's row, locked for this transaction; refuses a stale version."""
    expected = candidate.version if expected_version is None else expected_version
    locked = (
        Candidate.objects.select_for_update()
        .select_related("study", "site", "protocol_version")
        .get(pk=candidate.pk)
    )
    if locked.version != expected:
        raise StaleVersion(locked, expected, locked.version)
    if locked.status == Candidate.Status.ENROLLED and not enrolled_ok:
        raise ScreeningError(
            f"Candidate {locked.screening_number} is enrolled; screening data can no longer "
            "be changed here."
        )
    return locked


def _bump(candidate: Candidate, locked: Candidate, **changes: Any) -> None:
    """Save `changes` and the next version on the locked row; refresh the caller's copy."""
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save(update_fields=[*changes, "version"])
    candidate.refresh_from_db()


def _utc_now() -> dt.datetime:
    return timezone.now()


# --------------------------------------------------------------------------- registration


_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_INITIALS = re.compile(r"^[A-Za-z][A-Za-z.\- ]{0,7}$")


def next_screening_number(study: Study, site: Site) -> str:
    """``S-<site code>-NNN``: one more than the highest number used at the site."""
    prefix = f"S-{site.code}-"
    used = Candidate.objects.filter(study=study, screening_number__startswith=prefix)
    highest = 0
    for number in used.values_list("screening_number", flat=True):
        tail = number[len(prefix) :]
        if tail.isdigit():
            highest = max(highest, int(tail))
    return f"{prefix}{highest + 1:03d}"


def register_candidate(
    user: Any,
    study: Study,
    site: Site,
    *,
    screening_number: str | None = None,
    initials: str = "",
    full_name: str = "",
    date_of_birth: dt.date | None = None,
    sex: str = "",
    screening_date: dt.date | None = None,
) -> Candidate:
    """Register a screening candidate at `site` (user needs Action.SCREEN there)."""
    require(user, study, Action.SCREEN, site)
    errors: dict[str, str] = {}
    if not StudySite.objects.filter(study=study, site=site, active=True).exists():
        errors["site"] = f"Site {site.code} does not take part in {study.key}."
    today = timezone.localdate()
    if screening_date is None:
        errors["screening_date"] = "Enter the screening date."
    elif screening_date > today:
        errors["screening_date"] = "The screening date cannot be in the future."
    if date_of_birth is not None:
        if date_of_birth > (screening_date or today):
            errors["date_of_birth"] = "The date of birth must be before the screening date."
        elif date_of_birth.year < 1900:
            errors["date_of_birth"] = "Enter a date of birth after 1900."
    sexes = dict(Candidate._meta.get_field("sex").choices or [])
    if sex and sex not in sexes:
        errors["sex"] = f"Choose one of: {', '.join(sexes)}."
    initials = (initials or "").strip()
    if initials and not _INITIALS.match(initials):
        errors["initials"] = "Initials are up to 8 letters (dots, hyphens and spaces allowed)."
    full_name = (full_name or "").strip()
    if len(full_name) > 200:
        errors["full_name"] = "The name is at most 200 characters."
    number = (screening_number or "").strip()
    if number:
        if not _NUMBER.match(number):
            errors["screening_number"] = (
                "A screening number is 1-32 letters, digits, dots, hyphens or underscores."
            )
        elif Candidate.objects.filter(study=study, screening_number=number).exists():
            errors["screening_number"] = f"Screening number {number} is already used."
    version = current_version(study)
    if version is None:
        errors[NON_FIELD] = f"Study {study.key} has no protocol version."
    if errors:
        raise ScreeningError(errors)
    assert version is not None
    assert screening_date is not None
    try:
        with transaction.atomic():
            candidate = Candidate.objects.create(
                study=study,
                site=site,
                screening_number=number or next_screening_number(study, site),
                protocol_version=version,
                initials=initials,
                full_name=full_name,
                date_of_birth=date_of_birth,
                sex=sex,
                screening_date=screening_date,
                registered_at=_utc_now(),
                registered_by=user,
            )
            record_create(
                _ctx(user, candidate),
                candidate,
                [
                    "screening_number",
                    "site_id",
                    "protocol_version_id",
                    "initials",
                    "full_name",
                    "date_of_birth",
                    "sex",
                    "screening_date",
                    "status",
                ],
            )
    except IntegrityError:
        raise ScreeningError(
            {"screening_number": "That screening number was just taken; submit again."}
        ) from None
    return candidate


# --------------------------------------------------------------------------- values


def _units_like(unit: str) -> list[str]:
    dimension = parse_unit(unit).dimension
    return [u for u in known_units() if parse_unit(u).dimension == dimension]


def unit_choices(variable: ScreeningVariable) -> list[str]:
    """Units a value of `variable` may be entered in (its recording unit first)."""
    if variable.unit is None:
        return []
    base = parse_unit(variable.unit).symbol
    return [base, *[u for u in _units_like(base) if u != base]]


def parse_value(
    variable: ScreeningVariable, value: RawValue, unit: str | None = None
) -> tuple[Any, str] | None:
    """The value to store (JSON) and its unit symbol ("" for unit-less variables).

    Returns None for an empty value (nothing entered). Raises ValueError with a message
    naming what is wrong: the type, the range, the choices or the unit's dimension.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    unit = (unit or "").strip() or None
    kind = variable.type
    if kind in ("number", "integer"):
        number = _number(value, integer=kind == "integer")
        symbol = ""
        in_base = number
        if variable.unit is None:
            if unit is not None:
                raise ValueError(f"{variable.label} has no unit (got {unit!r}).")
        else:
            base = parse_unit(variable.unit)
            if unit is None:
                symbol = base.symbol
            else:
                try:
                    given = parse_unit(unit)
                except UnknownUnitError as exc:
                    raise ValueError(f"{exc}.") from None
                if given.dimension != base.dimension:
                    raise ValueError(
                        f"{given.symbol} is not a unit of {variable.label.lower()}: enter the "
                        f"value in {base.symbol} or a convertible unit "
                        f"({', '.join(_units_like(base.symbol))})."
                    )
                symbol = given.symbol
                in_base = number * given.factor / base.factor
        shown_unit = f" {variable.unit}" if variable.unit else ""
        if variable.minimum is not None and in_base < variable.minimum - 1e-9:
            raise ValueError(f"Must be at least {variable.minimum:g}{shown_unit}.")
        if variable.maximum is not None and in_base > variable.maximum + 1e-9:
            raise ValueError(f"Must be at most {variable.maximum:g}{shown_unit}.")
        return number, symbol
    if unit is not None:
        raise ValueError(f"{variable.label} has no unit (got {unit!r}).")
    if kind == "boolean":
        return _boolean(value), ""
    if kind == "choice":
        text = str(value).strip()
        if text not in variable.choices:
            raise ValueError(f"Choose one of: {', '.join(variable.choices)}.")
        return text, ""
    if kind == "date":
        if isinstance(value, dt.date):
            return value.isoformat(), ""
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat(), ""
        except ValueError:
            raise ValueError("Enter a date as YYYY-MM-DD.") from None
    text = str(value).strip()
    if len(text) > 500:
        raise ValueError("At most 500 characters.")
    return text, ""


def _number(value: RawValue, *, integer: bool) -> int | float:
    if isinstance(value, bool):
        raise ValueError("Enter a number.")
    if isinstance(value, (int, float)):
        number: float = float(value)
    else:
        try:
            number = float(str(value).strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"Enter a number (got {value!r}).") from None
    if not math.isfinite(number):
        raise ValueError("Enter a finite number.")
    if integer:
        if number != int(number):
            raise ValueError("Enter a whole number.")
        return int(number)
    return int(number) if number == int(number) and abs(number) < 1e15 else number


def _boolean(value: RawValue) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true", "1", "y"):
        return True
    if text in ("no", "false", "0", "n"):
        return False
    raise ValueError("Answer yes or no.")


def _parse_all(
    protocol: Protocol, values: Mapping[str, tuple[RawValue, str | None]]
) -> tuple[dict[str, tuple[Any, str] | None], dict[str, str]]:
    variables = protocol_variables(protocol)
    parsed: dict[str, tuple[Any, str] | None] = {}
    errors: dict[str, str] = {}
    for name, pair in values.items():
        variable = variables.get(name)
        if variable is None:
            errors[name] = f"{name} is not a screening variable of this protocol."
            continue
        value, unit = pair if isinstance(pair, tuple) else (pair, None)
        try:
            parsed[name] = parse_value(variable, value, unit)
        except ValueError as exc:
            errors[name] = str(exc)
    return parsed, errors


def record_screening_values(
    user: Any,
    candidate: Candidate,
    values: Mapping[str, tuple[RawValue, str | None]],
    *,
    reason: str = "",
    expected_version: int | None = None,
) -> Candidate:
    """Record `values` ({variable: (value, unit)}); an empty value clears a stored one.

    Changing or clearing a stored value needs a `reason`. Afterwards the candidate's
    status follows the evaluation (see :func:`refresh_status`).
    """
    require(user, candidate.study, Action.SCREEN, candidate.site)
    protocol = selectors.candidate_protocol(candidate)
    parsed, errors = _parse_all(protocol, values)
    reason = (reason or "").strip()
    stored = {v.variable: v for v in candidate.values.all()}
    changes: list[tuple[str, tuple[Any, str] | None]] = []
    for name, new in parsed.items():
        old = stored.get(name)
        if old is None and new is None:
            continue
        if old is not None and new is not None and (old.value, old.unit) == new:
            continue
        if old is not None and not reason:
            errors[name] = (
                f"{name} already has a value ({_shown(old.value, old.unit)}); give a reason "
                "for the change."
            )
            continue
        changes.append((name, new))
    if errors:
        raise ScreeningError(errors)
    if not changes:
        return candidate
    with transaction.atomic():
        locked = _lock(candidate, expected_version)
        now = _utc_now()
        created: list[ScreeningValue] = []  # audited together, before any other change
        for name, new in changes:
            row = stored.get(name)
            if row is None:
                assert new is not None
                row = ScreeningValue.objects.create(
                    candidate=locked,
                    variable=name,
                    value=new[0],
                    unit=new[1],
                    recorded_at=now,
                    recorded_by=user,
                )
                created.append(row)
                continue
            created = _audit_created(user, locked, created, ["variable", "value", "unit"])
            if new is None:
                record_delete(_ctx(user, locked, reason), row, ["variable", "value", "unit"])
                row.delete()
            else:
                old_value, old_unit = row.value, row.unit
                row.value, row.unit = new
                row.recorded_at, row.recorded_by = now, user
                row.save(update_fields=["value", "unit", "recorded_at", "recorded_by"])
                record_update(
                    _ctx(user, locked, reason),
                    row,
                    {"value": (old_value, new[0]), "unit": (old_unit, new[1])},
                )
        _audit_created(user, locked, created, ["variable", "value", "unit"])
        _after_change(user, locked, reason)
        _bump(candidate, locked)
    return candidate


def _audit_created(user: Any, locked: Candidate, rows: list[Any], fields: list[str]) -> list[Any]:
    """The creation records of `rows` (in order) in one write; an empty list to go on
    collecting."""
    if rows:
        record_create_many(_ctx(user, locked), rows, fields)
    return []


def _shown(value: Any, unit: str) -> str:
    return f"{value} {unit}".strip()


# --------------------------------------------------------------------------- attestations


def checklist_ids(protocol: Protocol) -> list[str]:
    """Criteria without a rule: the investigator attests them."""
    elig = protocol.eligibility
    return [c.id for c in [*elig.inclusion, *elig.exclusion] if c.rule is None]


def attest(
    user: Any,
    candidate: Candidate,
    criterion_id: str,
    satisfied: bool,
    *,
    reason: str = "",
    expected_version: int | None = None,
) -> Candidate:
    """The investigator's answer to one checklist criterion: `satisfied` is True when
    the candidate passes it (an inclusion criterion is met, an exclusion criterion does
    not apply)."""
    return record_attestations(
        user,
        candidate,
        {criterion_id: satisfied},
        reason=reason,
        expected_version=expected_version,
    )


def record_attestations(
    user: Any,
    candidate: Candidate,
    answers: Mapping[str, bool | None],
    *,
    reason: str = "",
    expected_version: int | None = None,
) -> Candidate:
    """Several attestations at once ({criterion id: satisfied}; None withdraws one).
    Changing an earlier answer needs a `reason`."""
    require(user, candidate.study, Action.ATTEST_ELIGIBILITY, candidate.site)
    checklist = checklist_ids(selectors.candidate_protocol(candidate))
    reason = (reason or "").strip()
    stored = {a.criterion_id: a for a in candidate.attestations.all()}
    errors: dict[str, str] = {}
    changes: list[tuple[str, bool | None]] = []
    for criterion_id, satisfied in answers.items():
        if criterion_id not in checklist:
            errors[criterion_id] = (
                f"{criterion_id} is not a checklist criterion of this protocol "
                f"(checklist: {', '.join(checklist) or 'none'})."
            )
            continue
        if satisfied is not None and not isinstance(satisfied, bool):
            errors[criterion_id] = "Answer yes or no."
            continue
        old = stored.get(criterion_id)
        if (old.satisfied if old else None) == satisfied:
            continue
        if old is not None and not reason:
            errors[criterion_id] = (
                f"{criterion_id} was already attested; give a reason for the change."
            )
            continue
        changes.append((criterion_id, satisfied))
    if errors:
        raise ScreeningError(errors)
    if not changes:
        return candidate
    with transaction.atomic():
        locked = _lock(candidate, expected_version)
        now = _utc_now()
        created: list[Attestation] = []  # audited together, before any other change
        for criterion_id, satisfied in changes:
            row = stored.get(criterion_id)
            if row is None:
                assert satisfied is not None
                row = Attestation.objects.create(
                    candidate=locked,
                    criterion_id=criterion_id,
                    satisfied=satisfied,
                    attested_at=now,
                    attested_by=user,
                )
                created.append(row)
                continue
            created = _audit_created(user, locked, created, ["criterion_id", "satisfied"])
            if satisfied is None:
                record_delete(_ctx(user, locked, reason), row, ["criterion_id", "satisfied"])
                row.delete()
            else:
                old_value = row.satisfied
                row.satisfied, row.attested_at, row.attested_by = satisfied, now, user
                row.save(update_fields=["satisfied", "attested_at", "attested_by"])
                record_update(
                    _ctx(user, locked, reason), row, {"satisfied": (old_value, satisfied)}
                )
        _audit_created(user, locked, created, ["criterion_id", "satisfied"])
        _after_change(user, locked, reason)
        _bump(candidate, locked)
    return candidate


# --------------------------------------------------------------------------- evaluation


def _domain_attestations(protocol: Protocol, satisfied: Mapping[str, bool]) -> dict[str, bool]:
    """The model stores "the candidate passes"; the domain wants "the text holds"."""
    exclusion = {c.id for c in protocol.eligibility.exclusion}
    return {k: (not v if k in exclusion else v) for k, v in satisfied.items()}


def evaluate(
    candidate: Candidate,
    values: Mapping[str, Measurement] | None = None,
    attestations: Mapping[str, bool] | None = None,
) -> EligibilityResult:
    """The eligibility evaluation from the stored values and attestations (or the ones
    given). Age and sex come from the registration details when not entered."""
    protocol = selectors.candidate_protocol(candidate)
    stored = selectors.stored_values(candidate) if values is None else dict(values)
    merged = {**selectors.derived_values(candidate), **stored}
    satisfied = selectors.attestations_of(candidate) if attestations is None else attestations
    return evaluate_eligibility(protocol, merged, _domain_attestations(protocol, satisfied))


def preview(
    candidate: Candidate,
    values: Mapping[str, tuple[RawValue, str | None]],
    attestations: Mapping[str, bool] | None = None,
) -> tuple[EligibilityResult, dict[str, str]]:
    """Evaluate unsaved values (as posted by the screening form) on top of the stored
    ones; writes nothing. Returns the evaluation and the messages for values that could
    not be used (those values are left out)."""
    protocol = selectors.candidate_protocol(candidate)
    parsed, errors = _parse_all(protocol, values)
    merged = selectors.stored_values(candidate)
    variables = protocol_variables(protocol)
    for name, new in parsed.items():
        if new is None:
            merged.pop(name, None)
            continue
        value, unit = new
        if variables[name].type == "date":
            value = dt.date.fromisoformat(value)
        merged[name] = Measurement(value, unit or None)
    for name in errors:
        merged.pop(name, None)
    return evaluate(candidate, merged, attestations), errors


def evaluation_snapshot(result: EligibilityResult) -> dict[str, Any]:
    """The evaluation as JSON, kept with an eligibility confirmation."""
    return {
        "outcome": result.outcome,
        "summary": result.summary,
        "criteria": [
            {
                "id": c.id,
                "section": c.section,
                "status": c.status,
                "passes": c.eligible_for_criterion,
                "reason": c.reason,
                "values": {k: str(v) for k, v in c.values.items()},
                "computable": c.computable,
            }
            for c in result.criteria
        ],
    }


def _after_change(user: Any, locked: Candidate, reason: str) -> None:
    """After values or attestations changed: a confirmation no longer holds, and the
    status follows the evaluation."""
    confirmation = selectors.active_confirmation(locked)
    if confirmation is not None:
        confirmation.revoked_at = _utc_now()
        confirmation.save(update_fields=["revoked_at"])
        record_update(
            _ctx(user, locked, reason or "screening data changed after confirmation"),
            confirmation,
            {"revoked_at": (None, confirmation.revoked_at)},
        )
    refresh_status(user, locked, reason)


def refresh_status(user: Any, locked: Candidate, reason: str = "") -> None:
    """Set the status from the evaluation: a failed criterion makes a screen failure
    (with the failed criteria as reasons); when values change so that nothing fails any
    more, an automatic screen failure is lifted. Call inside the transaction."""
    result = evaluate(locked)
    old = (locked.status, locked.outcome_reason)
    failed = locked.status == Candidate.Status.SCREEN_FAILED
    automatic = failed and locked.outcome_reason.startswith(selectors.AUTOMATIC_FAILURE_PREFIX)
    if result.outcome == "not_eligible":
        if locked.status == Candidate.Status.SCREEN_FAILED and not automatic:
            return  # a screen failure recorded by a person stays as they wrote it
        new = (
            Candidate.Status.SCREEN_FAILED.value,
            selectors.AUTOMATIC_FAILURE_PREFIX + "\n".join(result.failures),
        )
    elif automatic or locked.status == Candidate.Status.ELIGIBLE:
        new = (Candidate.Status.SCREENING.value, "")
    else:
        return
    if new != old:
        locked.status, locked.outcome_reason = new
        locked.save(update_fields=["status", "outcome_reason"])
        record_update(
            _ctx(user, locked, reason or "status from the eligibility evaluation"),
            locked,
            {"status": (old[0], new[0]), "outcome_reason": (old[1], new[1])},
        )


def confirm_eligibility(
    user: Any, candidate: Candidate, *, expected_version: int | None = None
) -> EligibilityConfirmation:
    """An investigator confirms a passed eligibility check; the evaluation is kept."""
    require(user, candidate.study, Action.ATTEST_ELIGIBILITY, candidate.site)
    with transaction.atomic():
        locked = _lock(candidate, expected_version)
        if selectors.active_confirmation(locked) is not None:
            raise ScreeningError("Eligibility is already confirmed.")
        if locked.status == Candidate.Status.SCREEN_FAILED:
            raise ScreeningError(
                f"The candidate is a screen failure: {locked.outcome_reason.strip()}"
            )
        result = evaluate(locked)
        if result.outcome != "eligible":
            raise ScreeningError(f"Eligibility cannot be confirmed: {result.summary}.")
        confirmation = EligibilityConfirmation.objects.create(
            candidate=locked,
            confirmed_at=_utc_now(),
            confirmed_by=user,
            evaluation=evaluation_snapshot(result),
        )
        record_create(
            _ctx(user, locked), confirmation, ["confirmed_at", "confirmed_by_id", "evaluation"]
        )
        old_status = locked.status
        record_update(
            _ctx(user, locked),
            locked,
            {"status": (old_status, Candidate.Status.ELIGIBLE.value)},
        )
        _bump(candidate, locked, status=Candidate.Status.ELIGIBLE.value, outcome_reason="")
    return confirmation


def record_screen_failure(
    user: Any, candidate: Candidate, reason: str, *, expected_version: int | None = None
) -> Candidate:
    """Record that the candidate will not be enrolled (screen failure) and why."""
    require(user, candidate.study, Action.SCREEN, candidate.site)
    reason = (reason or "").strip()
    if not reason:
        raise ScreeningError({"reason": "Give the reason for the screen failure."})
    if len(reason) > 2000:
        raise ScreeningError({"reason": "At most 2000 characters."})
    with transaction.atomic():
        locked = _lock(candidate, expected_version)
        confirmation = selectors.active_confirmation(locked)
        if confirmation is not None:
            confirmation.revoked_at = _utc_now()
            confirmation.save(update_fields=["revoked_at"])
            record_update(
                _ctx(user, locked, reason),
                confirmation,
                {"revoked_at": (None, confirmation.revoked_at)},
            )
        record_update(
            _ctx(user, locked, reason),
            locked,
            {
                "status": (locked.status, Candidate.Status.SCREEN_FAILED.value),
                "outcome_reason": (locked.outcome_reason, reason),
            },
        )
        _bump(
            candidate,
            locked,
            status=Candidate.Status.SCREEN_FAILED.value,
            outcome_reason=reason,
        )
    return candidate


# --------------------------------------------------------------------------- consent


def default_form_version(version: ProtocolVersion) -> str:
    spec = protocol_of(version).consent
    return spec.form_version if spec is not None else version.label


def record_consent(
    user: Any,
    candidate: Candidate,
    *,
    consented_at: dt.datetime | None,
    obtained_by: Any,
    form_version: str | None = None,
    expected_version: int | None = None,
) -> Consent:
    """Record informed consent to the study's current protocol version.

    `form_version` defaults to the protocol's ``consent.form_version`` (or its version
    label); `obtained_by` must be a member of the study who may record consent at the
    candidate's site.
    """
    require(user, candidate.study, Action.RECORD_CONSENT, candidate.site)
    errors: dict[str, str] = {}
    version = current_version(candidate.study)
    assert version is not None  # a candidate exists only for a study with a protocol
    form = (form_version or "").strip() or default_form_version(version)
    if len(form) > 32:
        errors["form_version"] = "At most 32 characters."
    if consented_at is None:
        errors["consented_at"] = "Enter the date and time consent was given."
    elif timezone.is_naive(consented_at):
        errors["consented_at"] = "Give the time with its time zone."
    elif consented_at > _utc_now() + dt.timedelta(minutes=5):
        errors["consented_at"] = "Consent cannot be recorded for a time in the future."
    elif consented_at.date() < candidate.screening_date - dt.timedelta(days=365):
        errors["consented_at"] = "Consent is more than a year before the screening date."
    if obtained_by is None or not getattr(obtained_by, "is_authenticated", False):
        errors["obtained_by"] = "Choose the person who obtained consent."
    elif not access.can(obtained_by, candidate.study, Action.RECORD_CONSENT, candidate.site):
        errors["obtained_by"] = (
            f"{obtained_by.get_username()} holds no role at site {candidate.site.code} that "
            "may obtain consent."
        )
    if errors:
        raise ScreeningError(errors)
    assert consented_at is not None
    with transaction.atomic():
        locked = _lock(candidate, expected_version, enrolled_ok=True)
        consent = Consent.objects.create(
            candidate=locked,
            protocol_version=version,
            form_version=form,
            consented_at=consented_at,
            obtained_by=obtained_by,
            recorded_at=_utc_now(),
        )
        record_create(
            _ctx(user, locked),
            consent,
            ["protocol_version_id", "form_version", "consented_at", "obtained_by_id"],
        )
        _bump(candidate, locked)
    return consent


def consent_is_valid(candidate: Candidate, current_version: ProtocolVersion | None = None) -> bool:
    """True when the newest consent covers `current_version` (default: the study's
    current one): no later protocol version up to it requires re-consent."""
    return selectors.consent_state(candidate, current_version).valid
