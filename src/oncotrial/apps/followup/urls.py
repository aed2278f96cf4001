"""Pages of the followup app, included under ``/studies/<key>/``."""

from django.urls import URLPattern, path

from oncotrial.apps.followup import views

app_name = "followup"

urlpatterns: list[URLPattern] = [
    path("subjects/<str:number>/follow-up/", views.subject_page, name="subject"),
    path("subjects/<str:number>/follow-up/<slug:kind>/", views.record, name="record"),
    path(
        "subjects/<str:number>/follow-up/<slug:kind>/<int:pk>/",
        views.edit,
        name="edit",
    ),
    path("follow-up/worklist/", views.worklist, name="worklist"),
]
