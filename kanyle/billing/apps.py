from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "kanyle.billing"
    label = "billing"
