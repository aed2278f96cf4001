"""REST routes of the treatment app, included under ``/api/studies/<key>/`` (names start with
``treatment-``)."""

from django.urls import URLPattern, path

from oncotrial.apps.treatment import api

SUBJECT = "subjects/<str:number>/treatment/"

urlpatterns: list[URLPattern] = [
    path(
        f"{SUBJECT}administrations/",
        api.AdministrationListApi.as_view(),
        name="treatment-administrations",
    ),
    path(
        "treatment/administrations/<int:pk>/",
        api.AdministrationDetailApi.as_view(),
        name="treatment-administration",
    ),
    path(f"{SUBJECT}surgeries/", api.SurgeryListApi.as_view(), name="treatment-surgeries"),
    path("treatment/surgeries/<int:pk>/", api.SurgeryDetailApi.as_view(), name="treatment-surgery"),
    path(
        f"{SUBJECT}end-of-treatment/",
        api.EndOfTreatmentListApi.as_view(),
        name="treatment-ends",
    ),
    path(
        "treatment/end-of-treatment/<int:pk>/",
        api.EndOfTreatmentDetailApi.as_view(),
        name="treatment-end",
    ),
    path(f"{SUBJECT}next-lines/", api.NextLineListApi.as_view(), name="treatment-next-lines"),
    path(
        "treatment/next-lines/<int:pk>/",
        api.NextLineDetailApi.as_view(),
        name="treatment-next-line",
    ),
]
