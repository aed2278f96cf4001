"""REST endpoints of the follow-up tables: contacts, recurrences, deaths and withdrawals
(per subject: list and create; per row: read and change), and a subject's disposition
with the date last known alive. They call the same services and selectors as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oncotrial.apps.accounts.access import study_for
from oncotrial.apps.followup import selectors, services
from oncotrial.apps.followup.models import Death, FollowUpContact, Recurrence, Withdrawal
from oncotrial.apps.subjects.api import subject_or_404
from oncotrial.apps.treatment.api import EndOfTreatmentSerializer
from oncotrial.apps.treatment.record_api import BOOKKEEPING, RecordSerializer, Spec, record_views
from oncotrial.domain.permissions import Action

CONTACT_FIELDS = ["date", "method", "vital_status", "notes"]
RECURRENCE_FIELDS = ["date", "site", "diagnosed_by", "notes"]
DEATH_FIELDS = ["date", "cause", "cause_other"]
WITHDRAWAL_FIELDS = ["date", "kind", "withdrawal_reason", "last_dose_date", "survival_follow_up"]


def _pair(model: type, fields: list[str], extra: dict | None = None) -> tuple[type, type]:
    meta_in = type("Meta", (), {"model": model, "fields": fields})
    meta_out = type("Meta", (), {"model": model, "fields": [*BOOKKEEPING, *fields]})
    name = model.__name__
    given = type(f"{name}Input", (serializers.ModelSerializer,), {"Meta": meta_in})
    shown = type(f"{name}Serializer", (RecordSerializer,), {"Meta": meta_out})
    return given, shown


ContactInput, ContactSerializer = _pair(FollowUpContact, CONTACT_FIELDS)
RecurrenceInput, RecurrenceSerializer = _pair(Recurrence, RECURRENCE_FIELDS)
DeathInput, DeathSerializer = _pair(Death, DEATH_FIELDS)
WithdrawalInput, WithdrawalSerializer = _pair(Withdrawal, WITHDRAWAL_FIELDS)

ContactListApi, ContactDetailApi = record_views(
    Spec(
        "followup_contacts",
        FollowUpContact,
        ContactSerializer,
        ContactInput,
        services.record_contact,
        services.change_contact,
        "contact",
    )
)
RecurrenceListApi, RecurrenceDetailApi = record_views(
    Spec(
        "followup_recurrences",
        Recurrence,
        RecurrenceSerializer,
        RecurrenceInput,
        services.record_recurrence,
        services.change_recurrence,
        "recurrence",
    )
)
DeathListApi, DeathDetailApi = record_views(
    Spec(
        "followup_deaths",
        Death,
        DeathSerializer,
        DeathInput,
        services.record_death,
        services.change_death,
        "death",
    )
)
WithdrawalListApi, WithdrawalDetailApi = record_views(
    Spec(
        "followup_withdrawals",
        Withdrawal,
        WithdrawalSerializer,
        WithdrawalInput,
        services.record_withdrawal,
        services.change_withdrawal,
        "withdrawal",
    )
)


class KnownAliveSerializer(serializers.Serializer):
    date = serializers.DateField()
    source = serializers.CharField()


class DispositionSerializer(serializers.Serializer):
    subject_number = serializers.CharField(source="subject.subject_number")
    status = serializers.CharField()
    status_label = serializers.CharField()
    first_dose = serializers.DateField(allow_null=True)
    last_dose = serializers.DateField(allow_null=True)
    end_of_treatment = EndOfTreatmentSerializer(allow_null=True)
    death = DeathSerializer(allow_null=True)
    withdrawal = WithdrawalSerializer(allow_null=True)
    last_known_alive = KnownAliveSerializer()
    survival_follow_up = serializers.BooleanField()


class DispositionApi(APIView):
    @extend_schema(responses=DispositionSerializer, operation_id="followup_disposition")
    def get(self, request: Request, key: str, number: str) -> Response:
        view = study_for(request.user, key, Action.VIEW_SUBJECTS)
        subject = subject_or_404(request.user, view, number)
        return Response(DispositionSerializer(selectors.disposition(subject)).data)
