"""Test personas shared by every app: physio, doctor, admin and reception in clinic A, and
an outsider (a physiotherapist in clinic B). ``login(client, persona)`` gives a client that
has passed password, second factor and clinic choice, exactly as the login flow leaves it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanyle.accounts.models import User
from kanyle.clinics.middleware import SESSION_LAST_SEEN, SESSION_MEMBERSHIP
from kanyle.clinics.models import Clinic, Membership, Role
from kanyle.clinics.tests.factories import ClinicFactory, MembershipFactory, UserFactory
from kanyle.patients.models import Patient
from kanyle.patients.tests.factories import PatientFactory
from kanyle.staff.models import Practitioner
from kanyle.staff.tests.factories import PractitionerFactory

PASSWORD = "correct-horse-battery"  # noqa: S105  (test users only)
PERSONAS = ("physio", "doctor", "admin", "reception", "outsider")


@dataclass
class Persona:
    name: str
    user: User
    membership: Membership
    device: TOTPDevice

    @property
    def clinic(self) -> Clinic:
        return self.membership.clinic

    @property
    def role(self) -> str:
        return self.membership.role


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # The process-local cache outlives a test while rolled-back ids are reused (SQLite): start empty.
    # (Never a shared cache: a test run with REDIS_URL set must not empty a server others use.)
    for cache in caches.all(initialized_only=True):
        if isinstance(cache, LocMemCache):
            cache.clear()


@pytest.fixture
def clinic_a(db) -> Clinic:
    return ClinicFactory(name="Klinikk A", slug="klinikk-a", org_number="912345602")


@pytest.fixture
def clinic_b(db) -> Clinic:
    return ClinicFactory(name="Klinikk B", slug="klinikk-b", org_number="998765404")


def make_persona(name: str, clinic: Clinic, role: str, *, hpr: str | None = None) -> Persona:
    user = UserFactory(username=name, first_name=name.capitalize(), last_name="Testesen")
    membership = MembershipFactory(user=user, clinic=clinic, role=role)
    if role in (Role.PHYSIO, Role.DOCTOR):
        PractitionerFactory(clinic=clinic, user=user, profession=role, hpr_number=hpr or str(9100000 + user.pk))
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return Persona(name, user, membership, device)


@pytest.fixture
def physio(clinic_a) -> Persona:
    return make_persona("physio", clinic_a, Role.PHYSIO)


@pytest.fixture
def doctor(clinic_a) -> Persona:
    return make_persona("doctor", clinic_a, Role.DOCTOR)


@pytest.fixture
def admin(clinic_a) -> Persona:
    return make_persona("admin", clinic_a, Role.ADMIN)


@pytest.fixture
def reception(clinic_a) -> Persona:
    return make_persona("reception", clinic_a, Role.RECEPTION)


@pytest.fixture
def outsider(clinic_b) -> Persona:
    return make_persona("outsider", clinic_b, Role.PHYSIO)


@pytest.fixture
def personas(physio, doctor, admin, reception, outsider) -> dict[str, Persona]:
    return {p.name: p for p in (physio, doctor, admin, reception, outsider)}


def login(client: Client, persona: Persona) -> Client:
    """Log the client in as the persona: password done, second factor verified, clinic chosen."""
    client.force_login(persona.user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = persona.device.persistent_id
    session[SESSION_MEMBERSHIP] = persona.membership.pk
    session[SESSION_LAST_SEEN] = int(time.time())  # as the login flow leaves it
    session.save()
    return client


@pytest.fixture
def client_as(client):
    """``client_as(persona)`` → a logged-in test client (a fresh one each call)."""

    def make(persona: Persona) -> Client:
        return login(Client(), persona)

    return make


@pytest.fixture
def patient_a(clinic_a, reception) -> Patient:
    return PatientFactory(clinic=clinic_a, created_by=reception.user, given_name="Kari", family_name="Nordmann")


@pytest.fixture
def practitioner_a(physio) -> Practitioner:
    return Practitioner.objects.get(user=physio.user, clinic=physio.clinic)
