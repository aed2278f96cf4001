"""Calendar actions (record a visit date, mark a visit missed) and the worklist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.studies.selectors import StudyView
from oncotrial.apps.subjects.views import render_subject
from oncotrial.apps.visits import selectors, services
from oncotrial.apps.visits.forms import MissedVisitForm, RecordVisitForm
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import Action


def _visit(request: HttpRequest, view: StudyView, pk: int) -> Visit:
    try:
        return selectors.get_visit(request.user, view.study, pk)
    except Visit.DoesNotExist:
        raise Http404(f"No visit {pk}") from None


def _messages(form_errors: dict[str, list[str]]) -> list[str]:
    return [m for field, ms in form_errors.items() for m in ms]


def _change(request: HttpRequest, key: str, pk: int, missed: bool) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    visit = _visit(request, view, pk)
    require(request.user, view.study, Action.RECORD_VISITS, visit.subject.site)
    form = (MissedVisitForm if missed else RecordVisitForm)(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            if missed:
                services.mark_missed(request.user, visit, data["reason"], data["expected_version"])
            else:
                services.record_visit(
                    request.user,
                    visit,
                    data["actual_date"],
                    data["expected_version"],
                    reason=data["reason"],
                )
        except services.VersionConflict as exc:
            errors = {"visit": [str(exc)]}
            status = 409
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        else:
            messages.success(request, f"{visit.label} recorded.")
            return redirect("subjects:detail", key=key, number=visit.subject.subject_number)
    else:
        errors = dict(form.errors)
    return render_subject(
        request, view, visit.subject, visit_errors={visit.pk: _messages(errors)}, status=status
    )


@login_required
@require_POST
def record_visit(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    return _change(request, key, pk, missed=False)


@login_required
@require_POST
def mark_missed(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    return _change(request, key, pk, missed=True)


@login_required
def worklist(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    sites = list(access_selectors.sites_for(request.user, view.study, Action.VIEW_SUBJECTS))
    code = request.GET.get("site", "")
    site = next((s for s in sites if s.code == code), None)
    today = timezone.localdate()
    return render(
        request,
        "visits/worklist.html",
        {
            "view": view,
            "study": view.study,
            "rows": selectors.worklist(request.user, view.study, today, site),
            "sites": sites,
            "site": site,
            "today": today,
        },
    )
