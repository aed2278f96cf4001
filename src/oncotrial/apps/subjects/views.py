"""Subject pages: the study dashboard, the subject list, the subject page with its
calendar, anchor events and enrollment. Views parse input, call a service, render."""

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
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies.selectors import StudyView, protocol_of
from oncotrial.apps.subjects import selectors, services
from oncotrial.apps.subjects.forms import AnchorEventForm, EnrollForm
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits import selectors as visit_selectors
from oncotrial.domain.permissions import Action


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's field errors on the form (unknown fields: on the form itself)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages_ in errors.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def _subject(request: HttpRequest, view: StudyView, number: str) -> Subject:
    try:
        return selectors.get_subject(request.user, view.study, number)
    except Subject.DoesNotExist:
        raise Http404(f"No subject {number}") from None


def arm_label(protocol: Any, arm_id: str) -> str:
    return next((a.label for a in protocol.design.arms if a.id == arm_id), arm_id)


def render_subject(
    request: HttpRequest,
    view: StudyView,
    subject: Subject,
    *,
    anchor_form: AnchorEventForm | None = None,
    visit_errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    protocol = protocol_of(subject.protocol_version)
    can_record = access_selectors.can(request.user, view.study, Action.RECORD_VISITS, subject.site)
    today = timezone.localdate()
    anchors = services.anchor_choices(protocol)
    context = {
        "view": view,
        "study": view.study,
        "subject": subject,
        "arm_label": arm_label(protocol, subject.arm_id),
        "anchor_events": [
            (anchors.get(e.anchor, e.anchor), e) for e in subject.anchor_events.all()
        ],
        "anchor_form": anchor_form
        or AnchorEventForm(protocol=protocol, arm_id=subject.arm_id, regimen=subject.regimen),
        "rows": visit_selectors.calendar(subject, today),
        "today": today,
        "can_record": can_record,
        "error_visit": next(iter(visit_errors), None) if visit_errors else None,
        "error_messages": next(iter(visit_errors.values()), []) if visit_errors else [],
    }
    return render(request, "subjects/subject_detail.html", context, status=status)


@login_required
def dashboard(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_STUDY)
    counts = selectors.dashboard_counts(request.user, view.study)
    totals = {
        name: sum(getattr(c, name) for c in counts)
        for name in ("screened", "screen_failures", "enrolled", "on_treatment", "in_follow_up")
    }
    return render(
        request,
        "subjects/dashboard.html",
        {"view": view, "study": view.study, "counts": counts, "totals": totals},
    )


@login_required
def subject_list(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subjects = list(selectors.subjects_for(request.user, view.study))
    labels = {a.id: a.label for a in view.protocol.design.arms}
    return render(
        request,
        "subjects/subject_list.html",
        {
            "view": view,
            "study": view.study,
            "subjects": [(s, labels.get(s.arm_id, s.arm_id)) for s in subjects],
        },
    )


@login_required
def subject_detail(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    return render_subject(request, view, _subject(request, view, number))


@login_required
@require_POST
def anchor_event(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    require(request.user, view.study, Action.RECORD_VISITS, subject.site)
    form = AnchorEventForm(
        request.POST,
        protocol=protocol_of(subject.protocol_version),
        arm_id=subject.arm_id,
        regimen=subject.regimen,
    )
    if form.is_valid():
        try:
            services.record_anchor_event(
                request.user,
                subject,
                form.cleaned_data["anchor"],
                form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
                regimen=form.cleaned_data.get("regimen", ""),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Event recorded; the calendar is up to date.")
            return redirect("subjects:detail", key=key, number=number)
    return render_subject(request, view, subject, anchor_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def enroll(request: HttpRequest, key: str, screening_number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.ENROLL)
    try:
        candidate = selectors.candidate_for(request.user, view.study, screening_number)
    except Candidate.DoesNotExist:
        raise Http404(f"No candidate {screening_number}") from None
    status = 200
    if request.method == "POST":
        form = EnrollForm(request.POST, protocol=view.protocol)
        if form.is_valid():
            try:
                subject = services.enroll(
                    request.user,
                    candidate,
                    form.cleaned_data["enrollment_date"],
                    arm_id=form.cleaned_data.get("arm_id") or None,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"{candidate.screening_number} enrolled as subject {subject.subject_number}.",
                )
                return redirect("subjects:detail", key=key, number=subject.subject_number)
        status = 400
    else:
        form = EnrollForm(protocol=view.protocol)
    return render(
        request,
        "subjects/enroll.html",
        {"view": view, "study": view.study, "candidate": candidate, "form": form},
        status=status,
    )
