"""REST endpoints for data management: queries, electronic signatures and locks.

The same services and selectors as the pages. A study the user has no role in, and a
subject, query, form or lock of another site, is a 404; a role that may not do
something gets a 403 and nothing changes; bad input is a 400 with messages per field; a
step based on a stale version of a query is a 409.
"""

from __future__ import annotations

from typing import Any

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
from oncotrial.apps.crfs import locks, queries, query_selectors, signatures
from oncotrial.apps.crfs.models import FormInstance, Lock, Query, Signature
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.api import field_errors, subject_or_404
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits import selectors as visit_selectors
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import Action

# --------------------------------------------------------------------------- serializers


class QueryMessageSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["open", "answer", "reopen", "close"])
    text = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.CharField(allow_null=True, help_text="Username; null for a check.")


class QuerySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    site = serializers.CharField()
    subject = serializers.CharField(help_text="Subject number.")
    form_instance = serializers.IntegerField(allow_null=True)
    form_id = serializers.CharField(allow_blank=True)
    item_id = serializers.CharField(allow_blank=True)
    check_id = serializers.CharField(allow_blank=True)
    origin = serializers.ChoiceField(choices=Query.Origin.choices)
    status = serializers.ChoiceField(choices=Query.Status.choices)
    text = serializers.CharField()
    raised_at = serializers.DateTimeField()
    raised_by = serializers.CharField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()
    age_days = serializers.IntegerField(help_text="Days since the query was raised.")
    messages = QueryMessageSerializer(many=True)


class RaiseQuerySerializer(serializers.Serializer):
    subject = serializers.CharField(help_text="Subject number.")
    text = serializers.CharField(allow_blank=True)
    form_instance = serializers.IntegerField(required=False, allow_null=True)
    item_id = serializers.CharField(required=False, allow_blank=True, default="")


class QueryStepSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, help_text="The answer, or why.")
    expected_version = serializers.IntegerField(
        min_value=1, help_text="The version of the query you read (conflict if it changed)."
    )


class QueryConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()
    status = serializers.CharField()


class SignatureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.ChoiceField(choices=Signature.Scope.choices)
    form_instance = serializers.IntegerField(allow_null=True)
    visit = serializers.IntegerField(allow_null=True)
    signer = serializers.CharField(help_text="Username.")
    printed_name = serializers.CharField()
    meaning = serializers.CharField()
    signed_at = serializers.DateTimeField()
    content_hash = serializers.CharField(help_text="SHA-256 of the signed data.")
    status = serializers.ChoiceField(choices=["valid", "invalidated"])
    invalidated_at = serializers.DateTimeField(allow_null=True)
    invalidated_reason = serializers.CharField(allow_blank=True)


class SignInputSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Signature.Scope.choices)
    form_instance = serializers.IntegerField(required=False, allow_null=True)
    visit = serializers.IntegerField(required=False, allow_null=True)
    password = serializers.CharField(
        allow_blank=True, trim_whitespace=False, style={"input_type": "password"}
    )
    meaning = serializers.CharField(allow_blank=True)


class LockSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.ChoiceField(choices=Lock.Scope.choices)
    subject = serializers.CharField(allow_null=True, help_text="Subject number.")
    visit = serializers.IntegerField(allow_null=True)
    form_instance = serializers.IntegerField(allow_null=True)
    covers = serializers.CharField(help_text="What the lock covers, in words.")
    locked_at = serializers.DateTimeField()
    locked_by = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    active = serializers.BooleanField()
    unlocked_at = serializers.DateTimeField(allow_null=True)
    unlocked_by = serializers.CharField(allow_null=True)
    unlock_reason = serializers.CharField(allow_blank=True)


class LockInputSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Lock.Scope.choices)
    subject = serializers.CharField(required=False, allow_blank=True, default="")
    visit = serializers.IntegerField(required=False, allow_null=True)
    form_instance = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class UnlockInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


