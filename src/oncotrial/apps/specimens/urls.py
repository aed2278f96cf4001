"""Pages of the specimens app, included under ``/studies/<key>/``."""

from django.urls import URLPattern, path

from oncotrial.apps.specimens import views

app_name = "specimens"

urlpatterns: list[URLPattern] = [
    path("subjects/<str:number>/specimens/", views.subject_specimens, name="subject"),
    path("subjects/<str:number>/specimens/collect/", views.collect, name="collect"),
    path("specimens/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("specimens/worklist/", views.worklist, name="worklist"),
]
