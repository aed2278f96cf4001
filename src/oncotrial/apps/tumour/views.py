"""Tumour pages: a subject's lesions, assessments and responses; the baseline lesion form;
the assessment form whose computed response updates as the user types; the
investigator's response; the site worklist. Views parse input, call a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.crfs.locks import Locked
from oncotrial.apps.records import RecordConflict
from oncotrial.apps.studies.selectors import StudyView
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.subjects.views import add_errors
from oncotrial.apps.tumour import selectors, series, services
from oncotrial.apps.tumour.forms import AssessmentForm, LesionForm, OverrideForm, initial_from
from oncotrial.apps.tumour.models import TumourAssessment
from oncotrial.domain.permissions import Action


def _subject(request: HttpRequest, view: StudyView, number: str) -> Subject:
    try:
        return subject_selectors.get_subject(request.user, view.study, number)
    except Subject.DoesNotExist:
        raise Http404(f"No subject {number}") from None


def _assessment(subject: Subject, pk: int) -> TumourAssessment:
    try:
        return selectors.get_assessment(subject, pk)
    except TumourAssessment.DoesNotExist:
        raise Http404(f"No assessment {pk}") from None


def _can_enter(request: HttpRequest, view: StudyView, subject: Subject) -> bool:
    return access_selectors.can(request.user, view.study, Action.ENTER_DATA, subject.site)


def render_subject(
    request: HttpRequest,
    view: StudyView,
    subject: Subject,
    *,
    override_errors: tuple[int, OverrideForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    settings = series.settings_for(subject)
    codes = services.response_codes(settings.criteria)
    rows = []
    for assessment in selectors.assessments(subject):
        form = OverrideForm(
            initial={
                "investigator_response": assessment.investigator_response,
                "override_reason": assessment.override_reason,
                "expected_version": assessment.version,
            },
            codes=codes,
            prefix=f"o{assessment.pk}",
        )
        if override_errors and override_errors[0] == assessment.pk:
            form = override_errors[1]
        rows.append({"a": assessment, "override_form": form})
    lesions = selectors.lesions(subject)
    start, source = series.start_of(subject)
    context = {
        "view": view,
        "study": view.study,
        "subject": subject,
        "settings": settings,
        "targets": [le for le in lesions if le.is_target],
        "non_targets": [le for le in lesions if not le.is_target],
        "baseline_sum": sum(le.baseline_mm or 0 for le in lesions if le.is_target),
        "rows": rows,
        "summary": selectors.summary(subject),
        "start": start,
        "start_source": source,
        "can_enter": _can_enter(request, view, subject),
        "open_override": override_errors[0] if override_errors else None,
    }
    return render(request, "tumour/subject.html", context, status=status)


@login_required
def subject_page(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    return render_subject(request, view, _subject(request, view, number))


@login_required
@require_http_methods(["GET", "POST"])
def lesion_new(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    require(request.user, view.study, Action.ENTER_DATA, subject.site)
    status = 200
    if request.method == "POST":
        form = LesionForm(request.POST)
        if form.is_valid():
            try:
                lesion = services.add_lesion(request.user, subject, form.values())
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Lesion {lesion.code} added to the baseline.")
                if "add_another" in request.POST:
                    return redirect("tumour:lesion_new", key=key, number=number)
                return redirect("tumour:subject", key=key, number=number)
        status = 400
    else:
        form = LesionForm(initial={"baseline_date": _baseline_default(subject)})
    return render(
        request,
        "tumour/lesion_form.html",
        {
            "view": view,
            "study": view.study,
            "subject": subject,
            "form": form,
            "lesions": selectors.lesions(subject),
        },
        status=status,
    )


def _baseline_default(subject: Subject) -> Any:
    lesions = selectors.lesions(subject)
    return lesions[0].baseline_date if lesions else None


def _assessment_form(
    subject: Subject, data: Any = None, *, editing: bool = False, initial: Any = None
) -> AssessmentForm:
    return AssessmentForm(
        data,
        initial=initial,
        lesions=selectors.lesions(subject),
        visits=selectors.imaging_visits(subject),
        irecist=series.settings_for(subject).criteria == "iRECIST",
        editing=editing,
    )


def _render_assessment_form(
    request: HttpRequest,
    view: StudyView,
    subject: Subject,
    form: AssessmentForm,
    assessment: TumourAssessment | None,
    status: int,
) -> HttpResponse:
    shown = None
    if form.is_bound and form.is_valid():
        shown = services.preview(subject, form.entry(), assessment)
    return render(
        request,
        "tumour/assessment_form.html",
        {
            "view": view,
            "study": view.study,
            "subject": subject,
            "form": form,
            "assessment": assessment,
            "settings": series.settings_for(subject),
            "shown": shown,
            "preview_errors": {},
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    require(request.user, view.study, Action.ENTER_DATA, subject.site)
    if request.method == "POST":
        form = _assessment_form(subject, request.POST)
        if form.is_valid():
            try:
                saved = services.record_assessment(request.user, subject, form.entry())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    f"Assessment of {saved.assessment_date.isoformat()} saved: "
                    f"{saved.computed_response or 'not evaluable'}.",
                )
                return redirect("tumour:subject", key=key, number=number)
        return _render_assessment_form(request, view, subject, form, None, 400)
    return _render_assessment_form(request, view, subject, _assessment_form(subject), None, 200)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, key: str, number: str, pk: int) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    assessment = _assessment(subject, pk)
    require(request.user, view.study, Action.ENTER_DATA, subject.site)
    if request.method == "POST":
        form = _assessment_form(subject, request.POST, editing=True)
        if form.is_valid():
            try:
                services.change_assessment(
                    request.user,
                    assessment,
                    form.entry(),
                    expected_version=form.cleaned_data["expected_version"],
                    reason=form.cleaned_data["reason"],
                )
            except RecordConflict as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, "Assessment changed; the responses are recomputed.")
                return redirect("tumour:subject", key=key, number=number)
        return _render_assessment_form(request, view, subject, form, assessment, 400)
    form = _assessment_form(
        subject,
        editing=True,
        initial=initial_from(series.entry_of(assessment), assessment.version),
    )
    return _render_assessment_form(request, view, subject, form, assessment, 200)


@login_required
@require_POST
def preview(request: HttpRequest, key: str, number: str) -> HttpResponse:
    """The computed response of the form as typed so far (an htmx partial); saves nothing."""
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    pk = request.POST.get("assessment")
    assessment = _assessment(subject, int(pk)) if pk and pk.isdigit() else None
    form = _assessment_form(subject, request.POST, editing=assessment is not None)
    shown = None
    errors: dict[str, list[str]] = {}
    if form.is_valid() or _enough(form):
        shown = services.preview(subject, form.entry(), assessment)
        errors = shown.errors
    else:
        errors = {
            (form.fields[k].label if k in form.fields else "form") or k: list(v)
            for k, v in form.errors.items()
            if k not in ("reason",)
        }
    return render(
        request,
        "tumour/_preview.html",
        {"shown": shown, "preview_errors": errors, "settings": series.settings_for(subject)},
    )


def _enough(form: AssessmentForm) -> bool:
    """A form whose only errors are the change's reason can still be previewed."""
    return set(form.errors) <= {"reason"} and "assessment_date" in form.cleaned_data


