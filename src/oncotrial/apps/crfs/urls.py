from django.urls import path

from oncotrial.apps.crfs import views

app_name = "crfs"

urlpatterns = [
    path("subjects/<str:number>/casebook/", views.casebook, name="casebook"),
    path("subjects/<str:number>/forms/<slug:form_id>/", views.form_entry, name="form"),
]
