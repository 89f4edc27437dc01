"""Registering and editing a patient (/pasienter/ny/, /pasienter/<id>/endre/)."""

from __future__ import annotations

import datetime

import pytest
from django.core.validators import MaxLengthValidator
from django.urls import reverse
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.patients.models import Patient
from kanyle.patients.tests.factories import PatientFactory
from kanyle.patients.tests.helpers import (
    FNR,
    FNR_BORN,
    audit_events,
    first_valid,
    form_data,
    patient_form_data,
    shows,
)

CREATE_URL = reverse("patients:create")


def edit_url(patient) -> str:
    return reverse("patients:edit", args=[patient.pk])


# --- registration: the happy path -------------------------------------------------------------


def test_reception_registers_a_patient_with_birth_date_from_the_number(client_as, reception):
    response = client_as(reception).post(CREATE_URL, form_data(), follow=True)

    patient = Patient.objects.get()
    assert response.redirect_chain == [(reverse("patients:detail", args=[patient.pk]), 302)]
    assert (patient.clinic, patient.created_by) == (reception.clinic, reception.user)
    assert (patient.national_id, patient.id_type, patient.birth_date) == (FNR, "fnr", FNR_BORN)
    assert (patient.phone, patient.gp_hpr_number) == ("+47 912 34 567", "1234567")
    assert shows(response, gettext("%(name)s is registered.") % {"name": "Kari Nordmann"})


def test_registration_is_logged_with_user_role_clinic_and_patient(client_as, reception):
    client_as(reception).post(CREATE_URL, form_data())

    patient = Patient.objects.get()
    [event] = audit_events("patients.patient.created")
    assert (event.user, event.role, event.clinic, event.patient) == (
        reception.user,
        "reception",
        reception.clinic,
        patient,
    )
    assert (event.object_type, event.object_id) == ("patients.patient", str(patient.pk))


@pytest.mark.parametrize(
    ("prefix", "id_type"),
    [("551086", "dnr"), ("155086", "hnr")],  # D-nummer (day + 40), H-nummer (month + 40)
)
def test_registration_sets_the_id_type_from_the_number(client_as, physio, prefix, id_type):
    number = first_valid(prefix)

    response = client_as(physio).post(CREATE_URL, form_data(national_id=number))

    assert response.status_code == 302
    patient = Patient.objects.get()
    assert (patient.id_type, patient.birth_date) == (id_type, FNR_BORN)


def test_fh_number_is_registered_with_the_birth_date_typed_in(client_as, reception):
    response = client_as(reception).post(
        CREATE_URL, form_data(national_id=first_valid("812345"), birth_date="1975-03-04")
    )

    assert response.status_code == 302
    patient = Patient.objects.get()
    assert (patient.id_type, patient.birth_date) == ("fhnr", datetime.date(1975, 3, 4))


def test_the_same_number_in_another_clinic_does_not_block_registration(client_as, reception, clinic_b):
    PatientFactory(clinic=clinic_b, national_id=FNR, birth_date=FNR_BORN)

    response = client_as(reception).post(CREATE_URL, form_data())

    assert response.status_code == 302
    assert Patient.objects.filter(clinic=reception.clinic, national_id=FNR).exists()


def test_inj_g4_gp_known_or_explicitly_none(client_as, reception):
    """The GP is told about injection treatment, so the register holds the GP or says there is none."""
    client = client_as(reception)

    client.post(CREATE_URL, form_data(has_no_gp="on", gp_name="", gp_hpr_number="", gp_practice="", gp_her_id=""))
    none = Patient.objects.get()
    response = client.get(reverse("patients:detail", args=[none.pk]))

    assert none.has_no_gp and none.gp_known
    assert shows(response, gettext("The patient has no GP."))

    gp_fields_too = client.post(CREATE_URL, form_data(national_id=first_valid("551086"), has_no_gp="on"))

    assert gp_fields_too.status_code == 400
    assert shows(gp_fields_too, gettext("Either register the GP or tick that the patient has none, not both."))
    assert Patient.objects.count() == 1


# --- registration: bad input, each shown and nothing saved ----------------------------------


