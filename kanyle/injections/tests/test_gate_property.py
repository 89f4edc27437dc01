"""Property: the gate is green exactly when nothing is broken, names every broken precondition's rule, and the start
service refuses (creating nothing) whenever the gate is red.

One green world is built per test; each example breaks a random subset of preconditions inside a savepoint that
is rolled back afterwards, so examples are independent and fast.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kanyle.audit.services import Actor
from kanyle.injections import rules
from kanyle.injections.models import Assessment, Consent, Delegation, DrugOrder, Procedure, SupervisionAvailability
from kanyle.injections.services import procedure as services
from kanyle.injections.tests.factories import ready_world
from kanyle.medications.models import Batch
from kanyle.quality.models import Equipment
from kanyle.staff.models import CredentialKind, InsuranceCover, Practitioner
from kanyle.staff.tests.factories import AgreementFactory, AgreementHoursFactory

pytestmark = pytest.mark.django_db

YESTERDAY = datetime.timedelta(days=1)


class Rollback(Exception):
    """Raised at the end of each example to undo its changes (the savepoint rolls back)."""


def _agreement_now(world) -> None:
    agreement = AgreementFactory(practitioner=world.physio)
    AgreementHoursFactory(
        agreement=agreement,
        weekday=timezone.localdate().weekday(),
        start=datetime.time(0),
        end=datetime.time(23, 59, 59),
    )


# Each breaker breaks exactly one precondition of the green world: (gate item key, rule ID it must show, how).
BREAKERS: dict[str, tuple[str, Callable]] = {
    "assessment": (
        "INJ-D1",
        lambda w: Assessment.objects.filter(pk=w.assessment.pk).update(decision="other"),
    ),
    "contraindications": (
        "INJ-D2",
        lambda w: Assessment.objects.filter(pk=w.assessment.pk).update(risk_flags_reviewed=False),
    ),
    "consent": (
        "LAW-C",
        lambda w: Consent.objects.filter(pk=w.consent.pk).update(
            withdrawn_at=timezone.now(), withdrawn_reason="Angret"
        ),
    ),
    "order": (
        "INJ-D4",
        lambda w: DrugOrder.objects.filter(pk=w.order.pk).update(valid_until=timezone.localdate() - YESTERDAY),
    ),
    "performer": (
        "LAW-H5",
        lambda w: Delegation.objects.filter(pk=w.delegation.pk).update(
            revoked_at=timezone.now(), revoked_reason="Stopp"
        ),
    ),
    "competence": (
        "INJ-P1",
        lambda w: w.physio.credentials.filter(kind=CredentialKind.MSK_ULTRASOUND).delete(),
    ),
    "performer_cover": (
        "INJ-P4",
        lambda w: InsuranceCover.objects.filter(practitioner=w.physio).update(covers_injections=False),
    ),
    "doctor_cover": (
        "INJ-D7",
        lambda w: InsuranceCover.objects.filter(practitioner=w.doctor).update(covers_injections=False),
    ),
    "supervision": (
        "INJ-D6",
        lambda w: SupervisionAvailability.objects.filter(pk=w.availability.pk).update(cancelled_at=timezone.now()),
    ),
    "emergency": (
        "INJ-V4",
        lambda w: Equipment.objects.filter(clinic=w.clinic).update(is_active=False),
    ),
    "batch": (
        "LAW-M",
        lambda w: Batch.objects.filter(pk=w.batch.pk).update(expires_on=timezone.localdate() - YESTERDAY),
    ),
    "agreement_hours": ("INJ-F2", _agreement_now),
}


@pytest.fixture
def world(doctor, physio, admin, patient_a):
    return ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)


def fresh(world):
    """The order, performer and batch as the database has them now (the gate reads nothing else from memory)."""
    order = DrugOrder.objects.select_related("episode__patient", "doctor__user", "clinic", "drug").get(
        pk=world.order.pk
    )
    performer = Practitioner.objects.select_related("user", "clinic").get(pk=world.physio.pk)
    return order, performer, Batch.objects.get(pk=world.batch.pk)


subsets = st.sets(st.sampled_from(sorted(BREAKERS)))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(broken=subsets)
def test_gate_is_red_exactly_when_something_is_broken_and_names_each_rule(world, broken):
    try:
        with transaction.atomic():
            for key in broken:
                BREAKERS[key][1](world)
            order, performer, batch = fresh(world)
            gate = rules.readiness_gate(order=order, performer=performer, batch=batch, at=timezone.now())

            assert gate.ok is (not broken)
            assert {item.key for item in gate.red} == set(broken)
            red_rules = {rule for item in gate.red for rule in item.rules}
            for key in broken:
                assert BREAKERS[key][0] in red_rules, (key, red_rules)
            raise Rollback
    except Rollback:
        pass


@SETTINGS
@given(broken=subsets)
def test_start_refuses_and_creates_nothing_whenever_the_gate_is_red(world, physio, broken):
    actor = Actor(user=physio.user, clinic=physio.clinic, role=physio.role)
    try:
        with transaction.atomic():
            for key in broken:
                BREAKERS[key][1](world)
            order, performer, batch = fresh(world)
            if broken:
                with pytest.raises(ValidationError) as refused:
                    services.procedure_start(actor=actor, order=order, performer=performer, batch=batch)
                text = " ".join(refused.value.messages)
                for key in broken:
                    assert f"({BREAKERS[key][0]})" in text
                assert Procedure.objects.count() == 0
            else:
                procedure = services.procedure_start(actor=actor, order=order, performer=performer, batch=batch)
                assert procedure.gate["ok"] is True
                assert Procedure.objects.count() == 1
            raise Rollback
    except Rollback:
        pass
