"""Choosing the clinic to work in, and the clinic profile."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor
from kanyle.clinics import services
from kanyle.clinics.access import capability_required, login_only
from kanyle.clinics.forms import ChooseClinicForm, ClinicProfileForm
from kanyle.clinics.models import Membership


def _safe_next(request: HttpRequest) -> str | None:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return None


@login_only
def choose(request: HttpRequest) -> HttpResponse:
    """After login: pick which clinic (and role) to work in; one membership is picked automatically."""
    memberships = list(Membership.objects.active().filter(user=request.user).select_related("clinic"))
    next_url = _safe_next(request)
    form = ChooseClinicForm(request.POST or None)
    status = 200
    if request.method == "POST":
        chosen = None
        if form.is_valid():
            chosen = next((m for m in memberships if m.pk == form.cleaned_data["membership"]), None)
        if chosen is not None:
            services.membership_select(request=request, membership=chosen)
            return redirect(next_url or "core:home")
        form.errors.clear()
        form.add_error(None, _("Unknown clinic: choose one of the clinics listed."))
        status = 400
    elif len(memberships) == 1 and request.membership is None:
        services.membership_select(request=request, membership=memberships[0])
        return redirect(next_url or "core:home")
    return render(
        request, "clinics/choose.html", {"memberships": memberships, "form": form, "next": next_url}, status=status
    )


@capability_required("can_manage_clinic")
def profile(request: HttpRequest) -> HttpResponse:
    clinic = request.clinic
    form = ClinicProfileForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        services.clinic_update(
            actor=Actor.from_request(request), clinic=form.save(commit=False), changed=form.changed_data
        )
        messages.success(request, _("The clinic profile is saved."))
        return redirect("clinics:profile")
    return render(request, "clinics/profile.html", {"form": form}, status=400 if form.errors else 200)
