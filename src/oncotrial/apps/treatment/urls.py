"""Pages of the treatment app, included under ``/studies/<key>/``."""

from django.urls import URLPattern, path

from oncotrial.apps.treatment import views

app_name = "treatment"

urlpatterns: list[URLPattern] = [
    path("subjects/<str:number>/treatment/", views.subject_page, name="subject"),
    path("subjects/<str:number>/treatment/<slug:kind>/", views.record, name="record"),
    path(
        "subjects/<str:number>/treatment/<slug:kind>/<int:pk>/",
        views.edit,
        name="edit",
    ),
    path("treatment/worklist/", views.worklist, name="worklist"),
]
