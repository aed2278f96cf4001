"""Adverse event pages: a subject's events with the entry form, one event with its
change form and SAE reports, the site worklist, the SAE reporting worklist, and the
grade descriptions shown while choosing a term."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.crfs.locks import Locked
from oncotrial.apps.records import RecordConflict
from oncotrial.apps.safety import catalogue, selectors, services
from oncotrial.apps.safety.forms import AdverseEventForm, ChangeEventForm, SentForm
from oncotrial.apps.safety.models import AdverseEvent, Relationship, SaeReport
from oncotrial.apps.studies.selectors import StudyView
from oncotrial.apps.subjects.api import subject_or_404
from oncotrial.apps.subjects.models import Subject
from oncotrial.domain.permissions import Action


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _event(request: HttpRequest, view: StudyView, pk: int) -> AdverseEvent:
    try:
        return selectors.get_event(request.user, view.study, pk)
    except AdverseEvent.DoesNotExist:
        raise Http404(f"No adverse event {pk}") from None


def _names(subject: Subject) -> dict[str, str]:
    return dict(services.interventions(subject))


def _rows(events: Any, names: dict[str, str]) -> list[dict[str, Any]]:
    labels = dict(Relationship.choices)
    return [
        {
            "event": e,
            "relationships": [
                (names.get(r.intervention_id, r.intervention_id), labels[r.relationship])
                for r in e.relationships.all()
            ],
        }
        for e in events
    ]


def _subject_page(
    request: HttpRequest,
    view: StudyView,
    subject: Subject,
    form: AdverseEventForm | None = None,
    status: int = 200,
) -> HttpResponse:
    version = services.ctcae_version(subject)
    can_enter = access_selectors.can(request.user, view.study, Action.ENTER_DATA, subject.site)
    interventions = services.interventions(subject)
    if form is None and can_enter:
        form = AdverseEventForm(interventions=interventions)
    return render(
        request,
        "safety/subject.html",
        {
            "view": view,
            "study": view.study,
            "subject": subject,
            "rows": _rows(selectors.events_of(subject), dict(interventions)),
            "form": form,
            "can_enter": can_enter,
            "ctcae_version": version,
            "catalogue_source": catalogue.source(version),
            "terms": [t.term for t in catalogue.catalogue(version).terms()],
        },
        status=status,
    )


@login_required
def subject_events(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = subject_or_404(request.user, view, number)
    if request.method != "POST":
        return _subject_page(request, view, subject)
    require(request.user, view.study, Action.ENTER_DATA, subject.site)
    form = AdverseEventForm(request.POST, interventions=services.interventions(subject))
    status = 400
    if form.is_valid():
        try:
            event = services.report_event(
                request.user, subject, form.event_values(), form.relationships()
            )
        except Locked as exc:
            form.add_error(None, exc.text)
            status = 423
        except ValidationError as exc:
            form.add_service_errors(_errors(exc))
        else:
            messages.success(request, f"{event.term} grade {event.grade} recorded.")
            return redirect("safety:subject", key=key, number=number)
    return _subject_page(request, view, subject, form, status)


def _event_page(
    request: HttpRequest,
    view: StudyView,
    event: AdverseEvent,
    form: ChangeEventForm | None = None,
    sent_forms: dict[int, SentForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    subject = event.subject
    can_enter = access_selectors.can(request.user, view.study, Action.ENTER_DATA, subject.site)
    interventions = services.interventions(subject)
    if form is None and can_enter:
        initial = services.current_values(event)
        initial["expected_version"] = event.version
        initial["aware_at"] = (
            timezone.localtime(event.aware_at).strftime("%Y-%m-%dT%H:%M")
            if event.aware_at
            else None
        )
        for rel in event.relationships.all():
            initial[f"rel_{rel.intervention_id}"] = rel.relationship
        form = ChangeEventForm(initial=initial, interventions=interventions)
    now = timezone.now()
    reports = []
    for report in event.sae_reports.order_by("sequence"):
        sent_form = (sent_forms or {}).get(report.pk) or SentForm(
            initial={
                "expected_version": report.version,
                "narrative": report.narrative,
            },
            prefix=f"r{report.pk}",
        )
        reports.append({"row": selectors.report_row(report, now), "form": sent_form})
    version = event.ctcae_version
    return render(
        request,
        "safety/event.html",
        {
            "view": view,
            "study": view.study,
            "subject": subject,
            "event": event,
            "row": _rows([event], dict(interventions))[0],
            "form": form,
            "reports": reports,
            "can_enter": can_enter,
            "ctcae_version": version,
            "terms": [t.term for t in catalogue.catalogue(version).terms()],
        },
        status=status,
    )


@login_required
def event_detail(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    event = _event(request, view, pk)
    if request.method != "POST":
        return _event_page(request, view, event)
    require(request.user, view.study, Action.ENTER_DATA, event.subject.site)
    form = ChangeEventForm(request.POST, interventions=services.interventions(event.subject))
    status = 400
    if form.is_valid():
        try:
            services.change_event(
                request.user,
                event,
                form.event_values(),
                form.relationships(),
                expected_version=form.cleaned_data["expected_version"],
                reason=form.cleaned_data["reason"],
            )
        except RecordConflict as exc:
            form.add_error(None, str(exc))
            status = 409
        except Locked as exc:
            form.add_error(None, exc.text)
            status = 423
        except ValidationError as exc:
            form.add_service_errors(_errors(exc))
        else:
            messages.success(request, "Adverse event changed.")
            return redirect("safety:event", key=key, pk=pk)
    return _event_page(request, view, event, form=form, status=status)


def _report(request: HttpRequest, view: StudyView, pk: int) -> SaeReport:
    try:
        return selectors.get_report(request.user, view.study, pk)
    except SaeReport.DoesNotExist:
        raise Http404(f"No SAE report {pk}") from None


@login_required
@require_POST
def report_sent(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    report = _report(request, view, pk)
    require(request.user, view.study, Action.ENTER_DATA, report.subject.site)
    form = SentForm(request.POST, prefix=f"r{report.pk}")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_sent(
                request.user,
                report,
                sent_to_sponsor_at=data["sent_to_sponsor_at"],
                sent_to_ethics_at=data["sent_to_ethics_at"],
                narrative=data["narrative"],
                expected_version=data["expected_version"],
                reason=data["reason"],
            )
        except RecordConflict as exc:
            form.add_error(None, str(exc))
            status = 409
        except Locked as exc:
            form.add_error(None, exc.text)
            status = 423
        except ValidationError as exc:
            for name, msgs in _errors(exc).items():
                for message in msgs:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, f"{report.label} recorded as sent.")
            return redirect("safety:event", key=key, pk=report.adverse_event_id)
    event = selectors.get_event(request.user, view.study, report.adverse_event_id)
    return _event_page(request, view, event, sent_forms={report.pk: form}, status=status)


@login_required
@require_POST
def follow_up(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    event = _event(request, view, pk)
    require(request.user, view.study, Action.ENTER_DATA, event.subject.site)
    try:
        services.add_follow_up(request.user, event, narrative=request.POST.get("narrative", ""))
    except Locked as exc:
        messages.error(request, exc.text)
        return _event_page(request, view, event, status=423)
    except ValidationError as exc:
        for msgs in _errors(exc).values():
            for message in msgs:
                messages.error(request, message)
        return _event_page(request, view, event, status=400)
    messages.success(request, "Follow-up report added.")
    return redirect("safety:event", key=key, pk=pk)


def _site_choice(request: HttpRequest, view: StudyView) -> tuple[list[Any], Any]:
    sites = list(access_selectors.sites_for(request.user, view.study, Action.VIEW_SUBJECTS))
    code = request.GET.get("site", "")
    return sites, next((s for s in sites if s.code == code), None)


@login_required
def worklist(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    sites, site = _site_choice(request, view)
    events = selectors.worklist(request.user, view.study, site)
    return render(
        request,
        "safety/worklist.html",
        {"view": view, "study": view.study, "events": events, "sites": sites, "site": site},
    )


@login_required
def sae_worklist(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    sites, site = _site_choice(request, view)
    now = timezone.now()
    return render(
        request,
        "safety/sae_worklist.html",
        {
            "view": view,
            "study": view.study,
            "rows": selectors.sae_worklist(request.user, view.study, now=now, site=site),
            "sites": sites,
            "site": site,
            "now": now,
        },
    )


@login_required
@require_GET
def grade_help(request: HttpRequest, key: str) -> HttpResponse:
    """The grade descriptions of a term (an HTML fragment for the entry form)."""
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    version = str(view.protocol.safety.ctcae_version)
    text = request.GET.get("term", "")
    term = catalogue.find_term(version, text) if text.strip() else None
    return render(
        request,
        "safety/_grade_help.html",
        {
            "term": term,
            "text": text,
            "version": version,
            "descriptions": sorted(term.descriptions.items()) if term else [],
        },
    )
