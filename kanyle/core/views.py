"""The dashboard and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kanyle.clinics.access import clinic_member_required, has_capability, public
from kanyle.injections import selectors as injection_selectors
from kanyle.journal import selectors as journal_selectors
from kanyle.staff import selectors as staff_selectors
from kanyle.staff.models import Practitioner


@clinic_member_required
def home(request: HttpRequest) -> HttpResponse:
    """'I dag': what this person should look at first in this clinic (drafts, referrals, episodes)."""
    today = timezone.localdate()
    context: dict = {"today": today}
    role = request.membership.role
    if has_capability(role, "can_view_staff_register"):
        context["expiry_items"] = staff_selectors.expiry_watchlist(clinic=request.clinic, on=today)
    practitioner = Practitioner.objects.filter(clinic=request.clinic, user=request.user).first()
    if practitioner is not None and has_capability(role, "can_write_journal"):
        context["drafts"] = list(journal_selectors.drafts_for(clinic=request.clinic, practitioner=practitioner)[:20])
        context["co_parts"] = list(
            journal_selectors.co_parts_to_sign(clinic=request.clinic, practitioner=practitioner)[:20]
        )
        context["episodes"] = list(
            journal_selectors.open_episodes_for(clinic=request.clinic, practitioner=practitioner)[:20]
        )
    if practitioner is not None and has_capability(role, "can_view_injections"):
        context["injection_work"] = injection_selectors.worklist_for(clinic=request.clinic, practitioner=practitioner)
        context["observations"] = injection_selectors.observations_running(
            clinic=request.clinic, practitioner=practitioner
        )
        if practitioner.profession == "doctor":
            context["followups"] = injection_selectors.followups_due(
                clinic=request.clinic, doctor=practitioner, on=today
            )
    if has_capability(role, "can_manage_referrals"):
        context["new_referrals"] = journal_selectors.new_referral_count(clinic=request.clinic)
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
