"""REST endpoints for adverse events: a subject's events (list, report), one event (get,
change), the SAE reports of the study with their clocks, recording a report as sent,
and the CTCAE term search. They call the same services and selectors as the pages;
refused writes answer 400 (messages per field), 409 (stale version) or 423 (locked).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oncotrial.apps import records_api
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.safety import catalogue, selectors, services
from oncotrial.apps.safety.models import (
    CRITERIA,
    ActionTaken,
    AdverseEvent,
    Outcome,
    Relationship,
    SaeReport,
)
from oncotrial.apps.subjects.api import subject_or_404
from oncotrial.domain.permissions import Action


class RelationshipSerializer(serializers.Serializer):
    intervention_id = serializers.CharField()
    relationship = serializers.ChoiceField(choices=Relationship.choices)
    version = serializers.IntegerField()


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="report.pk")
    adverse_event = serializers.IntegerField(source="report.adverse_event_id")
    subject_number = serializers.CharField(source="report.subject.subject_number")
    site = serializers.CharField(source="report.subject.site.code")
    term = serializers.CharField(source="report.adverse_event.term")
    kind = serializers.CharField(source="report.kind")
    sequence = serializers.IntegerField(source="report.sequence")
    status = serializers.CharField(source="report.status")
    due_at = serializers.DateTimeField(source="report.due_at")
    sent_to_sponsor_at = serializers.DateTimeField(
        source="report.sent_to_sponsor_at", allow_null=True
    )
    sent_to_ethics_at = serializers.DateTimeField(
        source="report.sent_to_ethics_at", allow_null=True
    )
    narrative = serializers.CharField(source="report.narrative", allow_blank=True)
    version = serializers.IntegerField(source="report.version")
    clock = serializers.CharField(
        source="state",
        help_text="Not sent: due or overdue. Sent: on_time or late (against the due time).",
    )
    hours = serializers.IntegerField(
        help_text="Whole hours left (due), overdue, or sent before/after the due time."
    )
    clock_text = serializers.CharField(source="text")


class AdverseEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    subject_number = serializers.CharField(source="subject.subject_number")
    term_entered = serializers.CharField()
    term = serializers.CharField()
    soc = serializers.CharField()
    meddra_code = serializers.CharField(allow_blank=True)
    ctcae_version = serializers.CharField()
    grade = serializers.IntegerField()
    onset_date = serializers.DateField()
    resolution_date = serializers.DateField(allow_null=True)
    ongoing = serializers.BooleanField()
    serious = serializers.BooleanField()
    criteria = serializers.ListField(child=serializers.CharField())
    aware_at = serializers.DateTimeField(allow_null=True)
    action_taken = serializers.CharField()
    outcome = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    relationships = RelationshipSerializer(many=True, source="relationships.all")
    version = serializers.IntegerField()


class EventInputSerializer(serializers.Serializer):
    term = serializers.CharField(max_length=255)
    grade = serializers.IntegerField()
    onset_date = serializers.DateField()
    resolution_date = serializers.DateField(required=False, allow_null=True)
    ongoing = serializers.BooleanField(required=False, default=False)
    serious = serializers.BooleanField(required=False, default=False)
    criteria = serializers.ListField(
        child=serializers.ChoiceField(choices=CRITERIA), required=False, default=list
    )
    aware_at = serializers.DateTimeField(required=False, allow_null=True)
    action_taken = serializers.ChoiceField(
        choices=ActionTaken.choices, required=False, default=ActionTaken.NONE
    )
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    relationships = serializers.DictField(
        child=serializers.ChoiceField(choices=Relationship.choices),
        help_text="Intervention id → relationship, for each study intervention.",
    )


class EventChangeSerializer(EventInputSerializer):
    expected_version = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "expected_version":
                field.required = False
                field.default = serializers.empty


class SentInputSerializer(serializers.Serializer):
    sent_to_sponsor_at = serializers.DateTimeField()
    sent_to_ethics_at = serializers.DateTimeField(required=False, allow_null=True)
    narrative = serializers.CharField(required=False, allow_blank=True)
    expected_version = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class TermSerializer(serializers.Serializer):
    term = serializers.CharField()
    soc = serializers.CharField()
    meddra_code = serializers.CharField(allow_blank=True)
    grades = serializers.ListField(child=serializers.IntegerField())
    descriptions = serializers.DictField(child=serializers.CharField())
    definition = serializers.CharField(allow_blank=True)


def _event_data(event: AdverseEvent) -> dict[str, Any]:
    return dict(AdverseEventSerializer(event).data)


def _event_or_404(request: Request, study: Any, pk: int) -> AdverseEvent:
    try:
        return selectors.get_event(request.user, study, pk)
    except AdverseEvent.DoesNotExist:
        raise Http404(f"No adverse event {pk}") from None


class SubjectEventsApi(APIView):
    @extend_schema(responses=AdverseEventSerializer(many=True), operation_id="safety_events_list")
    def get(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        events = selectors.events_of(subject)
        return Response(AdverseEventSerializer(events, many=True).data)

    @extend_schema(
        request=EventInputSerializer,
        responses={201: AdverseEventSerializer},
        operation_id="safety_events_create",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        require(request.user, view.study, Action.ENTER_DATA, subject.site)
        given = EventInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        relationships = values.pop("relationships")
        event = records_api.perform(
            lambda: services.report_event(request.user, subject, values, relationships)
        )
        event = selectors.get_event(request.user, view.study, event.pk)
        return Response(_event_data(event), status=status.HTTP_201_CREATED)


class EventDetailApi(APIView):
    @extend_schema(responses=AdverseEventSerializer, operation_id="safety_events_retrieve")
    def get(self, request: Request, key: str, pk: int) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        return Response(_event_data(_event_or_404(request, view.study, pk)))

    @extend_schema(
        request=EventChangeSerializer,
        responses=AdverseEventSerializer,
        operation_id="safety_events_change",
    )
    def patch(self, request: Request, key: str, pk: int) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        event = _event_or_404(request, view.study, pk)
        require(request.user, view.study, Action.ENTER_DATA, event.subject.site)
        given = EventChangeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        expected = values.pop("expected_version")
        reason = values.pop("reason", "")
        relationships = values.pop("relationships", None)
        records_api.perform(
            lambda: services.change_event(
                request.user,
                event,
                values,
                relationships,
                expected_version=expected,
                reason=reason,
            )
        )
        return Response(_event_data(selectors.get_event(request.user, view.study, pk)))


class SaeReportsApi(APIView):
    @extend_schema(
        responses=ReportSerializer(many=True),
        operation_id="safety_sae_reports_list",
        parameters=[
            OpenApiParameter(
                "status", str, description="draft (due or overdue) or sent; default: all"
            )
        ],
    )
    def get(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        reports = selectors.reports_for(request.user, view.study)
        wanted = request.query_params.get("status")
        if wanted in SaeReport.Status.values:
            reports = reports.filter(status=wanted)
        now = timezone.now()
        rows = [selectors.report_row(r, now) for r in reports]
        return Response(ReportSerializer(rows, many=True).data)


class ReportSentApi(APIView):
    @extend_schema(
        request=SentInputSerializer,
        responses=ReportSerializer,
        operation_id="safety_sae_report_sent",
    )
    def post(self, request: Request, key: str, pk: int) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        try:
            report = selectors.get_report(request.user, view.study, pk)
        except SaeReport.DoesNotExist:
            raise Http404(f"No SAE report {pk}") from None
        require(request.user, view.study, Action.ENTER_DATA, report.subject.site)
        given = SentInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        sent = records_api.perform(
            lambda: services.record_sent(
                request.user,
                report,
                sent_to_sponsor_at=data["sent_to_sponsor_at"],
                sent_to_ethics_at=data.get("sent_to_ethics_at"),
                narrative=data.get("narrative"),
                expected_version=data["expected_version"],
                reason=data["reason"],
            )
        )
        sent = selectors.get_report(request.user, view.study, sent.pk)
        return Response(ReportSerializer(selectors.report_row(sent, timezone.now())).data)


class TermsApi(APIView):
    @extend_schema(
        responses=TermSerializer(many=True),
        operation_id="safety_ctcae_terms",
        parameters=[
            OpenApiParameter("q", str, description="Text the term starts with or contains."),
        ],
    )
    def get(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        version = str(view.protocol.safety.ctcae_version)
        terms = catalogue.search(version, request.query_params.get("q", ""))
        return Response([catalogue.term_data(t) for t in terms])
