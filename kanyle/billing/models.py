"""Fees, charges, payments and credit notes (issue #7, items 6–9; INJ-F1, INJ-F2, NAL-9, NAL-10).

Money is ``DecimalField(max_digits=10, decimal_places=2)`` in kroner everywhere (exact øre, never
float). Nothing here is deleted: a wrong charge is answered by a credit note (kreditnota).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text
from kanyle.scheduling.models import ServiceKind

ZERO = Decimal("0.00")


def money(verbose_name: str | object, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **kwargs)


class BillingSettings(models.Model):
    """Per-clinic billing policy and the gapless number counter (locked with select_for_update)."""

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    no_show_fee = money(_("fee for a missed appointment"), default=ZERO)
    last_charge_number = models.PositiveIntegerField(default=0)
    last_credit_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")
        constraints = [models.CheckConstraint(condition=Q(no_show_fee__gte=0), name="billingsettings_fee_nonneg")]

    def __str__(self) -> str:
        return f"{self.clinic}"


class Tariff(models.Model):
    """A tariff code (takst) with its fee = patient share + state refund, valid for a period."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=20, validators=[validate_plain_text])
    description = models.CharField(_("description"), max_length=200, validators=[validate_plain_text])
    service_kind = models.CharField(_("used for"), max_length=12, choices=ServiceKind.choices)
    fee = money(_("fee"))
    patient_share = money(_("patient share"))
    refund = money(_("refund"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_example = models.BooleanField(_("example figures"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-valid_from"]
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        constraints = [
            models.CheckConstraint(
                condition=Q(fee__gte=0, patient_share__gte=0, refund__gte=0), name="tariff_amounts_nonneg"
            ),
            models.CheckConstraint(condition=Q(fee=F("patient_share") + F("refund")), name="tariff_fee_is_sum"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="tariff_period_valid"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "code", "valid_from"], name="tariff_code_period")]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class PrivatePrice(models.Model):
    """The clinic's own price for a service (INJ-F1 injections; every service without agreement, NAL-10)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    service_kind = models.CharField(_("service"), max_length=12, choices=ServiceKind.choices)
    name = models.CharField(_("name"), max_length=200, validators=[validate_plain_text])
    amount = money(_("price"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_example = models.BooleanField(_("example figures"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service_kind", "-valid_from"]
        verbose_name = _("private price")
        verbose_name_plural = _("private prices")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="privateprice_amount_nonneg"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="privateprice_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExemptionKind(models.TextChoices):
    OCCUPATIONAL_INJURY = "occupational", _("Approved occupational injury")


class PatientExemption(models.Model):
    """An approved occupational injury case (godkjent yrkesskade): no patient share in its period (NAL-9)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        _("kind"), max_length=12, choices=ExemptionKind.choices, default=ExemptionKind.OCCUPATIONAL_INJURY
    )
    reference = models.CharField(_("case reference"), max_length=60, validators=[validate_plain_text])
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="exemption_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class Frikort(models.Model):
    """A frikort the patient holds for a year; no patient share from ``valid_from`` (NAL-9)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.CharField(_("frikort number"), max_length=30, validators=[validate_plain_text])
    valid_from = models.DateField(_("valid from"))
    source = models.CharField(_("source"), max_length=200, validators=[validate_plain_text])
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("frikort")
        verbose_name_plural = _("frikort")
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "patient", "year"],
                name="frikort_one_per_year",
                violation_error_message=_("A frikort is already registered for this patient and year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.number}"


class ChargeKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    NO_SHOW = "no_show", _("Missed appointment")


class ChargeStatus(models.TextChoices):
    CHARGED = "charged", _("Awaiting payment")
    PAID = "paid", _("Settled")
    CREDITED = "credited", _("Credited")


class Charge(models.Model):
    """What a visit costs: lines with patient share and refund, numbered gaplessly per clinic."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=8, choices=ChargeKind.choices, default=ChargeKind.VISIT)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey("scheduling.Appointment", on_delete=models.PROTECT, related_name="+")
    visit_date = models.DateField(_("visit date"))
    total = money(_("total"))
    patient_share = money(_("patient pays"))
    refund = money(_("refund to claim"))
    rules = models.CharField(max_length=100, blank=True)  # the rule IDs that decided the lines
    status = models.CharField(_("status"), max_length=8, choices=ChargeStatus.choices, default=ChargeStatus.CHARGED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="charge_unique_number"),
            # One live charge per appointment; a credited one may be replaced by a corrected charge.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=~Q(status="credited"),
                name="charge_one_live_per_appointment",
                violation_error_message=_("This visit has already been charged."),
            ),
            models.CheckConstraint(condition=Q(status__in=ChargeStatus.values), name="charge_status_valid"),
            models.CheckConstraint(
                condition=Q(total__gte=0, patient_share__gte=0, refund__gte=0), name="charge_amounts_nonneg"
            ),
            models.CheckConstraint(condition=Q(total=F("patient_share") + F("refund")), name="charge_total_is_sum"),
        ]
        indexes = [
            models.Index(fields=["clinic", "visit_date"], name="charge_clinic_date"),
            models.Index(fields=["clinic", "patient", "visit_date"], name="charge_patient_date"),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class ChargeLine(models.Model):
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="lines")
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    private_price = models.ForeignKey(PrivatePrice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    code = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=200)
    quantity = models.PositiveSmallIntegerField(default=1)
    amount = money(_("amount"))
    patient_share = money(_("patient share"))
    refund = money(_("refund"))
    rule = models.CharField(max_length=12)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0, patient_share__gte=0, refund__gte=0), name="chargeline_amounts_nonneg"
            ),
            models.CheckConstraint(condition=Q(amount=F("patient_share") + F("refund")), name="chargeline_sum"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")
    INVOICE = "invoice", _("Invoice")


class Payment(models.Model):
    """The patient's payment of a charge's patient share, recorded by hand (no terminal integration)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    charge = models.OneToOneField(Charge, on_delete=models.PROTECT, related_name="payment")
    method = models.CharField(_("payment method"), max_length=8, choices=PaymentMethod.choices)
    amount = money(_("amount"))
    paid_at = models.DateTimeField(_("paid"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-paid_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="payment_method_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount}"


class CreditNote(models.Model):
    """Cancels a charge in full with a reason; the charge and its payment stay as they were."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("number"))
    charge = models.OneToOneField(Charge, on_delete=models.PROTECT, related_name="credit_note")
    reason = models.CharField(_("reason"), max_length=300, validators=[validate_plain_text])
    amount = money(_("amount"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="creditnote_unique_number"),
            models.CheckConstraint(condition=~Q(reason=""), name="creditnote_has_reason"),
        ]

    def __str__(self) -> str:
        return f"K{self.number}"
