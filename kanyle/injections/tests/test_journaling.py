"""The whole chain through its services: each step is a signed journal note by the person who did it.

INJ-D8: the doctor's assessment, consent, order and follow-up are the doctor's own signed notes.
INJ-P5: the physio's ultrasound exam and procedure are the physio's own signed notes. Both sit in the
patient's record under the injection episode, and every step left an audit row.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.injections.models import Status, UltrasoundExam
from kanyle.injections.services import chain, procedure, reports
from kanyle.injections.tests.factories import (
    emergency_ready,
    make_availability,
    make_batch,
    make_competent,
    make_delegation,
    make_drug,
    practitioner_of,
)
from kanyle.injections.tests.test_chain_services import new_assessment, new_consent, new_order
from kanyle.journal.models import DiagnosisCode, Note, ReferralStatus
from kanyle.journal.tests.factories import ReferralFactory
from kanyle.staff.models import CredentialKind

pytestmark = pytest.mark.django_db

ASEPTIC = {
    "aseptic_hand_hygiene": True,
    "aseptic_skin_disinfection": True,
    "aseptic_sterile_cover": True,
    "aseptic_no_touch": True,
}


def actor(persona) -> Actor:
    return Actor(user=persona.user, clinic=persona.clinic, role=persona.role)


@pytest.fixture
def performed(doctor, physio, admin, patient_a):
    """Referral → exam → assessment → consent → order → procedure → observation → GP report, via services."""
    doc, phys = practitioner_of(doctor), practitioner_of(physio)
    make_competent(phys, verifier=admin.user)
    make_competent(doc, kinds=(CredentialKind.EMERGENCY_DRILL,), verifier=admin.user)
    emergency_ready(admin, physio, doctor)
    drug = make_drug(doc.clinic, doctor.user)
    batch = make_batch(drug, doctor.user)
    make_delegation(doc, phys)
    make_availability(doc)
    referral = ReferralFactory(patient=patient_a, created_by=doctor.user, status=ReferralStatus.ACCEPTED)

    ie = chain.episode_start(actor=actor(doctor), patient=patient_a, referral=referral, doctor=doc, physio=phys)
    chain.exam_record(
        actor=actor(physio),
        practitioner=phys,
        episode=ie,
        exam=UltrasoundExam(structures="Subakromial bursa", findings="Fortykket bursa", conclusion="Bursitt"),
    )
    chain.assessment_record(
        actor=actor(doctor),
        practitioner=doc,
        episode=ie,
        assessment=new_assessment(),
        diagnoses=[DiagnosisCode.objects.get(system="icpc2", code="L92")],
    )
    chain.consent_record(actor=actor(doctor), practitioner=doc, episode=ie, consent=new_consent())
    order = chain.order_sign(actor=actor(doctor), practitioner=doc, episode=ie, order=new_order(drug))
    started = procedure.procedure_start(actor=actor(physio), order=order, performer=phys, batch=batch)
    procedure.procedure_complete(
        actor=actor(physio),
        practitioner=phys,
        procedure=started,
        dose_given=Decimal("40"),
        volume_given_ml=Decimal("1"),
        aseptic=ASEPTIC,
        reaction="none",
    )
    done = procedure.observation_end(
        actor=actor(physio),
        practitioner=phys,
        procedure=started,
        at=timezone.now() + datetime.timedelta(minutes=doc.clinic.injection_observation_minutes + 1),
    )
    reports.report_generate(actor(doctor), ie)
    ie.refresh_from_db()
    return ie, doc, phys, done


def test_inj_d8_the_doctors_assessment_consent_and_order_are_the_doctors_signed_notes(performed):
    ie, doc, _phys, _done = performed

    doctors = Note.objects.filter(encounter__episode=ie.episode, author=doc)

    assert ie.status == Status.REPORTED
    assert doctors.count() == 3 and all(note.signed_at for note in doctors)
    for step in (ie.assessments.get(), ie.consents.get(), ie.orders.get()):
        assert step.note.author == doc and step.note.signed_at is not None
    assert "L92" in {d.code for d in ie.assessments.get().note.diagnoses.all()}


def test_inj_p5_the_physios_exam_and_procedure_are_the_physios_signed_notes(performed):
    ie, _doc, phys, done = performed

    exam_note, procedure_note = ie.exams.get().note, done.note

    assert exam_note.author == phys and exam_note.signed_at is not None
    assert procedure_note.author == phys and procedure_note.signed_at is not None
    assert done.batch.lot_number in procedure_note.interventions + procedure_note.findings + procedure_note.reason


def test_inj_d8_the_follow_up_is_the_doctors_signed_note_and_closes_the_episode(performed, doctor):
    ie, doc, _phys, _done = performed

    followup = reports.followup_complete(
        actor=actor(doctor),
        practitioner=doc,
        followup=ie.followups.get(),
        outcome="better",
        outcome_text="Klart bedre etter fire uker.",
    )

    ie.refresh_from_db()
    assert ie.status == Status.CLOSED and ie.episode.ended_on is not None
    assert followup.note.author == doc and followup.note.signed_at is not None
    actions = set(AuditEvent.objects.filter(patient=ie.patient).values_list("action", flat=True))
    assert {
        "injections.episode.started",
        "injections.exam.recorded",
        "injections.assessment.signed",
        "injections.consent.recorded",
        "injections.order.signed",
        "injections.procedure.started",
        "injections.procedure.completed",
        "injections.report.generated",
        "injections.followup.completed",
    } <= actions


def test_inj_d8_the_supervising_doctor_downloads_the_signed_procedure_note_for_their_own_record(
    performed, client_as, doctor
):
    ie, _doc, _phys, done = performed

    response = client_as(doctor).get(reverse("injections:procedure-note-pdf", args=[done.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert done.batch.lot_number in text and ie.patient.family_name in text
    assert done.performer.hpr_number in text and done.supervising_doctor.hpr_number in text
    assert AuditEvent.objects.filter(action="injections.procedure.note_exported", patient=ie.patient).count() == 1
