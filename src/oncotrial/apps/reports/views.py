"""The study report as a live page, and the derived endpoint dataset as CSV."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from oncotrial.apps.accounts.access import study_for
from oncotrial.apps.reports.exports import derived_rows
from oncotrial.apps.reports.study_report import build_report
from oncotrial.domain.permissions import Action


@login_required
def report(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_DEIDENTIFIED)
    built = build_report(request.user, view)
    return render(request, "reports/page.html", {"study": view.study, "report": built})


@login_required
def derived_csv(request: HttpRequest, key: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_DEIDENTIFIED)
    columns, rows = derived_rows(request.user, view)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}-derived-endpoints.csv"'
    writer = csv.DictWriter(response, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return response
