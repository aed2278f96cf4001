"""Screening pages, included under ``/studies/<key>/screening/``."""

from django.urls import path

from oncotrial.apps.screening import views

app_name = "screening"

urlpatterns = [
    path("", views.screening_log, name="log"),
    path("register/", views.register, name="register"),
    path("<str:number>/", views.candidate_detail, name="candidate"),
    path("<str:number>/eligibility/", views.eligibility_preview, name="preview"),
    path("<str:number>/attest/", views.attest, name="attest"),
    path("<str:number>/confirm/", views.confirm, name="confirm"),
    path("<str:number>/consent/", views.consent, name="consent"),
    path("<str:number>/screen-failure/", views.screen_failure, name="screen-failure"),
]
