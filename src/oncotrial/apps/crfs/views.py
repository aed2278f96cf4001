"""Pages for case report forms: a subject's casebook and the entry page of one form, with
each item's history. They call the same selectors and service as the API."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.access import study_for
from oncotrial.apps.crfs import selectors, services
from oncotrial.apps.studies.selectors import StudyView
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import crf
from oncotrial.domain.permissions import Action


def _subject(request: HttpRequest, view: StudyView, number: str) -> Subject:
    try:
        return subject_selectors.get_subject(request.user, view.study, number)
    except Subject.DoesNotExist:
        raise Http404(f"No subject {number}") from None


def _int(value: str | None, default: int | None) -> int | None:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise Http404(f"{value!r} is not a number") from None


@login_required
def casebook(request: HttpRequest, key: str, number: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    book = selectors.casebook_for(subject)
    return render(
        request,
        "crfs/casebook.html",
        {
            "study": view.study,
            "subject": subject,
            "casebook": book,
            "can_enter": access_selectors.can(
                request.user, view.study, Action.ENTER_DATA, subject.site
            ),
        },
    )


def _raw_values(request: HttpRequest, entry: selectors.FormEntry) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for row in entry.items:
        name = f"item_{row.item.id}"
        if row.item.type == "multichoice":
            raw[row.item.id] = request.POST.getlist(name)
        else:
            raw[row.item.id] = request.POST.get(name, "")
    return raw


def _units(request: HttpRequest, entry: selectors.FormEntry) -> dict[str, str]:
    return {
        row.item.id: request.POST.get(f"unit_{row.item.id}", "").strip()
        for row in entry.items
        if row.item.unit and request.POST.get(f"unit_{row.item.id}", "").strip()
    }


def _original(request: HttpRequest) -> dict[str, Any] | None:
    try:
        value = json.loads(request.POST.get("original") or "null")
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _form_url(key: str, number: str, entry: selectors.FormEntry) -> str:
    url = reverse("crfs:form", args=[key, number, entry.form.id])
    query = []
    if entry.visit is not None:
        query.append(f"visit={entry.visit.pk}")
    if entry.repeat_index != 1:
        query.append(f"repeat={entry.repeat_index}")
    return url + ("?" + "&".join(query) if query else "")


@login_required
def form_entry(request: HttpRequest, key: str, number: str, form_id: str) -> HttpResponse:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = _subject(request, view, number)
    params = request.POST if request.method == "POST" else request.GET
    visit_pk = _int(params.get("visit") or request.GET.get("visit"), None)
    repeat = _int(params.get("repeat") or request.GET.get("repeat"), 1) or 1
    try:
        entry = selectors.form_for(request.user, view.study, number, form_id, visit_pk, repeat)
    except (Visit.DoesNotExist, LookupError) as exc:
        raise Http404(str(exc)) from None
    can_enter = access_selectors.can(request.user, view.study, Action.ENTER_DATA, subject.site)
    errors: dict[str, list[str]] = {}
    posted: dict[str, Any] | None = None
    conflict: services.FormConflict | None = None
    status = 200
    reason = ""
    if request.method == "POST":
        posted = _raw_values(request, entry)
        reason = request.POST.get("reason", "")
        try:
            expected = int(request.POST.get("expected_version", ""))
        except ValueError:
            expected = None
        try:
            result = services.save_form(
                request.user,
                subject,
                form_id,
                posted,
                visit=entry.visit,
                repeat_index=entry.repeat_index,
                expected_version=expected,
                reason=reason,
                units=_units(request, entry),
                partial="save_draft" in request.POST,
                original=_original(request),
            )
        except services.FormConflict as exc:
            conflict = exc
            status = 409
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            status = 400
        else:
            if result.changed_items:
                messages.success(
                    request,
                    f"Saved {entry.form.label}: {len(result.changed_items)} item(s) changed.",
                )
            else:
                messages.info(request, "Nothing changed.")
            for finding in result.soft_findings:
                if finding.item_id in result.changed_items or set(finding.items) & set(
                    result.changed_items
                ):
                    messages.warning(request, f"Query opened: {finding.message}")
            for notice in result.notices:
                messages.info(request, notice.message)
            return redirect(_form_url(key, number, entry))
    if conflict is not None:
        return render(
            request,
            "crfs/conflict.html",
            {
                "study": view.study,
                "subject": subject,
                "entry": entry,
                "conflict": conflict,
                "form_url": _form_url(key, number, entry),
            },
            status=status,
        )
    history = selectors.item_history(entry)
    fields = []
    for row in entry.items:
        value = row.value
        if posted is not None:
            value = posted.get(row.item.id)
        shown = value
        if row.item.type == "multichoice":
            shown = value if isinstance(value, list) else []
        elif value is None:
            shown = ""
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, float):
            shown = f"{value:g}"
        fields.append(
            {
                "row": row,
                "item": row.item,
                "name": f"item_{row.item.id}",
                "value": shown,
                "errors": errors.get(row.item.id, []),
                "history": history.get(row.item.id, []),
                "show_if": (
                    json.dumps(row.item.show_if.model_dump(by_alias=True))
                    if row.item.show_if is not None
                    else ""
                ),
                "unit": request.POST.get(f"unit_{row.item.id}", "") if posted is not None else "",
            }
        )
    other_errors = {
        key_: value
        for key_, value in errors.items()
        if key_ not in {row.item.id for row in entry.items}
    }
    return render(
        request,
        "crfs/form.html",
        {
            "study": view.study,
            "subject": subject,
            "entry": entry,
            "fields": fields,
            "errors": other_errors,
            "reason": reason,
            "can_enter": can_enter and not entry.locked,
            "original": json.dumps(entry.values),
            "form_url": _form_url(key, number, entry),
            "has_saved": bool(entry.values),
            "display": crf.display_value,
        },
        status=status,
    )
