"""REST routes of the tumour app, included under ``/api/studies/<key>/`` (names start with
``tumour-``)."""

from django.urls import URLPattern, path

from oncotrial.apps.tumour import api

SUBJECT = "subjects/<str:number>/tumour/"

urlpatterns: list[URLPattern] = [
    path(f"{SUBJECT}lesions/", api.LesionListApi.as_view(), name="tumour-lesions"),
    path(f"{SUBJECT}assessments/", api.AssessmentListApi.as_view(), name="tumour-assessments"),
    path(
        f"{SUBJECT}assessments/<int:pk>/",
        api.AssessmentDetailApi.as_view(),
        name="tumour-assessment",
    ),
    path(f"{SUBJECT}preview/", api.PreviewApi.as_view(), name="tumour-preview"),
    path(f"{SUBJECT}summary/", api.SummaryApi.as_view(), name="tumour-summary"),
]
