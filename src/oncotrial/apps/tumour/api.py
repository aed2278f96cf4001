"""REST endpoints for tumour assessments: a subject's baseline lesions, assessments (with
the computed responses beside what was entered), one assessment (read, change with a
reason, the investigator's response), a preview of an unsaved assessment, and the
subject's summary. They call the same services and selectors as the pages.

Errors: 400 with messages per field (the engine's messages name the lesion and the
rule), 409 when the assessment changed since it was read, 423 for locked data; a subject
of another site is a 404, a role without the action a 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oncotrial.apps import records_api
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.subjects.api import field_errors, subject_or_404
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.tumour import selectors, services
from oncotrial.apps.tumour.models import Lesion, LesionResult, Method, TumourAssessment
from oncotrial.apps.tumour.series import AssessmentEntry, LesionEntry, NewLesionEntry, entry_of
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import Action

MM = {"max_digits": 6, "decimal_places": 1, "min_value": 0, "allow_null": True, "required": False}


class LesionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesion
        fields = [
            "id",
            "code",
            "kind",
            "organ",
            "location",
            "nodal",
            "method",
            "slice_thickness_mm",
            "baseline_date",
            "baseline_mm",
            "version",
        ]


class LesionInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=16)
    kind = serializers.ChoiceField(choices=Lesion.Kind.choices)
    organ = serializers.CharField(max_length=64, help_text="All lymph nodes count as one organ.")
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    nodal = serializers.BooleanField(required=False, default=False)
    method = serializers.ChoiceField(choices=Method.choices, required=False, default=Method.CT)
    slice_thickness_mm = serializers.DecimalField(**MM)
    baseline_date = serializers.DateField()
    baseline_mm = serializers.DecimalField(
        help_text="Longest diameter (short axis for a node); required for a target.", **MM
    )


class LesionResultInputSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=LesionResult.Result.choices,
        help_text="Target: measured, too_small, not_evaluable. Non-target: present, absent, "
        "unequivocal_progression, not_evaluable.",
    )
    mm = serializers.DecimalField(**MM)
    increased_since_last = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="iRECIST non-targets."
    )


class NewLesionSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=16)
    organ = serializers.CharField(max_length=64)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    nodal = serializers.BooleanField(required=False, default=False)
    equivocal = serializers.BooleanField(required=False, default=False)
    mm = serializers.DecimalField(**MM)
    increased_since_last = serializers.BooleanField(required=False, allow_null=True, default=None)


class AssessmentInputSerializer(serializers.Serializer):
    assessment_date = serializers.DateField()
    method = serializers.ChoiceField(choices=Method.choices, required=False, default=Method.CT)
    visit = serializers.IntegerField(required=False, allow_null=True, default=None)
    lesions = serializers.DictField(
        child=LesionResultInputSerializer(),
        help_text="Baseline lesion code → its result; a lesion left out was not evaluated.",
    )
    new_lesions = NewLesionSerializer(many=True, required=False, default=list)


class PreviewInputSerializer(AssessmentInputSerializer):
    assessment = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="The assessment being changed."
    )


class AssessmentPatchSerializer(serializers.Serializer):
    assessment_date = serializers.DateField(required=False)
    method = serializers.ChoiceField(choices=Method.choices, required=False)
    visit = serializers.IntegerField(required=False, allow_null=True)
    lesions = serializers.DictField(child=LesionResultInputSerializer(), required=False)
    new_lesions = NewLesionSerializer(many=True, required=False)
    investigator_response = serializers.CharField(
        required=False, allow_blank=True, help_text="Empty clears the investigator's response."
    )
    override_reason = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField()


class ComputedSerializer(serializers.Serializer):
    criteria = serializers.CharField()
    sum_mm = serializers.FloatField(allow_null=True)
    assessed_sum_mm = serializers.FloatField(allow_null=True)
    nadir_mm = serializers.FloatField(allow_null=True)
    change_from_baseline_pct = serializers.FloatField(allow_null=True)
    change_from_nadir_pct = serializers.FloatField(allow_null=True)
    target_response = serializers.CharField()
    non_target_response = serializers.CharField()
    new_lesions_response = serializers.CharField()
    computed_response = serializers.CharField()
    computed_notes = serializers.ListField(child=serializers.CharField())


class LesionResultSerializer(serializers.Serializer):
    code = serializers.CharField(source="lesion.code")
    kind = serializers.CharField(source="lesion.kind")
    result = serializers.CharField()
    mm = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    increased_since_last = serializers.BooleanField(allow_null=True)


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assessment_date = serializers.DateField()
    method = serializers.CharField()
    visit = serializers.IntegerField(source="visit_id", allow_null=True)
    version = serializers.IntegerField()
    lesions = LesionResultSerializer(source="lesion_results.all", many=True)
    new_lesions = NewLesionSerializer(source="new_lesions.all", many=True)
    computed = ComputedSerializer(source="*")
    investigator_response = serializers.CharField()
    override_reason = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    subject = serializers.CharField()
    criteria = serializers.CharField(allow_blank=True)
    start_date = serializers.DateField(allow_null=True)
    start_source = serializers.CharField(allow_blank=True)
    baseline_date = serializers.DateField(allow_null=True)
    baseline_sum_mm = serializers.FloatField(allow_null=True)
    best_overall_response = serializers.CharField(allow_blank=True)
    best_overall_response_date = serializers.DateField(allow_null=True)
    confirmed = serializers.BooleanField(allow_null=True)
    confirmation_date = serializers.DateField(allow_null=True)
    progression_date = serializers.DateField(allow_null=True)
    iupd_dates = serializers.ListField(child=serializers.DateField())
    icpd_date = serializers.DateField(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField())
    problems = serializers.ListField(child=serializers.DictField())


class PreviewSerializer(serializers.Serializer):
    timepoint = serializers.DictField(allow_null=True, help_text="As `oncotrial recist` prints.")
    result = serializers.DictField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


# --------------------------------------------------------------------------- helpers


def _visit(subject: Subject, pk: int | None) -> Visit | None:
    if pk is None:
        return None
    try:
        return Visit.objects.get(subject=subject, pk=pk)
    except Visit.DoesNotExist:
        raise ValidationError({"visit": [f"No visit {pk} of this subject."]}) from None


def entry_from(subject: Subject, data: dict[str, Any], base: AssessmentEntry | None = None):
    """An AssessmentEntry from validated API data (fields left out keep `base`'s)."""
    base = base or AssessmentEntry(assessment_date=data["assessment_date"])
    lesions = base.lesions
    if "lesions" in data:
        lesions = {
            code.strip().upper(): LesionEntry(
                v["result"], v.get("mm"), v.get("increased_since_last")
            )
            for code, v in data["lesions"].items()
        }
    news = base.new_lesions
    if "new_lesions" in data:
        news = [NewLesionEntry(**n) for n in data["new_lesions"]]
    return AssessmentEntry(
        assessment_date=data.get("assessment_date", base.assessment_date),
        method=data.get("method", base.method),
        visit=_visit(subject, data["visit"]) if "visit" in data else base.visit,
        lesions=lesions,
        new_lesions=news,
    )


def summary_data(subject: Subject) -> dict[str, Any]:
    summary = selectors.summary(subject)
    data: dict[str, Any] = {
        "subject": subject.subject_number,
        "criteria": "",
        "start_date": None,
        "start_source": "",
        "baseline_date": None,
        "baseline_sum_mm": None,
        "best_overall_response": "",
        "best_overall_response_date": None,
        "confirmed": None,
        "confirmation_date": None,
        "progression_date": None,
        "iupd_dates": [],
        "icpd_date": None,
        "notes": [],
        "problems": [],
    }
    if summary is not None:
        data.update({k: getattr(summary, k) for k in data if k != "subject"})
    return SummarySerializer(data).data


def _subject(request: Request, key: str, number: str, action: Action) -> Subject:
    view = study_for(request.user, key, Action.VIEW_SUBJECTS)
    subject = subject_or_404(request.user, view, number)
    if action != Action.VIEW_SUBJECTS:
        require(request.user, view.study, action, subject.site)
    return subject


def _assessment(subject: Subject, pk: int) -> TumourAssessment:
    try:
        return selectors.get_assessment(subject, pk)
    except TumourAssessment.DoesNotExist:
        raise Http404(f"No assessment {pk}") from None


def _detail(subject: Subject, pk: int) -> dict[str, Any]:
    return AssessmentSerializer(_assessment(subject, pk)).data


# --------------------------------------------------------------------------- views


class LesionListApi(APIView):
    @extend_schema(responses=LesionSerializer(many=True), operation_id="tumour_lesions_list")
    def get(self, request: Request, key: str, number: str) -> Response:
        subject = _subject(request, key, number, Action.VIEW_SUBJECTS)
        return Response(LesionSerializer(selectors.lesions(subject), many=True).data)

    @extend_schema(
        request=LesionInputSerializer,
        responses={201: LesionSerializer},
        operation_id="tumour_lesions_create",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        subject = _subject(request, key, number, Action.ENTER_DATA)
        given = LesionInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        lesion = records_api.perform(
            lambda: services.add_lesion(request.user, subject, given.validated_data)
        )
        return Response(LesionSerializer(lesion).data, status=status.HTTP_201_CREATED)


class AssessmentListApi(APIView):
    @extend_schema(
        responses=AssessmentSerializer(many=True), operation_id="tumour_assessments_list"
    )
    def get(self, request: Request, key: str, number: str) -> Response:
        subject = _subject(request, key, number, Action.VIEW_SUBJECTS)
        return Response(AssessmentSerializer(selectors.assessments(subject), many=True).data)

    @extend_schema(
        request=AssessmentInputSerializer,
        responses={201: AssessmentSerializer},
        operation_id="tumour_assessments_create",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        subject = _subject(request, key, number, Action.ENTER_DATA)
        given = AssessmentInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        saved = records_api.perform(
            lambda: services.record_assessment(
                request.user, subject, entry_from(subject, given.validated_data)
            )
        )
        return Response(_detail(subject, saved.pk), status=status.HTTP_201_CREATED)


ENTRY_FIELDS = ("assessment_date", "method", "visit", "lesions", "new_lesions")


class AssessmentDetailApi(APIView):
    @extend_schema(responses=AssessmentSerializer, operation_id="tumour_assessment_retrieve")
    def get(self, request: Request, key: str, number: str, pk: int) -> Response:
        subject = _subject(request, key, number, Action.VIEW_SUBJECTS)
        return Response(_detail(subject, pk))

    @extend_schema(
        request=AssessmentPatchSerializer,
        responses=AssessmentSerializer,
        operation_id="tumour_assessment_change",
        description="Change what was entered (with `reason`), and/or set the investigator's "
        "response with `override_reason` (an empty `investigator_response` clears it, "
        "with `reason`). `expected_version` is the version read.",
    )
    def patch(self, request: Request, key: str, number: str, pk: int) -> Response:
        subject = _subject(request, key, number, Action.ENTER_DATA)
        assessment = _assessment(subject, pk)
        given = AssessmentPatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data

        def write() -> TumourAssessment:
            current = assessment
            version = data["expected_version"]
            if any(name in data for name in ENTRY_FIELDS):
                entry = entry_from(subject, data, entry_of(current))
                current = services.change_assessment(
                    request.user, current, entry, expected_version=version, reason=data["reason"]
                )
                version = current.version
            if "investigator_response" in data:
                if data["investigator_response"]:
                    current = services.set_investigator_response(
                        request.user,
                        current,
                        data["investigator_response"],
                        data.get("override_reason", ""),
                        expected_version=version,
                    )
                else:
                    current = services.clear_investigator_response(
                        request.user, current, data["reason"], expected_version=version
                    )
            return current

        saved = records_api.perform(write)
        return Response(_detail(subject, saved.pk))


class PreviewApi(APIView):
    @extend_schema(
        request=PreviewInputSerializer,
        responses=PreviewSerializer,
        operation_id="tumour_preview",
        description="The response an unsaved assessment would give; nothing is saved.",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        subject = _subject(request, key, number, Action.VIEW_SUBJECTS)
        given = PreviewInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        replacing = _assessment(subject, data["assessment"]) if data["assessment"] else None
        try:
            entry = entry_from(subject, data)
        except ValidationError as exc:
            raise field_errors(exc) from exc
        shown = services.preview(subject, entry, replacing)
        return Response(
            {
                "timepoint": shown.timepoint.to_dict() if shown.timepoint else None,
                "result": shown.result.to_dict() if shown.result else None,
                "errors": shown.errors,
            }
        )


class SummaryApi(APIView):
    @extend_schema(responses=SummarySerializer, operation_id="tumour_summary")
    def get(self, request: Request, key: str, number: str) -> Response:
        subject = _subject(request, key, number, Action.VIEW_SUBJECTS)
        return Response(summary_data(subject))
