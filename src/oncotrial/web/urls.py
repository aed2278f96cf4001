"""URLs of the oncotrial web app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from oncotrial.apps.crfs import api as crfs_api
from oncotrial.apps.crfs import dm_urls as crfs_dm_urls
from oncotrial.apps.studies import api as studies_api
from oncotrial.apps.subjects import api as subjects_api
from oncotrial.apps.visits import api as visits_api

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("studies/", studies_api.StudyListApi.as_view(), name="studies-list"),
    path("studies/<slug:key>/", studies_api.StudyDetailApi.as_view(), name="studies-detail"),
    path(
        "studies/<slug:key>/subjects/", subjects_api.SubjectListApi.as_view(), name="subjects-list"
    ),
    path(
        "studies/<slug:key>/subjects/<str:number>/",
        subjects_api.SubjectDetailApi.as_view(),
        name="subjects-detail",
    ),
    path(
        "studies/<slug:key>/subjects/<str:number>/anchor-events/",
        subjects_api.AnchorEventApi.as_view(),
        name="subjects-anchor-events",
    ),
    path(
        "studies/<slug:key>/subjects/<str:number>/forms/",
        crfs_api.CasebookApi.as_view(),
        name="crfs-casebook",
    ),
    path(
        "studies/<slug:key>/subjects/<str:number>/forms/<slug:form_id>/",
        crfs_api.FormApi.as_view(),
        name="crfs-form",
    ),
    path(
        "studies/<slug:key>/subjects/<str:number>/forms/<slug:form_id>/history/",
        crfs_api.FormHistoryApi.as_view(),
        name="crfs-form-history",
    ),
    path("studies/<slug:key>/dashboard/", subjects_api.DashboardApi.as_view(), name="dashboard"),
    path(
        "studies/<slug:key>/visits/<int:pk>/", visits_api.VisitApi.as_view(), name="visits-detail"
    ),
    path("studies/<slug:key>/worklist/", visits_api.WorklistApi.as_view(), name="worklist"),
    path("studies/<slug:key>/", include("oncotrial.apps.screening.api_urls")),
    path("studies/<slug:key>/", include(crfs_dm_urls.api_urlpatterns)),
    path("studies/<slug:key>/", include("oncotrial.apps.treatment.api_urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.followup.api_urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.safety.api_urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.tumour.api_urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.labs.api_urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.specimens.api_urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="studies:list", permanent=False), name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("studies/<slug:key>/screening/", include("oncotrial.apps.screening.urls")),
    path("studies/", include("oncotrial.apps.studies.urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.subjects.urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.visits.urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.crfs.urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.crfs.dm_urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.treatment.urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.followup.urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.safety.urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.tumour.urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.labs.urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.specimens.urls")),
    path("studies/<slug:key>/", include("oncotrial.apps.reports.urls")),
    path("api/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
]
