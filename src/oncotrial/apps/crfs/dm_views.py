"""Data-management pages: the per-site list of open queries with their age, a query's
thread with answer / re-open / close, raising a query (on a subject, a form or one
item), signing forms, visits and casebooks, and locking and unlocking data. Views parse
input, call a service, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.crfs import locks, queries, query_selectors
from oncotrial.apps.crfs import signatures as sig
from oncotrial.apps.crfs.dm_api import form_or_404, lock_or_404, query_or_404, visit_or_404
from oncotrial.apps.crfs.models import FormInstance, Lock, Query, Signature
from oncotrial.apps.studies.selectors import StudyView
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.subjects.views import add_errors
from oncotrial.domain.permissions import Action

STATUS_CHOICES = [
    ("unresolved", "Open or answered"),
    ("open", "Open"),
    ("answered", "Answered"),
    ("closed", "Closed"),
    ("all", "All"),
]
STEP_LABELS = {"answer": "Answer", "reopen": "Re-open", "close": "Close"}


class QueryStepForm(forms.Form):
    text = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 3}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class RaiseQueryForm(forms.Form):
    subject = forms.CharField(label="Subject number", max_length=32, required=False)
    form = forms.IntegerField(required=False, widget=forms.HiddenInput)
    item = forms.CharField(required=False, max_length=64, label="Item")
    text = forms.CharField(label="Question", widget=forms.Textarea(attrs={"rows": 4}))


class SignForm(forms.Form):
    scope = forms.ChoiceField(choices=Signature.Scope.choices, widget=forms.HiddenInput)
    form_instance = forms.IntegerField(required=False, widget=forms.HiddenInput)
    visit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    meaning = forms.CharField(label="Meaning of your signature", max_length=300)
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class LockForm(forms.Form):
    scope = forms.ChoiceField(choices=Lock.Scope.choices)
    subject = forms.CharField(required=False, max_length=32, label="Subject number")
    visit = forms.IntegerField(required=False, label="Visit id")
    form_instance = forms.IntegerField(required=False, label="Form id")
    reason = forms.CharField(required=False, label="Reason", max_length=500)


class UnlockForm(forms.Form):
    reason = forms.CharField(label="Reason for unlocking", max_length=500)


def _subject(request: HttpRequest, view: StudyView, number: str) -> Subject:
    try:
        return subject_selectors.get_subject(request.user, view.study, number)
    except Subject.DoesNotExist:
        raise Http404(f"No subject {number}") from None


# --------------------------------------------------------------------------- queries


@login_required
def query_list(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    sites = list(access_selectors.sites_for(request.user, view.study, Action.VIEW_SUBJECTS))
    code = request.GET.get("site") or ""
    site = next((s for s in sites if s.code == code), None)
    wanted = request.GET.get("status") or "unresolved"
    if wanted not in query_selectors.STATUS_FILTERS:
        wanted = "unresolved"
    today = timezone.localdate()
    rows = query_selectors.open_queries(request.user, view.study, site, today=today, status=wanted)
    return render(
        request,
        "crfs_dm/query_list.html",
        {
            "view": view,
            "study": view.study,
            "rows": rows,
            "sites": sites,
            "site": site,
            "status": wanted,
            "status_choices": STATUS_CHOICES,
            "today": today,
            "can_raise": access_selectors.can(request.user, view.study, Action.RAISE_QUERY),
        },
    )


def _step_forms(request: HttpRequest, view: StudyView, query: Query) -> dict[str, Any]:
    allowed = []
    for step in queries.allowed_actions(query):
        permission = queries.TRANSITIONS[step][2]
        if access_selectors.can(request.user, view.study, permission, query.site):
            allowed.append(step)
    return {
        step: QueryStepForm(initial={"expected_version": query.version}, prefix=step)
        for step in allowed
    }


def _render_query(
    request: HttpRequest,
    view: StudyView,
    query: Query,
    step_forms: dict[str, QueryStepForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms_ = _step_forms(request, view, query)
    forms_.update({k: v for k, v in (step_forms or {}).items() if k in forms_})
    return render(
        request,
        "crfs_dm/query_detail.html",
        {
            "view": view,
            "study": view.study,
            "query": query,
            "age_days": (timezone.localdate() - timezone.localdate(query.raised_at)).days,
            "step_forms": [(step, STEP_LABELS[step], form) for step, form in forms_.items()],
        },
        status=status,
    )


@login_required
def query_detail(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    return _render_query(request, view, query_or_404(request.user, view.study, pk))


@login_required
@require_POST
def query_step(request: HttpRequest, key: str, pk: int, step: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    query = query_or_404(request.user, view.study, pk)
    if step not in STEP_LABELS:
        raise Http404(f"No step {step}")
    require(request.user, view.study, queries.TRANSITIONS[step][2], query.site)
    form = QueryStepForm(request.POST, prefix=step)
    if form.is_valid():
        service = {"answer": queries.answer, "reopen": queries.reopen, "close": queries.close}
        try:
            service[step](
                request.user,
                query,
                form.cleaned_data["text"],
                form.cleaned_data["expected_version"],
            )
        except queries.QueryConflict as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Query {query.pk} {queries.VERBS[step]}.")
            return redirect("crfs_dm:query", key, pk)
    query = query_or_404(request.user, view.study, pk)
    return _render_query(request, view, query, {step: form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def raise_query(request: HttpRequest, key: str) -> HttpResponse:
    """Raise a query on a subject (``?subject=``), a form (``?form=<id>``) or one item of
    a form (``?form=<id>&item=<item id>``)."""
    view = study_for(request.user, key, Action.RAISE_QUERY)
    source = request.POST if request.method == "POST" else request.GET
    target_form: FormInstance | None = None
    form_id = source.get("form") or ""
    if form_id:
        if not form_id.isdigit():
            raise Http404("No such form")
        target_form = form_or_404(request.user, view.study, int(form_id))
    initial = {
        "subject": target_form.subject.subject_number if target_form else source.get("subject", ""),
        "form": target_form.pk if target_form else None,
        "item": source.get("item", ""),
    }
    if request.method == "POST":
        form = RaiseQueryForm(request.POST)
        if form.is_valid() and not target_form and not form.cleaned_data["subject"]:
            form.add_error("subject", "Give the subject number.")
        if form.is_valid():
            subject = (
                target_form.subject
                if target_form
                else _subject(request, view, form.cleaned_data["subject"])
            )
            try:
                query = queries.raise_query(
                    request.user,
                    subject,
                    form.cleaned_data["text"],
                    form_instance=target_form,
                    item_id=form.cleaned_data["item"] or "",
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Query {query.pk} raised.")
                return redirect("crfs_dm:query", key, query.pk)
        status = 400
    else:
        form = RaiseQueryForm(initial=initial)
        status = 200
    if target_form is not None:
        form.fields["subject"].widget = forms.HiddenInput()
    return render(
        request,
        "crfs_dm/raise_query.html",
        {"view": view, "study": view.study, "form": form, "target_form": target_form},
        status=status,
    )


# --------------------------------------------------------------------------- signatures


def _sign_form(scope: str, **target: Any) -> SignForm:
    return SignForm(
        initial={"scope": scope, "meaning": sig.DEFAULT_MEANINGS[scope], **target},
        prefix=f"{scope}-{target.get('form_instance') or target.get('visit') or 'all'}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def subject_review(request: HttpRequest, key: str, number: str) -> HttpResponse:
    """A subject's data review: signatures (valid and invalidated) with the forms to sign
    a form, a visit or the casebook, the subject's queries and locks."""
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    failed: SignForm | None = None
    if request.method == "POST":
        require(request.user, view.study, Action.SIGN, subject.site)
        prefix = request.POST.get("prefix", "")
        form = SignForm(request.POST, prefix=prefix)
        if form.is_valid():
            data = form.cleaned_data
            target_form = target_visit = None
            if data.get("form_instance"):
                target_form = form_or_404(request.user, view.study, data["form_instance"], subject)
            if data.get("visit"):
                target_visit = visit_or_404(request.user, view.study, data["visit"], subject)
            try:
                sig.sign(
                    request.user,
                    subject,
                    data["scope"],
                    form_instance=target_form,
                    visit=target_visit,
                    password=data["password"],
                    meaning=data["meaning"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Signed.")
                return redirect("crfs_dm:signatures", key, number)
        failed = form
    return _render_review(request, view, subject, failed, status=400 if failed else 200)


def _render_review(
    request: HttpRequest,
    view: StudyView,
    subject: Subject,
    failed: SignForm | None,
    status: int = 200,
) -> HttpResponse:
    can_sign = access_selectors.can(request.user, view.study, Action.SIGN, subject.site)
    subject_forms = list(
        FormInstance.objects.filter(subject=subject)
        .select_related("visit")
        .order_by("visit__target_date", "form_id", "repeat_index")
    )
    visits = []
    seen = set()
    for f in subject_forms:
        if f.visit is not None and f.visit.pk not in seen:
            seen.add(f.visit.pk)
            visits.append(f.visit)

    def sign_form(scope: str, **target: Any) -> SignForm:
        form = _sign_form(scope, **target)
        if failed is not None and failed.prefix == form.prefix:
            return failed
        return form

    rows = [(s, sig.signature_status(s, check_content=True)) for s in sig.signatures_for(subject)]
    return render(
        request,
        "crfs_dm/subject_review.html",
        {
            "view": view,
            "study": view.study,
            "subject": subject,
            "signatures": rows,
            "can_sign": can_sign,
            "casebook_form": sign_form("casebook") if can_sign and subject_forms else None,
            "visit_forms": [(v, sign_form("visit", visit=v.pk)) for v in visits]
            if can_sign
            else [],
            "form_forms": [(f, sign_form("form", form_instance=f.pk)) for f in subject_forms]
            if can_sign
            else [],
            "queries": list(query_selectors.queries_for(subject)),
            "can_raise": access_selectors.can(
                request.user, view.study, Action.RAISE_QUERY, subject.site
            ),
            "lock": locks.active_lock_for(subject=subject),
            "can_lock": access_selectors.can(
                request.user, view.study, Action.LOCK_DATA, subject.site
            ),
            "lock_form": LockForm(initial={"scope": "subject", "subject": subject.subject_number}),
            "form_rows": [
                (f, locks.active_lock_for(form_instance=f, subject=subject)) for f in subject_forms
            ],
        },
        status=status,
    )


# --------------------------------------------------------------------------- locks


@login_required
@require_http_methods(["GET", "POST"])
def lock_list(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    can_lock = access_selectors.can(request.user, view.study, Action.LOCK_DATA)
    status = 200
    form = LockForm(initial={"scope": request.GET.get("scope", "visit")})
    if request.method == "POST":
        require(request.user, view.study, Action.LOCK_DATA)
        form = LockForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            subject = target_visit = target_form = None
            if data["subject"]:
                subject = _subject(request, view, data["subject"])
            if data.get("visit"):
                target_visit = visit_or_404(request.user, view.study, data["visit"], subject)
            if data.get("form_instance"):
                target_form = form_or_404(request.user, view.study, data["form_instance"], subject)
            try:
                new = locks.lock(
                    request.user,
                    view.study,
                    data["scope"],
                    subject=subject,
                    visit=target_visit,
                    form_instance=target_form,
                    reason=data["reason"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Locked: {locks.describe(new)}.")
                return redirect("crfs_dm:locks", key)
        status = 400
    return _render_locks(request, view, form, can_lock, status=status)


def _render_locks(
    request: HttpRequest,
    view: StudyView,
    form: LockForm,
    can_lock: bool,
    *,
    unlock_forms: dict[int, UnlockForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = locks.locks_for(request.user, view.study)
    unlock_forms = unlock_forms or {}
    return render(
        request,
        "crfs_dm/locks.html",
        {
            "view": view,
            "study": view.study,
            "rows": [(lock, unlock_forms.get(lock.pk) or UnlockForm()) for lock in rows],
            "form": form,
            "can_lock": can_lock,
        },
        status=status,
    )


@login_required
@require_POST
def unlock(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    lock = lock_or_404(request.user, view.study, pk)
    require(request.user, view.study, Action.LOCK_DATA)
    form = UnlockForm(request.POST)
    if form.is_valid():
        try:
            locks.unlock(request.user, lock, form.cleaned_data["reason"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Unlocked: {locks.describe(lock)}.")
            return redirect("crfs_dm:locks", key)
    can_lock = access_selectors.can(request.user, view.study, Action.LOCK_DATA)
    return _render_locks(
        request, view, LockForm(), can_lock, unlock_forms={lock.pk: form}, status=400
    )
