"""Login: password, then a TOTP code (or enrolment of an authenticator on first login)."""

from __future__ import annotations

import base64
import io
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kanyle.accounts import services
from kanyle.accounts.forms import LoginForm, TokenForm
from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import login_only, pending_login, public
from kanyle.clinics.rules import two_factor_required


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@public
@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    next_url = _next_url(request)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            audit_record(
                actor=Actor.from_request(request), action="auth.login.failed", detail=f"password: {username[:150]}"
            )
            form.add_error(None, _("Wrong username or password."))
        elif services.confirmed_device(user) is not None:
            services.pending_start(request, user)
            return redirect(_with_next(reverse("accounts:totp"), next_url))
        elif two_factor_required(user):
            services.pending_start(request, user)
            return redirect(_with_next(reverse("accounts:enroll"), next_url))
        else:
            services.login_complete(request, user, None)
            return redirect(_with_next(reverse("clinics:choose"), next_url))
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def _locked(request: HttpRequest, username: str) -> bool:
    return AxesProxyHandler.is_locked(request, credentials={"username": username})


@pending_login
def totp_view(request: HttpRequest) -> HttpResponse:
    user = services.pending_user(request)
    if user is None:
        messages.info(request, _("Your login has expired. Please log in again."))
        return redirect("accounts:login")
    device = services.confirmed_device(user)
    if device is None:
        return redirect("accounts:enroll")
    next_url = _next_url(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _locked(request, user.username):
            return locked_out(request)
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            # django-otp's throttle after a wrong code; not another failure, and not "wrong code".
            form.add_error("token", _("Too many attempts in a row. Wait a few seconds and try again."))
        elif device.verify_token(form.cleaned_data["token"]):
            services.login_complete(request, user, device)
            return redirect(_with_next(reverse("clinics:choose"), next_url))
        else:
            services.login_failed(request, user.username, step="totp")
            if _locked(request, user.username):
                request.session.pop(services.SESSION_PENDING, None)
                return locked_out(request)
            form.add_error("token", _("The code is wrong or has expired. Try the newest code in the app."))
    return render(request, "accounts/totp.html", {"form": form, "next": next_url})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


@pending_login
def enroll_view(request: HttpRequest) -> HttpResponse:
    user = services.pending_user(request)
    if user is None:
        messages.info(request, _("Your login has expired. Please log in again."))
        return redirect("accounts:login")
    if services.confirmed_device(user) is not None:
        return redirect("accounts:totp")
    device = services.enrolment_device(user)
    next_url = _next_url(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _locked(request, user.username):
            return locked_out(request)
        if not device.verify_is_allowed()[0]:
            form.add_error("token", _("Too many attempts in a row. Wait a few seconds and try again."))
        elif services.enrolment_confirm(request, user, device, form.cleaned_data["token"]):
            messages.success(request, _("Two-factor login is set up. Use the app every time you log in."))
            return redirect(_with_next(reverse("clinics:choose"), next_url))
        else:
            services.login_failed(request, user.username, step="enrol")
            form.add_error("token", _("The code does not match. Check that the phone's clock is right and try again."))
    base32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": _qr_svg(device.config_url),
        "secret_groups": [base32[i : i + 4] for i in range(0, len(base32), 4)],
    }
    return render(request, "accounts/enroll.html", context)


@login_only
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; required after a one-time password from the administrator."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_changed(request, form.save())
        messages.success(request, _("Your password is changed."))
        return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200)


@login_only
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    audit_record(actor=Actor.from_request(request), action="auth.logout")
    logout(request)
    messages.success(request, _("You are logged out."))
    return HttpResponseRedirect(reverse("accounts:login"))


def locked_out(request: HttpRequest, credentials: dict | None = None, *args, **kwargs) -> HttpResponse:
    """Shown by django-axes (and the TOTP step) while an account is locked."""
    return render(request, "accounts/locked.html", status=429)
