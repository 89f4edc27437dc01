"""Every billing write: keyword-only, with an actor, atomic, validated and audited. Nothing is deleted."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.billing import rules, selectors
from kanyle.billing.models import (
    BillingSettings,
    Charge,
    ChargeKind,
    ChargeLine,
    ChargeStatus,
    CreditNote,
    Frikort,
    PatientExemption,
    Payment,
    PrivatePrice,
    Tariff,
)
from kanyle.core.decisions import Decision
from kanyle.staff.rules import within_agreement_hours


def _refuse(decision: Decision) -> None:
    if not decision.ok:
        raise ValidationError(decision.messages)


def _overlaps(qs, valid_from: datetime.date, valid_to: datetime.date | None) -> bool:
    """Another period in ``qs`` shares at least one day with [valid_from, valid_to]."""
    qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        qs = qs.filter(valid_from__lte=valid_to)
    return qs.exists()


def _locked_settings(clinic: Any) -> BillingSettings:
    selectors.billing_settings(clinic=clinic)
    return BillingSettings.objects.select_for_update().get(clinic=clinic)


def tariff_create(*, actor: Actor, clinic: Any, data: dict) -> Tariff:
    """Item 6: add a tariff period; periods of one code may not overlap."""
    tariff = Tariff(clinic=clinic, **data)
    tariff.full_clean()
    with transaction.atomic():
        _locked_settings(clinic)  # serialises fee-table writes of the clinic
        if _overlaps(Tariff.objects.filter(clinic=clinic, code=tariff.code), tariff.valid_from, tariff.valid_to):
            raise ValidationError(
                _("Tariff %(code)s already has a period that overlaps these dates.") % {"code": tariff.code}
            )
        tariff.save()
        audit_record(actor=actor, action="billing.tariff.created", target=tariff, detail=tariff.code)
    return tariff


def private_price_create(*, actor: Actor, clinic: Any, data: dict) -> PrivatePrice:
    """Item 6: add a private price period; periods for one service may not overlap."""
    price = PrivatePrice(clinic=clinic, **data)
    price.full_clean()
    with transaction.atomic():
        _locked_settings(clinic)
        same = PrivatePrice.objects.filter(clinic=clinic, service_kind=price.service_kind)
        if _overlaps(same, price.valid_from, price.valid_to):
            raise ValidationError(_("This service already has a private price for a period that overlaps these dates."))
        price.save()
        audit_record(actor=actor, action="billing.price.created", target=price, detail=price.name)
    return price


def no_show_fee_set(*, actor: Actor, clinic: Any, fee: Decimal) -> BillingSettings:
    """Clinic policy (BIL-NS): the fee for a missed appointment; zero means none."""
    with transaction.atomic():
        row = _locked_settings(clinic)
        row.no_show_fee = fee
        row.full_clean()
        row.save(update_fields=["no_show_fee"])
        audit_record(actor=actor, action="billing.settings.updated", target=row, detail=f"no_show_fee={fee}")
    return row


def frikort_register(*, actor: Actor, clinic: Any, patient: Any, data: dict) -> Frikort:
    """NAL-9: record the patient's frikort; no patient share is proposed from its date in that year."""
    card = Frikort(clinic=clinic, patient=patient, registered_by=actor.user, **data)
    card.full_clean()
    if card.valid_from.year != card.year:
        raise ValidationError(_("The frikort's start date must lie in its year."))
    with transaction.atomic():
        card.save()
        audit_record(
            actor=actor, action="billing.frikort.registered", patient=patient, target=card, detail=f"{card.year}"
        )
    return card


def exemption_register(*, actor: Actor, clinic: Any, patient: Any, data: dict) -> PatientExemption:
    """NAL-9: record an approved occupational injury case; no patient share in its period."""
    exemption = PatientExemption(clinic=clinic, patient=patient, registered_by=actor.user, **data)
    exemption.full_clean()
    with transaction.atomic():
        exemption.save()
        audit_record(actor=actor, action="billing.exemption.registered", patient=patient, target=exemption)
    return exemption


def visit_date_of(appointment: Any) -> datetime.date:
    return timezone.localtime(appointment.starts_at, timezone.get_default_timezone()).date()


def charge_proposal(*, clinic: Any, appointment: Any) -> rules.Proposal:
    """Items 7/8: what the visit would cost today, from the dated tables and the patient's status."""
    note = getattr(appointment.encounter, "note", None) if appointment.encounter_id else None
    _refuse(
        rules.visit_chargeable(
            appointment_status=appointment.status, note_signed=note is not None and note.signed_at is not None
        )
    )
    if appointment.status == "no_show":
        return rules.propose_no_show(fee=selectors.billing_settings(clinic=clinic).no_show_fee)
    day = visit_date_of(appointment)
    patient, practitioner = appointment.patient, appointment.practitioner
    return rules.propose_charge(
        birth_date=patient.birth_date,
        service_kind=appointment.appointment_type.kind,
        visit_date=day,
        has_agreement=rules.has_agreement(
            selectors.practitioner_agreements(clinic=clinic, practitioner=practitioner), day
        ),
        in_agreement_hours=within_agreement_hours(practitioner, appointment.starts_at),
        tariffs=Tariff.objects.filter(clinic=clinic),
        prices=PrivatePrice.objects.filter(clinic=clinic),
        frikort=selectors.patient_frikort(clinic=clinic, patient=patient),
        exemptions=selectors.patient_exemptions(clinic=clinic, patient=patient),
        paid_shares_this_year=selectors.paid_shares(clinic=clinic, patient=patient, year=day.year),
        cap=rules.cap_for(day),
    )


