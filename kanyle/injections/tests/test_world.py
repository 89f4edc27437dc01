"""The green world the other tests break one thing at a time: it must really be green."""

from __future__ import annotations

import pytest

from kanyle.injections.tests.factories import episode_at, ready_world
from kanyle.staff.models import CredentialKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(doctor, physio, admin, patient_a):
    return ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)


def test_inj_g2_a_doctor_and_a_physio_with_ultrasound_and_procedure_competence_pass_every_gate_item(world):
    gate = world.gate()

    assert [(item.rule, item.ok, item.messages) for item in gate.red] == []
    assert gate.ok
    assert {item.rule for item in gate.items} >= {"INJ-D1", "INJ-D3", "INJ-D4", "INJ-D5", "INJ-V4", "LAW-M"}


def test_inj_g2_without_ultrasound_competence_the_physio_is_not_part_of_the_team(world):
    world.physio.credentials.filter(kind=CredentialKind.MSK_ULTRASOUND).delete()

    gate = world.gate()

    assert not gate.ok
    assert [item.key for item in gate.red] == ["competence"]
    assert gate.red[0].rules == ("INJ-P1",)


def test_episode_at_builds_each_status_of_the_path(world):
    for status in ("referred", "examined", "assessed", "consented", "ordered", "observed", "reported"):
        assert episode_at(world, status).status == status
