"""Pages of the specimens app: a subject's specimens with their custody history and the
collection and transfer forms, and the per-site worklist by location and status."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.records import RecordConflict
from oncotrial.apps.specimens import selectors, services
from oncotrial.apps.specimens.forms import CollectForm, TransferForm
from oncotrial.apps.specimens.models import Specimen, SpecimenStatus
from oncotrial.apps.studies.selectors import StudyView, protocol_of
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.subjects.selectors import get_subject
from oncotrial.domain.permissions import Action


def _subject(request: HttpRequest, view: StudyView, number: str) -> Subject:
    try:
        return get_subject(request.user, view.study, number)
    except Subject.DoesNotExist:
        raise Http404(f"No subject {number}") from None


def _collect_form(subject: Subject, data: Any = None) -> CollectForm:
    protocol = protocol_of(subject.protocol_version)
    return CollectForm(
        data,
        assessments=services.specimen_assessments(protocol),
        visits=list(subject.visits.filter(cancelled=False).order_by("target_date", "occurrence")),
    )


def _transfer_form(specimen: Specimen, data: Any = None) -> TransferForm:
    return TransferForm(
        data, auto_id=f"t{specimen.pk}_%s", initial={"expected_version": specimen.version}
    )


def _apply(form: forms.Form, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for field, msgs in errors.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)


def render_subject(
    request: HttpRequest,
    view: StudyView,
    subject: Subject,
    *,
    collect_form: CollectForm | None = None,
    transfer_forms: dict[int, TransferForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    specimens = list(selectors.subject_specimens(subject))
    forms_by = transfer_forms or {}
    rows = [
        {
            "specimen": s,
            "transfer_form": forms_by.get(s.pk) or _transfer_form(s),
            "movable": s.status not in (SpecimenStatus.USED, SpecimenStatus.DESTROYED),
        }
        for s in specimens
    ]
    return render(
        request,
        "specimens/subject.html",
        {
            "view": view,
            "study": view.study,
            "subject": subject,
            "rows": rows,
            "collect_form": collect_form or _collect_form(subject),
            "can_enter": access_selectors.can(
                request.user, view.study, Action.ENTER_DATA, subject.site
            ),
        },
        status=status,
    )


@login_required
def subject_specimens(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    return render_subject(request, view, _subject(request, view, number))


@login_required
@require_POST
def collect(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    require(request.user, view.study, Action.ENTER_DATA, subject.site)
    form = _collect_form(subject, request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        visit_pk = data.pop("visit")
        data["visit"] = subject.visits.filter(pk=visit_pk).first() if visit_pk else None
        try:
            specimen = services.collect_specimen(request.user, subject, data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, f"Specimen {specimen.label} recorded.")
            return redirect("specimens:subject", key=key, number=number)
    return render_subject(request, view, subject, collect_form=form, status=400)


@login_required
@require_POST
def transfer(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    try:
        specimen = selectors.get_specimen(request.user, view.study, pk)
    except Specimen.DoesNotExist:
        raise Http404(f"No specimen {pk}") from None
    require(request.user, view.study, Action.ENTER_DATA, specimen.subject.site)
    form = _transfer_form(specimen, request.POST)
    status = 400
    if form.is_valid():
        data = dict(form.cleaned_data)
        expected = data.pop("expected_version")
        try:
            services.transfer_specimen(request.user, specimen, data, expected_version=expected)
        except RecordConflict as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(
                request, f"Specimen {specimen.label} handed over to {data['to_location']}."
            )
            return redirect("specimens:subject", key=key, number=specimen.subject.subject_number)
    return render_subject(
        request, view, specimen.subject, transfer_forms={specimen.pk: form}, status=status
    )


@login_required
def worklist(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    sites = list(access_selectors.sites_for(request.user, view.study, Action.VIEW_SUBJECTS))
    code = request.GET.get("site", "")
    site = next((s for s in sites if s.code == code), None)
    status = request.GET.get("status", "")
    if status not in SpecimenStatus.values:
        status = ""
    return render(
        request,
        "specimens/worklist.html",
        {
            "view": view,
            "study": view.study,
            "groups": selectors.worklist(request.user, view.study, site, status),
            "sites": sites,
            "site": site,
            "status": status,
            "statuses": SpecimenStatus.choices,
        },
    )
