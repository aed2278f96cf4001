"""Pages of the labs app: a subject's results per lab assessment, the entry form for
one panel, and the per-site worklist of results outside their normal range."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.labs import selectors, services
from oncotrial.apps.studies.selectors import StudyView, protocol_of
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.subjects.selectors import get_subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import labs
from oncotrial.domain.permissions import Action


def _subject(request: HttpRequest, view: StudyView, number: str) -> Subject:
    try:
        return get_subject(request.user, view.study, number)
    except Subject.DoesNotExist:
        raise Http404(f"No subject {number}") from None


@login_required
def subject_labs(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    return render(
        request,
        "labs/subject.html",
        {
            "view": view,
            "study": view.study,
            "subject": subject,
            "tables": selectors.subject_tables(subject),
            "baseline_date": selectors.baseline_date(subject),
            "can_enter": access_selectors.can(
                request.user, view.study, Action.ENTER_DATA, subject.site
            ),
        },
    )


def _visits_for(subject: Subject, assessment_id: str) -> list[Visit]:
    protocol = protocol_of(subject.protocol_version)
    planned = {v.id for v in protocol.schedule.visits if assessment_id in v.assessments}
    return [
        v
        for v in subject.visits.filter(cancelled=False).order_by("target_date", "occurrence")
        if v.visit_id in planned
    ]


@login_required
def enter_panel(request: HttpRequest, key: str, number: str, assessment: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    require(request.user, view.study, Action.ENTER_DATA, subject.site)
    protocol = protocol_of(subject.protocol_version)
    try:
        found = services.lab_assessment(protocol, assessment)
        analytes = services.panel_analytes(found)
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from None
    if not analytes:
        raise Http404(f"{found.label} is not recorded as laboratory values.")
    visits = _visits_for(subject, found.id)
    errors: dict[str, list[str]] = {}
    posted: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        posted = request.POST.dict()
        results = {
            a.id: {
                "value": posted.get(f"value_{a.id}", ""),
                "unit": posted.get(f"unit_{a.id}", ""),
                "lower_limit": posted.get(f"lower_{a.id}", ""),
                "upper_limit": posted.get(f"upper_{a.id}", ""),
            }
            for a in analytes
        }
        visit = None
        visit_pk = posted.get("visit", "")
        if visit_pk:
            visit = next((v for v in visits if str(v.pk) == visit_pk), None)
            if visit is None:
                errors["visit"] = ["Choose one of this subject's visits."]
        if not errors:
            try:
                saved = services.record_panel(
                    request.user,
                    subject,
                    found.id,
                    posted.get("collection_date", ""),
                    results,
                    visit=visit,
                )
            except ValidationError as exc:
                errors = (
                    exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
                )
            else:
                messages.success(request, f"{found.label}: {len(saved)} result(s) saved.")
                return redirect("labs:subject", key=key, number=number)
        status = 400
    rows = []
    for a in analytes:
        default = labs.default_range(a)
        rows.append(
            {
                "analyte": a,
                "value": posted.get(f"value_{a.id}", ""),
                "unit": posted.get(f"unit_{a.id}", a.unit),
                "lower": posted.get(f"lower_{a.id}", ""),
                "upper": posted.get(f"upper_{a.id}", ""),
                "default": default,
                "errors": errors.get(a.id, []),
            }
        )
    analyte_ids = {a.id for a in analytes}
    other = {k: v for k, v in errors.items() if k not in analyte_ids | {"visit", "collection_date"}}
    return render(
        request,
        "labs/enter.html",
        {
            "view": view,
            "study": view.study,
            "subject": subject,
            "assessment": found,
            "rows": rows,
            "visits": visits,
            "visit_value": posted.get("visit", request.GET.get("visit", "")),
            "collection_date": posted.get("collection_date", timezone.localdate().isoformat()),
            "visit_errors": errors.get("visit", []),
            "date_errors": errors.get("collection_date", []),
            "other_errors": [m for ms in other.values() for m in ms],
        },
        status=status,
    )


@login_required
def worklist(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    sites = list(access_selectors.sites_for(request.user, view.study, Action.VIEW_SUBJECTS))
    code = request.GET.get("site", "")
    site = next((s for s in sites if s.code == code), None)
    rows = list(selectors.out_of_range(request.user, view.study, site)[:500])
    return render(
        request,
        "labs/worklist.html",
        {"view": view, "study": view.study, "rows": rows, "sites": sites, "site": site},
    )
