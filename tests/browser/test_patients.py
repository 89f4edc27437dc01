"""The patient register: registering a patient, the audit trail it leaves, and revealing the national ID."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from conftest import make_persona
from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import Role
from kanyle.clinics.tests.factories import MembershipFactory, UserFactory
from kanyle.patients import national_id
from kanyle.patients.models import Patient
from kanyle.patients.tests.factories import PatientFactory


def _national_id(born: datetime.date) -> str:
    """A fødselsnummer with valid check digits: the first individual number from 123 that has one."""
    individual = 123
    while (number := national_id.generate(born, individual)) is None:
        individual += 1
    return number


@pytest.mark.browser
def test_register_patient_and_see_audit_entry(page: Page, clinic_a, enter_password, sign_in, use_session):
    # Reception has no clinical role, so no second factor: the password is the whole login.
    receptionist = UserFactory(username="resepsjon", first_name="Rita", last_name="Resepsjonist")
    MembershipFactory(user=receptionist, clinic=clinic_a, role=Role.RECEPTION)
    admin = make_persona("admin", clinic_a, Role.ADMIN)
    physio = make_persona("physio", clinic_a, Role.PHYSIO)
    number = _national_id(datetime.date(1985, 5, 17))

    enter_password("resepsjon")
    expect(page.locator("[data-testid=active-clinic]")).to_contain_text("Klinikk A")
    page.goto("/pasienter/ny/")
    page.locator("#id_national_id").fill(number)
    page.locator("#id_given_name").fill("Kari")
    page.locator("#id_family_name").fill("Nordmann")
    page.locator("#id_phone").fill("912 34 567")
    page.locator("#id_has_no_gp").check()
    page.locator("form:has(#id_national_id) [type=submit]").click()

    expect(page).to_have_url(re.compile(r"/pasienter/\d+/$"))
    expect(page.locator("[data-testid=patient-name]")).to_have_text("Kari Nordmann")
    patient = Patient.objects.get(clinic=clinic_a, national_id=number)
    assert patient.birth_date == datetime.date(1985, 5, 17)
    patient_url = page.url

    # The clinic administrator, at another desk, reviews the audit log.
    page.context.clear_cookies()
    sign_in(admin)
    page.goto("/revisjon/")

    created = page.locator("[data-testid=audit-table] tbody tr").filter(has_text="patients.patient.created")
    expect(created).to_have_count(1)
    expect(created).to_contain_text("Rita Resepsjonist")
    expect(created).to_contain_text("Kari Nordmann")

    # A physiotherapist opening the record sees who has accessed it.
    page.context.clear_cookies()
    use_session(physio)
    page.goto(patient_url)

    expect(page.locator("[data-testid=patient-name]")).to_have_text("Kari Nordmann")
    access_log = page.locator("[data-testid=access-log]")
    expect(access_log.locator("tbody tr").filter(has_text="Rita Resepsjonist")).not_to_have_count(0)
    expect(access_log).to_contain_text("Physio Testesen")


@pytest.mark.browser
def test_reveal_national_id_is_logged(page: Page, clinic_a, use_session):
    physio = make_persona("physio", clinic_a, Role.PHYSIO)
    patient = PatientFactory(clinic=clinic_a, given_name="Ola", family_name="Normann")
    use_session(physio)

    page.goto(f"/pasienter/{patient.pk}/")

    shown = page.locator("#national-id")
    expect(shown).to_have_text(f"{patient.national_id[:6]} *****")
    expect(shown).not_to_contain_text(patient.national_id[6:])
    assert not AuditEvent.objects.filter(action="patients.national_id.revealed").exists()

    page.locator("[data-testid=reveal-id]").click()

    expect(shown.locator("[data-testid=national-id]")).to_have_text(
        f"{patient.national_id[:6]} {patient.national_id[6:]}"
    )
    event = AuditEvent.objects.get(action="patients.national_id.revealed")
    assert (event.user, event.patient, event.clinic) == (physio.user, patient, clinic_a)