def required() -> str:
    return gettext("This field is required.")


def too_long() -> str:
    return MaxLengthValidator(100).message % {"limit_value": 100, "show_value": 101}


BAD_INPUT = {
    "invalid national ID": (
        {"national_id": "15108695089"},
        lambda: gettext("The check digits do not match: check the number for typing errors."),
    ),
    "national ID too short": ({"national_id": "1510869508"}, lambda: gettext("A national ID has exactly 11 digits.")),
    "national ID with a superscript digit": (
        {"national_id": "1510869508²"},
        lambda: gettext("A national ID has exactly 11 digits."),
    ),
    "missing given name": ({"given_name": ""}, required),
    "missing family name": ({"family_name": "  "}, required),
    "missing national ID": ({"national_id": ""}, required),
    "overlong given name": ({"given_name": "K" * 101}, too_long),
    "overlong family name": ({"family_name": "N" * 101}, too_long),
    "markup in a name": (
        {"given_name": "<script>alert(1)</script>"},
        lambda: gettext("Use plain text only: the characters < and > and control characters are not allowed."),
    ),
    "bad phone": (
        {"phone": "12-34-ab"},
        lambda: gettext("Enter a phone number of 8 to 16 digits, optionally starting with +."),
    ),
    "short phone": (
        {"phone": "1234567"},
        lambda: gettext("Enter a phone number of 8 to 16 digits, optionally starting with +."),
    ),
    "bad postal code": ({"postal_code": "501"}, lambda: gettext("A Norwegian postal code has four digits.")),
    "postal code with letters": ({"postal_code": "50AB"}, lambda: gettext("A Norwegian postal code has four digits.")),
    "no GP ticked with GP fields": (
        {"has_no_gp": "on", "gp_name": "", "gp_practice": ""},  # the HPR number alone is enough to refuse
        lambda: gettext("Either register the GP or tick that the patient has none, not both."),
    ),
    "birth date disagrees with the number": (
        {"birth_date": "1986-10-16"},
        lambda: gettext("The date of birth does not match the national ID."),
    ),
    "FH number without a birth date": (
        {"national_id": first_valid("812345")},
        lambda: gettext("Enter the date of birth: this kind of number does not contain it."),
    ),
    "bad GP HPR number": (
        {"gp_hpr_number": "0123"},
        lambda: gettext("An HPR number has 4 to 9 digits and does not start with 0."),
    ),
}


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_registration_refuses_bad_input_with_a_message_and_saves_nothing(client_as, reception, overrides, message):
    response = client_as(reception).post(CREATE_URL, form_data(**overrides))

    assert response.status_code == 400
    assert shows(response, message())
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="patients.patient.").exists()


def test_markup_in_a_name_is_shown_back_escaped_never_as_markup(client_as, reception):
    response = client_as(reception).post(CREATE_URL, form_data(given_name="<script>alert(1)</script>"))

    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.content.decode()


def test_an_invalid_number_does_not_also_complain_about_the_empty_birth_date(client_as, reception):
    """The birth date may be left empty (it comes from the number): one error, where it belongs."""
    response = client_as(reception).post(CREATE_URL, form_data(national_id="15108695089"))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["national_id"]


def test_duplicate_national_id_in_the_same_clinic_is_refused(client_as, reception, patient_a):
    response = client_as(reception).post(CREATE_URL, form_data(national_id=patient_a.formatted_national_id))

    assert response.status_code == 400
    assert shows(response, gettext("A patient with this national ID is already registered in the clinic."))
    assert list(Patient.objects.all()) == [patient_a]


def test_synthetic_numbers_are_refused_in_a_register_that_forbids_them(client_as, reception, settings):
    settings.KANYLE_ACCEPT_SYNTHETIC_IDS = False

    response = client_as(reception).post(CREATE_URL, form_data(national_id=first_valid("159086")))

    assert response.status_code == 400
    assert shows(response, gettext("Synthetic test numbers are not accepted here."))
    assert not Patient.objects.exists()


# --- registration: who may ----------------------------------------------------------------


def test_the_registration_form_is_shown_to_reception(client_as, reception):
    response = client_as(reception).get(CREATE_URL)

    assert response.status_code == 200
    assert shows(response, gettext("Register patient"))


