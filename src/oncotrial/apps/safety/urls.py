"""Pages of the safety app, included under ``/studies/<key>/``."""

from django.urls import path

from oncotrial.apps.safety import views

app_name = "safety"

urlpatterns = [
    path("subjects/<str:number>/adverse-events/", views.subject_events, name="subject"),
    path("adverse-events/worklist/", views.worklist, name="worklist"),
    path("adverse-events/grade-help/", views.grade_help, name="grade_help"),
    path("adverse-events/<int:pk>/", views.event_detail, name="event"),
    path("adverse-events/<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("sae-reports/", views.sae_worklist, name="sae_worklist"),
    path("sae-reports/<int:pk>/sent/", views.report_sent, name="report_sent"),
]
