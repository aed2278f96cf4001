from django.urls import path

from oncotrial.apps.subjects import views

app_name = "subjects"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("subjects/", views.subject_list, name="list"),
    path("subjects/enroll/<str:screening_number>/", views.enroll, name="enroll"),
    path("subjects/<str:number>/", views.subject_detail, name="detail"),
    path("subjects/<str:number>/anchor-events/", views.anchor_event, name="anchor_event"),
]
