from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "kanyle.quality"
    label = "quality"
