"""Attachments: upload with the type read from the content, serving and the DICOM preview, each view logged."""

from __future__ import annotations

import hashlib
import io
import zipfile

import numpy as np
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image

from conftest import make_persona
from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.clinics.models import Role
from kanyle.journal import services
from kanyle.journal.models import Attachment, ContactType, Encounter, Note
from kanyle.journal.tests.files import PDF, dicom_bytes, jpeg_bytes, png_bytes
from kanyle.journal.views.attachments import dicom_to_png


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def actor_for(persona) -> Actor:
    return Actor(user=persona.user, clinic=persona.clinic, role=persona.role)


def write_note(persona, practitioner, patient, *, sign: bool = True, text: str = "Smerter i høyre skulder.") -> Note:
    note = services.note_create(
        actor=actor_for(persona),
        practitioner=practitioner,
        patient=patient,
        encounter=Encounter(contact_type=ContactType.IN_PERSON, occurred_at=timezone.now()),
        note=Note(reason=text),
        diagnoses=[],
    )
    return services.note_sign(actor=actor_for(persona), practitioner=practitioner, note=note) if sign else note


def attach(persona, note: Note, name: str, content: bytes, title: str = "Vedlegg") -> Attachment:
    return services.attachment_add(
        actor=actor_for(persona), encounter=note.encounter, upload=upload(name, content), title=title
    )


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def add_url(note: Note) -> str:
    return reverse("journal:attachment-add", args=[note.pk])


def chart_anchor(note: Note) -> str:
    return f"{reverse('journal:chart', args=[note.patient_id])}#attachments-{note.encounter_id}"


@pytest.fixture
def note(physio, practitioner_a, patient_a) -> Note:
    """A signed note by the physio, who therefore treats the patient."""
    return write_note(physio, practitioner_a, patient_a)


# --- upload ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("henvisning.pdf", PDF, "application/pdf"),
        ("skulder.png", png_bytes(), "image/png"),
        ("foto.jpg", jpeg_bytes(), "image/jpeg"),
        ("ultralyd.dcm", dicom_bytes(), "application/dicom"),
    ],
)
def test_a_valid_file_is_stored_with_checksum_size_and_sniffed_type(
    client_as, physio, note, name, content, content_type
):
    response = client_as(physio).post(add_url(note), {"file": upload(name, content), "title": "Ultralydbilde"})

    assert response.status_code == 302
    assert response["Location"] == chart_anchor(note)
    attachment = Attachment.objects.get()
    assert attachment.encounter == note.encounter and attachment.patient == note.patient
    assert attachment.clinic == physio.clinic and attachment.uploaded_by == physio.user
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.original_name == name
    assert attachment.title == "Ultralydbilde"
    with attachment.file.open("rb") as stored:
        assert stored.read() == content
    assert AuditEvent.objects.filter(action="journal.attachment.added", patient=note.patient).count() == 1
    assert gettext("The attachment “%(title)s” is added.") % {"title": "Ultralydbilde"} in message_texts(response)


def test_the_type_comes_from_the_content_not_the_name(client_as, physio, note):
    client_as(physio).post(add_url(note), {"file": upload("bilde.pdf", png_bytes()), "title": "Bilde"})

    assert Attachment.objects.get().content_type == "image/png"


def test_the_author_may_attach_to_an_own_draft(client_as, physio, practitioner_a, patient_a):
    draft = write_note(physio, practitioner_a, patient_a, sign=False)

    response = client_as(physio).post(add_url(draft), {"file": upload("a.pdf", PDF), "title": "Henvisning"})

    assert response.status_code == 302
    assert Attachment.objects.filter(encounter=draft.encounter).count() == 1


def _refused(response, message: str) -> None:
    assert response.status_code == 302
    texts = message_texts(response)
    assert any(message in text for text in texts), texts
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action="journal.attachment.added").exists()


ALLOWED = gettext("The file's content is not an allowed type. Allowed: %(types)s.") % {"types": "PDF, PNG, JPEG, DICOM"}


def test_a_file_lying_about_its_type_is_refused(client_as, physio, note):
    lying = upload("journal.pdf", b"Dette er bare tekst, ikke en PDF.\n" * 10, "application/pdf")

    response = client_as(physio).post(add_url(note), {"file": lying, "title": "Falsk PDF"})

    _refused(response, ALLOWED)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("program.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200),
        ("arkiv.zip", None),
    ],
)
def test_a_forbidden_type_is_refused(client_as, physio, note, name, content):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("a.pdf", PDF)
        content = buffer.getvalue()

    response = client_as(physio).post(add_url(note), {"file": upload(name, content), "title": "Forbudt"})

    _refused(response, ALLOWED)


