"""Resolves the active clinic once per request and refuses what the view does not allow.

Secure by default: a view that declares nothing (see ``access.py``) needs a full login and
an active membership. The clinic's inactivity timeout is enforced here as well.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import LOGIN_ONLY, PENDING_LOGIN, PUBLIC
from kanyle.clinics.models import Membership
from kanyle.clinics.rules import two_factor_required

SESSION_MEMBERSHIP = "kanyle_membership_id"
SESSION_LAST_SEEN = "kanyle_last_seen"


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _login_url(request: HttpRequest) -> str:
    return f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}"


class ClinicMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None
        request.clinic = None
        user = request.user
        if user.is_authenticated:
            membership_id = request.session.get(SESSION_MEMBERSHIP)
            if membership_id:
                request.membership = (
                    Membership.objects.active().select_related("clinic").filter(pk=membership_id, user=user).first()
                )
                if request.membership is None:
                    request.session.pop(SESSION_MEMBERSHIP, None)
                else:
                    request.clinic = request.membership.clinic
            if self._timed_out(request):
                audit_record(actor=Actor.from_request(request), action="auth.session.timed_out")
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity."))
                return _redirect(request, _login_url(request))
            now = int(time.time())
            # Writing the session on every request costs a database write per page; a minute's precision is enough.
            if now - request.session.get(SESSION_LAST_SEEN, 0) >= 60:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _timed_out(request: HttpRequest) -> bool:
        last_seen = request.session.get(SESSION_LAST_SEEN)
        if last_seen is None:
            return False
        minutes = (
            request.clinic.session_timeout_minutes
            if request.clinic
            else settings.KANYLE_DEFAULT_SESSION_TIMEOUT_MINUTES
        )
        return time.time() - last_seen > minutes * 60

    def process_view(self, request: HttpRequest, view_func: Callable, view_args, view_kwargs):
        access = getattr(view_func, "kanyle_access", None)
        if access in (PUBLIC, PENDING_LOGIN):
            return None
        user = request.user
        if not user.is_authenticated:
            return _redirect(request, _login_url(request))
        if not user.is_verified() and two_factor_required(user):
            # Defence in depth: the login flow never logs such a user in without a second factor.
            logout(request)
            return _redirect(request, _login_url(request))
        if access == LOGIN_ONLY:
            return None
        if user.password_change_required:
            return _redirect(request, reverse("accounts:password"))
        if request.membership is None:
            choose = reverse("clinics:choose")
            return _redirect(request, f"{choose}?{urlencode({'next': request.get_full_path()})}")
        return None
