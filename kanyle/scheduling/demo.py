"""Demo calendar: rooms, appointment types, a weekly clinic session series and this week's appointments."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from kanyle.scheduling import rules
from kanyle.scheduling.models import (
    OCCUPYING,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    ClinicSession,
    DoctorMode,
    Room,
    ServiceKind,
)

TYPES = [
    # kind, name, minutes, colour, bookable online
    (ServiceKind.FIRST, "Første konsultasjon", 60, "#0b5d6b", True),
    (ServiceKind.FOLLOW_UP, "Oppfølging", 30, "#2e7d32", True),
    (ServiceKind.NEEDLING, "Nålebehandling", 45, "#8e44ad", True),
    (ServiceKind.ULTRASOUND, "MSK-ultralyd", 30, "#1d4f86", False),
    (ServiceKind.INJECTION, "Injeksjon", 30, "#a61f1a", False),
    (ServiceKind.VIDEO, "Videokonsultasjon", 30, "#b26a00", True),
]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _free(practitioner, starts_at, ends_at, room=None) -> bool:
    qs = Appointment.objects.filter(status__in=OCCUPYING, starts_at__lt=ends_at, ends_at__gt=starts_at)
    return not (qs.filter(practitioner=practitioner).exists() or (room and qs.filter(room=room).exists()))


@transaction.atomic
def create_demo_schedule(*, clinic: Any, physio: Any, doctor: Any, patients: list[Any]) -> dict:
    """``physio`` and ``doctor`` are Practitioners of the clinic; ``patients`` at least one."""
    user = physio.user
    rooms = [
        Room.objects.get_or_create(clinic=clinic, name=name)[0]
        for name in ("Behandlingsrom 1", "Behandlingsrom 2", "Prosedyrerom")
    ]
    types = {}
    for kind, name, minutes, colour, online in TYPES:
        types[kind], _created = AppointmentType.objects.get_or_create(
            clinic=clinic,
            name=name,
            defaults={"kind": kind, "duration_minutes": minutes, "colour": colour, "bookable_online": online},
        )
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    # A weekly clinic session on Thursdays 16–19, the doctor on site, for eight weeks.
    series = uuid.uuid4().hex
    sessions = []
    for week in range(8):
        day = monday + datetime.timedelta(days=3, weeks=week)
        start, end = _at(day, 16), _at(day, 19)
        if ClinicSession.objects.filter(clinic=clinic, starts_at=start, physio=physio).exists():
            continue
        session = ClinicSession(
            clinic=clinic,
            doctor=doctor,
            physio=physio,
            doctor_mode=DoctorMode.ON_SITE,
            room=rooms[2],
            starts_at=start,
            ends_at=end,
            series=series,
            created_by=doctor.user,
        )
        session.full_clean()
        session.save()
        sessions.append(session)
    now = timezone.now()
    plan = [
        (0, 9, ServiceKind.FIRST, rooms[0]),
        (0, 11, ServiceKind.FOLLOW_UP, rooms[0]),
        (1, 10, ServiceKind.NEEDLING, rooms[1]),
        (2, 13, ServiceKind.ULTRASOUND, rooms[2]),
        (3, 16, ServiceKind.INJECTION, rooms[2]),
        (4, 9, ServiceKind.VIDEO, None),
    ]
    created = []
    for i, (offset, hour, kind, room) in enumerate(plan):
        appointment_type = types[kind]
        start = _at(monday + datetime.timedelta(days=offset), hour)
        end = start + datetime.timedelta(minutes=appointment_type.duration_minutes)
        if not _free(physio, start, end, room):
            continue
        session = None
        if kind == ServiceKind.INJECTION:
            session = ClinicSession.objects.filter(
                clinic=clinic, physio=physio, starts_at__lte=start, ends_at__gte=end
            ).first()
            if not rules.injection_slot_allowed(
                practitioner=physio, starts_at=start, ends_at=end, clinic_session=session
            ):
                continue
        appointment = Appointment(
            clinic=clinic,
            patient=patients[i % len(patients)],
            practitioner=physio,
            room=room,
            appointment_type=appointment_type,
            clinic_session=session,
            starts_at=start,
            ends_at=end,
            status=AppointmentStatus.COMPLETED if end < now else AppointmentStatus.BOOKED,
            created_by=user,
        )
        appointment.full_clean()
        appointment.save()
        created.append(appointment)
    # One online request waiting for reception: Friday 14:00 (or next week's if Friday has passed).
    friday = monday + datetime.timedelta(days=4 if today.weekday() < 4 else 11)
    start = _at(friday, 14)
    follow_up = types[ServiceKind.FOLLOW_UP]
    end = start + datetime.timedelta(minutes=follow_up.duration_minutes)
    if _free(physio, start, end):
        requested = Appointment(
            clinic=clinic,
            practitioner=physio,
            appointment_type=follow_up,
            starts_at=start,
            ends_at=end,
            status=AppointmentStatus.REQUESTED,
            requester_name="Ola Nettbestiller",
            requester_national_id=patients[0].national_id,
            requester_phone="91234567",
        )
        requested.full_clean()
        requested.save()
        created.append(requested)
    return {"rooms": rooms, "types": types, "sessions": sessions, "appointments": created}
