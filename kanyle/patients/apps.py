from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "kanyle.patients"
    label = "patients"
