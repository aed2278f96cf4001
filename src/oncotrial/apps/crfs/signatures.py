"""Electronic signatures of forms, visits and casebooks, in the spirit of 21 CFR Part 11.

An investigator signs by re-entering their password and stating what the signature
means. The signature records the printed name, the UTC time, the meaning and the
SHA-256 of the signed content (the item values of every form in scope, as canonical
JSON). A wrong password is refused, nothing is stored, and the attempt is audited.
Changing signed data invalidates the signature (`invalidate_for`, called by the entry
service), which then shows as invalidated, with when and why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from oncotrial.apps.accounts.access import require
from oncotrial.apps.audit.services import AuditContext, record_create, record_update
from oncotrial.apps.crfs.models import FormInstance, ItemValue, Signature
from oncotrial.apps.rows import fetch
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import Action

DEFAULT_MEANINGS = {
    Signature.Scope.FORM: "I approve the data in this form as complete and accurate.",
    Signature.Scope.VISIT: "I approve the data of this visit as complete and accurate.",
    Signature.Scope.CASEBOOK: "I approve the data in this casebook as complete and accurate.",
}
SIGNATURE_FIELDS = [
    "subject_id",
    "scope",
    "form_instance_id",
    "visit_id",
    "signer_id",
    "printed_name",
    "meaning",
    "signed_at",
    "content_hash",
]
FAILED_ATTEMPT_FIELDS = ["attempt"]
WRONG_PASSWORD = "The password is not correct. Nothing was signed."


class SignatureRefused(ValidationError):
    """The password was wrong: nothing was signed (the attempt is in the audit trail)."""


def printed_name(user: Any) -> str:
    return (user.get_full_name() or "").strip() or user.get_username()


def forms_in_scope(
    subject: Subject,
    scope: str,
    *,
    form_instance: FormInstance | None = None,
    visit: Visit | None = None,
) -> QuerySet[FormInstance]:
    forms = FormInstance.objects.filter(subject=subject)
    if scope == Signature.Scope.FORM:
        forms = forms.filter(pk=form_instance.pk if form_instance else None)
    elif scope == Signature.Scope.VISIT:
        forms = forms.filter(visit=visit)
    return (
        forms.select_related("visit")
        .prefetch_related(Prefetch("items", queryset=ItemValue.objects.order_by("item_id")))
        .order_by("pk")
    )


def canonical_content(forms: QuerySet[FormInstance] | list[FormInstance]) -> str:
    """The signed content as canonical JSON: each form with its item values."""
    content = [
        {
            "form_instance": form.pk,
            "form_id": form.form_id,
            "repeat_index": form.repeat_index,
            "visit": (
                f"{form.visit.visit_id}#{form.visit.occurrence}" if form.visit is not None else None
            ),
            "items": {
                item.item_id: {"value": item.value, "unit": item.unit} for item in form.items.all()
            },
        }
        for form in sorted(forms, key=lambda f: f.pk)
    ]
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(
    subject: Subject,
    scope: str,
    *,
    form_instance: FormInstance | None = None,
    visit: Visit | None = None,
) -> str:
    forms = forms_in_scope(subject, scope, form_instance=form_instance, visit=visit)
    return hashlib.sha256(canonical_content(forms).encode("utf-8")).hexdigest()


def _context(user: Any, subject: Subject, reason: str = "") -> AuditContext:
    return AuditContext(
        user,
        study_key=subject.study.key,
        site_code=subject.site.code,
        subject_ref=subject.subject_number,
        reason=reason,
    )


def _target_errors(
    subject: Subject, scope: str, form_instance: FormInstance | None, visit: Visit | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if scope == Signature.Scope.FORM:
        if form_instance is None:
            errors["form_instance"] = ["Choose the form to sign."]
        elif form_instance.subject_id != subject.pk:
            errors["form_instance"] = ["That form does not belong to this subject."]
    elif scope == Signature.Scope.VISIT:
        if visit is None:
            errors["visit"] = ["Choose the visit to sign."]
        elif visit.subject_id != subject.pk:
            errors["visit"] = ["That visit does not belong to this subject."]
    return errors


def sign(
    user: Any,
    subject: Subject,
    scope: str,
    *,
    form_instance: FormInstance | None = None,
    visit: Visit | None = None,
    password: str,
    meaning: str,
) -> Signature:
    """Sign a form, a visit or the subject's whole casebook. The user must be allowed to
    sign at the subject's site and re-enter their password."""
    subject = Subject.objects.select_related("study", "site").get(pk=subject.pk)
    require(user, subject.study, Action.SIGN, subject.site)
    try:
        scope = Signature.Scope(scope)
    except ValueError:
        raise ValidationError(
            {"scope": [f"Unknown scope {scope!r}; choose form, visit or casebook."]}
        ) from None
    if scope != Signature.Scope.FORM:
        form_instance = None
    if scope != Signature.Scope.VISIT:
        visit = None
    errors = _target_errors(subject, scope, form_instance, visit)
    meaning = meaning.strip() if isinstance(meaning, str) else ""
    if not meaning:
        errors["meaning"] = ["State what your signature means."]
    elif len(meaning) > 300:
        errors["meaning"] = ["Keep the meaning to 300 characters."]
    if not password:
        errors["password"] = ["Enter your password to sign."]
    if errors:
        raise ValidationError(errors)

    if not user.check_password(password):
        _record_failed_attempt(user, subject, scope, form_instance, visit)
        raise SignatureRefused({"password": [WRONG_PASSWORD]})

    with transaction.atomic():
        forms = list(
            forms_in_scope(subject, scope, form_instance=form_instance, visit=visit)
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        if not forms:
            raise ValidationError({"scope": ["There is no data entered here to sign."]})
        digest = hashlib.sha256(canonical_content(forms).encode("utf-8")).hexdigest()
        signature = Signature.objects.create(
            subject=subject,
            scope=scope,
            form_instance=form_instance,
            visit=visit,
            signer=user,
            printed_name=printed_name(user),
            meaning=meaning,
            signed_at=timezone.now(),
            content_hash=digest,
        )
        record_create(_context(user, subject), signature, SIGNATURE_FIELDS)
    return signature


def _record_failed_attempt(
    user: Any,
    subject: Subject,
    scope: str,
    form_instance: FormInstance | None,
    visit: Visit | None,
) -> None:
    """Audit a refused signature (its own transaction, so that it stays when the
    refusal is raised). Recorded against crfs.signature with no id: nothing was signed."""
    target = {
        Signature.Scope.FORM: f" of form {form_instance.pk if form_instance else ''}",
        Signature.Scope.VISIT: f" of visit {visit.pk if visit else ''}",
        Signature.Scope.CASEBOOK: "",
    }[Signature.Scope(scope)]
    attempt = SimpleNamespace(
        _meta=Signature._meta,
        pk="",
        attempt=f"refused: wrong password ({scope} signature{target})",
    )
    with transaction.atomic():
        record_create(
            _context(user, subject, "failed signature attempt"),
            attempt,  # type: ignore[arg-type]
            FAILED_ATTEMPT_FIELDS,
        )


def covering_ids(form_instance: FormInstance) -> list[int]:
    """The valid signatures whose content includes `form_instance`: its own, its visit's
    and its subject's casebook signatures (read in plain SQL: every save asks)."""
    valid = fetch(
        Signature,
        "{subject_id} = %s AND {invalidated_at} IS NULL",
        [form_instance.subject_id],
        columns=("id", "scope", "form_instance_id", "visit_id"),
    )
    return [
        signature.pk
        for signature in valid
        if signature.scope == Signature.Scope.CASEBOOK
        or (
            signature.scope == Signature.Scope.FORM
            and signature.form_instance_id == form_instance.pk
        )
        or (
            signature.scope == Signature.Scope.VISIT
            and form_instance.visit_id is not None
            and signature.visit_id == form_instance.visit_id
        )
    ]


def invalidate_for(
    form_instance: FormInstance,
    reason: str,
    *,
    user: Any = None,
    covering: list[int] | None = None,
) -> list[Signature]:
    """Invalidate every valid signature covering `form_instance` because its data
    changed (the form's, its visit's and the casebook's). Audited; `user` is who changed
    the data (the system when not given). `covering` is what `covering_ids` answered
    earlier in the same transaction, with the form's row locked (signing locks it too).
    Returns the signatures invalidated."""
    reason = (reason or "").strip() or "The signed data changed."
    with transaction.atomic(savepoint=False):
        if covering is None:
            covering = covering_ids(form_instance)
        if not covering:
            return []
        signatures = list(
            Signature.objects.select_for_update()
            .filter(pk__in=covering, invalidated_at__isnull=True)
            .order_by("pk")
        )
        if not signatures:
            return []
        subject = Subject.objects.select_related("study", "site").get(pk=form_instance.subject_id)
        context = _context(user, subject, reason)
        now = timezone.now()
        for signature in signatures:
            signature.invalidated_at = now
            signature.invalidated_reason = reason
            signature.save(update_fields=["invalidated_at", "invalidated_reason"])
            record_update(
                context,
                signature,
                {"invalidated_at": (None, now), "invalidated_reason": ("", reason)},
            )
    return signatures


@dataclass(frozen=True)
class SignatureStatus:
    valid: bool
    invalidated_at: dt.datetime | None
    reason: str
    content_matches: bool | None
    """Whether the data in scope still hash to what was signed (None: not checked)."""

    @property
    def label(self) -> str:
        return "valid" if self.valid else "invalidated"


def signature_status(signature: Signature, *, check_content: bool = False) -> SignatureStatus:
    """Valid, or invalidated with when and why. With `check_content`, the signed data are
    hashed again: a signature whose data no longer match is reported invalid even if no
    service invalidated it."""
    matches: bool | None = None
    if check_content and signature.invalidated_at is None:
        matches = (
            content_hash(
                signature.subject,
                signature.scope,
                form_instance=signature.form_instance,
                visit=signature.visit,
            )
            == signature.content_hash
        )
    if signature.invalidated_at is not None:
        return SignatureStatus(
            False, signature.invalidated_at, signature.invalidated_reason, matches
        )
    if matches is False:
        return SignatureStatus(
            False, None, "The signed data no longer match what was signed.", matches
        )
    return SignatureStatus(True, None, "", matches)


def signatures_for(subject: Subject) -> QuerySet[Signature]:
    """The subject's signatures, newest first (the caller reached `subject` through a
    site-scoped selector)."""
    return (
        Signature.objects.filter(subject=subject)
        .select_related("signer", "form_instance", "visit")
        .order_by("-signed_at", "-id")
    )
