"""The dashboard and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kanyle.clinics.access import clinic_member_required, has_capability, public
from kanyle.staff import selectors as staff_selectors


@clinic_member_required
def home(request: HttpRequest) -> HttpResponse:
    """'I dag': what this person should look at first in this clinic."""
    today = timezone.localdate()
    context: dict = {"today": today}
    if has_capability(request.membership.role, "can_view_staff_register"):
        context["expiry_items"] = staff_selectors.expiry_watchlist(clinic=request.clinic, on=today)
    return render(request, "core/home.html", context)


@public
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
