from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "kanyle.staff"
    label = "staff"
