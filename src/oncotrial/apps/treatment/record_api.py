"""REST views shared by the treatment and follow-up tables: per subject, a list and a
create; per row, a read and a change (PATCH with the version read and a reason).

`record_views(spec)` builds the two view classes of one table from its serializers and
service functions, so every table answers the same way: 404 for a study the user has no
role in or a subject/row of another site, 403 for a role without the action (before any
field message), 400 with messages per field, 409 for a stale version, 423 for locked data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oncotrial.apps import records_api
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.api import subject_or_404
from oncotrial.domain.permissions import Action

BOOKKEEPING = ("id", "subject_number", "version", "recorded_at", "recorded_by")


class RecordSerializer(serializers.ModelSerializer):
    """Output: the row's fields with its subject, version and who wrote it last."""

    subject_number = serializers.CharField(source="subject.subject_number", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)


class ChangeSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField(
        min_value=1, help_text="The version of the row you read (409 if it changed since)."
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Why the saved values change."
    )


@dataclass(frozen=True)
class Spec:
    name: str
    """Operation id prefix, e.g. treatment_administrations."""
    model: type[Model]
    output: type[serializers.Serializer]
    input: type[serializers.Serializer]
    create: Callable[..., Any]
    change: Callable[..., Any]
    label: str


def _rows(user: Any, key: str, spec: Spec) -> QuerySet[Any]:
    view = study_for(user, key, Action.VIEW_SUBJECTS)
    manager = spec.model._default_manager  # type: ignore[attr-defined]
    return manager.filter(
        subject__in=subject_selectors.subjects_for(user, view.study)
    ).select_related("subject__site", "subject__study", "recorded_by")


def record_views(spec: Spec) -> tuple[type[APIView], type[APIView]]:
    class ListApi(APIView):
        @extend_schema(responses=spec.output(many=True), operation_id=f"{spec.name}_list")
        def get(self, request: Request, key: str, number: str) -> Response:
            view = study_for(request.user, key, Action.VIEW_SUBJECTS)
            subject = subject_or_404(request.user, view, number)
            rows = spec.model._default_manager.filter(subject=subject)  # type: ignore[attr-defined]
            return Response(spec.output(rows, many=True).data)

        @extend_schema(
            request=spec.input,
            responses={201: spec.output},
            operation_id=f"{spec.name}_create",
        )
        def post(self, request: Request, key: str, number: str) -> Response:
            view = study_for(request.user, key, Action.VIEW_SUBJECTS)
            subject = subject_or_404(request.user, view, number)
            require(request.user, view.study, Action.ENTER_DATA, subject.site)
            given = spec.input(data=request.data, context={"subject": subject})
            given.is_valid(raise_exception=True)
            values = dict(given.validated_data)
            record = records_api.perform(lambda: spec.create(request.user, subject, values))
            return Response(spec.output(record).data, status=status.HTTP_201_CREATED)

    class DetailApi(APIView):
        @extend_schema(responses=spec.output, operation_id=f"{spec.name}_retrieve")
        def get(self, request: Request, key: str, pk: int) -> Response:
            return Response(spec.output(_one(request, key, pk)).data)

        @extend_schema(
            request=inline_serializer(
                f"{spec.model.__name__}Change",
                {
                    **{
                        name: field
                        for name, field in spec.input().get_fields().items()
                        if not field.read_only
                    },
                    "expected_version": serializers.IntegerField(min_value=1),
                    "reason": serializers.CharField(),
                },
            ),
            responses={
                200: spec.output,
                409: inline_serializer(
                    f"{spec.model.__name__}Conflict",
                    {
                        "detail": serializers.CharField(),
                        "expected_version": serializers.IntegerField(),
                        "current_version": serializers.IntegerField(),
                        "current_values": serializers.DictField(),
                    },
                ),
            },
            operation_id=f"{spec.name}_update",
        )
        def patch(self, request: Request, key: str, pk: int) -> Response:
            record = _one(request, key, pk)
            require(request.user, record.subject.study, Action.ENTER_DATA, record.subject.site)
            meta = ChangeSerializer(data=request.data)
            given = spec.input(data=request.data, partial=True, context={"subject": record.subject})
            meta_ok, given_ok = meta.is_valid(), given.is_valid()
            if not (meta_ok and given_ok):
                raise serializers.ValidationError({**given.errors, **meta.errors})
            values = dict(given.validated_data)
            expected = meta.validated_data["expected_version"]
            reason = meta.validated_data["reason"]
            changed = records_api.perform(
                lambda: spec.change(
                    request.user, record, values, expected_version=expected, reason=reason
                )
            )
            return Response(spec.output(changed).data)

    def _one(request: Request, key: str, pk: int) -> Any:
        try:
            return _rows(request.user, key, spec).get(pk=pk)
        except spec.model.DoesNotExist:  # type: ignore[attr-defined]
            raise Http404(f"No {spec.label} {pk}") from None

    ListApi.__name__ = ListApi.__qualname__ = f"{spec.model.__name__}ListApi"
    DetailApi.__name__ = DetailApi.__qualname__ = f"{spec.model.__name__}DetailApi"
    return ListApi, DetailApi