def test_the_administrator_may_not_register_patients(client_as, admin):
    client = client_as(admin)

    assert client.get(CREATE_URL).status_code == 403
    assert client.post(CREATE_URL, form_data()).status_code == 403
    assert not Patient.objects.exists()


def test_registration_needs_a_login(client, db):
    response = client.post(CREATE_URL, form_data())

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not Patient.objects.exists()


# --- editing ------------------------------------------------------------------------------


def test_edit_saves_changes_and_logs_changed_field_names_not_values(client_as, physio, patient_a):
    data = patient_form_data(patient_a, family_name="Nordmann-Hansen", phone="40000001", city="Voss")

    response = client_as(physio).post(edit_url(patient_a), data, follow=True)

    assert response.redirect_chain == [(reverse("patients:detail", args=[patient_a.pk]), 302)]
    assert shows(response, gettext("The changes are saved."))
    patient_a.refresh_from_db()
    assert (patient_a.family_name, patient_a.phone, patient_a.city) == ("Nordmann-Hansen", "40000001", "Voss")
    [event] = audit_events("patients.patient.updated")
    assert (event.user, event.role, event.clinic, event.patient) == (physio.user, "physio", physio.clinic, patient_a)
    assert set(event.detail.split(", ")) == {"family_name", "phone", "city"}
    assert "40000001" not in event.detail
    assert "Hansen" not in event.detail


def test_edit_logs_only_fields_whose_value_changed(client_as, physio, patient_a):
    number = patient_a.national_id
    data = patient_form_data(patient_a, national_id=f"{number[:6]} {number[6:]}", birth_date="", phone="40000002")

    assert client_as(physio).post(edit_url(patient_a), data).status_code == 302

    [event] = audit_events("patients.patient.updated")
    assert event.detail == "phone"


def test_edit_may_keep_the_patients_own_number(client_as, reception, patient_a):
    response = client_as(reception).post(edit_url(patient_a), patient_form_data(patient_a, email="ny@example.invalid"))

    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.email == "ny@example.invalid"


def test_edit_to_another_patients_number_is_refused(client_as, reception, patient_a):
    other = PatientFactory(clinic=patient_a.clinic)

    response = client_as(reception).post(
        edit_url(patient_a), patient_form_data(patient_a, national_id=other.national_id)
    )

    assert response.status_code == 400
    assert shows(response, gettext("A patient with this national ID is already registered in the clinic."))
    patient_a.refresh_from_db()
    assert patient_a.national_id != other.national_id
    assert not audit_events("patients.patient.updated")


def test_edit_changing_the_number_updates_the_id_type(client_as, reception, patient_a):
    d_number = first_valid("551086")

    response = client_as(reception).post(
        edit_url(patient_a), patient_form_data(patient_a, national_id=d_number, birth_date="")
    )

    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert (patient_a.national_id, patient_a.id_type, patient_a.birth_date) == (d_number, "dnr", FNR_BORN)


def test_edit_with_bad_input_saves_nothing(client_as, physio, patient_a):
    before = patient_a.family_name

    response = client_as(physio).post(edit_url(patient_a), patient_form_data(patient_a, family_name="", phone="x"))

    assert response.status_code == 400
    assert shows(response, gettext("This field is required."))
    patient_a.refresh_from_db()
    assert patient_a.family_name == before
    assert not audit_events("patients.patient.updated")


def test_edit_of_another_clinics_patient_is_404(client_as, outsider, patient_a):
    client = client_as(outsider)

    assert client.get(edit_url(patient_a)).status_code == 404
    assert client.post(edit_url(patient_a), patient_form_data(patient_a, family_name="X")).status_code == 404
    patient_a.refresh_from_db()
    assert patient_a.family_name == "Nordmann"


def test_the_administrator_may_not_edit_patients(client_as, admin, patient_a):
    assert client_as(admin).post(edit_url(patient_a), patient_form_data(patient_a, family_name="X")).status_code == 403
    patient_a.refresh_from_db()
    assert patient_a.family_name == "Nordmann"
