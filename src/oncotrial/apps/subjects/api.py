"""REST endpoints for subjects: list, enroll, one subject with its calendar, anchor
events and the study dashboard. They call the same services and selectors as the pages.

Errors: bad input is a 400 with messages per field; a study the user has no role in, or
a subject of another site, is a 404; an action the user's role does not allow is a 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies.selectors import StudyView
from oncotrial.apps.subjects import selectors, services
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits import selectors as visit_selectors
from oncotrial.domain.permissions import Action


def field_errors(exc: ValidationError) -> ApiValidationError:
    """A service's ValidationError as a DRF 400 with messages per field."""
    if hasattr(exc, "error_dict"):
        return ApiValidationError(exc.message_dict)
    return ApiValidationError({"non_field_errors": exc.messages})


def subject_or_404(user: Any, view: StudyView, number: str) -> Subject:
    try:
        return selectors.get_subject(user, view.study, number)
    except Subject.DoesNotExist:
        raise Http404(f"No subject {number}") from None


class AnchorEventSerializer(serializers.Serializer):
    anchor = serializers.CharField()
    date = serializers.DateField()


class SubjectSerializer(serializers.Serializer):
    subject_number = serializers.CharField()
    site = serializers.CharField(source="site.code")
    screening_number = serializers.CharField(source="candidate.screening_number")
    arm_id = serializers.CharField()
    assignment_method = serializers.CharField()
    stratum = serializers.CharField(allow_blank=True)
    regimen = serializers.CharField(allow_blank=True)
    protocol_version = serializers.CharField(source="protocol_version.label")
    enrollment_date = serializers.DateField()
    status = serializers.CharField()
    version = serializers.IntegerField()


class CalendarVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="visit.pk")
    visit_id = serializers.CharField(source="visit.visit_id")
    occurrence = serializers.IntegerField(source="visit.occurrence")
    label = serializers.CharField(source="visit.label")
    anchor = serializers.CharField(source="visit.anchor")
    day = serializers.IntegerField(source="visit.day")
    target_date = serializers.DateField(source="visit.target_date")
    window_start = serializers.DateField(source="visit.window_start")
    window_end = serializers.DateField(source="visit.window_end")
    actual_date = serializers.DateField(source="visit.actual_date", allow_null=True)
    missed = serializers.BooleanField(source="visit.missed")
    missed_reason = serializers.CharField(source="visit.missed_reason", allow_blank=True)
    cancelled = serializers.BooleanField(source="visit.cancelled")
    is_follow_up = serializers.BooleanField(source="visit.is_follow_up")
    version = serializers.IntegerField(source="visit.version")
    status = serializers.CharField(
        help_text="upcoming, due, overdue, done, missed, or cancelled (no longer planned)."
    )
    in_window = serializers.BooleanField(allow_null=True)


class WorklistVisitSerializer(CalendarVisitSerializer):
    subject_number = serializers.CharField(source="visit.subject.subject_number")
    site = serializers.CharField(source="visit.subject.site.code")


class SubjectDetailSerializer(SubjectSerializer):
    anchor_events = AnchorEventSerializer(many=True)
    calendar = CalendarVisitSerializer(many=True)


class EnrollSerializer(serializers.Serializer):
    screening_number = serializers.CharField(max_length=32)
    enrollment_date = serializers.DateField()
    arm_id = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Only for multi-arm studies that are neither randomized nor assigned by rule.",
    )


class AnchorEventInputSerializer(serializers.Serializer):
    anchor = serializers.CharField(max_length=64)
    date = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    regimen = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Where the protocol allows regimens with different cycle lengths: the "
        "intervention id whose cycles time the visits.",
    )


class DashboardSiteSerializer(serializers.Serializer):
    site = serializers.CharField(source="site.code")
    site_name = serializers.CharField(source="site.name")
    screened = serializers.IntegerField()
    screen_failures = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    on_treatment = serializers.IntegerField()
    in_follow_up = serializers.IntegerField()


def subject_detail(subject: Subject) -> dict[str, Any]:
    data = SubjectSerializer(subject).data
    data["anchor_events"] = AnchorEventSerializer(subject.anchor_events.all(), many=True).data
    data["calendar"] = CalendarVisitSerializer(
        visit_selectors.calendar(subject, timezone.localdate()), many=True
    ).data
    return data


class SubjectListApi(APIView):
    @extend_schema(responses=SubjectSerializer(many=True), operation_id="subjects_list")
    def get(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subjects = selectors.subjects_for(request.user, view.study)
        return Response(SubjectSerializer(subjects, many=True).data)

    @extend_schema(
        request=EnrollSerializer,
        responses={201: SubjectDetailSerializer},
        operation_id="subjects_enroll",
    )
    def post(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.ENROLL)
        given = EnrollSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        number = given.validated_data["screening_number"]
        try:
            candidate = selectors.candidate_for(request.user, view.study, number)
        except Candidate.DoesNotExist:
            raise ApiValidationError(
                {"screening_number": [f"No candidate {number} at your sites."]}
            ) from None
        try:
            subject = services.enroll(
                request.user,
                candidate,
                given.validated_data["enrollment_date"],
                arm_id=given.validated_data.get("arm_id") or None,
            )
        except ValidationError as exc:
            raise field_errors(exc) from exc
        return Response(subject_detail(subject), status=status.HTTP_201_CREATED)


class SubjectDetailApi(APIView):
    @extend_schema(responses=SubjectDetailSerializer, operation_id="subjects_retrieve")
    def get(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        return Response(subject_detail(subject_or_404(request.user, view, number)))


class AnchorEventApi(APIView):
    @extend_schema(
        request=AnchorEventInputSerializer,
        responses={201: SubjectDetailSerializer},
        operation_id="subjects_anchor_event",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        require(request.user, view.study, Action.RECORD_VISITS, subject.site)
        given = AnchorEventInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            services.record_anchor_event(
                request.user,
                subject,
                given.validated_data["anchor"],
                given.validated_data["date"],
                reason=given.validated_data["reason"],
                regimen=given.validated_data["regimen"],
            )
        except ValidationError as exc:
            raise field_errors(exc) from exc
        subject.refresh_from_db()
        return Response(subject_detail(subject), status=status.HTTP_201_CREATED)


class DashboardApi(APIView):
    @extend_schema(responses=DashboardSiteSerializer(many=True), operation_id="subjects_dashboard")
    def get(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_STUDY)
        counts = selectors.dashboard_counts(request.user, view.study)
        return Response(DashboardSiteSerializer(counts, many=True).data)
