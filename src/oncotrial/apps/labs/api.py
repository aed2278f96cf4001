"""REST endpoints for laboratory results: a subject's results (list, record a panel), one
result (read, correct, delete) and the series of one analyte with its change from
baseline. They call the same services and selectors as the pages.

Errors: 400 with messages per field (per analyte for a panel), 404 for a study the user
has no role in or a subject or result of another site, 403 for a role without the
action, 409 for a change made from a stale copy, 423 for locked data.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oncotrial.apps import records_api
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.labs import selectors, services
from oncotrial.apps.labs.models import LabResult
from oncotrial.apps.subjects.api import subject_or_404
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import labs
from oncotrial.domain.permissions import Action


class LabResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    subject = serializers.CharField(source="subject.subject_number")
    visit = serializers.IntegerField(source="visit_id", allow_null=True)
    assessment_id = serializers.CharField()
    analyte = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField()
    unit = serializers.CharField()
    lower_limit = serializers.FloatField(allow_null=True)
    upper_limit = serializers.FloatField(allow_null=True)
    collection_date = serializers.DateField()
    flag = serializers.CharField(help_text='"L" below, "H" above the normal range, "" within.')
    times_uln = serializers.FloatField(allow_null=True, help_text="value / upper limit")
    version = serializers.IntegerField()


class LabResultInputSerializer(serializers.Serializer):
    value = serializers.JSONField(help_text="A number (empty: not measured).")
    unit = serializers.CharField(required=False, allow_blank=True, default="")
    lower_limit = serializers.JSONField(required=False, default=None)
    upper_limit = serializers.JSONField(required=False, default=None)


class LabPanelInputSerializer(serializers.Serializer):
    assessment_id = serializers.CharField()
    collection_date = serializers.CharField(help_text="YYYY-MM-DD")
    visit = serializers.IntegerField(required=False, allow_null=True, default=None)
    results = serializers.DictField(
        child=LabResultInputSerializer(),
        help_text="Analyte (as the protocol names it, or its id) → result.",
    )


class LabResultChangeSerializer(serializers.Serializer):
    value = serializers.JSONField(required=False)
    unit = serializers.CharField(required=False, allow_blank=True)
    lower_limit = serializers.JSONField(required=False)
    upper_limit = serializers.JSONField(required=False)
    collection_date = serializers.CharField(required=False)
    expected_version = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, default="")


class LabResultDeleteSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, default="")


class LabDeletedSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()


class LabChangeSerializer(serializers.Serializer):
    absolute = serializers.FloatField()
    percent = serializers.FloatField(allow_null=True)


class LabPointSerializer(serializers.Serializer):
    result = LabResultSerializer()
    value = serializers.FloatField(help_text="In the analyte's default unit.")
    is_baseline = serializers.BooleanField()
    change = LabChangeSerializer(allow_null=True)


class LabSeriesSerializer(serializers.Serializer):
    analyte = serializers.CharField(source="analyte.id")
    label = serializers.CharField(source="analyte.label")
    unit = serializers.CharField(source="analyte.unit")
    baseline_date = serializers.DateField()
    baseline = LabPointSerializer(allow_null=True)
    best = LabChangeSerializer(allow_null=True)
    points = LabPointSerializer(many=True)


def _result(user: Any, key: str, pk: int, action: Action = Action.VIEW_SUBJECTS) -> LabResult:
    view = study_for(user, key, Action.VIEW_SUBJECTS)
    try:
        result = selectors.get_result(user, view.study, pk)
    except LabResult.DoesNotExist:
        raise Http404(f"No lab result {pk}") from None
    if action != Action.VIEW_SUBJECTS:
        require(user, view.study, action, result.subject.site)
    return result


class ResultListApi(APIView):
    @extend_schema(responses=LabResultSerializer(many=True), operation_id="labs_results_list")
    def get(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        rows = selectors.subject_results(subject).select_related("subject")
        assessment = request.query_params.get("assessment")
        if assessment:
            rows = rows.filter(assessment_id=assessment)
        return Response(LabResultSerializer(rows, many=True).data)

    @extend_schema(
        request=LabPanelInputSerializer,
        responses={201: LabResultSerializer(many=True)},
        operation_id="labs_results_record_panel",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        require(request.user, view.study, Action.ENTER_DATA, subject.site)
        given = LabPanelInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        visit = None
        if data["visit"] is not None:
            visit = Visit.objects.filter(subject=subject, pk=data["visit"]).first()
            if visit is None:
                raise ApiValidationError({"visit": ["No such visit of this subject."]})
        saved = records_api.perform(
            lambda: services.record_panel(
                request.user,
                subject,
                data["assessment_id"],
                data["collection_date"],
                data["results"],
                visit=visit,
            )
        )
        return Response(LabResultSerializer(saved, many=True).data, status=status.HTTP_201_CREATED)


class ResultDetailApi(APIView):
    @extend_schema(responses=LabResultSerializer, operation_id="labs_result_retrieve")
    def get(self, request: Request, key: str, pk: int) -> Response:
        return Response(LabResultSerializer(_result(request.user, key, pk)).data)

    @extend_schema(
        request=LabResultChangeSerializer,
        responses=LabResultSerializer,
        operation_id="labs_result_change",
    )
    def patch(self, request: Request, key: str, pk: int) -> Response:
        result = _result(request.user, key, pk, Action.ENTER_DATA)
        given = LabResultChangeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        expected = data.pop("expected_version")
        reason = data.pop("reason")
        changed = records_api.perform(
            lambda: services.change_result(
                request.user, result, data, expected_version=expected, reason=reason
            )
        )
        return Response(LabResultSerializer(changed).data)

    @extend_schema(
        request=LabResultDeleteSerializer,
        responses=LabDeletedSerializer,
        operation_id="labs_result_delete",
    )
    def delete(self, request: Request, key: str, pk: int) -> Response:
        result = _result(request.user, key, pk, Action.ENTER_DATA)
        given = LabResultDeleteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        records_api.perform(
            lambda: services.delete_result(
                request.user,
                result,
                expected_version=given.validated_data["expected_version"],
                reason=given.validated_data["reason"],
            )
        )
        return Response({"deleted": pk})


class SeriesApi(APIView):
    @extend_schema(responses=LabSeriesSerializer, operation_id="labs_series")
    def get(self, request: Request, key: str, number: str, analyte: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        try:
            found = labs.resolve(analyte)
        except labs.UnknownAnalyteError as exc:
            raise Http404(str(exc)) from None
        one = selectors.series(subject, found.id, request.query_params.get("assessment") or None)
        return Response(LabSeriesSerializer(one).data)


class WorklistApi(APIView):
    @extend_schema(responses=LabResultSerializer(many=True), operation_id="labs_worklist")
    def get(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        rows = selectors.out_of_range(request.user, view.study)[:500]
        return Response(LabResultSerializer(rows, many=True).data)
