"""Logging in with a second factor, enrolling an authenticator on first login, and logging out."""

from __future__ import annotations

import base64
import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from conftest import make_persona
from kanyle.clinics.models import Role
from kanyle.clinics.tests.factories import MembershipFactory, UserFactory
from kanyle.staff.tests.factories import PractitionerFactory


def _wrong_code(key: bytes) -> str:
    """Six digits the device will not accept now (none of the codes within the clock tolerance)."""
    accepted = {TOTP(key, drift=drift).token() for drift in range(-2, 3)}
    return f"{next(c for c in range(10) if c not in accepted):06d}"


@pytest.mark.browser
def test_login_with_totp(page: Page, live_server, clinic_a, enter_password, enter_code, settings):
    physio = make_persona("physio", clinic_a, Role.PHYSIO)
    # django-otp refuses any code for a second after a wrong one; a person needs longer than that
    # to read the app again, the browser does not, and the tests may not sleep.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0

    enter_password("physio")

    expect(page).to_have_url(re.compile(r"/logg-inn/kode/$"))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    code_field = page.locator("#id_token")
    expect(code_field).to_be_visible()

    enter_code(_wrong_code(physio.device.bin_key))

    expect(page.locator("#id_token_error")).to_be_visible()
    expect(code_field).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/logg-inn/kode/$"))
    expect(page.locator("[data-testid=active-clinic]")).to_have_count(0)

    enter_code(f"{totp(physio.device.bin_key):06d}")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("[data-testid=active-clinic]")).to_contain_text("Klinikk A")
    expect(page.locator("html")).to_have_attribute("lang", "nb")


@pytest.mark.browser
def test_first_login_enrols_authenticator(page: Page, clinic_a, enter_password, enter_code):
    user = UserFactory(username="ny-fysio", first_name="Nina", last_name="Nyansatt")
    MembershipFactory(user=user, clinic=clinic_a, role=Role.PHYSIO)
    PractitionerFactory(clinic=clinic_a, user=user)
    assert not TOTPDevice.objects.filter(user=user).exists()

    enter_password("ny-fysio")

    expect(page).to_have_url(re.compile(r"/logg-inn/aktiver-tofaktor/$"))
    expect(page.locator("[data-testid=qr] svg")).to_be_visible()
    secret_box = page.locator("[data-testid=totp-secret]")
    expect(secret_box).to_have_text(re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$"))

    # What a person types into the app by hand: the grouped base32 key, without spaces.
    secret = secret_box.inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    enter_code(f"{TOTP(key).token():06d}")

    expect(page.locator("[data-testid=active-clinic]")).to_contain_text("Klinikk A")
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    assert device.bin_key == key


@pytest.mark.browser
def test_session_ends_on_logout(page: Page, clinic_a, use_session):
    physio = make_persona("physio", clinic_a, Role.PHYSIO)
    use_session(physio)
    page.goto("/pasienter/")
    expect(page.locator("[data-testid=patient-results]")).to_be_visible()

    page.locator(f"header form[action='{reverse('accounts:logout')}'] [type=submit]").click()

    expect(page.locator("#id_username")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/logg-inn/$"))

    page.goto("/pasienter/")

    expect(page).to_have_url(re.compile(r"/logg-inn/\?next=%2Fpasienter%2F$"))
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.locator("[data-testid=patient-results]")).to_have_count(0)
