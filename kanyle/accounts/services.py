"""Steps of the login: password, second factor (TOTP), enrolment, and the clinic to work in."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import login as django_login
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.middleware import SESSION_LAST_SEEN

SESSION_PENDING = "kanyle_pending_login"


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_start(request: HttpRequest, user: Any) -> None:
    """Password accepted; the second factor is still owed."""
    request.session.cycle_key()
    request.session[SESSION_PENDING] = {"user_id": user.pk, "at": int(time.time()), "backend": user.backend}


def pending_user(request: HttpRequest) -> Any | None:
    """The user who gave a correct password in the last few minutes, or None."""
    pending = request.session.get(SESSION_PENDING)
    if not pending or time.time() - pending["at"] > settings.KANYLE_LOGIN_PENDING_SECONDS:
        request.session.pop(SESSION_PENDING, None)
        return None
    user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def login_complete(request: HttpRequest, user: Any, device: TOTPDevice | None) -> None:
    request.session.pop(SESSION_PENDING, None)
    django_login(request, user, backend=user.backend)
    request.session[SESSION_LAST_SEEN] = int(time.time())
    if device is not None:
        otp_login(request, device)
    audit_record(actor=Actor.from_request(request, user), action="auth.login.succeeded")


def login_failed(request: HttpRequest, username: str, *, step: str) -> None:
    """Count the failure towards the lockout (django-axes listens) and log it."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    audit_record(actor=Actor.from_request(request), action="auth.login.failed", detail=f"{step}: {username[:150]}")


def enrolment_device(user: Any) -> TOTPDevice:
    """The unconfirmed device a first login enrols, created once and reused until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=False)
    return device


def enrolment_confirm(request: HttpRequest, user: Any, device: TOTPDevice, token: str) -> bool:
    """A correct code from the new app confirms it; other devices of the user are removed."""
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    login_complete(request, user, device)
    audit_record(actor=Actor.from_request(request, user), action="auth.totp.enrolled")
    return True


def password_changed(request: HttpRequest, user: Any) -> None:
    """Keep the session valid after the change and clear the one-time-password flag."""
    update_session_auth_hash(request, user)
    if user.password_change_required:
        user.password_change_required = False
        user.save(update_fields=["password_change_required"])
    audit_record(actor=Actor.from_request(request, user), action="auth.password.changed")
