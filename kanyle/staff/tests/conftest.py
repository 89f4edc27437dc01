"""Extra personas for the staff register: people of clinic B who *may* use the register, so a
404 (not a 403 for a missing capability) proves that clinic A's rows are invisible to them."""

from __future__ import annotations

import pytest

from conftest import Persona, make_persona
from kanyle.clinics.models import Role
from kanyle.staff.models import Practitioner


@pytest.fixture
def admin_b(clinic_b) -> Persona:
    return make_persona("admin_b", clinic_b, Role.ADMIN)


@pytest.fixture
def doctor_b(clinic_b) -> Persona:
    return make_persona("doctor_b", clinic_b, Role.DOCTOR)


@pytest.fixture
def doctor_practitioner(doctor) -> Practitioner:
    return Practitioner.objects.get(user=doctor.user, clinic=doctor.clinic)


@pytest.fixture
def practitioner_b(outsider) -> Practitioner:
    return Practitioner.objects.get(user=outsider.user, clinic=outsider.clinic)
