"""Treatment pages: a subject's treatment (administrations by cycle, surgery, end of
treatment, next-line therapies, with their forms) and the per-site worklist of subjects on
treatment. Views parse input, call a service, render."""

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
from oncotrial.apps.records import RecordConflict
from oncotrial.apps.studies.selectors import StudyView, protocol_of
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.subjects.views import add_errors
from oncotrial.apps.treatment import selectors, services
from oncotrial.apps.treatment.correction import correct
from oncotrial.apps.treatment.forms import (
    AdministrationForm,
    EndOfTreatmentForm,
    NextLineForm,
    SurgeryForm,
)
from oncotrial.apps.treatment.models import (
    Administration,
    EndOfTreatment,
    NextLineTherapy,
    Surgery,
)
from oncotrial.domain.permissions import Action

CHANGES: dict[str, tuple[type[Model], Callable[..., Any]]] = {
    "administration": (Administration, services.change_administration),
    "surgery": (Surgery, services.change_surgery),
    "end_of_treatment": (EndOfTreatment, services.change_end_of_treatment),
    "next_line": (NextLineTherapy, services.change_next_line),
}
FORMS: dict[str, tuple[type[forms.ModelForm], Callable[..., Any], str]] = {
    "administration": (AdministrationForm, services.record_administration, "Administration"),
    "surgery": (SurgeryForm, services.record_surgery, "Surgery"),
    "end_of_treatment": (EndOfTreatmentForm, services.record_end_of_treatment, "End of treatment"),
    "next_line": (NextLineForm, services.record_next_line, "Next-line therapy"),
}


def subject_for(request: HttpRequest, view: StudyView, number: str) -> Subject:
    try:
        return subject_selectors.get_subject(request.user, view.study, number)
    except Subject.DoesNotExist:
        raise Http404(f"No subject {number}") from None


def make_form(
    kind: str, subject: Subject, data: Any = None, *, instance: Model | None = None
) -> forms.ModelForm:
    form_class = FORMS[kind][0]
    extra: dict[str, Any] = {}
    if form_class is AdministrationForm:
        extra = {"protocol": protocol_of(subject.protocol_version), "subject": subject}
    prefix = "edit" if instance is not None else kind
    return form_class(data, prefix=prefix, instance=instance, **extra)


def _render(
    request: HttpRequest,
    view: StudyView,
    subject: Subject,
    bound: dict[str, forms.ModelForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    protocol = protocol_of(subject.protocol_version)
    can_enter = access_selectors.can(request.user, view.study, Action.ENTER_DATA, subject.site)
    names = {i.id: i.name for i in protocol.design.interventions}
    bound = bound or {}
    context = {
        "view": view,
        "study": view.study,
        "subject": subject,
        "cycles": selectors.by_cycle(subject),
        "names": names,
        "surgeries": Surgery.objects.filter(subject=subject),
        "end": EndOfTreatment.objects.filter(subject=subject).first(),
        "next_lines": NextLineTherapy.objects.filter(subject=subject),
        "can_enter": can_enter,
        "forms": {kind: bound.get(kind) or make_form(kind, subject) for kind in FORMS}
        if can_enter
        else {},
        "open_form": next(iter(bound), ""),
    }
    return render(request, "treatment/subject.html", context, status=status)


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
    form = make_form(kind, subject, request.POST)
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
            return redirect("treatment:subject", key=key, number=number)
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
    return render(
        request,
        "treatment/worklist.html",
        {
            "view": view,
            "study": view.study,
            "rows": selectors.on_treatment(request.user, view.study, today, site),
            "sites": list(sites),
            "site": site,
            "today": today,
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
    form = make_form(kind, subject, data, instance=row)
    back = reverse("treatment:subject", args=[key, number])
    return correct(request, view, subject, row, form, change, FORMS[kind][2], back)
