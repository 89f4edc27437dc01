"""Validation ranges (NAL-4, NAL-12): outside them a value is a typing error, never a treatment."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

FREQUENCY_HZ = (1, 200)
PULSE_WIDTH_US = (20, 1000)
INTENSITY_MA = (0, 80)
DURATION_MIN = (1, 120)
NEEDLE_LENGTH_MM = (5, 150)
NEEDLE_GAUGE_MM = ("0.12", "0.40")
MAX_NEEDLES = 40
MAX_ELECTRODES = 8


def range_validators(low, high, message) -> list:
    """A minimum and a maximum with one clear message for both ends."""
    return [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]


FREQUENCY_VALIDATORS = range_validators(*FREQUENCY_HZ, _("The frequency must be between 1 and 200 Hz."))
PULSE_WIDTH_VALIDATORS = range_validators(*PULSE_WIDTH_US, _("The pulse width must be between 20 and 1000 µs."))
INTENSITY_VALIDATORS = range_validators(*INTENSITY_MA, _("The intensity must be between 0 and 80 mA."))
DURATION_VALIDATORS = range_validators(*DURATION_MIN, _("The duration must be between 1 and 120 minutes."))
PAIN_VALIDATORS = range_validators(0, 10, _("Pain is scored from 0 (none) to 10 (worst imaginable)."))
PSFS_VALIDATORS = range_validators(0, 10, _("A PSFS score is from 0 (unable) to 10 (as before the problem)."))
