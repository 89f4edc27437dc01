"""Reads keep a fixed number of queries whatever the size."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kanyle.billing import selectors, services
from kanyle.billing.tests import factories as f
from kanyle.patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 3, 10)


def _charges(actor, clinic, practitioner, n):
    for i in range(n):
        patient = PatientFactory(clinic=clinic, birth_date=datetime.date(1980, 1, 1))
        visit = f.appointment(
            clinic=clinic,
            patient=patient,
            practitioner=practitioner,
            when=f.at(DAY, hour=17) + datetime.timedelta(minutes=30 * i),
        )
        charge = services.charge_create(actor=actor, clinic=clinic, appointment=visit)
        services.charge_pay(actor=actor, charge=charge, method="card" if i % 2 else "cash", amount=charge.patient_share)


def _count(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("n", [1, 4])
def test_query_counts_fixed(actor, clinic_a, practitioner_a, fees, with_agreement, n, request):
    _charges(actor, clinic_a, practitioner_a, n)
    counts = {
        "settlement": _count(lambda: selectors.daily_settlement(clinic=clinic_a, day=DAY)),
        "claims": _count(lambda: list(selectors.claim_lines(clinic=clinic_a, year=2025))),
        "list": _count(lambda: [c.practitioner.user for c in selectors.charge_list(clinic=clinic_a)]),
        "uncharged": _count(
            lambda: [
                (a.patient, a.practitioner.user, a.appointment_type)
                for a in selectors.uncharged_visits(
                    clinic=clinic_a,
                    since=f.at(DAY, 0),
                    until=f.at(DAY + datetime.timedelta(days=1), 0),
                )
            ]
        ),
    }
    assert counts == {"settlement": 2, "claims": 1, "list": 1, "uncharged": 1}
    report = selectors.daily_settlement(clinic=clinic_a, day=DAY)
    assert report.totals.count == n
    # Payments count on the day they were taken (today here), charges on the visit date.
    today = selectors.daily_settlement(clinic=clinic_a, day=timezone.localdate())
    assert sum(row.count for row in today.by_method) == n
