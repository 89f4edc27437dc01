from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kanyle.core"
    label = "core"
