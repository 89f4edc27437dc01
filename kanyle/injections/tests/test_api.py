"""The JSON gate and start: the same rules, capabilities and clinic isolation as the pages, session auth + CSRF."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login
from kanyle.injections.models import Procedure
from kanyle.injections.tests.factories import ready_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(doctor, physio, admin, patient_a):
    return ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)


def gate_url(world):
    return reverse("injections:api-gate", args=[world.order.pk])


def start_url(world):
    return reverse("injections:api-procedure-start", args=[world.order.pk])


def test_api_gate_lists_every_item_with_its_rule(world, physio, client_as):
    response = client_as(physio).get(gate_url(world), {"batch": world.batch.pk})

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert len(body["items"]) == 12
    assert set(body["items"][0]) == {"key", "rule", "label", "ok", "messages"}
    assert {item["rule"] for item in body["items"]} >= {"INJ-D1", "INJ-D5", "INJ-D6", "INJ-V4", "LAW-M", "INJ-F2"}


def test_law_m_api_gate_red_batch_names_the_rule(world, physio, client_as):
    world.batch.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    world.batch.save()

    body = client_as(physio).get(gate_url(world), {"batch": world.batch.pk}).json()

    assert body["ok"] is False
    batch = next(item for item in body["items"] if item["key"] == "batch")
    assert batch["ok"] is False and batch["messages"][0].endswith("(LAW-M)")


def test_api_start_creates_the_procedure_then_a_second_start_conflicts(world, physio, client_as):
    client = client_as(physio)

    created = client.post(start_url(world), {"batch": world.batch.pk})

    assert created.status_code == 201
    procedure = Procedure.objects.get()
    assert created.json() == {
        "ok": True,
        "procedure": procedure.pk,
        "url": reverse("injections:procedure", args=[procedure.pk]),
    }
    again = client.post(start_url(world), json.dumps({"batch": world.batch.pk}), content_type="application/json")
    assert again.status_code == 409
    assert again.json()["ok"] is False
    assert any(error.endswith("(INJ-D4)") for error in again.json()["errors"])
    assert Procedure.objects.count() == 1


def test_inj_d5_api_start_without_delegation_is_refused_with_rule_ids(world, physio, client_as):
    world.delegation.delete()

    response = client_as(physio).post(start_url(world), {"batch": world.batch.pk})

    assert response.status_code == 409
    assert any("(LAW-H5)" in error for error in response.json()["errors"])
    assert Procedure.objects.count() == 0


def test_api_start_bad_batch_is_400(world, physio, client_as):
    response = client_as(physio).post(start_url(world), {"batch": "abc"})

    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert Procedure.objects.count() == 0


def test_api_refuses_other_roles_and_clinics(world, reception, outsider, client_as):
    assert client_as(reception).get(gate_url(world)).status_code == 403
    assert client_as(reception).post(start_url(world)).status_code == 403
    assert client_as(outsider).get(gate_url(world)).status_code == 404
    assert client_as(outsider).post(start_url(world), {"batch": world.batch.pk}).status_code == 404
    assert Procedure.objects.count() == 0


def test_api_start_needs_the_csrf_token(world, physio):
    client = login(Client(enforce_csrf_checks=True), physio)

    response = client.post(start_url(world), {"batch": world.batch.pk})

    assert response.status_code == 403
    assert Procedure.objects.count() == 0


def test_api_gate_is_get_only(world, physio, client_as):
    assert client_as(physio).post(gate_url(world)).status_code == 405
