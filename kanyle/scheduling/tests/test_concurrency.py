"""Many requests race for one slot: exactly one wins (PostgreSQL exclusion constraint / SQLite serialised check)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from kanyle.audit.services import Actor
from kanyle.scheduling import services
from kanyle.scheduling.models import Appointment
from kanyle.scheduling.tests.conftest import at

ATTEMPTS = 8


def _attempt(actor, practitioner, kind, start, patient, results, barrier=None):
    try:
        if barrier is not None:
            barrier.wait(timeout=10)
        services.appointment_book(
            actor=actor, practitioner=practitioner, appointment_type=kind, starts_at=start, patient=patient
        )
        results.append("ok")
    except ValidationError:
        results.append("refused")
    except Exception as error:  # reported by the assertion below
        results.append(repr(error))
    finally:
        if barrier is not None:
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_bookings_exactly_one_wins(reception, practitioner_a, follow_up, patient_a, monday):
    actor = Actor(user=reception.user, clinic=reception.clinic, role=reception.role)
    start = at(monday, 9)
    results: list[str] = []
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(ATTEMPTS)
        threads = [
            threading.Thread(
                target=_attempt, args=(actor, practitioner_a, follow_up, start, patient_a, results, barrier)
            )
            for _ in range(ATTEMPTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        # SQLite serialises writers (BEGIN IMMEDIATE): the race reduces to attempts in turn, each its own transaction.
        for _ in range(ATTEMPTS):
            _attempt(actor, practitioner_a, follow_up, start, patient_a, results)
    assert sorted(results) == ["ok"] + ["refused"] * (ATTEMPTS - 1), results
    assert Appointment.objects.filter(starts_at=start).count() == 1


@pytest.mark.django_db(transaction=True)
def test_overlap_missed_by_the_check_is_still_refused_cleanly(
    reception, practitioner_a, follow_up, patient_a, monday, monkeypatch
):
    """The race window: the service's own check saw nothing. PostgreSQL's exclusion constraint refuses the
    insert and the IntegrityError becomes a clear ValidationError; on SQLite the check cannot be bypassed by a
    concurrent writer (BEGIN IMMEDIATE), so there the serialised check itself refuses."""
    actor = Actor(user=reception.user, clinic=reception.clinic, role=reception.role)
    services.appointment_book(
        actor=actor, practitioner=practitioner_a, appointment_type=follow_up, starts_at=at(monday, 9), patient=patient_a
    )
    if connection.vendor == "postgresql":
        monkeypatch.setattr(services, "_refuse_overlap", lambda appointment: None)
    with pytest.raises(ValidationError) as refused:
        services.appointment_book(
            actor=actor,
            practitioner=practitioner_a,
            appointment_type=follow_up,
            starts_at=at(monday, 9, 15),
            patient=patient_a,
        )
    assert refused.value.code == "overlap"
    assert Appointment.objects.count() == 1
