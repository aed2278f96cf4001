"""Read-only REST endpoints for studies; they serialise what the selectors return."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oncotrial.apps.accounts import access
from oncotrial.apps.accounts import selectors as access_selectors
from oncotrial.apps.studies import selectors


class ProtocolVersionSerializer(serializers.Serializer):
    label = serializers.CharField()
    sequence = serializers.IntegerField()
    loaded_at = serializers.DateTimeField()
    source_name = serializers.CharField()
    sha256 = serializers.CharField()


class StudySummarySerializer(serializers.Serializer):
    key = serializers.CharField()
    nct_id = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    phases = serializers.ListField(child=serializers.CharField())
    overall_status = serializers.CharField()
    enrollment_target = serializers.IntegerField()
    version = ProtocolVersionSerializer()


class StudyDetailSerializer(StudySummarySerializer):
    protocol = serializers.JSONField(help_text="The current protocol, normalised.")


def _summary(view: selectors.StudyView) -> dict[str, Any]:
    ident = view.protocol.identification
    return {
        "key": view.study.key,
        "nct_id": view.study.nct_id,
        "title": view.study.title,
        "phases": list(ident.phases),
        "overall_status": ident.overall_status,
        "enrollment_target": ident.enrollment.target,
        "version": view.version,
    }


class StudyListApi(APIView):
    @extend_schema(responses=StudySummarySerializer(many=True), operation_id="studies_list")
    def get(self, request: Request) -> Response:
        visible = access_selectors.studies_for(request.user)
        data = [_summary(v) for v in selectors.list_studies(visible)]
        return Response(StudySummarySerializer(data, many=True).data)


class StudyDetailApi(APIView):
    @extend_schema(responses=StudyDetailSerializer, operation_id="studies_retrieve")
    def get(self, request: Request, key: str) -> Response:
        view = access.study_for(request.user, key)
        data = {**_summary(view), "protocol": view.protocol.model_dump(mode="json", by_alias=True)}
        return Response(StudyDetailSerializer(data).data)
