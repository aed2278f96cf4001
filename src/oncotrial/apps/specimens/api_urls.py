"""REST routes of the specimens app, included under ``/api/studies/<key>/`` (names start with
``specimens-``)."""

from django.urls import URLPattern, path

from oncotrial.apps.specimens import api

urlpatterns: list[URLPattern] = [
    path(
        "subjects/<str:number>/specimens/",
        api.SpecimenListApi.as_view(),
        name="specimens-list",
    ),
    path("specimens/<int:pk>/", api.SpecimenDetailApi.as_view(), name="specimens-detail"),
    path("specimens/<int:pk>/transfers/", api.TransferApi.as_view(), name="specimens-transfers"),
    path("specimens/", api.WorklistApi.as_view(), name="specimens-worklist"),
]
