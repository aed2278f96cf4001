"""REST endpoints for case report forms: a subject's casebook, one form (read and save)
and the history of its items. They call the same selectors and service as the pages.

Errors: invalid values are a 400 with messages per item (``{"weight": ["…"]}``, and
``reason`` when a saved value is changed without one); a save based on a stale
``expected_version`` is a **409** listing the items that changed (``items``: the value
you started from, the value stored now, who changed it and when); a save on locked data
is a **423 Locked** (``lock``: what is locked, by whom, since when); a subject of another
site is a 404; a role that may not enter data is a 403. Nothing changes on any error.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oncotrial.apps.accounts.access import require, study_for, study_row_for
from oncotrial.apps.crfs import selectors, services
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.api import field_errors, subject_or_404
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits import selectors as visit_selectors
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import Action
from oncotrial.domain.protocol.forms import Form

VISIT_PARAM = OpenApiParameter(
    "visit", int, description="The visit's id (for forms collected at visits)."
)
REPEAT_PARAM = OpenApiParameter("repeat", int, description="Repeat number of a repeating form.")
ITEM_PARAM = OpenApiParameter("item", str, description="Only this item's history.")


class ChoiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class ItemSerializer(serializers.Serializer):
    id = serializers.CharField(source="item.id")
    label = serializers.CharField(source="item.label")
    type = serializers.CharField(source="item.type")
    unit = serializers.CharField(source="item.unit", allow_null=True)
    required = serializers.BooleanField(source="item.required")
    min = serializers.FloatField(source="item.min", allow_null=True)
    max = serializers.FloatField(source="item.max", allow_null=True)
    expected_min = serializers.FloatField(source="item.expected_min", allow_null=True)
    expected_max = serializers.FloatField(source="item.expected_max", allow_null=True)
    choices = ChoiceSerializer(source="item.choices", many=True)
    visible = serializers.BooleanField(help_text="False while the item's show-if rule fails.")
    value = serializers.JSONField(allow_null=True, help_text="As stored, in the item's unit.")
    display = serializers.CharField(allow_blank=True)


class FormSummarySerializer(serializers.Serializer):
    form_id = serializers.CharField(source="form.id")
    label = serializers.CharField(source="form.label")
    repeat_index = serializers.IntegerField()
    version = serializers.IntegerField(help_text="0 while the form has not been saved.")
    status = serializers.CharField(
        help_text="not_started, in_progress, complete, open_queries, signed or locked.",
    )
    open_queries = serializers.IntegerField()
    signed = serializers.BooleanField()
    locked = serializers.BooleanField()
    missing_required = serializers.ListField(child=serializers.CharField())
    values = serializers.DictField(child=serializers.JSONField())


class FormDetailSerializer(FormSummarySerializer):
    visit = serializers.IntegerField(source="visit.pk", allow_null=True, default=None)
    items = ItemSerializer(many=True)


class CasebookVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="visit.pk")
    visit_id = serializers.CharField(source="visit.visit_id")
    occurrence = serializers.IntegerField(source="visit.occurrence")
    label = serializers.CharField(source="visit.label")
    target_date = serializers.DateField(source="visit.target_date")
    actual_date = serializers.DateField(source="visit.actual_date", allow_null=True)
    locked = serializers.BooleanField()
    forms = FormSummarySerializer(many=True)


class CasebookSerializer(serializers.Serializer):
    subject_number = serializers.CharField(source="subject.subject_number")
    site = serializers.CharField(source="subject.site.code")
    locked = serializers.BooleanField()
    visits = CasebookVisitSerializer(many=True)
    subject_forms = FormSummarySerializer(many=True)


class FormSaveSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text='Item id → value. Items not given keep their value; null or "" clears.',
    )
    units = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        help_text="Item id → the unit a number is given in (default: the item's unit).",
    )
    expected_version = serializers.IntegerField(
        min_value=0, help_text="The form version you read (0 for a form not yet saved)."
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when a value that was saved before changes.",
    )
    partial = serializers.BooleanField(
        required=False, default=False, help_text="Save with required items still empty."
    )
    original = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        help_text="Optional: the values you read, so that a conflict names exactly what "
        "others changed since.",
    )


# what DRF's CharField refuses: NUL and lone surrogates
_REFUSED_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
_SAVE_KEYS = frozenset({"values", "units", "expected_version", "reason", "partial", "original"})


def save_request_data(data: Any) -> dict[str, Any]:
    """A save's body as `FormSaveSerializer` validates it. A body of plain JSON in the
    documented shape (values and original as objects, a whole version, a reason
    without NUL, no units) is taken as it is, as the serializer would take it; every
    other body goes through the serializer, whose errors name the field."""
    if (
        isinstance(data, dict)
        and data.keys() <= _SAVE_KEYS
        and isinstance(data.get("values"), dict)
        and type(data.get("expected_version")) is int
        and data["expected_version"] >= 0
        and isinstance(data.get("reason", ""), str)
        and not _REFUSED_CHARACTERS.search(data.get("reason", ""))
        and not data.get("units")
        and isinstance(data.get("partial", False), bool)
        and isinstance(data.get("original", {}), dict)
    ):
        taken = {
            "values": {str(key): value for key, value in data["values"].items()},
            "units": {},
            "expected_version": data["expected_version"],
            "reason": data.get("reason", "").strip(),
            "partial": data.get("partial", False),
        }
        if "original" in data:
            taken["original"] = {str(key): value for key, value in data["original"].items()}
        return taken
    given = FormSaveSerializer(data=data)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


class FindingSerializer(serializers.Serializer):
    item_id = serializers.CharField()
    check_id = serializers.CharField()
    message = serializers.CharField()


class RaisedQuerySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    item_id = serializers.CharField()
    check_id = serializers.CharField()
    status = serializers.CharField()
    text = serializers.CharField()


class SaveResultSerializer(serializers.Serializer):
    form = FormDetailSerializer()
    changed_items = serializers.ListField(child=serializers.CharField())
    soft_findings = FindingSerializer(many=True)
    notices = FindingSerializer(many=True, help_text="Values dropped because hidden.")
    raised_queries = RaisedQuerySerializer(many=True)


class ConflictItemSerializer(serializers.Serializer):
    item_id = serializers.CharField()
    label = serializers.CharField()
    started_from = serializers.JSONField(allow_null=True)
    current = serializers.JSONField(allow_null=True)
    yours = serializers.JSONField(allow_null=True)
    changed_by = serializers.CharField()
    changed_at = serializers.DateTimeField(allow_null=True)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    expected_version = serializers.IntegerField(allow_null=True)
    current_version = serializers.IntegerField()
    items = ConflictItemSerializer(many=True)


class LockedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    lock = serializers.ListField(child=serializers.CharField())


class HistorySerializer(serializers.Serializer):
    item_id = serializers.CharField()
    action = serializers.CharField()
    at = serializers.DateTimeField()
    username = serializers.CharField()
    old_value = serializers.CharField(allow_null=True)
    new_value = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


# The serializers above describe the API (OpenAPI schema, request validation); a form is
# written out by the functions below, which give the same JSON (a test holds them equal)
# without building a serializer field per item on every save.

_ITEM_DEFINITIONS: dict[int, tuple[Form, list[dict[str, Any]]]] = {}


def _optional_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _item_definitions(form: Form) -> list[dict[str, Any]]:
    """What an item of the form says of itself, as the API writes it: fixed for a form of
    a stored protocol version, so built once per form."""
    cached = _ITEM_DEFINITIONS.get(id(form))
    if cached is not None and cached[0] is form:
        return cached[1]
    definitions = [
        {
            "id": str(item.id),
            "label": str(item.label),
            "type": str(item.type),
            "unit": None if item.unit is None else str(item.unit),
            "required": bool(item.required),
            "min": _optional_float(item.min),
            "max": _optional_float(item.max),
            "expected_min": _optional_float(item.expected_min),
            "expected_max": _optional_float(item.expected_max),
            "choices": [
                {"code": str(choice.code), "label": str(choice.label)} for choice in item.choices
            ],
        }
        for item in form.fields
    ]
    if len(_ITEM_DEFINITIONS) >= 1024:
        _ITEM_DEFINITIONS.clear()
    _ITEM_DEFINITIONS[id(form)] = (form, definitions)
    return definitions


def form_detail_data(entry: selectors.FormEntry) -> dict[str, Any]:
    """`FormDetailSerializer(entry).data`, built directly."""
    items = [
        {
            **definition,
            "visible": bool(row.visible),
            "value": row.value,
            "display": str(row.display),
        }
        for definition, row in zip(_item_definitions(entry.form), entry.items, strict=True)
    ]
    return {
        "form_id": str(entry.form.id),
        "label": str(entry.form.label),
        "repeat_index": int(entry.repeat_index),
        "version": int(entry.version),
        "status": str(entry.status),
        "open_queries": int(entry.open_queries),
        "signed": bool(entry.signed),
        "locked": bool(entry.locked),
        "missing_required": [str(item) for item in entry.missing_required],
        "values": {str(key): value for key, value in entry.values.items()},
        "visit": entry.visit.pk if entry.visit is not None else None,
        "items": items,
    }


def _finding_data(finding: Any) -> dict[str, str]:
    return {
        "item_id": str(finding.item_id),
        "check_id": str(finding.check_id),
        "message": str(finding.message),
    }


def save_result_data(entry: selectors.FormEntry, result: services.SaveResult) -> dict[str, Any]:
    """`SaveResultSerializer` of a save and the form it left, built directly."""
    return {
        "form": form_detail_data(entry),
        "changed_items": [str(item) for item in result.changed_items],
        "soft_findings": [_finding_data(finding) for finding in result.soft_findings],
        "notices": [_finding_data(notice) for notice in result.notices],
        "raised_queries": [
            {
                "id": query.pk,
                "item_id": str(query.item_id),
                "check_id": str(query.check_id),
                "status": str(query.status),
                "text": str(query.text),
            }
            for query in result.raised_queries
        ],
    }


def _int_param(request: Request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiValidationError({name: [f"{raw!r} is not a number."]}) from None


def _resolve(
    request: Request, key: str, number: str, form_id: str
) -> tuple[Subject, selectors.FormEntry]:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = subject_or_404(request.user, view, number)
    try:
        return subject, selectors.form_for(
            request.user,
            view.study,
            number,
            form_id,
            _int_param(request, "visit", None),
            _int_param(request, "repeat", 1) or 1,
        )
    except (Subject.DoesNotExist, Visit.DoesNotExist, LookupError) as exc:
        raise Http404(str(exc)) from None


def _entry(request: Request, key: str, number: str, form_id: str) -> selectors.FormEntry:
    return _resolve(request, key, number, form_id)[1]


def locked_response(exc: ValidationError) -> Response | None:
    """A 423 for a refusal because of a lock, else None."""
    if hasattr(exc, "error_dict") and "lock" in exc.message_dict:
        messages = exc.message_dict["lock"]
        return Response({"detail": messages[0], "lock": messages}, status=status.HTTP_423_LOCKED)
    return None


def conflict_body(exc: services.FormConflict) -> dict[str, Any]:
    return {
        "detail": str(exc),
        "expected_version": exc.expected,
        "current_version": exc.current,
        "items": ConflictItemSerializer(exc.items, many=True).data,
    }


class CasebookApi(APIView):
    @extend_schema(responses=CasebookSerializer, operation_id="crfs_casebook")
    def get(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        return Response(CasebookSerializer(selectors.casebook_for(subject)).data)


class FormApi(APIView):
    @extend_schema(
        parameters=[VISIT_PARAM, REPEAT_PARAM],
        responses=FormDetailSerializer,
        operation_id="crfs_form_retrieve",
    )
    def get(self, request: Request, key: str, number: str, form_id: str) -> Response:
        return Response(form_detail_data(_entry(request, key, number, form_id)))

    @extend_schema(
        parameters=[VISIT_PARAM, REPEAT_PARAM],
        request=FormSaveSerializer,
        responses={200: SaveResultSerializer, 409: ConflictSerializer, 423: LockedSerializer},
        operation_id="crfs_form_save",
    )
    def put(self, request: Request, key: str, number: str, form_id: str) -> Response:
        # the subject's own protocol version is read with it: the study alone here
        study = study_row_for(request.user, key, Action.VIEW_SUBJECTS)
        visit_pk = _int_param(request, "visit", None)
        try:
            if visit_pk is None:
                subject, visit = subject_selectors.get_subject(request.user, study, number), None
            else:
                subject, visit = visit_selectors.subject_and_visit(
                    request.user, study, number, visit_pk
                )
        except Subject.DoesNotExist:
            raise Http404(f"No subject {number}") from None
        require(request.user, subject.study, Action.ENTER_DATA, subject.site)
        try:
            _form, visit = selectors.form_target(subject, form_id, visit_pk, visit)
        except (Visit.DoesNotExist, LookupError) as exc:
            raise Http404(str(exc)) from None
        data = save_request_data(request.data)
        repeat_index = _int_param(request, "repeat", 1) or 1
        try:
            result = services.save_form(
                request.user,
                subject,
                form_id,
                data["values"],
                visit=visit,
                repeat_index=repeat_index,
                expected_version=data["expected_version"],
                reason=data["reason"],
                units=data["units"],
                partial=data["partial"],
                original=data.get("original"),
            )
        except services.FormConflict as exc:
            return Response(conflict_body(exc), status=status.HTTP_409_CONFLICT)
        except ValidationError as exc:
            locked = locked_response(exc)
            if locked is not None:
                return locked
            raise field_errors(exc) from exc
        entry = selectors.saved_entry(subject, visit, repeat_index, result)
        return Response(save_result_data(entry, result))


class FormHistoryApi(APIView):
    @extend_schema(
        parameters=[VISIT_PARAM, REPEAT_PARAM, ITEM_PARAM],
        responses=HistorySerializer(many=True),
        operation_id="crfs_form_history",
    )
    def get(self, request: Request, key: str, number: str, form_id: str) -> Response:
        entry = _entry(request, key, number, form_id)
        item = request.query_params.get("item") or None
        if item is not None and item not in {field.id for field in entry.form.fields}:
            raise ApiValidationError({"item": [f"{item!r} is not an item of form {form_id}."]})
        history = selectors.item_history(entry, item)
        records = sorted(
            (record for records in history.values() for record in records),
            key=lambda record: (record.at, record.item_id),
        )
        return Response(HistorySerializer(records, many=True).data)
