from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "kanyle.outcomes"
    label = "outcomes"
