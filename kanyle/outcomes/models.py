"""Outcome measures: pain (NPRS), function (PSFS) and the patient's impression of change (PGIC).

NAL-6: the aim of needle treatment is less pain and better function, so both are measured over the
course. A measurement belongs to an episode of care and an occasion in it (0 = the start, then one
per treatment session); ``source`` names the record it came from (e.g. ``needling.session:12``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text


class Instrument(models.TextChoices):
    NPRS = "nprs", _("Pain intensity (NPRS 0–10)")
    PSFS = "psfs", _("Patient-specific functional scale (PSFS 0–10)")
    PGIC = "pgic", _("Patient's global impression of change (PGIC 1–7)")


# The range of each instrument: NPRS 0 = no pain, 10 = worst imaginable; PSFS 0 = unable, 10 = as before
# the problem; PGIC 1 = no change or worse, 7 = a great deal better.
RANGES = {Instrument.NPRS: (0, 10), Instrument.PSFS: (0, 10), Instrument.PGIC: (1, 7)}


class Phase(models.TextChoices):
    BASELINE = "baseline", _("At the start")
    BEFORE = "before", _("Before treatment")
    AFTER = "after", _("After treatment")
    END = "end", _("At the end of the course")


class Measurement(models.Model):
    """One score on one instrument (for PSFS: one activity) at one occasion of an episode of care."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="measurements")
    episode = models.ForeignKey("journal.Episode", on_delete=models.PROTECT, related_name="measurements")
    instrument = models.CharField(_("instrument"), max_length=4, choices=Instrument.choices)
    phase = models.CharField(_("when"), max_length=10, choices=Phase.choices)
    occasion = models.PositiveSmallIntegerField(_("occasion"), validators=[MaxValueValidator(200)])
    # PSFS: the activity the patient chose ('item_key' groups scores of the same activity over time).
    item_key = models.CharField(max_length=40, blank=True)
    item_label = models.CharField(_("activity"), max_length=200, blank=True, validators=[validate_plain_text])
    value = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(0), MaxValueValidator(10)])
    measured_at = models.DateTimeField(_("measured"))
    source = models.CharField(max_length=80)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["occasion", "measured_at", "id"]
        verbose_name = _("outcome measurement")
        verbose_name_plural = _("outcome measurements")
        constraints = [
            models.CheckConstraint(condition=Q(instrument__in=Instrument.values), name="measurement_instrument"),
            models.CheckConstraint(condition=Q(phase__in=Phase.values), name="measurement_phase"),
            models.CheckConstraint(
                condition=Q(instrument__in=["nprs", "psfs"], value__gte=0, value__lte=10)
                | Q(instrument="pgic", value__gte=1, value__lte=7),
                name="measurement_value_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(instrument="psfs") | ~Q(item_key=""), name="measurement_psfs_has_activity"
            ),
            models.CheckConstraint(condition=~Q(source=""), name="measurement_has_source"),
            # One score per instrument, phase and activity from one source: recording again replaces it.
            models.UniqueConstraint(
                fields=["source", "instrument", "phase", "item_key"], name="measurement_unique_per_source"
            ),
        ]
        indexes = [models.Index(fields=["episode", "occasion"], name="measurement_episode_occasion")]

    def __str__(self) -> str:
        item = f" {self.item_label}" if self.item_label else ""
        return f"{self.get_instrument_display()}{item}: {self.value}"
