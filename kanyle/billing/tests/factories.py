"""Helpers that build billing test data: appointments, fee tables, agreements."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from kanyle.billing.models import PrivatePrice, Tariff
from kanyle.scheduling.models import Appointment, AppointmentType, ServiceKind
from kanyle.staff.models import AgreementHours, MunicipalAgreement

OSLO = ZoneInfo("Europe/Oslo")
START = datetime.date(2024, 1, 1)


def at(day: datetime.date, hour: int = 18) -> datetime.datetime:
    """A moment on a day in Oslo time (18:00 by default: outside the test agreement's hours)."""
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=OSLO)


def appointment_type(clinic: Any, kind: str = ServiceKind.FOLLOW_UP) -> AppointmentType:
    found, _created = AppointmentType.objects.get_or_create(clinic=clinic, kind=kind, defaults={"name": str(kind)})
    return found


def appointment(
    *,
    clinic: Any,
    patient: Any,
    practitioner: Any,
    kind: str = ServiceKind.FOLLOW_UP,
    when=None,
    status="completed",
    encounter=None,
) -> Appointment:
    when = when or at(datetime.date.today())
    return Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        practitioner=practitioner,
        appointment_type=appointment_type(clinic, kind),
        starts_at=when,
        ends_at=when + datetime.timedelta(minutes=30),
        status=status,
        encounter=encounter,
    )


def agreement(
    *, clinic: Any, practitioner: Any, valid_from=START, valid_to=None, hours: bool = True
) -> MunicipalAgreement:
    """An agreement with weekday hours 08–16 (so 18:00 is outside, 10:00 inside)."""
    made = MunicipalAgreement.objects.create(
        clinic=clinic,
        practitioner=practitioner,
        municipality="Oslo",
        percent=100,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    if hours:
        for weekday in range(7):
            AgreementHours.objects.create(
                agreement=made, weekday=weekday, start=datetime.time(8), end=datetime.time(16)
            )
    return made


def tariff(
    clinic: Any,
    *,
    code="EKS-A2",
    kind=ServiceKind.FOLLOW_UP,
    share="200.00",
    refund="250.00",
    valid_from=START,
    valid_to=None,
) -> Tariff:
    return Tariff.objects.create(
        clinic=clinic,
        code=code,
        description=f"Eksempel {code}",
        service_kind=kind,
        patient_share=Decimal(share),
        refund=Decimal(refund),
        fee=Decimal(share) + Decimal(refund),
        valid_from=valid_from,
        valid_to=valid_to,
        is_example=True,
    )


def price(
    clinic: Any, *, kind=ServiceKind.INJECTION, amount="1450.00", valid_from=START, valid_to=None
) -> PrivatePrice:
    return PrivatePrice.objects.create(
        clinic=clinic,
        service_kind=kind,
        name=f"Eksempelpris {kind}",
        amount=Decimal(amount),
        valid_from=valid_from,
        valid_to=valid_to,
        is_example=True,
    )