def charge_create(*, actor: Actor, clinic: Any, appointment: Any) -> Charge:
    """Item 7: charge a visit (or a missed appointment) with the proposed lines and the next number."""
    if appointment.clinic_id != clinic.pk or appointment.patient_id is None:
        raise ValidationError(_("This appointment cannot be charged."))
    with transaction.atomic():
        counter = _locked_settings(clinic)  # one charge at a time per clinic: gapless numbers, no double charge
        if selectors.live_charge_for(clinic=clinic, appointment=appointment) is not None:
            raise ValidationError(_("This visit has already been charged."))
        proposal = charge_proposal(clinic=clinic, appointment=appointment)
        _refuse(proposal.decision)
        if not proposal.lines:
            raise ValidationError(_("Nothing to charge for this visit."))
        counter.last_charge_number += 1
        counter.save(update_fields=["last_charge_number"])
        zero_share = proposal.patient_share == rules.ZERO
        charge = Charge(
            clinic=clinic,
            number=counter.last_charge_number,
            kind=ChargeKind.NO_SHOW if appointment.status == "no_show" else ChargeKind.VISIT,
            patient=appointment.patient,
            practitioner=appointment.practitioner,
            appointment=appointment,
            visit_date=visit_date_of(appointment),
            total=proposal.total,
            patient_share=proposal.patient_share,
            refund=proposal.refund,
            rules=",".join(proposal.rules),
            # Nothing for the patient to pay: settled at once, the refund is claimed from the state.
            status=ChargeStatus.PAID if zero_share else ChargeStatus.CHARGED,
            created_by=actor.user,
        )
        charge.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                charge.save()
        except IntegrityError:
            raise ValidationError(_("This visit has already been charged.")) from None
        ChargeLine.objects.bulk_create(
            [
                ChargeLine(
                    charge=charge,
                    tariff=line.tariff,
                    private_price=line.private_price,
                    code=line.code,
                    description=str(line.description)[:200],
                    amount=line.amount,
                    patient_share=line.patient_share,
                    refund=line.refund,
                    rule=line.rule,
                )
                for line in proposal.lines
            ]
        )
        audit_record(
            actor=actor,
            action="billing.charge.created",
            patient=charge.patient,
            target=charge,
            detail=f"#{charge.number} {charge.total} ({charge.rules})",
        )
    return charge


def charge_pay(*, actor: Actor, charge: Charge, method: str, amount: Decimal) -> Payment:
    """Item 7 (BIL-P): record the patient's payment of the share, once; no payment terminal is involved."""
    with transaction.atomic():
        charge = Charge.objects.select_for_update().get(pk=charge.pk)
        _refuse(
            rules.payment_allowed(
                status=charge.status,
                patient_share=charge.patient_share,
                already_paid=Payment.objects.filter(charge=charge).exists(),
                amount=amount,
            )
        )
        payment = Payment(
            clinic=charge.clinic,
            charge=charge,
            method=method,
            amount=amount,
            paid_at=timezone.now(),
            received_by=actor.user,
        )
        payment.full_clean()
        payment.save()
        charge.status = ChargeStatus.PAID
        charge.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="billing.charge.paid",
            patient=charge.patient,
            target=charge,
            detail=f"#{charge.number} {payment.get_method_display()} {amount}",
        )
    return payment


def charge_credit(*, actor: Actor, charge: Charge, reason: str) -> CreditNote:
    """Item 9: cancel a charge with a credit note and a reason; the charge stays, marked credited."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the credit note."))
    with transaction.atomic():
        counter = _locked_settings(charge.clinic)
        charge = Charge.objects.select_for_update().get(pk=charge.pk)
        if charge.status == ChargeStatus.CREDITED:
            raise ValidationError(_("This charge has already been credited."))
        note = CreditNote(
            clinic=charge.clinic,
            number=counter.last_credit_number + 1,
            charge=charge,
            reason=reason,
            amount=charge.total,
            created_by=actor.user,
        )
        note.full_clean(validate_constraints=False)
        counter.last_credit_number = note.number
        counter.save(update_fields=["last_credit_number"])
        note.save()
        charge.status = ChargeStatus.CREDITED
        charge.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="billing.charge.credited",
            patient=charge.patient,
            target=charge,
            detail=f"#{charge.number} K{note.number}",
            reason=reason,
        )
    return note


def receipt_printed(*, actor: Actor, charge: Charge) -> None:
    """A receipt is patient data: its printing is logged."""
    status = Charge.objects.filter(pk=charge.pk).values_list("status", flat=True).first()
    if status == ChargeStatus.CREDITED:
        raise ValidationError(_("This charge has been credited; no receipt is issued."))
    audit_record(
        actor=actor, action="billing.receipt.printed", patient=charge.patient, target=charge, detail=f"#{charge.number}"
    )