def test_a_file_over_the_size_limit_is_refused(client_as, physio, note, settings):
    settings.UPLOAD_MAX_BYTES = 100
    content = PDF + b"%" * 200

    response = client_as(physio).post(add_url(note), {"file": upload("stor.pdf", content), "title": "Stor"})

    _refused(
        response,
        gettext("The file is too large (%(size)s). The limit is %(limit)s.")
        % {"size": filesizeformat(len(content)), "limit": filesizeformat(100)},
    )


def test_an_empty_title_is_refused(client_as, physio, note):
    response = client_as(physio).post(add_url(note), {"file": upload("a.pdf", PDF), "title": "   "})

    _refused(response, gettext("This field is required."))


def test_a_missing_or_empty_file_is_refused(client_as, physio, note):
    client = client_as(physio)
    _refused(client.post(add_url(note), {"title": "Uten fil"}), gettext("This field is required."))
    _refused(
        client.post(add_url(note), {"file": upload("tom.pdf", b""), "title": "Tom"}),
        gettext("The submitted file is empty."),
    )


def test_a_title_with_markup_is_refused(client_as, physio, note):
    response = client_as(physio).post(add_url(note), {"file": upload("a.pdf", PDF), "title": "<b>x</b>"})

    _refused(response, gettext("Use plain text only: the characters < and > and control characters are not allowed."))


def test_get_is_not_allowed(client_as, physio, note):
    assert client_as(physio).get(add_url(note)).status_code == 405


@pytest.mark.parametrize("who", ["reception", "admin"])
def test_roles_without_journal_access_may_not_upload(client_as, personas, note, who):
    response = client_as(personas[who]).post(add_url(note), {"file": upload("a.pdf", PDF), "title": "x"})

    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_another_clinics_note_is_not_found(client_as, outsider, note):
    response = client_as(outsider).post(add_url(note), {"file": upload("a.pdf", PDF), "title": "x"})

    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_law_j_upload_without_treatment_relation_goes_to_emergency_access(client_as, doctor, note):
    response = client_as(doctor).post(add_url(note), {"file": upload("a.pdf", PDF), "title": "x"})

    assert response.status_code == 302
    assert response["Location"] == reverse("journal:emergency-access", args=[note.patient_id])
    assert not Attachment.objects.exists()


def test_another_authors_draft_is_not_found(client_as, clinic_a, physio, practitioner_a, patient_a):
    draft = write_note(physio, practitioner_a, patient_a, sign=False)
    colleague = make_persona("kollega", clinic_a, Role.PHYSIO)
    write_note(colleague, colleague.user.practitioners.get(), patient_a)  # the colleague treats the patient too

    response = client_as(colleague).post(add_url(draft), {"file": upload("a.pdf", PDF), "title": "x"})

    assert response.status_code == 404
    assert not Attachment.objects.exists()


# --- serving -----------------------------------------------------------------------------------


def view_url(attachment: Attachment) -> str:
    return reverse("journal:attachment", args=[attachment.pk])


def preview_url(attachment: Attachment) -> str:
    return reverse("journal:attachment-preview", args=[attachment.pk])


def test_law_j_serving_a_file_is_private_and_audited(client_as, physio, note):
    attachment = attach(physio, note, "Røntgen skulder høyre.PDF", PDF, title="Røntgensvar")

    response = client_as(physio).get(view_url(attachment))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="Rontgen-skulder-hoyre.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.get(action="journal.attachment.viewed")
    assert (event.user, event.patient, event.object_id, event.detail) == (
        physio.user,
        note.patient,
        str(attachment.pk),
        "",
    )


def test_the_file_name_gets_the_extension_of_the_real_type(client_as, physio, note):
    attachment = attach(physio, note, "bilde.pdf", png_bytes())

    response = client_as(physio).get(view_url(attachment))

    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="bilde.png"'


def test_a_name_without_ascii_letters_falls_back_to_the_attachment_number(client_as, physio, note):
    attachment = attach(physio, note, "日本語.jpg", jpeg_bytes())

    response = client_as(physio).get(view_url(attachment))

    assert response["Content-Disposition"] == f'inline; filename="vedlegg-{attachment.pk}.jpg"'


def test_dicom_is_downloaded_not_shown(client_as, physio, note):
    content = dicom_bytes()
    attachment = attach(physio, note, "us.dcm", content)

    response = client_as(physio).get(view_url(attachment))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/dicom"
    assert response["Content-Disposition"] == 'attachment; filename="us.dcm"'
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize("who", ["reception", "admin"])
def test_roles_without_journal_access_may_not_open_a_file(client_as, personas, physio, note, who):
    attachment = attach(physio, note, "a.pdf", PDF)

    assert client_as(personas[who]).get(view_url(attachment)).status_code == 403
    assert client_as(personas[who]).get(preview_url(attachment)).status_code == 403
    assert not AuditEvent.objects.filter(action="journal.attachment.viewed").exists()


