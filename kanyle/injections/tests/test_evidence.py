"""The evidence pack of a procedure: every link of the chain as recorded, on a page and as PDF.

The administrator may read it (can_view_evidence) but sees no clinical note text."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader

from kanyle.audit.models import AuditEvent
from kanyle.injections.models import Procedure, Status
from kanyle.injections.rules import GATE_ITEMS
from kanyle.injections.tests.factories import episode_at, ready_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(doctor, physio, admin, patient_a):
    return ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)


@pytest.fixture
def procedure(world) -> Procedure:
    # What the doctor confirmed in the staff register when signing the delegation (LAW-H5, INJ-P2).
    world.delegation.credentials_snapshot = [
        {
            "id": 1,
            "kind": "injection",
            "title": "Injeksjonskurs for fysioterapeuter",
            "issuer": "Kurs AS",
            "issued_on": "2026-01-10",
            "expires_on": None,
            "verified_at": "2026-01-12T10:00:00+01:00",
            "status": "valid",
        }
    ]
    world.delegation.save(update_fields=["credentials_snapshot"])
    ie = episode_at(world, Status.REPORTED)
    return ie.procedures.get()


def url(name: str, procedure: Procedure) -> str:
    return reverse(f"injections:{name}", kwargs={"pk": procedure.pk})


def expected_facts(world, procedure) -> list[str]:
    consent = procedure.episode.consents.get()
    return [
        world.batch.lot_number,
        consent.text.title,
        world.physio.hpr_number,
        "Injeksjonskurs for fysioterapeuter",
        *{rule for _key, rule in GATE_ITEMS},
    ]


def test_evidence_pack_lists_gate_items_with_rule_ids_batch_and_consent_version(client_as, doctor, world, procedure):
    response = client_as(doctor).get(url("evidence", procedure))
    assert response.status_code == 200
    content = response.content.decode()
    for key, rule in GATE_ITEMS:
        row = content[content.index(f'data-testid="ev-gate-{key}"') :]
        assert rule in row[: row.index("</tr>")]
    assert world.batch.lot_number in content
    consent = procedure.episode.consents.get()
    assert escape(consent.text.title) in content
    assert f"{consent.text.version}" in content[content.index('data-testid="ev-consent-version"') :][:300]
    for fact in expected_facts(world, procedure):
        assert escape(fact) in content
    # Both NPE covers valid on the day, and the delegation's period.
    assert world.delegation.valid_to.strftime("%d.%m.%Y") in content
    assert AuditEvent.objects.filter(action="injections.evidence.viewed", patient=world.patient, detail="page").exists()


def test_evidence_pdf_holds_the_same_facts(client_as, doctor, world, procedure):
    response = client_as(doctor).get(url("evidence-pdf", procedure))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    for fact in expected_facts(world, procedure):
        assert " ".join(fact.split()) in flat, fact
    assert AuditEvent.objects.filter(action="injections.evidence.viewed", detail="pdf").exists()


def test_admin_reads_the_evidence_but_no_clinical_note_text(client_as, admin, world, procedure):
    response = client_as(admin).get(url("evidence", procedure))
    assert response.status_code == 200
    content = response.content.decode()
    assert world.batch.lot_number in content
    ie = procedure.episode
    assessment, exam = ie.assessments.get(), ie.exams.get()
    for clinical in (assessment.indication, assessment.information_given, exam.findings, exam.conclusion):
        assert escape(clinical) not in content
    assert escape(procedure.note.interventions) not in content
    assert world.patient.national_id not in content  # masked


def test_evidence_access_reception_403_outsider_404(client_as, reception, outsider, procedure):
    for name in ("evidence", "evidence-pdf"):
        assert client_as(reception).get(url(name, procedure)).status_code == 403
        assert client_as(outsider).get(url(name, procedure)).status_code == 404
    assert not AuditEvent.objects.filter(action="injections.evidence.viewed").exists()
