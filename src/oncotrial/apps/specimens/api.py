"""REST endpoints for specimens: a subject's specimens (list, record a collection), one
specimen with its custody history (read, correct, delete), a handover, and the
specimens of the user's sites. They call the same services and selectors as the pages.

Errors: 400 with messages per field, 404 for a study the user has no role in or a
subject or specimen of another site, 403 for a role without the action, 409 for a
change made from a stale copy, 423 for locked data.
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
from oncotrial.apps.specimens import selectors, services
from oncotrial.apps.specimens.models import Specimen
from oncotrial.apps.subjects.api import subject_or_404
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import Action


class SpecimenTransferSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    from_location = serializers.CharField()
    to_location = serializers.CharField()
    transferred_at = serializers.DateTimeField()
    handed_over_by = serializers.CharField()
    received_by = serializers.CharField()
    condition = serializers.CharField()
    status_after = serializers.CharField()
    notes = serializers.CharField()


class SpecimenSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    subject = serializers.CharField(source="subject.subject_number")
    visit = serializers.IntegerField(source="visit_id", allow_null=True)
    assessment_id = serializers.CharField()
    specimen_type = serializers.CharField()
    amount = serializers.FloatField()
    amount_unit = serializers.CharField()
    collected_at = serializers.DateTimeField()
    label = serializers.CharField()
    storage_location = serializers.CharField()
    status = serializers.CharField()
    notes = serializers.CharField()
    version = serializers.IntegerField()
    transfers = SpecimenTransferSerializer(many=True, source="transfers.all")


class SpecimenCollectSerializer(serializers.Serializer):
    specimen_type = serializers.CharField()
    amount = serializers.JSONField()
    amount_unit = serializers.CharField()
    collected_at = serializers.CharField(help_text="ISO 8601 date and time (UTC if naive).")
    label = serializers.CharField()
    storage_location = serializers.CharField()
    assessment_id = serializers.CharField(required=False, allow_blank=True, default="")
    visit = serializers.IntegerField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class SpecimenChangeSerializer(serializers.Serializer):
    specimen_type = serializers.CharField(required=False)
    amount = serializers.JSONField(required=False)
    amount_unit = serializers.CharField(required=False)
    collected_at = serializers.CharField(required=False)
    label = serializers.CharField(required=False)
    assessment_id = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    expected_version = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, default="")


class SpecimenDeleteSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, default="")


class SpecimenDeletedSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()


class SpecimenTransferInputSerializer(serializers.Serializer):
    to_location = serializers.CharField()
    transferred_at = serializers.CharField(help_text="ISO 8601 date and time (UTC if naive).")
    handed_over_by = serializers.CharField()
    received_by = serializers.CharField()
    condition = serializers.CharField()
    from_location = serializers.CharField(required=False, allow_blank=True, default="")
    status_after = serializers.CharField(required=False, allow_blank=True, default="stored")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(help_text="The specimen's version.")


def _specimen(user: Any, key: str, pk: int, action: Action = Action.VIEW_SUBJECTS) -> Specimen:
    view = study_for(user, key, Action.VIEW_SUBJECTS)
    try:
        specimen = selectors.get_specimen(user, view.study, pk)
    except Specimen.DoesNotExist:
        raise Http404(f"No specimen {pk}") from None
    if action != Action.VIEW_SUBJECTS:
        require(user, view.study, action, specimen.subject.site)
    return specimen


class SpecimenListApi(APIView):
    @extend_schema(responses=SpecimenSerializer(many=True), operation_id="specimens_list")
    def get(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        rows = selectors.subject_specimens(subject).select_related("subject")
        return Response(SpecimenSerializer(rows, many=True).data)

    @extend_schema(
        request=SpecimenCollectSerializer,
        responses={201: SpecimenSerializer},
        operation_id="specimens_collect",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        require(request.user, view.study, Action.ENTER_DATA, subject.site)
        given = SpecimenCollectSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        if data["visit"] is not None:
            visit = Visit.objects.filter(subject=subject, pk=data["visit"]).first()
            if visit is None:
                raise ApiValidationError({"visit": ["No such visit of this subject."]})
            data["visit"] = visit
        specimen = records_api.perform(
            lambda: services.collect_specimen(request.user, subject, data)
        )
        return Response(SpecimenSerializer(specimen).data, status=status.HTTP_201_CREATED)


class SpecimenDetailApi(APIView):
    @extend_schema(responses=SpecimenSerializer, operation_id="specimens_retrieve")
    def get(self, request: Request, key: str, pk: int) -> Response:
        return Response(SpecimenSerializer(_specimen(request.user, key, pk)).data)

    @extend_schema(
        request=SpecimenChangeSerializer,
        responses=SpecimenSerializer,
        operation_id="specimens_change",
    )
    def patch(self, request: Request, key: str, pk: int) -> Response:
        specimen = _specimen(request.user, key, pk, Action.ENTER_DATA)
        given = SpecimenChangeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        expected = data.pop("expected_version")
        reason = data.pop("reason")
        changed = records_api.perform(
            lambda: services.change_specimen(
                request.user, specimen, data, expected_version=expected, reason=reason
            )
        )
        return Response(SpecimenSerializer(changed).data)

    @extend_schema(
        request=SpecimenDeleteSerializer,
        responses=SpecimenDeletedSerializer,
        operation_id="specimens_delete",
    )
    def delete(self, request: Request, key: str, pk: int) -> Response:
        specimen = _specimen(request.user, key, pk, Action.ENTER_DATA)
        given = SpecimenDeleteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        records_api.perform(
            lambda: services.delete_specimen(
                request.user,
                specimen,
                expected_version=given.validated_data["expected_version"],
                reason=given.validated_data["reason"],
            )
        )
        return Response({"deleted": pk})


class TransferApi(APIView):
    @extend_schema(
        request=SpecimenTransferInputSerializer,
        responses={201: SpecimenSerializer},
        operation_id="specimens_transfer",
    )
    def post(self, request: Request, key: str, pk: int) -> Response:
        specimen = _specimen(request.user, key, pk, Action.ENTER_DATA)
        given = SpecimenTransferInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        expected = data.pop("expected_version")
        records_api.perform(
            lambda: services.transfer_specimen(
                request.user, specimen, data, expected_version=expected
            )
        )
        moved = _specimen(request.user, key, pk)
        return Response(SpecimenSerializer(moved).data, status=status.HTTP_201_CREATED)


class WorklistApi(APIView):
    @extend_schema(responses=SpecimenSerializer(many=True), operation_id="specimens_worklist")
    def get(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        rows = selectors.with_custody(selectors.specimens_for(request.user, view.study))
        wanted = request.query_params.get("status")
        if wanted:
            rows = rows.filter(status=wanted)
        rows = rows.order_by("storage_location", "status", "collected_at", "label")[:1000]
        return Response(SpecimenSerializer(rows, many=True).data)
