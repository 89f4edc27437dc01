"""The patient's copy of the record as PDF (pasient- og brukerrettighetsloven §5-1, LAW-J)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from pypdf import PdfReader

from conftest import make_persona
from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.models import Role
from kanyle.journal import services
from kanyle.journal.models import ContactType, DiagnosisCode, Encounter, Episode, EpisodeKind, Note
from kanyle.patients.tests.factories import RiskFlagFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def actor_for(persona) -> Actor:
    return Actor(user=persona.user, clinic=persona.clinic, role=persona.role)


def write_note(persona, practitioner, patient, *, sign: bool = True, when=None, **sections) -> Note:
    note = services.note_create(
        actor=actor_for(persona),
        practitioner=practitioner,
        patient=patient,
        encounter=Encounter(contact_type=ContactType.IN_PERSON, occurred_at=when or timezone.now()),
        note=Note(**sections),
        diagnoses=list(DiagnosisCode.objects.filter(system="icpc2", code="L92")),
    )
    return services.note_sign(actor=actor_for(persona), practitioner=practitioner, note=note) if sign else note


def export_url(patient) -> str:
    return reverse("journal:export", args=[patient.pk])


def pdf_text(response) -> str:
    """The PDF's text as one line of words (table cells and wrapped lines joined by single spaces)."""
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def record(physio, doctor, practitioner_a, patient_a):
    """A record with a signed co-authored note, a correction, an attachment, a draft and a logged visit."""
    doctor_practitioner = doctor.user.practitioners.get()
    first = write_note(
        physio,
        practitioner_a,
        patient_a,
        when=timezone.now() - datetime.timedelta(days=3),
        reason="Kneet har verket i tre uker.",
        findings="Hevelse medialt, ingen instabilitet.",
    )
    second = services.note_create(
        actor=actor_for(physio),
        practitioner=practitioner_a,
        patient=patient_a,
        encounter=Encounter(contact_type=ContactType.VIDEO, occurred_at=timezone.now() - datetime.timedelta(days=1)),
        note=Note(plan="Kontroll om to uker.", co_author=doctor_practitioner),
        diagnoses=[],
    )
    services.co_part_save(
        actor=actor_for(doctor),
        practitioner=doctor_practitioner,
        note=second,
        text="Legen vurderte indikasjon.",
        sign=True,
    )
    second = services.note_sign(actor=actor_for(physio), practitioner=practitioner_a, note=second)
    services.amendment_create(
        actor=actor_for(physio),
        practitioner=practitioner_a,
        note=first,
        reason="Feil side notert",
        text="Gjelder venstre kne, ikke høyre.",
    )
    services.attachment_add(
        actor=actor_for(physio),
        encounter=first.encounter,
        upload=SimpleUploadedFile("mr.pdf", PDF),
        title="MR-svar kne",
    )
    write_note(physio, practitioner_a, patient_a, sign=False, reason="UTKAST som ikke er signert")
    audit_record(actor=actor_for(doctor), action="patients.patient.viewed", patient=patient_a, target=patient_a)
    RiskFlagFactory(patient=patient_a, kind="pacemaker", recorded_by=physio.user)
    return first, second


def test_law_j_the_export_is_a_pdf_of_the_whole_signed_record(client_as, physio, patient_a, record):
    response = client_as(physio).get(export_url(patient_a))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="journal-{patient_a.pk}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response)
    assert "Kari Nordmann" in text
    assert patient_a.formatted_national_id in text  # the patient's own copy: the full number
    assert patient_a.birth_date.strftime("%d.%m.%Y") in text
    assert patient_a.gp_name in text
    assert "Kneet har verket i tre uker." in text
    assert "Hevelse medialt, ingen instabilitet." in text
    assert "Kontroll om to uker." in text
    assert "Legen vurderte indikasjon." in text  # the co-author's signed part
    assert "Feil side notert" in text and "Gjelder venstre kne, ikke høyre." in text  # the correction
    assert "L92" in text  # the diagnosis code
    assert "MR-svar kne" in text
    assert gettext("Opened the patient's details") in text  # the access log, with the doctor's visit
    assert "Doctor Testesen" in text
    assert str(gettext("Pacemaker or ICD")) in text  # the active risk flag


def test_law_j_drafts_are_not_part_of_the_export(client_as, physio, patient_a, record):
    text = pdf_text(client_as(physio).get(export_url(patient_a)))

    assert "UTKAST" not in text


def test_notes_are_printed_oldest_first(client_as, physio, patient_a, record):
    text = pdf_text(client_as(physio).get(export_url(patient_a)))

    assert text.index("Kneet har verket") < text.index("Kontroll om to uker.")


def test_law_j_the_export_itself_is_audited(client_as, physio, patient_a, record):
    client_as(physio).get(export_url(patient_a))

    event = AuditEvent.objects.get(action="journal.record.exported")
    assert (event.user, event.role, event.clinic, event.patient) == (physio.user, "physio", physio.clinic, patient_a)


def test_an_empty_record_exports_too(client_as, physio, practitioner_a, patient_a):
    Episode.objects.create(
        clinic=physio.clinic,
        patient=patient_a,
        kind=EpisodeKind.GENERAL,
        title="Skulderplager",
        responsible=practitioner_a,
        started_on=datetime.date(2025, 3, 1),
        created_by=physio.user,
    )

    response = client_as(physio).get(export_url(patient_a))

    assert response.status_code == 200
    text = pdf_text(response)
    assert "Skulderplager" in text and "01.03.2025" in text
    assert gettext("The record has no signed notes.") in text


def test_law_j_without_treatment_relation_the_export_goes_to_emergency_access(client_as, clinic_a, patient_a, record):
    other_doctor = make_persona("lege2", clinic_a, Role.DOCTOR)  # on no episode, wrote nothing

    response = client_as(other_doctor).get(export_url(patient_a))

    assert response.status_code == 302
    assert response["Location"] == reverse("journal:emergency-access", args=[patient_a.pk])
    assert not AuditEvent.objects.filter(action="journal.record.exported").exists()


@pytest.mark.parametrize("who", ["reception", "admin"])
def test_roles_without_the_capability_may_not_export(client_as, personas, patient_a, record, who):
    assert client_as(personas[who]).get(export_url(patient_a)).status_code == 403


def test_another_clinics_patient_is_not_found(client_as, outsider, patient_a, record):
    response = client_as(outsider).get(export_url(patient_a))

    assert response.status_code == 404
    assert b"Nordmann" not in response.content


def test_the_export_has_a_fixed_number_of_queries(client_as, physio, practitioner_a, patient_a, record):
    client = client_as(physio)
    client.get(export_url(patient_a))  # warm up (session, caches)

    with CaptureQueriesContext(connection) as few:
        client.get(export_url(patient_a))
    for day in range(5):
        note = write_note(physio, practitioner_a, patient_a, reason=f"Kontroll {day}")
        services.amendment_create(
            actor=actor_for(physio), practitioner=practitioner_a, note=note, reason="Presisering", text="Mer tekst."
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(export_url(patient_a))

    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(few) <= 25
