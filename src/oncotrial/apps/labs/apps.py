from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "oncotrial.apps.labs"
    label = "labs"
    default_auto_field = "django.db.models.BigAutoField"
