"""Working in one of several clinics: the choice after login decides what the user sees."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from conftest import make_persona
from kanyle.clinics.models import Role
from kanyle.clinics.tests.factories import MembershipFactory
from kanyle.patients.tests.factories import PatientFactory
from kanyle.staff.tests.factories import PractitionerFactory


@pytest.mark.browser
def test_choosing_a_clinic(page: Page, clinic_a, clinic_b, enter_password, enter_code):
    locum = make_persona("vikar", clinic_a, Role.PHYSIO)
    MembershipFactory(user=locum.user, clinic=clinic_b, role=Role.PHYSIO)
    PractitionerFactory(clinic=clinic_b, user=locum.user)
    PatientFactory(clinic=clinic_a, given_name="Astrid", family_name="Aalvik")
    PatientFactory(clinic=clinic_b, given_name="Bjørn", family_name="Brekke")

    enter_password("vikar")
    enter_code(f"{totp(locum.device.bin_key):06d}")

    choice_a = page.locator("[data-testid=choose-klinikk-a-physio]")
    choice_b = page.locator("[data-testid=choose-klinikk-b-physio]")
    expect(choice_a).to_contain_text("Klinikk A")
    expect(choice_b).to_contain_text("Klinikk B")

    choice_b.click()

    chip = page.locator("[data-testid=active-clinic]")
    expect(chip).to_contain_text("Klinikk B")
    expect(chip).not_to_contain_text("Klinikk A")

    page.goto("/pasienter/")

    results = page.locator("[data-testid=patient-results]")
    expect(results).to_contain_text("Brekke, Bjørn")
    expect(results).not_to_contain_text("Aalvik")
    expect(results.locator("tbody tr")).to_have_count(1)
