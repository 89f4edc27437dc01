"""Recording outcome scores: validated against the instrument's range, one row per source, logged."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.outcomes.models import RANGES, Instrument, Measurement


def range_message(instrument: str) -> str:
    """The message shown when a score is outside the instrument's scale."""
    low, high = RANGES[Instrument(instrument)]
    return _("%(instrument)s is a whole number from %(low)s to %(high)s.") % {
        "instrument": Instrument(instrument).label,
        "low": low,
        "high": high,
    }


def validate_score(instrument: str, value: int) -> None:
    low, high = RANGES[Instrument(instrument)]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationError({"value": range_message(instrument)})


@transaction.atomic
def measurement_record(
    *,
    actor: Actor,
    patient: Any,
    episode: Any,
    instrument: str,
    phase: str,
    occasion: int,
    value: int | None,
    measured_at: datetime.datetime,
    source: str,
    item_key: str = "",
    item_label: str = "",
) -> Measurement | None:
    """Record (or replace) a score from one source; ``value=None`` withdraws a score not yet part of a signed record."""
    if episode.patient_id != patient.pk or episode.clinic_id != actor.clinic.pk:
        raise ValidationError(_("The episode belongs to another patient."))
    existing = (
        Measurement.objects.select_for_update()
        .filter(source=source, instrument=instrument, phase=phase, item_key=item_key)
        .first()
    )
    if value is None:
        if existing is not None:
            audit_record(
                actor=actor,
                action="outcomes.measurement.withdrawn",
                patient=patient,
                target=existing,
                detail=f"{instrument}/{phase}",
            )
            existing.delete()
        return None
    validate_score(instrument, value)
    measurement = existing or Measurement(
        clinic=actor.clinic,
        patient=patient,
        episode=episode,
        instrument=instrument,
        phase=phase,
        item_key=item_key,
        source=source,
    )
    if existing is not None and (existing.value, existing.occasion, existing.item_label) == (
        value,
        occasion,
        item_label,
    ):
        return existing
    measurement.occasion = occasion
    measurement.item_label = item_label
    measurement.value = value
    measurement.measured_at = measured_at
    measurement.recorded_by = actor.user
    measurement.full_clean()
    measurement.save()
    audit_record(
        actor=actor,
        action="outcomes.measurement.recorded",
        patient=patient,
        target=measurement,
        detail=f"{instrument}/{phase}={value}",
    )
    return measurement
