from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "oncotrial.apps.studies"
    label = "studies"
    verbose_name = "Studies and protocol versions"
    default_auto_field = "django.db.models.BigAutoField"
