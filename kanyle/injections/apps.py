from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InjectionsConfig(AppConfig):
    name = "kanyle.injections"
    verbose_name = _("Injections")
