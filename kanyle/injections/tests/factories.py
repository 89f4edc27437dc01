"""Test data for the injection chain: a clinic where every readiness-gate item is green.

``ready_world(doctor=, physio=, admin=, patient=)`` (personas from the root conftest) gives an
``InjectionWorld``: both practitioners with verified credentials, NPE cover including injections and a
yearly emergency drill; the emergency equipment checked and countersigned; a drug with a batch in stock;
an on-site delegation from the doctor to the physio; the doctor available now; and an episode at
"ordered". ``episode_at(world, status)`` builds another episode up to any status on the path. The
building blocks (``add_exam``, ``add_order``, ``add_procedure`` …) come from ``injections.builders``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from kanyle.injections import rules
from kanyle.injections.builders import (  # noqa: F401  (re-exported for the tests)
    add_assessment,
    add_consent,
    add_exam,
    add_followup,
    add_order,
    add_procedure,
    consent_text,
    make_availability,
    make_batch,
    make_delegation,
    make_drug,
    set_status,
    signed_note,
    start_episode,
)
from kanyle.injections.models import (
    Assessment,
    Consent,
    Delegation,
    DrugOrder,
    InjectionEpisode,
    Status,
    SupervisionAvailability,
)
from kanyle.medications.models import Batch, Drug
from kanyle.staff.models import CredentialKind, Practitioner
from kanyle.staff.tests.factories import CredentialFactory, InsuranceFactory

PHYSIO_CREDENTIALS = (
    CredentialKind.MSK_ULTRASOUND,
    CredentialKind.US_GUIDED_PROCEDURES,
    CredentialKind.INJECTION,
    CredentialKind.EMERGENCY_DRILL,
)


def practitioner_of(persona: Any) -> Practitioner:
    return Practitioner.objects.select_related("user", "clinic").get(user=persona.user, clinic=persona.clinic)


# The chain's fixtures (a test module takes them by assignment, `doc = factories.doc`): the doctor's and the
# physio's practitioner, and an episode they started for patient_a.
@pytest.fixture
def doc(doctor: Any) -> Practitioner:
    return practitioner_of(doctor)


@pytest.fixture
def phys(physio: Any) -> Practitioner:
    return practitioner_of(physio)


@pytest.fixture
def ie(patient_a: Any, doc: Practitioner, phys: Practitioner) -> InjectionEpisode:
    return start_episode(patient_a, doc, phys)


def make_competent(practitioner: Practitioner, kinds=PHYSIO_CREDENTIALS, *, verifier: Any = None) -> None:
    """Verified credentials of the kinds, and NPE cover that includes injection work."""
    for kind in kinds:
        CredentialFactory(
            practitioner=practitioner,
            kind=kind,
            title=str(CredentialKind(kind).label),
            issuer="Kurs AS",
            issued_on=timezone.localdate() - datetime.timedelta(days=30),
            verified_by=verifier or practitioner.user,
            verified_at=timezone.now() - datetime.timedelta(days=29),
        )
    InsuranceFactory(practitioner=practitioner, covers_injections=True)


def emergency_ready(admin: Any, physio: Any, doctor: Any) -> None:
    """INJ-V4 in order: AED and anaphylaxis kit registered, checked and countersigned by the doctor."""
    from kanyle.quality.tests.test_equipment import preparedness_in_order

    preparedness_in_order(admin, physio, doctor)


@dataclass
class InjectionWorld:
    clinic: Any
    doctor: Practitioner
    physio: Practitioner
    patient: Any
    drug: Drug
    batch: Batch
    delegation: Delegation
    availability: SupervisionAvailability
    ie: InjectionEpisode | None = None
    assessment: Assessment | None = None
    consent: Consent | None = None
    order: DrugOrder | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def gate(self, *, performer: Practitioner | None = None, batch: Any = "world", at=None) -> rules.Gate:
        """The gate for the physio (or ``performer``) with the world's batch (or ``batch``) now."""
        return rules.readiness_gate(
            order=self.order,
            performer=performer or self.physio,
            batch=self.batch if batch == "world" else batch,
            at=at or timezone.now(),
        )


def episode_at(world: InjectionWorld, status: str, *, patient: Any = None) -> InjectionEpisode:
    """A new episode of the world's doctor and physio, built along the path up to ``status``."""
    ie = start_episode(patient or world.patient, world.doctor, world.physio)
    path = [s.value for s in rules.PATH]
    target = path.index(status)
    steps = [
        (Status.EXAMINED, lambda: add_exam(ie, world.physio)),
        (Status.ASSESSED, lambda: add_assessment(ie, world.doctor)),
        (Status.CONSENTED, lambda: add_consent(ie, world.doctor)),
        (Status.ORDERED, lambda: add_order(ie, world.doctor, world.drug)),
    ]
    order = None
    for step_status, build in steps:
        if path.index(step_status) <= target:
            result = build()
            if step_status == Status.ORDERED:
                order = result
    if target >= path.index(Status.OBSERVED) and order is not None:
        add_procedure(ie, order, world.physio, world.batch)
        add_followup(ie)
    for later in (Status.REPORTED, Status.FOLLOWED_UP, Status.CLOSED):
        if path.index(later) <= target:
            set_status(ie, later)
    ie.refresh_from_db()
    return ie


def ready_world(*, doctor: Any, physio: Any, admin: Any, patient: Any) -> InjectionWorld:
    """Everything green: call ``world.gate()`` and every item passes (tests then break one thing)."""
    doctor_p, physio_p = practitioner_of(doctor), practitioner_of(physio)
    admin_user = admin.user
    make_competent(physio_p, verifier=admin_user)
    make_competent(doctor_p, kinds=(CredentialKind.EMERGENCY_DRILL,), verifier=admin_user)
    emergency_ready(admin, physio, doctor)
    drug = make_drug(doctor_p.clinic, doctor.user)
    batch = make_batch(drug, doctor.user)
    world = InjectionWorld(
        clinic=doctor_p.clinic,
        doctor=doctor_p,
        physio=physio_p,
        patient=patient,
        drug=drug,
        batch=batch,
        delegation=make_delegation(doctor_p, physio_p),
        availability=make_availability(doctor_p),
    )
    ie = start_episode(patient, doctor_p, physio_p)
    add_exam(ie, physio_p)
    world.assessment = add_assessment(ie, doctor_p)
    world.consent = add_consent(ie, doctor_p)
    world.order = add_order(ie, doctor_p, drug)
    ie.refresh_from_db()
    world.ie = ie
    return world
