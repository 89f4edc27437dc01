from __future__ import annotations

import datetime

import pytest

from kanyle.audit.services import Actor
from kanyle.billing.tests import factories as f
from kanyle.scheduling.models import ServiceKind


@pytest.fixture
def actor(reception):
    return Actor(user=reception.user, clinic=reception.clinic, role=reception.role)


@pytest.fixture
def fees(clinic_a):
    """Example tariffs and private prices from 2024 in clinic A."""
    f.tariff(clinic_a)
    f.price(clinic_a, kind=ServiceKind.INJECTION, amount="1450.00")
    f.price(clinic_a, kind=ServiceKind.FOLLOW_UP, amount="700.00")


@pytest.fixture
def with_agreement(clinic_a, practitioner_a):
    return f.agreement(clinic=clinic_a, practitioner=practitioner_a)


@pytest.fixture
def adult(patient_a):
    patient_a.birth_date = datetime.date(1980, 5, 5)
    patient_a.save(update_fields=["birth_date"])
    return patient_a


@pytest.fixture
def visit(clinic_a, adult, practitioner_a, fees, with_agreement):
    """A completed follow-up at 18:00 on 10 March 2025 with an agreement practitioner."""
    return f.appointment(
        clinic=clinic_a, patient=adult, practitioner=practitioner_a, when=f.at(datetime.date(2025, 3, 10))
    )
