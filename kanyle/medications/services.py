"""Every change of stock (LAW-M): receive, administer, discard; each writes a movement and the audit log.

The balance is changed with one UPDATE … SET quantity_on_hand = quantity_on_hand - n on the locked batch
row; the CHECK constraint ``batch_balance_not_negative`` is the last word, so concurrent takers of the
last unit cannot both succeed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.core.validators import validate_plain_text
from kanyle.medications.models import Batch, Drug, MovementKind, StockMovement


def _today() -> datetime.date:
    return timezone.localdate()


@transaction.atomic
def drug_save(*, actor: Actor, drug: Drug, changed: list[str] | None = None) -> Drug:
    """Add a drug to the catalogue or change it (name, ATC code, category, form, strength)."""
    creating = drug.pk is None
    if not creating and drug.clinic_id != actor.clinic.pk:
        raise ValidationError(_("The drug belongs to another clinic."))
    drug.clinic = actor.clinic
    drug.atc_code = (drug.atc_code or "").strip().upper()
    if creating:
        drug.created_by = actor.user
    drug.full_clean()
    drug.save()
    audit_record(
        actor=actor,
        action="medications.drug.created" if creating else "medications.drug.updated",
        target=drug,
        detail=", ".join(changed or []),
    )
    return drug


@transaction.atomic
def batch_receive(*, actor: Actor, batch: Batch) -> Batch:
    """Register a received lot: the balance starts at the received quantity, with a 'received' movement."""
    batch.clinic, batch.received_by = actor.clinic, actor.user
    batch.quantity_on_hand = batch.quantity_received
    if batch.drug_id and batch.drug.clinic_id != actor.clinic.pk:
        raise ValidationError(_("Choose a drug from the clinic's catalogue."))
    batch.lot_number = " ".join((batch.lot_number or "").split())
    today = _today()
    batch.received_on = batch.received_on or today
    errors: dict[str, str] = {}
    if batch.expires_on and batch.expires_on < today:
        errors["expires_on"] = _(
            "The batch expired on %(date)s: an expired batch cannot be taken into stock (LAW-M)."
        ) % {"date": date_format(batch.expires_on, "SHORT_DATE_FORMAT")}
    if batch.received_on and batch.received_on > today:
        errors["received_on"] = _("The date received cannot be in the future.")
    if (
        batch.drug_id
        and batch.lot_number
        and Batch.objects.filter(drug_id=batch.drug_id, lot_number__iexact=batch.lot_number).exists()
    ):
        errors["lot_number"] = _("Lot %(lot)s of this drug is already registered; each lot is received once.") % {
            "lot": batch.lot_number
        }
    if errors:
        raise ValidationError(errors)
    batch.full_clean()
    batch.save()
    StockMovement.objects.create(
        clinic=actor.clinic,
        batch=batch,
        kind=MovementKind.RECEIVED,
        quantity=batch.quantity_received,
        recorded_by=actor.user,
    )
    audit_record(actor=actor, action="medications.batch.received", target=batch)
    return batch


def _take(*, batch: Batch, quantity: int) -> Batch:
    """Lower the balance of the locked batch; the database refuses to go below zero."""
    if quantity < 1:
        raise ValidationError(_("The quantity must be at least 1."))
    locked = Batch.objects.select_for_update().select_related("drug").get(pk=batch.pk)
    if locked.quantity_on_hand < quantity:
        raise ValidationError(
            _("Batch %(lot)s has only %(left)s left (LAW-M).")
            % {"lot": locked.lot_number, "left": locked.quantity_on_hand}
        )
    try:
        with transaction.atomic():
            Batch.objects.filter(pk=locked.pk).update(quantity_on_hand=F("quantity_on_hand") - quantity)
    except IntegrityError:
        message = _("Batch %(lot)s does not have enough left (LAW-M).") % {"lot": locked.lot_number}
        raise ValidationError(message) from None
    locked.refresh_from_db(fields=["quantity_on_hand"])
    return locked


@transaction.atomic
def administer(*, actor: Actor, batch: Batch, quantity: int, patient: Any, procedure: Any = None) -> StockMovement:
    """LAW-M: a unit of this batch given to the patient; expired batches are blocked."""
    if batch.clinic_id != actor.clinic.pk:
        raise ValidationError(_("The batch belongs to another clinic."))
    if patient is None or patient.clinic_id != actor.clinic.pk:
        raise ValidationError(_("Name the patient (of this clinic) the drug is given to (LAW-M)."))
    if batch.expires_on < _today():
        raise ValidationError(
            _("Batch %(lot)s expired on %(date)s and cannot be used (LAW-M).")
            % {"lot": batch.lot_number, "date": date_format(batch.expires_on, "SHORT_DATE_FORMAT")}
        )
    locked = _take(batch=batch, quantity=quantity)
    movement = StockMovement.objects.create(
        clinic=actor.clinic,
        batch=locked,
        kind=MovementKind.ADMINISTERED,
        quantity=quantity,
        patient=patient,
        procedure=procedure,
        recorded_by=actor.user,
    )
    audit_record(actor=actor, action="medications.batch.administered", patient=patient, target=locked)
    return movement


@transaction.atomic
def discard(*, actor: Actor, batch: Batch, quantity: int, reason: str) -> StockMovement:
    """Take units out of stock (expired, broken, recalled) with the reason recorded."""
    if batch.clinic_id != actor.clinic.pk:
        raise ValidationError(_("The batch belongs to another clinic."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Write why the units are discarded."))
    max_length = StockMovement._meta.get_field("reason").max_length
    if len(reason) > max_length:
        raise ValidationError(_("Keep the reason within %(n)s characters.") % {"n": max_length})
    validate_plain_text(reason)
    locked = _take(batch=batch, quantity=quantity)
    movement = StockMovement.objects.create(
        clinic=actor.clinic,
        batch=locked,
        kind=MovementKind.DISCARDED,
        quantity=quantity,
        reason=reason,
        recorded_by=actor.user,
    )
    audit_record(actor=actor, action="medications.batch.discarded", target=locked, detail=reason)
    return movement
