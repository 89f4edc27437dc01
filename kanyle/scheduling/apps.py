from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "kanyle.scheduling"
    label = "scheduling"
