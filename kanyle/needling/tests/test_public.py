"""Pages for patients: each practitioner's needle-treatment competence (NAL-2) and the patient information."""

from __future__ import annotations

import datetime
import io

from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from kanyle.staff.models import CredentialKind
from kanyle.staff.tests.factories import CredentialFactory, PractitionerFactory


def competence_url(practitioner) -> str:
    return reverse("needling:competence", args=[practitioner.clinic.slug, practitioner.pk])


def test_nal_2_a_patient_sees_the_practitioners_valid_training_and_nothing_private(physio, practitioner_a, clock):
    CredentialFactory(practitioner=practitioner_a, title="Nålebehandling trinn 2", issued_on=datetime.date(2023, 5, 2))
    CredentialFactory(practitioner=practitioner_a, title="Ukontrollert kurs", verified_by=None, verified_at=None)
    CredentialFactory(
        practitioner=practitioner_a,
        title="Utløpt kurs",
        issued_on=datetime.date(2019, 1, 1),
        expires_on=datetime.date(2021, 1, 1),
    )
    CredentialFactory(practitioner=practitioner_a, kind=CredentialKind.INJECTION, title="Injeksjonskurs")

    response = Client().get(competence_url(practitioner_a))

    html = response.content.decode()
    assert response.status_code == 200
    assert physio.user.display_name in html and practitioner_a.hpr_number in html
    assert "Nålebehandling trinn 2" in html and "Norsk Fysioterapeutforbund" in html and "02.05.2023" in html
    assert "Ukontrollert kurs" not in html and "Utløpt kurs" not in html and "Injeksjonskurs" not in html
    assert physio.user.email not in html and physio.user.username not in html
    assert "logg-ut" not in html  # no staff menu on a public page


def test_nal_2_without_valid_training_the_page_says_so(practitioner_a):
    response = Client().get(competence_url(practitioner_a))
    assert response.status_code == 200 and b'data-testid="no-credential"' in response.content


def test_nal_2_unknown_practitioners_and_other_clinics_are_not_found(practitioner_a, clinic_b):
    other = PractitionerFactory(clinic=clinic_b)
    assert Client().get(reverse("needling:competence", args=["klinikk-a", 999999])).status_code == 404
    assert Client().get(reverse("needling:competence", args=["klinikk-a", other.pk])).status_code == 404
    assert Client().get(reverse("needling:competence", args=["finnes-ikke", practitioner_a.pk])).status_code == 404
    practitioner_a.user.memberships.update(is_active=False)  # no longer works in the clinic
    assert Client().get(competence_url(practitioner_a)).status_code == 404


def test_nal_2_the_clinic_lists_its_trained_physiotherapists(practitioner_a, clinic_a):
    untrained = PractitionerFactory(clinic=clinic_a)
    CredentialFactory(practitioner=practitioner_a)

    response = Client().get(reverse("needling:competence-list", args=[clinic_a.slug]))

    assert response.status_code == 200
    assert list(response.context["practitioners"]) == [practitioner_a]
    assert untrained.user.display_name not in response.content.decode()
    assert Client().get(reverse("needling:competence-list", args=["finnes-ikke"])).status_code == 404


def test_the_patient_information_is_public_norwegian_and_has_the_clinics_contact(clinic_a, practitioner_a):
    clinic_a.street_address, clinic_a.postal_code, clinic_a.city = "Kaigata 4", "5003", "Bergen"
    clinic_a.save()
    CredentialFactory(practitioner=practitioner_a)

    response = Client().get(reverse("needling:patient-info", args=[clinic_a.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Nålebehandling", "skal ikke gjøre vondt", "Bivirkninger", "henvisning", "frikort", "Kaigata 4"):
        assert text in html
    assert reverse("needling:competence", args=[clinic_a.slug, practitioner_a.pk]) in html


def test_the_patient_information_as_pdf_for_staff_to_print(client_as, reception, clinic_a):
    response = client_as(reception).get(reverse("needling:patient-info-pdf"))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Nålebehandling hos fysioterapeut" in text and clinic_a.name in text
    anonymous = Client().get(reverse("needling:patient-info-pdf"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
