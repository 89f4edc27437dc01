"""Billing reads, clinic first, each in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from kanyle.billing.models import (
    BillingSettings,
    Charge,
    ChargeLine,
    ChargeStatus,
    Frikort,
    PatientExemption,
    Payment,
    PrivatePrice,
    Tariff,
)
from kanyle.billing.rules import ZERO, cap_for
from kanyle.scheduling.models import Appointment
from kanyle.staff.models import MunicipalAgreement

LIVE = (ChargeStatus.CHARGED, ChargeStatus.PAID)


def billing_settings(*, clinic: Any) -> BillingSettings:
    """The clinic's billing settings row (created on first use)."""
    settings_row, _created = BillingSettings.objects.get_or_create(clinic=clinic)
    return settings_row


def tariff_list(*, clinic: Any) -> QuerySet[Tariff]:
    """Every tariff period of the clinic, by code."""
    return Tariff.objects.filter(clinic=clinic)


def private_price_list(*, clinic: Any) -> QuerySet[PrivatePrice]:
    """Every private price period of the clinic."""
    return PrivatePrice.objects.filter(clinic=clinic)


def practitioner_agreements(*, clinic: Any, practitioner: Any) -> list[MunicipalAgreement]:
    """The practitioner's municipal agreements (NAL-9/NAL-10 ask whether one covers the visit date)."""
    return list(MunicipalAgreement.objects.filter(clinic=clinic, practitioner=practitioner))


def patient_frikort(*, clinic: Any, patient: Any) -> list[Frikort]:
    """The patient's registered frikort, newest year first."""
    return list(Frikort.objects.filter(clinic=clinic, patient=patient))


def patient_exemptions(*, clinic: Any, patient: Any) -> list[PatientExemption]:
    """The patient's approved occupational injury cases."""
    return list(PatientExemption.objects.filter(clinic=clinic, patient=patient))


def paid_shares(*, clinic: Any, patient: Any, year: int) -> Decimal:
    """NAL-9: patient shares on tariff lines of live charges at this clinic in the year (private fees don't count)."""
    total = ChargeLine.objects.filter(
        charge__clinic=clinic,
        charge__patient=patient,
        charge__visit_date__year=year,
        charge__status__in=LIVE,
        tariff__isnull=False,
    ).aggregate(total=Sum("patient_share"))["total"]
    return total or ZERO


@dataclass
class FrikortYear:
    year: int
    paid: Decimal
    cap: Decimal | None
    frikort: Frikort | None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.cap is None else max(ZERO, self.cap - self.paid)


def frikort_overview(*, clinic: Any, patient: Any, years: list[int]) -> list[FrikortYear]:
    """NAL-9: per year, shares paid here against the cap, and the frikort if registered (two queries)."""
    rows = ChargeLine.objects.filter(
        charge__clinic=clinic, charge__patient=patient, charge__status__in=LIVE, tariff__isnull=False
    ).values_list("charge__visit_date", "patient_share")
    by_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for visit_date, share in rows:
        by_year[visit_date.year] += share
    cards = {f.year: f for f in patient_frikort(clinic=clinic, patient=patient)}
    return [FrikortYear(year, by_year[year], cap_for(datetime.date(year, 12, 31)), cards.get(year)) for year in years]


def appointment_for_billing(*, clinic: Any, pk: int) -> Appointment:
    """One appointment with what charging needs (patient, practitioner, type, note)."""
    return Appointment.objects.select_related(
        "patient", "practitioner__user", "appointment_type", "encounter__note"
    ).get(clinic=clinic, pk=pk)


def live_charge_for(*, clinic: Any, appointment: Any) -> Charge | None:
    """The appointment's charge that is not credited, if any."""
    return Charge.objects.filter(clinic=clinic, appointment=appointment).exclude(status=ChargeStatus.CREDITED).first()


def charge_detail(*, clinic: Any, pk: int) -> Charge:
    """A charge with its lines, payment and credit note."""
    charge = (
        Charge.objects.select_related("patient", "practitioner__user", "appointment__appointment_type", "created_by")
        .prefetch_related("lines")
        .get(clinic=clinic, pk=pk)
    )
    return charge


def charge_payment(charge: Charge) -> Payment | None:
    return Payment.objects.filter(charge=charge).select_related("received_by").first()


def charge_list(*, clinic: Any, patient: Any = None, limit: int = 50) -> QuerySet[Charge]:
    """Recent charges of the clinic (or of one patient), newest first."""
    qs = Charge.objects.filter(clinic=clinic).select_related("patient", "practitioner__user")
    if patient is not None:
        qs = qs.filter(patient=patient)
    return qs[:limit]


def uncharged_visits(*, clinic: Any, since: datetime.datetime, until: datetime.datetime) -> QuerySet[Appointment]:
    """Visits in the window that took place or were missed and have no live charge (the reception worklist)."""
    charged = Charge.objects.filter(clinic=clinic).exclude(status=ChargeStatus.CREDITED).values("appointment_id")
    return (
        Appointment.objects.filter(
            clinic=clinic,
            starts_at__gte=since,
            starts_at__lt=until,
            status__in=("arrived", "completed", "no_show"),
            patient__isnull=False,
        )
        .exclude(pk__in=charged)
        .select_related("patient", "practitioner__user", "appointment_type")
        .order_by("starts_at")
    )


@dataclass
class SettlementRow:
    label: str
    count: int = 0
    total: Decimal = ZERO
    patient_share: Decimal = ZERO
    refund: Decimal = ZERO


@dataclass
class Settlement:
    day: datetime.date
    by_practitioner: list[SettlementRow] = field(default_factory=list)
    by_method: list[SettlementRow] = field(default_factory=list)
    totals: SettlementRow = field(default_factory=lambda: SettlementRow(""))
    credited: list[Charge] = field(default_factory=list)


def daily_settlement(*, clinic: Any, day: datetime.date) -> Settlement:
    """Item 9: the day's live charges per practitioner, and payments per method (three queries)."""
    charges = list(
        Charge.objects.filter(clinic=clinic, visit_date=day)
        .select_related("practitioner__user", "patient")
        .order_by("id")
    )
    result = Settlement(day=day)
    per_practitioner: dict[int, SettlementRow] = {}
    for charge in charges:
        if charge.status == ChargeStatus.CREDITED:
            result.credited.append(charge)
            continue
        row = per_practitioner.setdefault(charge.practitioner_id, SettlementRow(charge.practitioner.user.display_name))
        for target in (row, result.totals):
            target.count += 1
            target.total += charge.total
            target.patient_share += charge.patient_share
            target.refund += charge.refund
    result.by_practitioner = sorted(per_practitioner.values(), key=lambda r: r.label)
    payments = Payment.objects.filter(clinic=clinic, paid_at__date=day).exclude(charge__status=ChargeStatus.CREDITED)
    per_method: dict[str, SettlementRow] = {}
    for payment in payments:
        row = per_method.setdefault(payment.method, SettlementRow(payment.get_method_display()))
        row.count += 1
        row.total += payment.amount
        row.patient_share += payment.amount
    result.by_method = sorted(per_method.values(), key=lambda r: r.label)
    return result


def claim_lines(*, clinic: Any, year: int) -> QuerySet[ChargeLine]:
    """Item 9: tariff lines of live charges in the year, for the claim to the state (one query)."""
    return (
        ChargeLine.objects.filter(
            charge__clinic=clinic, charge__visit_date__year=year, charge__status__in=LIVE, tariff__isnull=False
        )
        .select_related("charge__patient", "charge__practitioner")
        .order_by("charge__visit_date", "charge__number", "id")
    )
