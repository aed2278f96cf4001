"""URLs of the data-management pages (namespace ``crfs_dm``) and REST endpoints
(`api_urlpatterns`, included under ``/api/studies/<key>/``)."""

from django.urls import path

from oncotrial.apps.crfs import dm_api, dm_views

app_name = "crfs_dm"

urlpatterns = [
    path("queries/", dm_views.query_list, name="queries"),
    path("queries/raise/", dm_views.raise_query, name="raise_query"),
    path("queries/<int:pk>/", dm_views.query_detail, name="query"),
    path("queries/<int:pk>/<str:step>/", dm_views.query_step, name="query_step"),
    path("subjects/<str:number>/signatures/", dm_views.subject_review, name="signatures"),
    path("locks/", dm_views.lock_list, name="locks"),
    path("locks/<int:pk>/unlock/", dm_views.unlock, name="unlock"),
]

api_urlpatterns = [
    path("queries/", dm_api.QueryListApi.as_view(), name="queries-list"),
    path("queries/<int:pk>/", dm_api.QueryDetailApi.as_view(), name="queries-detail"),
    path("queries/<int:pk>/answer/", dm_api.AnswerQueryApi.as_view(), name="queries-answer"),
    path("queries/<int:pk>/reopen/", dm_api.ReopenQueryApi.as_view(), name="queries-reopen"),
    path("queries/<int:pk>/close/", dm_api.CloseQueryApi.as_view(), name="queries-close"),
    path(
        "subjects/<str:number>/signatures/",
        dm_api.SignatureApi.as_view(),
        name="subjects-signatures",
    ),
    path("locks/", dm_api.LockListApi.as_view(), name="locks-list"),
    path("locks/<int:pk>/unlock/", dm_api.UnlockApi.as_view(), name="locks-unlock"),
]
