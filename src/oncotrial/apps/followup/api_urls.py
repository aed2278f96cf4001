"""REST routes of the followup app, included under ``/api/studies/<key>/`` (names start with
``followup-``)."""

from django.urls import URLPattern, path

from oncotrial.apps.followup import api

SUBJECT = "subjects/<str:number>/follow-up/"

urlpatterns: list[URLPattern] = [
    path(f"{SUBJECT}contacts/", api.ContactListApi.as_view(), name="followup-contacts"),
    path("follow-up/contacts/<int:pk>/", api.ContactDetailApi.as_view(), name="followup-contact"),
    path(f"{SUBJECT}recurrences/", api.RecurrenceListApi.as_view(), name="followup-recurrences"),
    path(
        "follow-up/recurrences/<int:pk>/",
        api.RecurrenceDetailApi.as_view(),
        name="followup-recurrence",
    ),
    path(f"{SUBJECT}deaths/", api.DeathListApi.as_view(), name="followup-deaths"),
    path("follow-up/deaths/<int:pk>/", api.DeathDetailApi.as_view(), name="followup-death"),
    path(f"{SUBJECT}withdrawals/", api.WithdrawalListApi.as_view(), name="followup-withdrawals"),
    path(
        "follow-up/withdrawals/<int:pk>/",
        api.WithdrawalDetailApi.as_view(),
        name="followup-withdrawal",
    ),
    path(f"{SUBJECT}disposition/", api.DispositionApi.as_view(), name="followup-disposition"),
]
