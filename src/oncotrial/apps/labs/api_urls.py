"""REST routes of the labs app, included under ``/api/studies/<key>/`` (names start with
``labs-``)."""

from django.urls import URLPattern, path

from oncotrial.apps.labs import api

urlpatterns: list[URLPattern] = [
    path("subjects/<str:number>/labs/", api.ResultListApi.as_view(), name="labs-results"),
    path(
        "subjects/<str:number>/labs/series/<str:analyte>/",
        api.SeriesApi.as_view(),
        name="labs-series",
    ),
    path("labs/<int:pk>/", api.ResultDetailApi.as_view(), name="labs-result"),
    path("labs/worklist/", api.WorklistApi.as_view(), name="labs-worklist"),
]
