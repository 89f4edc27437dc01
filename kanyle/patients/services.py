"""Every write to the patient register: atomic, validated, logged."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanyle.audit.services import Actor, audit_record
from kanyle.patients.models import Patient, RiskFlag

DUPLICATE_MESSAGE = _("A patient with this national ID is already registered in the clinic.")


def _save(patient: Patient) -> None:
    patient.full_clean()
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as error:
        # Two receptionists registering the same person at once: the constraint decides.
        raise ValidationError({"national_id": DUPLICATE_MESSAGE}) from error


@transaction.atomic
def patient_create(*, actor: Actor, patient: Patient) -> Patient:
    """Register a patient in the actor's clinic."""
    patient.clinic = actor.clinic
    patient.created_by = actor.user
    _save(patient)
    audit_record(actor=actor, action="patients.patient.created", patient=patient, target=patient)
    return patient


@transaction.atomic
def patient_update(*, actor: Actor, patient: Patient, changed: list[str]) -> Patient:
    """Save changed details and log which fields changed (not their values)."""
    _save(patient)
    audit_record(
        actor=actor, action="patients.patient.updated", patient=patient, target=patient, detail=", ".join(changed)
    )
    return patient


def national_id_reveal(*, actor: Actor, patient: Patient) -> str:
    """Show the whole number: a deliberate, logged act."""
    audit_record(actor=actor, action="patients.national_id.revealed", patient=patient, target=patient)
    return patient.formatted_national_id


@transaction.atomic
def risk_flag_add(*, actor: Actor, patient: Patient, flag: RiskFlag) -> RiskFlag:
    flag.clinic = patient.clinic
    flag.patient = patient
    flag.recorded_by = actor.user
    flag.full_clean()
    flag.save()
    audit_record(actor=actor, action="patients.risk_flag.created", patient=patient, target=flag, detail=flag.kind)
    return flag


@transaction.atomic
def risk_flag_resolve(*, actor: Actor, flag: RiskFlag) -> RiskFlag:
    """A risk no longer current is marked so, never deleted: the history stays in the record."""
    flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.resolved_at is None:
        flag.resolved_at, flag.resolved_by = timezone.now(), actor.user
        flag.save(update_fields=["resolved_at", "resolved_by"])
        audit_record(
            actor=actor, action="patients.risk_flag.resolved", patient=flag.patient, target=flag, detail=flag.kind
        )
    return flag
