"""REST endpoints for screening and consent. They parse input, call the services and
serialise what the selectors return; no rule lives here.

Errors: bad input is a 400 with messages per field (``non_field_errors`` for the rest),
a stale ``version`` a 409, a study or candidate the user cannot see a 404, an action
their role does not allow a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oncotrial.apps.accounts import selectors as access
from oncotrial.apps.accounts.access import require, study_for
from oncotrial.apps.screening import selectors, services
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies.selectors import StudyView
from oncotrial.domain.eligibility import EligibilityResult
from oncotrial.domain.permissions import Action

# --------------------------------------------------------------------------- serializers


class ConsentOutSerializer(serializers.Serializer):
    form_version = serializers.CharField()
    protocol_version = serializers.CharField(
        help_text="Label of the protocol version consented to."
    )
    consented_at = serializers.DateTimeField()
    obtained_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class ConsentStateSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    message = serializers.CharField()
    consent = ConsentOutSerializer(allow_null=True)


class ValueOutSerializer(serializers.Serializer):
    value = serializers.JSONField()
    unit = serializers.CharField(allow_blank=True)


class CandidateSerializer(serializers.Serializer):
    screening_number = serializers.CharField()
    site = serializers.CharField(help_text="Site code.")
    status = serializers.ChoiceField(choices=Candidate.Status.choices)
    status_label = serializers.CharField()
    outcome_reason = serializers.CharField(allow_blank=True)
    screening_date = serializers.DateField()
    protocol_version = serializers.CharField(help_text="Protocol version screened under.")
    initials = serializers.CharField(allow_blank=True)
    sex = serializers.CharField(allow_blank=True)
    full_name = serializers.CharField(
        required=False, help_text="PHI: only for roles that may see identifying details."
    )
    date_of_birth = serializers.DateField(
        required=False,
        help_text="PHI: only for roles that may see identifying details (null when unknown).",
    )
    version = serializers.IntegerField(help_text="Send it back with a change to detect conflicts.")
    registered_at = serializers.DateTimeField()


class CandidateDetailSerializer(CandidateSerializer):
    values = serializers.DictField(child=ValueOutSerializer())
    attestations = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="Checklist criterion id → satisfied (inclusion met / exclusion not applying).",
    )
    eligibility_confirmed = serializers.BooleanField()
    consent = ConsentStateSerializer()
    ready_to_enroll = serializers.BooleanField()


class RegisterSerializer(serializers.Serializer):
    site = serializers.CharField(max_length=16, help_text="Code of the site screening.")
    screening_number = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="Generated when empty."
    )
    initials = serializers.CharField(max_length=8, required=False, allow_blank=True)
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(
        choices=["female", "male"], required=False, allow_blank=True, default=""
    )
    screening_date = serializers.DateField()


class ValueInSerializer(serializers.Serializer):
    value = serializers.JSONField(allow_null=True, help_text="null or empty clears the value.")
    unit = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The candidate version the change is based on."
    )


class ValuesSerializer(VersionedSerializer):
    values = serializers.DictField(
        child=ValueInSerializer(), help_text="Screening variable id → value and unit."
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Required when a stored value changes."
    )


class AttestationsSerializer(VersionedSerializer):
    attestations = serializers.DictField(
        child=serializers.BooleanField(allow_null=True),
        help_text="Checklist criterion id → satisfied (null withdraws the answer).",
    )
    reason = serializers.CharField(required=False, allow_blank=True)


class ConsentInSerializer(VersionedSerializer):
    consented_at = serializers.DateTimeField()
    obtained_by = serializers.CharField(
        required=False, help_text="Username of the person who obtained consent (default: you)."
    )
    form_version = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text="Default: the protocol's."
    )


class ScreenFailureSerializer(VersionedSerializer):
    reason = serializers.CharField()


class CriterionSerializer(serializers.Serializer):
    id = serializers.CharField()
    section = serializers.CharField()
    text = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["met", "not_met", "missing_data", "invalid_data", "awaiting_attestation"]
    )
    passes = serializers.BooleanField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    values = serializers.DictField(child=serializers.CharField())
    missing = serializers.ListField(child=serializers.CharField())
    computable = serializers.BooleanField()


class EligibilitySerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["eligible", "not_eligible", "incomplete"])
    summary = serializers.CharField()
    criteria = CriterionSerializer(many=True)
    missing_variables = serializers.ListField(child=serializers.CharField())
    awaiting_attestation = serializers.ListField(child=serializers.CharField())
    errors = serializers.ListField(child=serializers.CharField())


class ConfirmationSerializer(serializers.Serializer):
    confirmed_at = serializers.DateTimeField()
    confirmed_by = serializers.CharField()
    evaluation = serializers.JSONField()


class LogRowSerializer(serializers.Serializer):
    screening_number = serializers.CharField()
    site = serializers.CharField()
    screening_date = serializers.DateField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    consented = serializers.BooleanField()
    eligibility_confirmed = serializers.BooleanField()


class SiteCountsSerializer(serializers.Serializer):
    site = serializers.CharField()
    total = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())


class ScreeningLogSerializer(serializers.Serializer):
    sites = SiteCountsSerializer(many=True)
    candidates = LogRowSerializer(many=True)


# --------------------------------------------------------------------------- data


def candidate_data(user: Any, candidate: Candidate, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "screening_number": candidate.screening_number,
        "site": candidate.site.code,
        "status": candidate.status,
        "status_label": candidate.get_status_display(),
        "outcome_reason": candidate.outcome_reason,
        "screening_date": candidate.screening_date,
        "protocol_version": candidate.protocol_version.label,
        "initials": candidate.initials,
        "sex": candidate.sex,
        "version": candidate.version,
        "registered_at": candidate.registered_at,
    }
    if selectors.may_see_phi(user, candidate):
        data["full_name"] = candidate.full_name
        data["date_of_birth"] = candidate.date_of_birth
    if detail:
        state = selectors.consent_state(candidate)
        consent = state.consent
        data.update(
            values={v.variable: {"value": v.value, "unit": v.unit} for v in candidate.values.all()},
            attestations=selectors.attestations_of(candidate),
            eligibility_confirmed=selectors.active_confirmation(candidate) is not None,
            consent={
                "valid": state.valid,
                "message": state.message,
                "consent": None
                if consent is None
                else {
                    "form_version": consent.form_version,
                    "protocol_version": consent.protocol_version.label,
                    "consented_at": consent.consented_at,
                    "obtained_by": consent.obtained_by.get_username(),
                    "recorded_at": consent.recorded_at,
                },
            },
            ready_to_enroll=selectors.ready_to_enroll(candidate)[0],
        )
    return data


def eligibility_data(result: EligibilityResult) -> dict[str, Any]:
    return {
        "outcome": result.outcome,
        "summary": result.summary,
        "criteria": [
            {
                "id": c.id,
                "section": c.section,
                "text": c.text,
                "status": c.status,
                "passes": c.eligible_for_criterion,
                "reason": c.reason,
                "values": {k: str(v) for k, v in c.values.items()},
                "missing": list(c.missing),
                "computable": c.computable,
            }
            for c in result.criteria
        ],
        "missing_variables": list(result.missing_variables),
        "awaiting_attestation": list(result.awaiting_attestation),
        "errors": list(result.errors),
    }


# --------------------------------------------------------------------------- views


class ScreeningApiView(APIView):
    """Resolves the study and candidate with site scoping; turns service errors into
    400 (409 for a stale version)."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.StaleVersion):
            return Response(exc.message_dict, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, ValidationError):
            body = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            if services.NON_FIELD in body:
                body["non_field_errors"] = body.pop(services.NON_FIELD)
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)

    def study(self, key: str) -> StudyView:
        return study_for(self.request.user, key, Action.VIEW_SUBJECTS)

    def candidate(self, key: str, number: str) -> Candidate:
        view = self.study(key)
        try:
            return selectors.get_candidate(self.request.user, view.study, number)
        except Candidate.DoesNotExist:
            raise Http404(f"No candidate {number}") from None

    def valid(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class CandidateListApi(ScreeningApiView):
    @extend_schema(
        responses=CandidateSerializer(many=True), operation_id="screening_candidates_list"
    )
    def get(self, request: Request, key: str) -> Response:
        view = self.study(key)
        rows = [
            candidate_data(request.user, c)
            for c in selectors.candidates_for(request.user, view.study)
        ]
        return Response(CandidateSerializer(rows, many=True).data)

    @extend_schema(
        request=RegisterSerializer,
        responses={201: CandidateDetailSerializer},
        operation_id="screening_candidates_create",
    )
    def post(self, request: Request, key: str) -> Response:
        view = self.study(key)
        require(request.user, view.study, Action.SCREEN)
        data = self.valid(RegisterSerializer)
        code = data.pop("site")
        site = access.sites_for(request.user, view.study, Action.SCREEN).filter(code=code).first()
        if site is None:
            raise services.ScreeningError({"site": f"{code} is not one of your sites."})
        candidate = services.register_candidate(request.user, view.study, site, **data)
        body = CandidateDetailSerializer(candidate_data(request.user, candidate, detail=True))
        return Response(body.data, status=status.HTTP_201_CREATED)


class CandidateDetailApi(ScreeningApiView):
    @extend_schema(responses=CandidateDetailSerializer, operation_id="screening_candidate_retrieve")
    def get(self, request: Request, key: str, number: str) -> Response:
        candidate = self.candidate(key, number)
        data = candidate_data(request.user, candidate, detail=True)
        return Response(CandidateDetailSerializer(data).data)


class ValuesApi(ScreeningApiView):
    @extend_schema(
        request=ValuesSerializer,
        responses=CandidateDetailSerializer,
        operation_id="screening_values_update",
    )
    def put(self, request: Request, key: str, number: str) -> Response:
        candidate = self.candidate(key, number)
        require(request.user, candidate.study, Action.SCREEN, candidate.site)
        data = self.valid(ValuesSerializer)
        values = {k: (v.get("value"), v.get("unit")) for k, v in data["values"].items()}
        services.record_screening_values(
            request.user,
            candidate,
            values,
            reason=data.get("reason", ""),
            expected_version=data.get("version"),
        )
        return Response(
            CandidateDetailSerializer(candidate_data(request.user, candidate, detail=True)).data
        )


class AttestationsApi(ScreeningApiView):
    @extend_schema(
        request=AttestationsSerializer,
        responses=CandidateDetailSerializer,
        operation_id="screening_attestations_create",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        candidate = self.candidate(key, number)
        require(request.user, candidate.study, Action.ATTEST_ELIGIBILITY, candidate.site)
        data = self.valid(AttestationsSerializer)
        services.record_attestations(
            request.user,
            candidate,
            data["attestations"],
            reason=data.get("reason", ""),
            expected_version=data.get("version"),
        )
        return Response(
            CandidateDetailSerializer(candidate_data(request.user, candidate, detail=True)).data
        )


class EligibilityApi(ScreeningApiView):
    @extend_schema(responses=EligibilitySerializer, operation_id="screening_eligibility_retrieve")
    def get(self, request: Request, key: str, number: str) -> Response:
        candidate = self.candidate(key, number)
        return Response(EligibilitySerializer(eligibility_data(services.evaluate(candidate))).data)


class ConfirmEligibilityApi(ScreeningApiView):
    @extend_schema(
        request=VersionedSerializer,
        responses={201: ConfirmationSerializer},
        operation_id="screening_confirm_eligibility",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        candidate = self.candidate(key, number)
        require(request.user, candidate.study, Action.ATTEST_ELIGIBILITY, candidate.site)
        data = self.valid(VersionedSerializer)
        confirmation = services.confirm_eligibility(
            request.user, candidate, expected_version=data.get("version")
        )
        body = {
            "confirmed_at": confirmation.confirmed_at,
            "confirmed_by": confirmation.confirmed_by.get_username(),
            "evaluation": confirmation.evaluation,
        }
        return Response(ConfirmationSerializer(body).data, status=status.HTTP_201_CREATED)


class ScreenFailureApi(ScreeningApiView):
    @extend_schema(
        request=ScreenFailureSerializer,
        responses=CandidateDetailSerializer,
        operation_id="screening_screen_failure_create",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        candidate = self.candidate(key, number)
        require(request.user, candidate.study, Action.SCREEN, candidate.site)
        data = self.valid(ScreenFailureSerializer)
        services.record_screen_failure(
            request.user, candidate, data["reason"], expected_version=data.get("version")
        )
        return Response(
            CandidateDetailSerializer(candidate_data(request.user, candidate, detail=True)).data
        )


class ConsentsApi(ScreeningApiView):
    @extend_schema(
        request=ConsentInSerializer,
        responses={201: ConsentStateSerializer},
        operation_id="screening_consents_create",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        candidate = self.candidate(key, number)
        require(request.user, candidate.study, Action.RECORD_CONSENT, candidate.site)
        data = self.valid(ConsentInSerializer)
        obtained_by: Any = request.user
        if data.get("obtained_by"):
            obtained_by = get_user_model().objects.filter(username=data["obtained_by"]).first()
            if obtained_by is None:
                raise services.ScreeningError({"obtained_by": "No such user."})
        services.record_consent(
            request.user,
            candidate,
            consented_at=data["consented_at"],
            obtained_by=obtained_by,
            form_version=data.get("form_version") or None,
            expected_version=data.get("version"),
        )
        detail = candidate_data(request.user, candidate, detail=True)
        return Response(
            ConsentStateSerializer(detail["consent"]).data, status=status.HTTP_201_CREATED
        )


class ScreeningLogApi(ScreeningApiView):
    @extend_schema(
        parameters=[OpenApiParameter("site", str, description="Only this site (code).")],
        responses=ScreeningLogSerializer,
        operation_id="screening_log_retrieve",
    )
    def get(self, request: Request, key: str) -> Response:
        view = self.study(key)
        site = None
        code = request.query_params.get("site")
        if code:
            site = selectors.visible_site(request.user, view.study, code)
            if site is None:
                raise services.ScreeningError({"site": f"No site {code} you may see."})
        log = selectors.screening_log(request.user, view.study, site)
        body = {
            "sites": [
                {"site": s.site.code, "total": s.total, "counts": s.counts} for s in log.sites
            ],
            "candidates": [
                {
                    "screening_number": r.screening_number,
                    "site": r.site_code,
                    "screening_date": r.screening_date,
                    "status": r.status,
                    "status_label": r.status_label,
                    "reasons": r.reasons,
                    "consented": r.consented,
                    "eligibility_confirmed": r.confirmed,
                }
                for r in log.rows
            ],
        }
        return Response(ScreeningLogSerializer(body).data)
