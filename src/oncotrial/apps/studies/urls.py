from django.urls import path

from oncotrial.apps.studies import views

app_name = "studies"

urlpatterns = [
    path("", views.study_list, name="list"),
    path("<slug:key>/", views.study_detail, name="detail"),
]