@login_required
@require_POST
def override(request: HttpRequest, key: str, number: str, pk: int) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    assessment = _assessment(subject, pk)
    require(request.user, view.study, Action.ENTER_DATA, subject.site)
    codes = services.response_codes(series.settings_for(subject).criteria)
    form = OverrideForm(request.POST, codes=codes, prefix=f"o{pk}")
    if form.is_valid():
        response = form.cleaned_data["investigator_response"]
        reason = form.cleaned_data["override_reason"]
        version = form.cleaned_data["expected_version"]
        try:
            if response:
                services.set_investigator_response(
                    request.user, assessment, response, reason, expected_version=version
                )
            else:
                services.clear_investigator_response(
                    request.user, assessment, reason, expected_version=version
                )
        except RecordConflict as exc:
            form.add_error(None, str(exc))
        except Locked as exc:
            form.add_error(None, exc.text)
        except ValidationError as exc:
            if "reason" in getattr(exc, "message_dict", {}):
                exc = ValidationError({"override_reason": exc.message_dict["reason"]})
            add_errors(form, exc)
        else:
            messages.success(
                request,
                "Investigator's response recorded beside the computed one."
                if response
                else "Investigator's response cleared.",
            )
            return redirect("tumour:subject", key=key, number=number)
    return render_subject(request, view, subject, override_errors=(pk, form), status=400)


@login_required
def worklist(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    sites = list(subject_selectors.visible_sites(request.user, view.study).order_by("code"))
    site = None
    code = request.GET.get("site")
    if code:
        site = next((s for s in sites if s.code == code), None)
        if site is None:
            raise Http404(f"No site {code}")
    today = timezone.localdate()
    return render(
        request,
        "tumour/worklist.html",
        {
            "view": view,
            "study": view.study,
            "rows": selectors.worklist(request.user, view.study, today, site),
            "sites": sites,
            "site": site,
            "today": today,
            "settings": _study_settings(view),
        },
    )


def _study_settings(view: StudyView) -> Any:
    return view.protocol.tumour_response
