"""Login: password, second factor, enrolment on first login, lockout, inactivity timeout, logout."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, login, make_persona
from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import Role

LOGIN = reverse("accounts:login")
TOTP = reverse("accounts:totp")
ENROL = reverse("accounts:enroll")


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def password_step(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_clinical_user_logs_in_with_password_and_totp(client, physio):
    response = password_step(client, "physio")
    assert response.status_code == 302 and response["Location"].startswith(TOTP)
    # Password alone gives no access to patient data.
    assert client.get(reverse("patients:list")).status_code == 302
    response = client.post(TOTP, {"token": code_for(physio.device)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:home")
    assert physio.clinic.name in response.content.decode()
    event = AuditEvent.objects.get(action="auth.login.succeeded")
    assert event.user == physio.user and event.ip_address == "127.0.0.1"


def test_wrong_password_is_refused_and_logged(client, physio):
    response = password_step(client, "physio", "wrong-password")
    assert response.status_code == 200
    assert _("Wrong username or password.") in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login.failed", detail__contains="physio").exists()
    assert "_auth_user_id" not in client.session


def test_wrong_totp_keeps_user_out(client, physio):
    password_step(client, "physio")
    wrong = f"{(int(code_for(physio.device)) + 1) % 1_000_000:06d}"
    response = client.post(TOTP, {"token": wrong})
    assert _("The code is wrong or has expired. Try the newest code in the app.") in response.content.decode()
    assert client.get(reverse("patients:list")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.login.failed", detail__startswith="totp").count() == 1


def test_malformed_totp_is_refused_with_a_message(client, physio):
    password_step(client, "physio")
    response = client.post(TOTP, {"token": "12ab56"})
    assert _("Enter the six digits shown in the app.") in response.content.decode()


def test_first_login_of_a_clinical_user_enrols_an_authenticator(client, clinic_a):
    persona = make_persona("newdoc", clinic_a, Role.DOCTOR)
    persona.device.delete()
    response = password_step(client, "newdoc")
    assert response["Location"].startswith(ENROL)
    page = client.get(ENROL)
    assert b"<svg" in page.content  # the QR code
    device = TOTPDevice.objects.get(user=persona.user, confirmed=False)
    response = client.post(ENROL, {"token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="auth.totp.enrolled", user=persona.user).exists()
    # With one clinic the choice is made for the user, and the requested page follows.
    response = client.get(reverse("patients:list"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("patients:list") and response.status_code == 200


def test_enrolment_with_a_wrong_code_does_not_confirm(client, clinic_a):
    persona = make_persona("newphys", clinic_a, Role.PHYSIO)
    persona.device.delete()
    password_step(client, "newphys")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=persona.user)
    wrong = f"{(int(code_for(device)) + 7) % 1_000_000:06d}"
    response = client.post(ENROL, {"token": wrong})
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("patients:list")).status_code == 302


def test_reception_without_authenticator_logs_in_with_password(client, reception):
    reception.device.delete()
    response = client.post(LOGIN, {"username": "reception", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:home")


def test_reception_with_authenticator_must_use_it(client, reception):
    response = password_step(client, "reception")
    assert response["Location"].startswith(TOTP)


def test_repeated_failures_lock_the_account_and_are_logged(client, physio, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        password_step(client, "physio", "wrong-password")
    response = password_step(client, "physio")  # even the right password is refused now
    assert response.status_code == 429
    locked = _(
        "Too many failed login attempts. The account is locked for a while to protect patient data. "
        "Try again later, or contact your clinic administrator."
    )
    assert locked in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login.locked_out", flagged=True).exists()
    with time_machine.travel(
        datetime.datetime.now(datetime.UTC) + settings.AXES_COOLOFF_TIME + datetime.timedelta(minutes=1)
    ):
        assert password_step(Client(), "physio")["Location"].startswith(TOTP)


def test_wrong_totp_codes_count_towards_the_lockout(client, physio, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # isolate the lockout from django-otp's own throttle
    password_step(client, "physio")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(TOTP, {"token": "000000" if code_for(physio.device) != "000000" else "111111"})
    assert response.status_code == 429
    assert password_step(Client(), "physio").status_code == 429


def test_rapid_retries_are_throttled_without_calling_a_right_code_wrong(client, physio):
    password_step(client, "physio")
    wrong = f"{(int(code_for(physio.device)) + 1) % 1_000_000:06d}"
    client.post(TOTP, {"token": wrong})
    response = client.post(TOTP, {"token": code_for(physio.device)})  # within django-otp's waiting time
    assert _("Too many attempts in a row. Wait a few seconds and try again.") in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login.failed", detail__startswith="totp").count() == 1
    physio.device.refresh_from_db()
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=5)
    with time_machine.travel(later):
        response = client.post(TOTP, {"token": code_for(physio.device)})
    assert response.status_code == 302


def test_pending_login_expires(client, physio, settings):
    password_step(client, "physio")
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=settings.KANYLE_LOGIN_PENDING_SECONDS + 5)
    with time_machine.travel(later):
        response = client.post(TOTP, {"token": code_for(physio.device)})
    assert response["Location"] == LOGIN


def test_session_ends_after_the_clinics_inactivity_timeout(physio):
    physio.clinic.session_timeout_minutes = 10
    physio.clinic.save()
    start = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(start, tick=False):
        client = login(Client(), physio)
        assert client.get(reverse("patients:list")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=9), tick=False):
        assert client.get(reverse("patients:list")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=19, seconds=30), tick=False):
        response = client.get(reverse("patients:list"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert AuditEvent.objects.filter(action="auth.session.timed_out", user=physio.user).exists()
    assert client.get(reverse("patients:list")).status_code == 302


def test_logout_ends_the_session(client_as, physio):
    client = client_as(physio)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN
    assert client.get(reverse("patients:list")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", user=physio.user).exists()


def test_clinical_session_without_second_factor_is_refused(client, physio):
    # A session that somehow lacks the second factor (e.g. logged in before 2FA was required).
    client.force_login(physio.user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_next_parameter_cannot_send_the_user_to_another_site(client, physio):
    response = password_step(client, "physio", next="https://evil.example/")
    assert "evil.example" not in response["Location"]
    response = client.post(TOTP, {"token": code_for(physio.device), "next": "https://evil.example/"})
    assert "evil.example" not in response["Location"]


def test_next_parameter_returns_to_the_requested_page(client, physio):
    target = reverse("patients:list")
    anonymous = client.get(target)
    assert anonymous["Location"] == f"{LOGIN}?next=%2Fpasienter%2F"
    password_step(client, "physio", next=target)
    response = client.post(f"{TOTP}?next={target}", {"token": code_for(physio.device), "next": target}, follow=True)
    assert response.redirect_chain[-1][0] == target


@pytest.mark.django_db
def test_demo_totp_command_prints_the_current_code(physio, capsys):
    call_command("demo_totp", "physio")
    assert capsys.readouterr().out.strip() == code_for(physio.device)


def test_one_time_password_must_be_changed_before_anything_else(client_as, physio):
    physio.user.password_change_required = True
    physio.user.save()
    client = client_as(physio)
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password")
    page = client.get(reverse("accounts:password")).content.decode()
    assert _("You logged in with a one-time password. Choose your own password to continue.") in page
    response = client.post(
        reverse("accounts:password"),
        {"old_password": PASSWORD, "new_password1": "Fjellvann-og-bjørk-77", "new_password2": "Fjellvann-og-bjørk-77"},
    )
    assert response.status_code == 302
    physio.user.refresh_from_db()
    assert not physio.user.password_change_required and physio.user.check_password("Fjellvann-og-bjørk-77")
    assert client.get(reverse("patients:list")).status_code == 200  # the session survives the change
    assert AuditEvent.objects.filter(action="auth.password.changed", user=physio.user).exists()


def test_weak_or_mismatched_new_password_is_refused(client_as, physio):
    client = client_as(physio)
    for new1, new2 in (
        ("kort", "kort"),
        ("Fjellvann-og-bjørk-77", "Fjellvann-og-bjørk-78"),
        ("12345678901", "12345678901"),
    ):
        response = client.post(
            reverse("accounts:password"), {"old_password": PASSWORD, "new_password1": new1, "new_password2": new2}
        )
        assert response.status_code == 400
    physio.user.refresh_from_db()
    assert physio.user.check_password(PASSWORD)
