from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from kanyle.audit.services import Actor
from kanyle.scheduling.models import AppointmentType, ClinicSession, DoctorMode, Room, ServiceKind
from kanyle.staff.models import Practitioner


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def day_ahead(weeks: int = 2, weekday: int = 0) -> datetime.date:
    """A weekday some weeks ahead (never today, so nothing is in the past)."""
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(weeks=weeks, days=weekday)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def monday() -> datetime.date:
    return day_ahead(2, 0)


@pytest.fixture
def doctor_p(doctor) -> Practitioner:
    return Practitioner.objects.get(user=doctor.user, clinic=doctor.clinic)


@pytest.fixture
def room(clinic_a) -> Room:
    return Room.objects.create(clinic=clinic_a, name="Rom 1")


@pytest.fixture
def room2(clinic_a) -> Room:
    return Room.objects.create(clinic=clinic_a, name="Rom 2")


@pytest.fixture
def follow_up(clinic_a) -> AppointmentType:
    return AppointmentType.objects.create(
        clinic=clinic_a, kind=ServiceKind.FOLLOW_UP, name="Oppfølging", duration_minutes=30, bookable_online=True
    )


@pytest.fixture
def injection(clinic_a) -> AppointmentType:
    return AppointmentType.objects.create(
        clinic=clinic_a, kind=ServiceKind.INJECTION, name="Injeksjon", duration_minutes=30, colour="#a61f1a"
    )


@pytest.fixture
def reception_actor(reception) -> Actor:
    return Actor(user=reception.user, clinic=reception.clinic, role=reception.role)


@pytest.fixture
def admin_actor(admin) -> Actor:
    return Actor(user=admin.user, clinic=admin.clinic, role=admin.role)


@pytest.fixture
def session(clinic_a, practitioner_a, doctor_p, admin, monday) -> ClinicSession:
    """Monday 16:00–19:00 two weeks ahead, doctor on site."""
    return ClinicSession.objects.create(
        clinic=clinic_a,
        doctor=doctor_p,
        physio=practitioner_a,
        doctor_mode=DoctorMode.ON_SITE,
        starts_at=at(monday, 16),
        ends_at=at(monday, 19),
        created_by=admin.user,
    )