# --------------------------------------------------------------------------- rendering


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def query_data(query: Query, today: Any = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    return {
        "id": query.pk,
        "site": query.site.code,
        "subject": query.subject.subject_number,
        "form_instance": query.form_instance_id,
        "form_id": query.form_instance.form_id if query.form_instance else "",
        "item_id": query.item_id,
        "check_id": query.check_id,
        "origin": query.origin,
        "status": query.status,
        "text": query.text,
        "raised_at": query.raised_at,
        "raised_by": _username(query.raised_by),
        "closed_at": query.closed_at,
        "version": query.version,
        "age_days": (today - timezone.localdate(query.raised_at)).days,
        "messages": [
            {"action": m.action, "text": m.text, "at": m.at, "by": _username(m.by)}
            for m in query.messages.all()
        ],
    }


def signature_data(signature: Signature) -> dict[str, Any]:
    state = signatures.signature_status(signature)
    return {
        "id": signature.pk,
        "scope": signature.scope,
        "form_instance": signature.form_instance_id,
        "visit": signature.visit_id,
        "signer": signature.signer.get_username(),
        "printed_name": signature.printed_name,
        "meaning": signature.meaning,
        "signed_at": signature.signed_at,
        "content_hash": signature.content_hash,
        "status": state.label,
        "invalidated_at": state.invalidated_at,
        "invalidated_reason": state.reason,
    }


def lock_data(lock: Lock) -> dict[str, Any]:
    subject = lock.subject or (lock.visit.subject if lock.visit else None)
    if lock.form_instance is not None:
        subject = lock.form_instance.subject
    return {
        "id": lock.pk,
        "scope": lock.scope,
        "subject": subject.subject_number if subject else None,
        "visit": lock.visit_id,
        "form_instance": lock.form_instance_id,
        "covers": locks.describe(lock),
        "locked_at": lock.locked_at,
        "locked_by": lock.locked_by.get_username(),
        "reason": lock.reason,
        "active": lock.unlocked_at is None,
        "unlocked_at": lock.unlocked_at,
        "unlocked_by": _username(lock.unlocked_by),
        "unlock_reason": lock.unlock_reason,
    }


# --------------------------------------------------------------------------- lookups


def form_or_404(user: Any, study: Study, pk: int, subject: Subject | None = None) -> FormInstance:
    """A form instance of a subject at one of the user's sites."""
    forms = FormInstance.objects.filter(
        subject__in=subject_selectors.subjects_for(user, study)
    ).select_related("subject__study", "subject__site", "visit")
    if subject is not None:
        forms = forms.filter(subject=subject)
    try:
        return forms.get(pk=pk)
    except FormInstance.DoesNotExist:
        raise Http404(f"No form {pk}") from None


def visit_or_404(user: Any, study: Study, pk: int, subject: Subject | None = None) -> Visit:
    try:
        visit = visit_selectors.get_visit(user, study, pk)
    except Visit.DoesNotExist:
        raise Http404(f"No visit {pk}") from None
    if subject is not None and visit.subject_id != subject.pk:
        raise Http404(f"No visit {pk} for subject {subject.subject_number}")
    return visit


def query_or_404(user: Any, study: Study, pk: int) -> Query:
    try:
        return query_selectors.get_query(user, study, pk)
    except Query.DoesNotExist:
        raise Http404(f"No query {pk}") from None


def lock_or_404(user: Any, study: Study, pk: int) -> Lock:
    try:
        return locks.get_lock(user, study, pk)
    except Lock.DoesNotExist:
        raise Http404(f"No lock {pk}") from None


def _site_param(request: Request, study: Study) -> Any:
    code = request.query_params.get("site")
    if not code:
        return None
    site = (
        access_selectors.sites_for(request.user, study, Action.VIEW_SUBJECTS)
        .filter(code=code)
        .first()
    )
    if site is None:
        raise ApiValidationError({"site": [f"{code} is not one of your sites."]})
    return site


# --------------------------------------------------------------------------- queries


class QueryListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("site", str, description="Only this site's queries."),
            OpenApiParameter(
                "status",
                str,
                enum=list(query_selectors.STATUS_FILTERS),
                description="unresolved (open or answered; the default), open, answered, "
                "closed or all.",
            ),
        ],
        responses=QuerySerializer(many=True),
        operation_id="queries_list",
    )
    def get(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        site = _site_param(request, view.study)
        wanted = request.query_params.get("status") or "unresolved"
        if wanted not in query_selectors.STATUS_FILTERS:
            raise ApiValidationError(
                {"status": [f"Choose one of {', '.join(query_selectors.STATUS_FILTERS)}."]}
            )
        today = timezone.localdate()
        rows = query_selectors.open_queries(
            request.user, view.study, site, today=today, status=wanted
        )
        return Response(QuerySerializer([query_data(r.query, today) for r in rows], many=True).data)

    @extend_schema(
        request=RaiseQuerySerializer,
        responses={201: QuerySerializer},
        operation_id="queries_create",
    )
    def post(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        given = RaiseQuerySerializer(data=request.data)
        if not given.is_valid():
            # a role that may not raise queries gets no field messages
            require(request.user, view.study, Action.RAISE_QUERY)
            raise ApiValidationError(given.errors)
        data = given.validated_data
        subject = subject_or_404(request.user, view, data["subject"])
        form = None
        if data.get("form_instance"):
            form = form_or_404(request.user, view.study, data["form_instance"], subject)
        try:
            query = queries.raise_query(
                request.user, subject, data["text"], form_instance=form, item_id=data["item_id"]
            )
        except ValidationError as exc:
            raise field_errors(exc) from exc
        query = query_selectors.get_query(request.user, view.study, query.pk)
        return Response(QuerySerializer(query_data(query)).data, status=status.HTTP_201_CREATED)


class QueryDetailApi(APIView):
    @extend_schema(responses=QuerySerializer, operation_id="queries_retrieve")
    def get(self, request: Request, key: str, pk: int) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        return Response(
            QuerySerializer(query_data(query_or_404(request.user, view.study, pk))).data
        )


STEP_SCHEMA = {
    "request": QueryStepSerializer,
    "responses": {200: QuerySerializer, 409: QueryConflictSerializer},
}


class QueryStepApi(APIView):
    """Answer, re-open or close a query (`step` is set by the URL)."""

    step = "answer"

    @extend_schema(**STEP_SCHEMA)
    def post(self, request: Request, key: str, pk: int) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        query = query_or_404(request.user, view.study, pk)
        require(request.user, view.study, queries.TRANSITIONS[self.step][2], query.site)
        given = QueryStepSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        service = {"answer": queries.answer, "reopen": queries.reopen, "close": queries.close}
        try:
            service[self.step](request.user, query, data["text"], data["expected_version"])
        except queries.QueryConflict as exc:
            return Response(
                {"detail": str(exc), "current_version": exc.current, "status": exc.query.status},
                status=status.HTTP_409_CONFLICT,
            )
        except ValidationError as exc:
            raise field_errors(exc) from exc
        query = query_selectors.get_query(request.user, view.study, pk)
        return Response(QuerySerializer(query_data(query)).data)


class AnswerQueryApi(QueryStepApi):
    step = "answer"

    @extend_schema(operation_id="queries_answer", **STEP_SCHEMA)
    def post(self, request: Request, key: str, pk: int) -> Response:
        return super().post(request, key, pk)


class ReopenQueryApi(QueryStepApi):
    step = "reopen"

    @extend_schema(operation_id="queries_reopen", **STEP_SCHEMA)
    def post(self, request: Request, key: str, pk: int) -> Response:
        return super().post(request, key, pk)


class CloseQueryApi(QueryStepApi):
    step = "close"

    @extend_schema(operation_id="queries_close", **STEP_SCHEMA)
    def post(self, request: Request, key: str, pk: int) -> Response:
        return super().post(request, key, pk)


# --------------------------------------------------------------------------- signatures


class SignatureApi(APIView):
    @extend_schema(responses=SignatureSerializer(many=True), operation_id="signatures_list")
    def get(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        rows = [signature_data(s) for s in signatures.signatures_for(subject)]
        return Response(SignatureSerializer(rows, many=True).data)

    @extend_schema(
        request=SignInputSerializer,
        responses={201: SignatureSerializer},
        operation_id="signatures_create",
    )
    def post(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        require(request.user, view.study, Action.SIGN, subject.site)
        given = SignInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        form = visit = None
        if data.get("form_instance"):
            form = form_or_404(request.user, view.study, data["form_instance"], subject)
        if data.get("visit"):
            visit = visit_or_404(request.user, view.study, data["visit"], subject)
        try:
            signature = signatures.sign(
                request.user,
                subject,
                data["scope"],
                form_instance=form,
                visit=visit,
                password=data["password"],
                meaning=data["meaning"],
            )
        except ValidationError as exc:
            raise field_errors(exc) from exc
        return Response(signature_data(signature), status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- locks


class LockListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("active", bool, description="Only locks in force (true/false).")
        ],
        responses=LockSerializer(many=True),
        operation_id="locks_list",
    )
    def get(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        active = (request.query_params.get("active") or "").lower() in {"1", "true", "yes"}
        rows = [
            lock_data(lock)
            for lock in locks.locks_for(request.user, view.study, active_only=active)
        ]
        return Response(LockSerializer(rows, many=True).data)

    @extend_schema(
        request=LockInputSerializer, responses={201: LockSerializer}, operation_id="locks_create"
    )
    def post(self, request: Request, key: str) -> Response:
        view = study_for(request.user, key, Action.LOCK_DATA)
        given = LockInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        subject = form = visit = None
        if data["subject"]:
            subject = subject_or_404(request.user, view, data["subject"])
        if data.get("visit"):
            visit = visit_or_404(request.user, view.study, data["visit"], subject)
        if data.get("form_instance"):
            form = form_or_404(request.user, view.study, data["form_instance"], subject)
        try:
            lock = locks.lock(
                request.user,
                view.study,
                data["scope"],
                subject=subject,
                visit=visit,
                form_instance=form,
                reason=data["reason"],
            )
        except ValidationError as exc:
            raise field_errors(exc) from exc
        lock = locks.get_lock(request.user, view.study, lock.pk)
        return Response(lock_data(lock), status=status.HTTP_201_CREATED)


class UnlockApi(APIView):
    @extend_schema(
        request=UnlockInputSerializer, responses=LockSerializer, operation_id="locks_unlock"
    )
    def post(self, request: Request, key: str, pk: int) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        lock = lock_or_404(request.user, view.study, pk)
        require(request.user, view.study, Action.LOCK_DATA)
        given = UnlockInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            locks.unlock(request.user, lock, given.validated_data["reason"])
        except ValidationError as exc:
            raise field_errors(exc) from exc
        return Response(lock_data(locks.get_lock(request.user, view.study, pk)))
