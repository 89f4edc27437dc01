from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "kanyle.journal"
    label = "journal"
