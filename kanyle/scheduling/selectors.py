"""Reads for the calendar: a fixed number of queries whatever the size of the week."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from kanyle.scheduling.models import OCCUPYING, Appointment, AppointmentStatus, AppointmentType, ClinicSession, Room
from kanyle.staff.models import MunicipalAgreement, Practitioner

DAY_START = datetime.time(7, 0)
DAY_END = datetime.time(19, 0)
SLOT_MINUTES = 15
# Hours offered for online booking (local time, weekdays).
ONLINE_START = datetime.time(8, 0)
ONLINE_END = datetime.time(16, 0)
ONLINE_DAYS = 14


def local_bounds(first: datetime.date, days: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min), tz)
    end = timezone.make_aware(datetime.datetime.combine(first + datetime.timedelta(days=days), datetime.time.min), tz)
    return start, end


def calendar_appointments(
    *,
    clinic,
    start: datetime.datetime,
    end: datetime.datetime,
    practitioner: Practitioner | None = None,
    room: Room | None = None,
    include_cancelled: bool = False,
) -> QuerySet[Appointment]:
    qs = Appointment.objects.filter(clinic=clinic, starts_at__lt=end, ends_at__gt=start).select_related(
        "patient", "practitioner__user", "room", "appointment_type"
    )
    if not include_cancelled:
        qs = qs.filter(status__in=(*OCCUPYING, AppointmentStatus.NO_SHOW))
    if practitioner is not None:
        qs = qs.filter(practitioner=practitioner)
    if room is not None:
        qs = qs.filter(room=room)
    return qs.order_by("starts_at", "pk")


def calendar_sessions(
    *, clinic, start: datetime.datetime, end: datetime.datetime, practitioner=None, room=None
) -> QuerySet[ClinicSession]:
    qs = ClinicSession.objects.filter(clinic=clinic, starts_at__lt=end, ends_at__gt=start).select_related(
        "doctor__user", "physio__user", "room"
    )
    if practitioner is not None:
        qs = qs.filter(doctor=practitioner) | qs.filter(physio=practitioner)
    if room is not None:
        qs = qs.filter(room=room)
    return qs.order_by("starts_at")


@dataclass(frozen=True)
class Block:
    day: datetime.date
    start: datetime.time
    end: datetime.time


def agreement_blocks(*, practitioner: Practitioner, days: list[datetime.date]) -> list[Block]:
    """INJ-F2: the practitioner's agreed municipal hours on these days, to shade in the calendar."""
    agreements = list(MunicipalAgreement.objects.filter(practitioner=practitioner).prefetch_related("hours"))
    blocks = []
    for day in days:
        for agreement in agreements:
            if agreement.valid_from > day or (agreement.valid_to is not None and agreement.valid_to < day):
                continue
            blocks.extend(Block(day, h.start, h.end) for h in agreement.hours.all() if h.weekday == day.weekday())
    return blocks


def practitioners(*, clinic) -> QuerySet[Practitioner]:
    return Practitioner.objects.filter(clinic=clinic).select_related("user").order_by("user__last_name", "pk")


def rooms(*, clinic) -> QuerySet[Room]:
    return Room.objects.filter(clinic=clinic, is_active=True)


def appointment_types(*, clinic, online: bool = False) -> QuerySet[AppointmentType]:
    qs = AppointmentType.objects.filter(clinic=clinic, is_active=True)
    if online:
        qs = qs.filter(bookable_online=True).exclude(kind="injection")
    return qs


def requested(*, clinic) -> QuerySet[Appointment]:
    """Online requests waiting for reception, oldest first."""
    return (
        Appointment.objects.filter(clinic=clinic, status=AppointmentStatus.REQUESTED)
        .select_related("practitioner__user", "appointment_type")
        .order_by("starts_at")
    )


def appointment_detail(*, clinic, pk) -> Appointment:
    return Appointment.objects.select_related(
        "patient", "practitioner__user", "room", "appointment_type", "clinic_session"
    ).get(clinic=clinic, pk=pk)


def free_slots(
    *, clinic, appointment_type: AppointmentType, now: datetime.datetime | None = None, days: int = ONLINE_DAYS
) -> list[tuple[Practitioner, datetime.datetime]]:
    """Free start times for online booking: weekdays, opening hours, every practitioner who is free."""
    now = now or timezone.now()
    first = timezone.localdate(now) + datetime.timedelta(days=1)
    start, end = local_bounds(first, days)
    people = [p for p in practitioners(clinic=clinic) if p.profession == "physio"]
    busy: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    for a in Appointment.objects.filter(
        clinic=clinic, status__in=OCCUPYING, starts_at__lt=end, ends_at__gt=start
    ).values_list("practitioner_id", "starts_at", "ends_at"):
        busy.setdefault(a[0], []).append((a[1], a[2]))
    length = datetime.timedelta(minutes=appointment_type.duration_minutes)
    step = datetime.timedelta(minutes=max(SLOT_MINUTES, appointment_type.duration_minutes))
    tz = timezone.get_current_timezone()
    slots = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        moment = timezone.make_aware(datetime.datetime.combine(day, ONLINE_START), tz)
        close = timezone.make_aware(datetime.datetime.combine(day, ONLINE_END), tz)
        while moment + length <= close:
            for person in people:
                if not any(s < moment + length and e > moment for s, e in busy.get(person.pk, ())):
                    slots.append((person, moment))
            moment += step
    return slots


def reminders_due(*, now: datetime.datetime, hours: int) -> QuerySet[Appointment]:
    return Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + datetime.timedelta(hours=hours),
    ).select_related("patient", "clinic", "practitioner__user", "appointment_type")


def feed_appointments(*, practitioner: Practitioner, now: datetime.datetime) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(
            practitioner=practitioner,
            status__in=OCCUPYING,
            starts_at__gte=now - datetime.timedelta(days=30),
            starts_at__lt=now + datetime.timedelta(days=180),
        )
        .select_related("appointment_type", "room", "clinic")
        .order_by("starts_at")
    )
