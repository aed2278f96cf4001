from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "oncotrial.apps.subjects"
    label = "subjects"
    default_auto_field = "django.db.models.BigAutoField"
