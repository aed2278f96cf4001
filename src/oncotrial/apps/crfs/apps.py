from django.apps import AppConfig


class CrfsConfig(AppConfig):
    name = "oncotrial.apps.crfs"
    label = "crfs"
    verbose_name = "Case report forms"
    default_auto_field = "django.db.models.BigAutoField"
