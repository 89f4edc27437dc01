"""The readiness check keeps a fixed number of queries, however much history the people and the clinic have."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kanyle.injections.tests.factories import make_batch, make_competent, make_delegation, ready_world
from kanyle.staff.models import CredentialKind

pytestmark = pytest.mark.django_db

GATE_QUERY_BUDGET = 20  # 5 of them are the login, clinic and audit that every page has


def _gate_queries(client, world) -> int:
    url = reverse("injections:gate", args=[world.order.pk]) + f"?batch={world.batch.pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200 and response.context["gate"].ok
    return len(queries)


def test_the_readiness_check_runs_a_fixed_number_of_queries(client_as, doctor, physio, admin, patient_a):
    world = ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)
    client = client_as(physio)
    before = _gate_queries(client, world)

    for _ in range(3):  # more credentials, covers, delegations and batches
        make_competent(world.physio, verifier=admin.user)
        make_competent(world.doctor, kinds=(CredentialKind.EMERGENCY_DRILL,), verifier=admin.user)
        make_delegation(world.doctor, world.physio)
        make_batch(world.drug, doctor.user)

    assert _gate_queries(client, world) == before <= GATE_QUERY_BUDGET
