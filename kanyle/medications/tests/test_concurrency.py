"""LAW-M: two people take the last unit of a batch at the same moment: exactly one succeeds (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from kanyle.medications import services
from kanyle.medications.models import Batch, MovementKind, StockMovement
from kanyle.medications.tests.conftest import actor_of
from kanyle.medications.tests.factories import BatchFactory, DrugFactory

ATTEMPTS = 2


def _attempt(actor, batch, patient, results, barrier):
    try:
        barrier.wait(timeout=10)
        services.administer(actor=actor, batch=batch, quantity=1, patient=patient)
        results.append("ok")
    except ValidationError:
        results.append("refused")
    except Exception as error:  # reported by the assertion below
        results.append(repr(error))
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_law_m_two_people_taking_the_last_unit_at_once_exactly_one_succeeds(clinic_a, doctor, physio, patient_a):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock and CHECK constraint race needs PostgreSQL")
    batch = BatchFactory(
        drug=DrugFactory(clinic=clinic_a, created_by=doctor.user), quantity_received=1, quantity_on_hand=1
    )
    results: list[str] = []
    barrier = threading.Barrier(ATTEMPTS)
    threads = [
        threading.Thread(target=_attempt, args=(actor_of(persona), batch, patient_a, results, barrier))
        for persona in (doctor, physio)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["ok", "refused"], results
    assert Batch.objects.get(pk=batch.pk).quantity_on_hand == 0
    assert StockMovement.objects.filter(batch=batch, kind=MovementKind.ADMINISTERED).count() == 1
