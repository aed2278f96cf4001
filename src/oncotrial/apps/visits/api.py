"""REST endpoints for visits: one visit (read, record its date or mark it missed) and
the worklist of due and overdue visits. Same services and selectors as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.subjects.api import (
    CalendarVisitSerializer,
    WorklistVisitSerializer,
    field_errors,
)
from oncotrial.apps.visits import selectors, services
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import Action


class VisitUpdateSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField(
        min_value=1, help_text="The version of the visit you read (conflict if it changed)."
    )
    actual_date = serializers.DateField(required=False)
    missed = serializers.BooleanField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        has_date = "actual_date" in attrs
        if has_date == bool(attrs.get("missed")):
            raise serializers.ValidationError(
                {"actual_date": ["Give either the visit date or missed: true."]}
            )
        return attrs


class VisitConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()


def _visit_or_404(request: Request, key: str, pk: int) -> Visit:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    try:
        return selectors.get_visit(request.user, view.study, pk)
    except Visit.DoesNotExist:
        raise Http404(f"No visit {pk}") from None


class VisitApi(APIView):
    @extend_schema(responses=CalendarVisitSerializer, operation_id="visits_retrieve")
    def get(self, request: Request, key: str, pk: int) -> Response:
        visit = _visit_or_404(request, key, pk)
        return Response(CalendarVisitSerializer(selectors.row(visit, timezone.localdate())).data)

    @extend_schema(
        request=VisitUpdateSerializer,
        responses={200: CalendarVisitSerializer, 409: VisitConflictSerializer},
        operation_id="visits_update",
    )
    def patch(self, request: Request, key: str, pk: int) -> Response:
        visit = _visit_or_404(request, key, pk)
        require(request.user, visit.subject.study, Action.RECORD_VISITS, visit.subject.site)
        given = VisitUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            if data.get("missed"):
                visit = services.mark_missed(
                    request.user, visit, data["reason"], data["expected_version"]
                )
            else:
                visit = services.record_visit(
                    request.user,
                    visit,
                    data["actual_date"],
                    data["expected_version"],
                    reason=data["reason"],
                )
        except services.VersionConflict as exc:
            return Response(
                {"detail": str(exc), "current_version": exc.current},
                status=status.HTTP_409_CONFLICT,
            )
        except ValidationError as exc:
            raise field_errors(exc) from exc
        return Response(CalendarVisitSerializer(selectors.row(visit, timezone.localdate())).data)


class WorklistApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("site", str, description="Only this site's visits.")],
        responses=WorklistVisitSerializer(many=True),
        operation_id="visits_worklist",
    )
    def get(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        site = None
        code = request.query_params.get("site")
        if code:
            site = (
                access_selectors.sites_for(request.user, view.study, Action.VIEW_SUBJECTS)
                .filter(code=code)
                .first()
            )
            if site is None:
                raise ApiValidationError({"site": [f"{code} is not one of your sites."]})
        rows = selectors.worklist(request.user, view.study, timezone.localdate(), site)
        return Response(WorklistVisitSerializer(rows, many=True).data)
