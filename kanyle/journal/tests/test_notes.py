"""Writing and signing notes, corrections, co-authored records (LAW-J, INJ-D8, INJ-P5)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.journal import services
from kanyle.journal.models import Amendment, DiagnosisCode, Note, NoteDiagnosis
from kanyle.journal.tests.factories import EpisodeFactory
from kanyle.journal.tests.note_factories import NoteFactory
from kanyle.staff.models import Practitioner

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the immutability triggers are PostgreSQL's (CI runs PostgreSQL)"
)


def shows(response, message: str) -> bool:
    return escape(message) in response.content.decode()


def practitioner(persona) -> Practitioner:
    return Practitioner.objects.get(clinic=persona.clinic, user=persona.user)


@pytest.fixture
def episode(patient_a, physio):
    """The physio treats patient A: responsible for an open episode (the treatment relation)."""
    return EpisodeFactory(patient=patient_a, responsible=practitioner(physio))


def note_data(**changes) -> dict:
    data = {
        "occurred_at": "2026-11-20T10:30",
        "contact_type": "in_person",
        "episode": "",
        "co_author": "",
        "reason": "Vondt i korsryggen etter løft, to uker.",
        "findings": "Nedsatt fleksjon, negativ Lasègue.",
        "assessment": "Uspesifikke korsryggsmerter.",
        "interventions": "Veiledning og øvelser.",
        "information": "Informert om god prognose.",
        "plan": "Kontroll om en uke.",
        "diagnoses": ["icpc2:L03", "icd10:M545"],
    }
    data.update(changes)
    return data


def test_inj_p5_physio_writes_and_signs_a_note_with_diagnoses(client_as, physio, patient_a, episode):
    client = client_as(physio)
    response = client.post(reverse("journal:note-create", args=[patient_a.pk]), note_data(episode=episode.pk, sign="1"))
    assert response.status_code == 302
    note = Note.objects.get(patient=patient_a)
    assert note.is_signed and note.author == practitioner(physio) and note.encounter.episode == episode
    assert [d.code.code for d in note.note_diagnoses.all()] == ["L03", "M545"]
    assert AuditEvent.objects.filter(action="journal.note.signed", patient=patient_a, user=physio.user).exists()
    chart = client.get(reverse("journal:chart", args=[patient_a.pk])).content.decode()
    assert "Nedsatt fleksjon" in chart and "L03" in chart


def test_draft_is_saved_and_continued_by_its_author(client_as, physio, patient_a, episode):
    client = client_as(physio)
    client.post(reverse("journal:note-create", args=[patient_a.pk]), note_data(plan=""))
    note = Note.objects.get(patient=patient_a)
    assert not note.is_signed
    response = client.post(reverse("journal:note-edit", args=[note.pk]), note_data(plan="Ny plan", sign="1"))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.plan == "Ny plan" and note.is_signed


def test_unknown_diagnosis_code_is_refused_and_nothing_saved(client_as, physio, patient_a, episode):
    response = client_as(physio).post(
        reverse("journal:note-create", args=[patient_a.pk]), note_data(diagnoses=["icpc2:L03", "icpc2:Q99"])
    )
    assert response.status_code == 400
    message = gettext("Unknown diagnosis code: %(codes)s. Choose codes from the ICPC-2 or ICD-10 list.")
    assert shows(response, message % {"codes": "icpc2:Q99"})
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"occurred_at": "not a time"}, 400),
        ({"occurred_at": "2099-01-01T10:00"}, 400),
        ({"contact_type": "telepathy"}, 400),
        ({"reason": "x" * 20001}, 400),
    ],
)
def test_bad_note_input_is_refused(client_as, physio, patient_a, episode, change, status):
    response = client_as(physio).post(reverse("journal:note-create", args=[patient_a.pk]), note_data(**change))
    assert response.status_code == status
    assert not Note.objects.exists()


def test_an_empty_note_cannot_be_signed(client_as, physio, patient_a, episode):
    empty = dict.fromkeys(("reason", "findings", "assessment", "interventions", "information", "plan"), "")
    response = client_as(physio).post(
        reverse("journal:note-create", args=[patient_a.pk]), note_data(**empty, diagnoses=[], sign="1")
    )
    assert response.status_code == 400
    assert shows(response, gettext("An empty note cannot be signed: write at least one section."))


def test_law_j_signed_note_cannot_be_edited_by_form_or_direct_post(client_as, physio, patient_a, episode):
    note = NoteFactory(encounter__patient=patient_a, author=practitioner(physio), signed=True, plan="Opprinnelig")
    client = client_as(physio)
    response = client.get(reverse("journal:note-edit", args=[note.pk]), follow=True)
    assert shows(response, gettext("The note is signed and cannot be changed. Write a correction instead."))
    client.post(reverse("journal:note-edit", args=[note.pk]), note_data(plan="Endret"))
    client.post(reverse("journal:note-discard", args=[note.pk]))
    note.refresh_from_db()
    assert note.plan == "Opprinnelig"
    assert Note.objects.filter(pk=note.pk).exists()


def test_law_j_signed_note_cannot_be_changed_through_the_services(physio, patient_a):
    author = practitioner(physio)
    note = NoteFactory(encounter__patient=patient_a, author=author, signed=True)
    actor = Actor(user=physio.user, clinic=physio.clinic, role="physio")
    note.plan = "Endret"
    with pytest.raises(ValidationError):
        services.note_update(actor=actor, practitioner=author, note=note, diagnoses=[], changed=["plan"])
    with pytest.raises(ValidationError):
        services.note_discard(actor=actor, practitioner=author, note=note)
    assert Note.objects.get(pk=note.pk).plan != "Endret"


@postgresql_only
def test_law_j_database_refuses_to_change_or_delete_a_signed_note(physio, patient_a):
    note = NoteFactory(encounter__patient=patient_a, author=practitioner(physio), signed=True)
    code = DiagnosisCode.objects.get(system="icpc2", code="L03")
    for attempt in (
        lambda: Note.objects.filter(pk=note.pk).update(plan="Endret"),
        lambda: Note.objects.filter(pk=note.pk).update(signed_at=None),
        lambda: Note.objects.filter(pk=note.pk).delete(),
        lambda: NoteDiagnosis.objects.create(note=note, code=code),
    ):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            attempt()
    assert Note.objects.get(pk=note.pk).is_signed


@postgresql_only
def test_law_j_database_keeps_amendments_forever(physio, patient_a):
    author = practitioner(physio)
    note = NoteFactory(encounter__patient=patient_a, author=author, signed=True)
    amendment = Amendment.objects.create(clinic=note.clinic, note=note, author=author, reason="Feil side", text="V")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Amendment.objects.filter(pk=amendment.pk).update(text="Endret")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Amendment.objects.filter(pk=amendment.pk).delete()


def test_law_j_correction_keeps_the_original_and_shows_both(client_as, physio, patient_a, episode):
    note = NoteFactory(
        encounter__patient=patient_a, author=practitioner(physio), signed=True, findings="Funn på høyre side."
    )
    client = client_as(physio)
    response = client.post(
        reverse("journal:amendment-create", args=[note.pk]),
        {"reason": "Feil side registrert", "text": "Funnene gjelder venstre side."},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.findings == "Funn på høyre side."
    amendment = Amendment.objects.get(note=note)
    assert (amendment.author, amendment.reason) == (practitioner(physio), "Feil side registrert")
    chart = client.get(reverse("journal:chart", args=[patient_a.pk])).content.decode()
    assert "Funn på høyre side." in chart and "Funnene gjelder venstre side." in chart
    assert "Feil side registrert" in chart
    assert AuditEvent.objects.filter(action="journal.amendment.created", reason="Feil side registrert").exists()


@pytest.mark.parametrize(
    "data",
    [{"reason": "", "text": "Rettelse"}, {"reason": "Grunn", "text": ""}, {"reason": "<b>x</b>", "text": "Rettelse"}],
)
def test_law_j_correction_without_reason_or_text_is_refused(client_as, physio, patient_a, episode, data):
    note = NoteFactory(encounter__patient=patient_a, author=practitioner(physio), signed=True)
    response = client_as(physio).post(reverse("journal:amendment-create", args=[note.pk]), data)
    assert response.status_code == 400
    assert not Amendment.objects.exists()


def test_a_draft_is_not_corrected_by_amendment(client_as, physio, patient_a, episode):
    note = NoteFactory(encounter__patient=patient_a, author=practitioner(physio))
    response = client_as(physio).post(
        reverse("journal:amendment-create", args=[note.pk]), {"reason": "Grunn", "text": "Tekst"}, follow=True
    )
    assert shows(response, gettext("The note is still a draft: its author changes it directly."))
    assert not Amendment.objects.exists()


def test_only_the_author_signs(client_as, physio, doctor, patient_a, episode):
    note = NoteFactory(encounter__patient=patient_a, author=practitioner(physio))
    episode.members.add(practitioner(doctor))
    response = client_as(doctor).post(reverse("journal:note-sign", args=[note.pk]), follow=True)
    assert shows(response, gettext("Only the author can change or sign this note."))
    note.refresh_from_db()
    assert not note.is_signed


def test_inj_d8_co_authored_note_each_signs_their_own_part(client_as, physio, doctor, patient_a, episode):
    client = client_as(physio)
    client.post(
        reverse("journal:note-create", args=[patient_a.pk]),
        note_data(co_author=practitioner(doctor).pk, sign="1"),
    )
    note = Note.objects.get(patient=patient_a)
    assert note.is_signed and note.co_author == practitioner(doctor)
    # The physio cannot write the doctor's part.
    response = client.post(
        reverse("journal:co-part", args=[note.pk]), {"text": "Legens vurdering", "sign": "1"}, follow=True
    )
    assert shows(response, gettext("Only the second practitioner named on the note can write this part."))
    doctor_client = client_as(doctor)
    home = doctor_client.get(reverse("core:home")).content.decode()
    assert patient_a.full_name in home  # the part to sign is on the doctor's dashboard
    response = doctor_client.post(
        reverse("journal:co-part", args=[note.pk]),
        {"text": "Indikasjon vurdert, ingen kontraindikasjoner.", "sign": "1"},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.co_part.signed_at is not None and note.co_part.practitioner == practitioner(doctor)
    # Once signed, the doctor's part is closed too.
    response = doctor_client.post(
        reverse("journal:co-part", args=[note.pk]), {"text": "Endret", "sign": "1"}, follow=True
    )
    assert shows(response, gettext("Your part is signed and cannot be changed. Write a correction instead."))
    note.co_part.refresh_from_db()
    assert note.co_part.text.startswith("Indikasjon")
    assert AuditEvent.objects.filter(action="journal.coauthor.signed", user=doctor.user).exists()


def test_author_discards_a_draft(client_as, physio, patient_a, episode):
    note = NoteFactory(encounter__patient=patient_a, author=practitioner(physio))
    response = client_as(physio).post(reverse("journal:note-discard", args=[note.pk]))
    assert response.status_code == 302
    assert not Note.objects.filter(pk=note.pk).exists()
    assert AuditEvent.objects.filter(action="journal.note.discarded", patient=patient_a).exists()


def test_code_search_finds_icpc2_and_icd10(client_as, physio):
    client = client_as(physio)
    page = client.get(reverse("journal:code-search"), {"q": "L92"}).content.decode()
    assert 'data-code-pick="icpc2:L92"' in page
    page = client.get(reverse("journal:code-search"), {"q": "M75.1"}).content.decode()
    assert 'data-code-pick="icd10:M751"' in page
    page = client.get(reverse("journal:code-search"), {"q": "skulder", "system": "icpc2"}).content.decode()
    assert "icpc2:L92" in page and "icd10:" not in page


@pytest.mark.django_db
def test_diagnosis_codes_come_from_the_national_lists():
    assert DiagnosisCode.objects.filter(system="icpc2").count() == 708
    assert DiagnosisCode.objects.filter(system="icd10").count() == 19634
    assert DiagnosisCode.objects.get(system="icpc2", code="L92").text == "Skuldersyndrom"
