from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "kanyle.clinics"
    label = "clinics"
