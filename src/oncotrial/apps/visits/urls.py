from django.urls import path

from oncotrial.apps.visits import views

app_name = "visits"

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("visits/<int:pk>/record/", views.record_visit, name="record"),
    path("visits/<int:pk>/missed/", views.mark_missed, name="missed"),
]
