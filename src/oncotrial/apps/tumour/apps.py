from django.apps import AppConfig


class TumourConfig(AppConfig):
    name = "oncotrial.apps.tumour"
    label = "tumour"
    default_auto_field = "django.db.models.BigAutoField"
