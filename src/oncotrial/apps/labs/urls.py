"""Pages of the labs app, included under ``/studies/<key>/``."""

from django.urls import URLPattern, path

from oncotrial.apps.labs import views

app_name = "labs"

urlpatterns: list[URLPattern] = [
    path("subjects/<str:number>/labs/", views.subject_labs, name="subject"),
    path("subjects/<str:number>/labs/<str:assessment>/new/", views.enter_panel, name="enter"),
    path("labs/worklist/", views.worklist, name="worklist"),
]
