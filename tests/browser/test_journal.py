"""The record end to end: write a note with a diagnosis, sign it, correct it, see both; export the PDF."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from conftest import make_persona
from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import Role
from kanyle.journal.models import Amendment, Note
from kanyle.journal.tests.factories import EpisodeFactory
from kanyle.patients.tests.factories import PatientFactory
from kanyle.staff.models import Practitioner


@pytest.mark.browser
def test_write_sign_correct_and_export_a_note(page: Page, clinic_a, use_session):
    # Live-server tests empty every table between tests, the code lists too: load them again.
    call_command("load_diagnosis_codes", stdout=io.StringIO())
    physio = make_persona("physio", clinic_a, Role.PHYSIO)
    practitioner = Practitioner.objects.get(user=physio.user, clinic=clinic_a)
    patient = PatientFactory(clinic=clinic_a, given_name="Kari", family_name="Nordmann", created_by=physio.user)
    EpisodeFactory(patient=patient, responsible=practitioner, title="Skuldersmerter")
    use_session(physio)

    page.goto(f"/pasienter/{patient.pk}/")
    page.locator("[data-testid=open-chart]").click()
    page.locator("[data-testid=new-note]").click()
    page.locator("#id_reason").fill("Smerter i høyre skulder ved løft over hodet i seks uker.")
    page.locator("#id_findings").fill("Smertefull bue 70–120 grader, positiv Hawkins-Kennedy.")
    page.locator("#id_plan").fill("Øvelser for rotatorcuff, kontroll om to uker.")
    # Pick a diagnosis from the national code list.
    page.locator("#code-query").fill("L92")
    page.locator('[data-code-pick="icpc2:L92"]').click()
    expect(page.locator("[data-testid=diagnosis-list]")).to_contain_text("L92")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-testid=save-and-sign]").click()

    expect(page).to_have_url(re.compile(rf"/journal/pasient/{patient.pk}/#notat-\d+$"))
    note = page.locator("[data-testid=note]").first
    expect(note.locator("[data-testid=note-status]")).to_have_class(re.compile("badge-ok"))
    expect(note).to_contain_text("Smertefull bue 70–120 grader")
    expect(note).to_contain_text("L92")
    saved = Note.objects.get(patient=patient)
    assert saved.is_signed and [d.code.code for d in saved.note_diagnoses.all()] == ["L92"]

    # Correct it the lawful way: a new entry with a reason; the original stays.
    note.locator("[data-testid=amend-note]").click()
    page.locator("#id_reason").fill("Feil side registrert")
    page.locator("#id_text").fill("Funnene gjelder venstre skulder, ikke høyre.")
    page.locator("[data-testid=save-amendment]").click()
    note = page.locator("[data-testid=note]").first
    expect(note).to_contain_text("Smertefull bue 70–120 grader")  # original
    expect(note.locator("[data-testid=amendment]")).to_contain_text("Funnene gjelder venstre skulder")
    expect(note.locator("[data-testid=amendment]")).to_contain_text("Feil side registrert")
    assert Amendment.objects.filter(note=saved).count() == 1

    # The patient's copy of the whole record (innsyn), as a PDF.
    with page.expect_download() as download_info:
        page.locator("[data-testid=export]").click()
    pdf = PdfReader(io.BytesIO(download_info.value.path().read_bytes()))
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "Kari Nordmann" in text
    assert "Smertefull bue 70–120 grader" in text
    assert "Feil side registrert" in text and "venstre skulder" in text
    assert AuditEvent.objects.filter(action="journal.record.exported", patient=patient).exists()
