from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kanyle.audit"
    label = "audit"
