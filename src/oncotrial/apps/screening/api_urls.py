"""REST routes for screening, included under ``/api/studies/<key>/``."""

from django.urls import path

from oncotrial.apps.screening import api

candidate = "candidates/<str:number>/"

urlpatterns = [
    path("candidates/", api.CandidateListApi.as_view(), name="screening-candidates"),
    path(candidate, api.CandidateDetailApi.as_view(), name="screening-candidate"),
    path(f"{candidate}values/", api.ValuesApi.as_view(), name="screening-values"),
    path(f"{candidate}attestations/", api.AttestationsApi.as_view(), name="screening-attestations"),
    path(f"{candidate}eligibility/", api.EligibilityApi.as_view(), name="screening-eligibility"),
    path(
        f"{candidate}confirm-eligibility/",
        api.ConfirmEligibilityApi.as_view(),
        name="screening-confirm-eligibility",
    ),
    path(
        f"{candidate}screen-failure/",
        api.ScreenFailureApi.as_view(),
        name="screening-screen-failure",
    ),
    path(f"{candidate}consents/", api.ConsentsApi.as_view(), name="screening-consents"),
    path("screening-log/", api.ScreeningLogApi.as_view(), name="screening-log"),
]
