"""Fixtures for the drug-handling tests: frozen time, a catalogue drug and a batch with its 'received' movement."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from kanyle.audit.services import Actor
from kanyle.medications import services
from kanyle.medications.models import Batch
from kanyle.medications.tests.factories import DrugFactory

NOW = datetime.datetime(2025, 3, 12, 9, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2025, 3, 12)


def actor_of(persona) -> Actor:
    return Actor(user=persona.user, clinic=persona.clinic, role=persona.role)


@pytest.fixture
def clock():
    """Time stands still at 12 March 2025, 10:00 in Oslo."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def drug(clinic_a, doctor):
    return DrugFactory(clinic=clinic_a, created_by=doctor.user)


def receive(persona, drug, *, lot: str = "AB1234", quantity: int = 10, expires_on=None, **extra) -> Batch:
    """A batch received through the service, so its ledger starts with a 'received' movement."""
    batch = Batch(
        drug=drug,
        lot_number=lot,
        expires_on=expires_on or TODAY + datetime.timedelta(days=365),
        quantity_received=quantity,
        location="Låst medisinskap, rom 2",
        **extra,
    )
    return services.batch_receive(actor=actor_of(persona), batch=batch)


@pytest.fixture
def batch(clock, drug, doctor):
    return receive(doctor, drug)