def test_another_clinics_file_is_not_found(client_as, outsider, physio, note):
    attachment = attach(physio, note, "us.dcm", dicom_bytes())

    assert client_as(outsider).get(view_url(attachment)).status_code == 404
    assert client_as(outsider).get(preview_url(attachment)).status_code == 404
    assert not AuditEvent.objects.filter(action="journal.attachment.viewed").exists()


def test_law_j_a_file_needs_a_treatment_relation_or_emergency_access(client_as, doctor, physio, note):
    attachment = attach(physio, note, "a.pdf", PDF)
    client = client_as(doctor)

    response = client.get(view_url(attachment))
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:emergency-access", args=[note.patient_id])

    services.emergency_access_grant(actor=actor_for(doctor), patient=note.patient, reason="Pasienten kom akutt inn.")
    assert client.get(view_url(attachment)).status_code == 200


def test_the_attachments_of_another_authors_draft_are_not_shown(client_as, clinic_a, physio, practitioner_a, patient_a):
    draft = write_note(physio, practitioner_a, patient_a, sign=False)
    attachment = attach(physio, draft, "a.pdf", PDF)
    colleague = make_persona("kollega", clinic_a, Role.PHYSIO)
    write_note(colleague, colleague.user.practitioners.get(), patient_a)

    assert client_as(colleague).get(view_url(attachment)).status_code == 404
    assert client_as(physio).get(view_url(attachment)).status_code == 200  # the author sees it


def test_a_missing_stored_file_is_not_found_not_an_error(client_as, physio, note):
    attachment = attach(physio, note, "a.pdf", PDF)
    attachment.file.storage.delete(attachment.file.name)

    assert client_as(physio).get(view_url(attachment)).status_code == 404


# --- the DICOM preview ---------------------------------------------------------------------------


def preview_image(response) -> Image.Image:
    return Image.open(io.BytesIO(response.content))


def test_law_j_the_dicom_preview_is_a_png_and_audited(client_as, physio, note):
    attachment = attach(physio, note, "us.dcm", dicom_bytes())

    response = client_as(physio).get(preview_url(attachment))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    image = preview_image(response)
    assert image.mode == "L" and image.size == (16, 8)
    assert image.getpixel((0, 0)) == 0 and image.getpixel((15, 7)) == 255  # the ramp fills 0–255
    event = AuditEvent.objects.get(action="journal.attachment.viewed")
    assert (event.patient, event.object_id, event.detail) == (note.patient, str(attachment.pk), "preview")


def test_monochrome1_is_inverted():
    image = Image.open(io.BytesIO(dicom_to_png(io.BytesIO(dicom_bytes(photometric="MONOCHROME1")))))

    assert image.getpixel((0, 0)) == 255 and image.getpixel((15, 7)) == 0  # in MONOCHROME1 the lowest is white


def test_the_window_sets_the_grey_scale():
    # Window centre 1000, width 1001: values up to 500 are black, from 1500 white (PS3.3 C.11.2.1.2).
    image = Image.open(io.BytesIO(dicom_to_png(io.BytesIO(dicom_bytes(window=(1000, 1001))))))

    values = np.asarray(image)
    ramp = (np.arange(128) * 32).reshape(8, 16)
    assert (values[ramp <= 499] == 0).all()
    assert (values[ramp >= 1500] == 255).all()
    middle = values[(ramp > 600) & (ramp < 1400)]
    assert ((middle > 0) & (middle < 255)).all()


def test_the_modality_rescale_is_applied_before_the_window():
    # Rescale slope 2: stored 0…4064 become 0…8128, so a window at 4000 ± 500 shows stored values 1750–2250.
    image = Image.open(io.BytesIO(dicom_to_png(io.BytesIO(dicom_bytes(window=(4000, 1001), rescale=(2, 0))))))

    values = np.asarray(image)
    ramp = (np.arange(128) * 32).reshape(8, 16)
    assert (values[ramp <= 1700] == 0).all()
    assert (values[ramp >= 2300] == 255).all()


def test_a_pdf_has_no_preview(client_as, physio, note):
    attachment = attach(physio, note, "a.pdf", PDF)

    assert client_as(physio).get(preview_url(attachment)).status_code == 404
    assert not AuditEvent.objects.filter(action="journal.attachment.viewed").exists()


def test_pixel_data_that_cannot_be_decoded_gives_404_not_500(client_as, physio, note):
    broken = attach(physio, note, "brutt.dcm", dicom_bytes(pixel_data=b"\x00\x01" * 4))

    assert client_as(physio).get(preview_url(broken)).status_code == 404
    assert not AuditEvent.objects.filter(action="journal.attachment.viewed").exists()
