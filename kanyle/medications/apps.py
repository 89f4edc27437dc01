from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicationsConfig(AppConfig):
    name = "kanyle.medications"
    verbose_name = _("Medications")
