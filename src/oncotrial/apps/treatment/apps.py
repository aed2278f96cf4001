from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "oncotrial.apps.treatment"
    label = "treatment"
    default_auto_field = "django.db.models.BigAutoField"
