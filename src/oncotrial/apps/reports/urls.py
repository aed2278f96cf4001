"""Report pages, included under ``/studies/<key>/``."""

from django.urls import path

from oncotrial.apps.reports import views

app_name = "reports"

urlpatterns = [
    path("report/", views.report, name="study"),
    path("report/derived-endpoints.csv", views.derived_csv, name="derived_csv"),
]
