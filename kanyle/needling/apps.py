from django.apps import AppConfig


class NeedlingConfig(AppConfig):
    name = "kanyle.needling"
    label = "needling"
