"""Pages of the tumour app, included under ``/studies/<key>/``."""

from django.urls import path

from oncotrial.apps.tumour import views

app_name = "tumour"

SUBJECT = "subjects/<str:number>/tumour/"

urlpatterns = [
    path("tumour/worklist/", views.worklist, name="worklist"),
    path(SUBJECT, views.subject_page, name="subject"),
    path(f"{SUBJECT}lesions/new/", views.lesion_new, name="lesion_new"),
    path(f"{SUBJECT}assessments/new/", views.assessment_new, name="assessment_new"),
    path(f"{SUBJECT}assessments/<int:pk>/", views.assessment_edit, name="assessment_edit"),
    path(f"{SUBJECT}assessments/<int:pk>/override/", views.override, name="override"),
    path(f"{SUBJECT}preview/", views.preview, name="preview"),
]
