"""Follow-up pages: a subject's follow-up (contacts, recurrence, death, withdrawal, last
known alive, with their forms) and the per-site worklist of survival contacts due.
Views parse input, call a service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.crfs.locks import Locked
from oncotrial.apps.followup import selectors, services
from oncotrial.apps.followup.forms import ContactForm, DeathForm, RecurrenceForm, WithdrawalForm
from oncotrial.apps.followup.models import Death, FollowUpContact, Recurrence, Withdrawal
from oncotrial.apps.records import RecordConflict
from oncotrial.apps.studies.selectors import StudyView, protocol_of
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.subjects.views import add_errors
from oncotrial.apps.treatment.correction import correct
from oncotrial.apps.treatment.views import subject_for
from oncotrial.domain.permissions import Action

CHANGES: dict[str, tuple[type[Model], Callable[..., Any]]] = {
    "contact": (FollowUpContact, services.change_contact),
    "recurrence": (Recurrence, services.change_recurrence),
    "death": (Death, services.change_death),
    "withdrawal": (Withdrawal, services.change_withdrawal),
}
FORMS: dict[str, tuple[type[forms.ModelForm], Callable[..., Any], str]] = {
    "contact": (ContactForm, services.record_contact, "Contact"),
    "recurrence": (RecurrenceForm, services.record_recurrence, "Recurrence"),
    "death": (DeathForm, services.record_death, "Death"),
    "withdrawal": (WithdrawalForm, services.record_withdrawal, "Withdrawal"),
}


def _render(
    request: HttpRequest,
    view: StudyView,
    subject: Subject,
    bound: dict[str, forms.ModelForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    can_enter = access_selectors.can(request.user, view.study, Action.ENTER_DATA, subject.site)
    bound = bound or {}
    follow_up = protocol_of(subject.protocol_version).schedule.follow_up
    context = {
        "view": view,
        "study": view.study,
        "subject": subject,
        "disposition": selectors.disposition(subject),
        "contacts": FollowUpContact.objects.filter(subject=subject).order_by("-date", "-pk"),
        "recurrences": Recurrence.objects.filter(subject=subject),
        "follow_up": follow_up,
        "can_enter": can_enter,
        "forms": {kind: bound.get(kind) or FORMS[kind][0](prefix=kind) for kind in FORMS}
        if can_enter
        else {},
    }
    return render(request, "followup/subject.html", context, status=status)


@login_required
def subject_page(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    return _render(request, view, subject_for(request, view, number))


@login_required
@require_POST
def record(request: HttpRequest, key: str, number: str, kind: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = subject_for(request, view, number)
    if kind not in FORMS:
        raise Http404(f"Nothing called {kind} to record")
    require(request.user, view.study, Action.ENTER_DATA, subject.site)
    form = FORMS[kind][0](request.POST, prefix=kind)
    status = 400
    if form.is_valid():
        values = {n: v for n, v in form.cleaned_data.items() if n in form.fields}
        try:
            FORMS[kind][1](request.user, subject, values)
        except Locked as exc:
            form.add_error(None, exc.text)
            status = 423
        except ValidationError as exc:
            add_errors(form, exc)
        except RecordConflict as exc:
            form.add_error(None, str(exc))
            status = 409
        else:
            messages.success(request, f"{FORMS[kind][2]} recorded.")
            return redirect("followup:subject", key=key, number=number)
    return _render(request, view, subject, {kind: form}, status=status)


@login_required
def worklist(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    sites = access_selectors.sites_for(request.user, view.study, Action.VIEW_SUBJECTS).order_by(
        "code"
    )
    code = request.GET.get("site", "")
    site = sites.filter(code=code).first() if code else None
    today = timezone.localdate()
    follow_up = view.protocol.schedule.follow_up
    return render(
        request,
        "followup/worklist.html",
        {
            "view": view,
            "study": view.study,
            "rows": selectors.contacts_due(request.user, view.study, today, site),
            "sites": list(sites),
            "site": site,
            "today": today,
            "follow_up": follow_up,
            "window": selectors.DUE_WINDOW_DAYS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, key: str, number: str, kind: str, pk: int) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = subject_for(request, view, number)
    if kind not in CHANGES:
        raise Http404(f"Nothing called {kind} to correct")
    model, change = CHANGES[kind]
    row = model._default_manager.filter(subject=subject, pk=pk).first()
    if row is None:
        raise Http404(f"No {kind} {pk} for subject {number}")
    require(request.user, view.study, Action.ENTER_DATA, subject.site)
    data = request.POST if request.method == "POST" else None
    form = FORMS[kind][0](data, prefix="edit", instance=row)
    back = reverse("followup:subject", args=[key, number])
    return correct(request, view, subject, row, form, change, FORMS[kind][2], back)
