from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "kanyle.interop"
    verbose_name = _("Messages and interoperability")
