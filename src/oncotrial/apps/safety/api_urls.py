"""REST routes of the safety app, included under ``/api/studies/<key>/`` (names start with
``safety-``)."""

from django.urls import path

from oncotrial.apps.safety import api

urlpatterns = [
    path(
        "subjects/<str:number>/adverse-events/",
        api.SubjectEventsApi.as_view(),
        name="safety-subject-events",
    ),
    path("adverse-events/<int:pk>/", api.EventDetailApi.as_view(), name="safety-event"),
    path("sae-reports/", api.SaeReportsApi.as_view(), name="safety-sae-reports"),
    path("sae-reports/<int:pk>/sent/", api.ReportSentApi.as_view(), name="safety-report-sent"),
    path("ctcae-terms/", api.TermsApi.as_view(), name="safety-terms"),
]
