"""The correction page shared by the treatment and follow-up tables: the saved row in its
form, the version it was read at and the reason for the change, saved through the table's
`change_*` service (400 with the field messages, 409 when someone saved first, 423 when
locked)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from oncotrial.apps.crfs.locks import Locked
from oncotrial.apps.records import RecordConflict
from oncotrial.apps.studies.selectors import StudyView
from oncotrial.apps.subjects.models import Subject

META_FIELDS = ("expected_version", "reason")


class ChangeForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label="Reason for the change", max_length=500, help_text="Goes into the audit trail."
    )


def correct(
    request: HttpRequest,
    view: StudyView,
    subject: Subject,
    row: Model,
    form: forms.ModelForm,
    change: Callable[..., Any],
    label: str,
    back: str,
) -> HttpResponse:
    """GET: the row in `form`; POST: save the changed values through `change`, then go
    back to `back` (a URL)."""
    version = row.version  # type: ignore[attr-defined]
    meta = ChangeForm(
        request.POST if request.method == "POST" else None,
        initial={"expected_version": version},
        prefix="change",
    )
    status = 200
    if request.method == "POST":
        status = 400
        form_ok, meta_ok = form.is_valid(), meta.is_valid()
        if form_ok and meta_ok:
            values = {name: form.cleaned_data[name] for name in form.fields}
            fresh = type(row)._default_manager.get(pk=row.pk)
            try:
                change(
                    request.user,
                    fresh,
                    values,
                    expected_version=meta.cleaned_data["expected_version"],
                    reason=meta.cleaned_data["reason"],
                )
            except Locked as exc:
                form.add_error(None, exc.text)
                status = 423
            except RecordConflict as exc:
                form.add_error(None, str(exc))
                status = 409
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                for field, texts in errors.items():
                    target = meta if field in META_FIELDS else form
                    for text in texts:
                        target.add_error(
                            field if field in target.fields else None,  # type: ignore[arg-type]
                            text,
                        )
            else:
                messages.success(request, f"{label} corrected.")
                return redirect(back)
    return render(
        request,
        "treatment/correct.html",
        {
            "view": view,
            "study": view.study,
            "subject": subject,
            "form": form,
            "meta": meta,
            "label": label,
            "row": row,
            "back": back,
        },
        status=status,
    )
