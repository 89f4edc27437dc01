"""Delegations (INJ-D5, INJ-P1, INJ-P2, LAW-H5, INJ-O3) and the doctor's supervision availability (INJ-D6).

Every clinician sees who may do what under whom; only a doctor delegates or marks availability, and only the
delegating doctor revokes. The services check the rules; the views parse, call and show the answer.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kanyle.audit.services import Actor
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.clinics.models import OrganisationModel
from kanyle.injections.forms_procedure import AvailabilityForm, AvailabilityNowForm, DelegationForm, RevokeForm
from kanyle.injections.models import Delegation, ProcedureType, SupervisionAvailability
from kanyle.injections.services import team as services
from kanyle.injections.views.common import error_on_form, refusal_page, submitted
from kanyle.journal.views.common import practitioner_for
from kanyle.staff.models import Practitioner, Profession


def _practitioner_or_403(request: HttpRequest) -> Practitioner:
    practitioner = practitioner_for(request)
    if practitioner is None:
        raise PermissionDenied("no practitioner profile")
    return practitioner


def delegation_state(delegation: Delegation, today: datetime.date) -> str:
    """'revoked', 'future', 'expired' or 'active' (the list's groups)."""
    if delegation.revoked_at is not None:
        return "revoked"
    if delegation.valid_from > today:
        return "future"
    if delegation.valid_to < today:
        return "expired"
    return "active"


@capability_required("can_view_injections")
def delegation_list(request: HttpRequest) -> HttpResponse:
    """INJ-D5: who may do what under whom; active, future, expired and revoked delegations."""
    today = timezone.localdate()
    delegations = list(
        Delegation.objects.filter(clinic=request.clinic)
        .select_related("doctor__user", "physio__user", "revoked_by")
        .order_by("-signed_at")[:500]
    )
    groups: dict[str, list[Delegation]] = {"active": [], "future": [], "expired": [], "revoked": []}
    for delegation in delegations:
        delegation.state = delegation_state(delegation, today)
        delegation.procedure_labels = [
            str(ProcedureType(t).label) for t in delegation.procedure_types if t in ProcedureType.values
        ]
        groups[delegation.state].append(delegation)
    practitioner = practitioner_for(request)
    return render(
        request,
        "injections/delegation_list.html",
        {
            "groups": [
                ("active", _("Active"), groups["active"]),
                ("future", _("Not yet in force"), groups["future"]),
                ("expired", _("Expired"), groups["expired"]),
                ("revoked", _("Revoked"), groups["revoked"]),
            ],
            "practitioner": practitioner,
            "can_delegate": practitioner is not None and practitioner.profession == Profession.DOCTOR,
        },
    )


def _physio_credentials(request: HttpRequest, today: datetime.date) -> list[tuple[Practitioner, list]]:
    physios = (
        Practitioner.objects.filter(clinic=request.clinic, profession=Profession.PHYSIO)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    return [(physio, services.delegation_credentials(physio=physio, on=today)) for physio in physios]


@capability_required("can_delegate")
@require_http_methods(["GET", "POST"])
def delegation_create(request: HttpRequest) -> HttpResponse:
    """LAW-H5: the doctor delegates named procedures to a named physio after checking the credentials."""
    doctor = _practitioner_or_403(request)
    form = DelegationForm(request.POST if request.method == "POST" else None, clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        delegation = form.save(commit=False)
        delegation.procedure_types = list(form.cleaned_data["procedure_types"])
        try:
            services.delegation_sign(
                actor=Actor.from_request(request),
                doctor=doctor,
                delegation=delegation,
                credentials_checked=form.cleaned_data["credentials_checked"],
            )
        except ValidationError as error:
            error_on_form(form, error)
        else:
            messages.success(
                request,
                _("The delegation to %(physio)s is signed.") % {"physio": delegation.physio.user.display_name},
            )
            return redirect("injections:delegation-list")
    today = timezone.localdate()
    return render(
        request,
        "injections/delegation_form.html",
        {
            "form": form,
            "physios": _physio_credentials(request, today),
            "video_allowed": request.clinic.organisation_model == OrganisationModel.DOCTOR_BY_VIDEO,
        },
        status=400 if form.errors else 200,
    )


@capability_required("can_delegate")
@require_http_methods(["GET", "POST"])
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """LAW-H5: only the delegating doctor revokes, with a reason; it stops counting at once."""
    delegation = clinic_object_or_404(Delegation.objects.select_related("doctor__user", "physio__user"), request, pk=pk)
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if submitted(
        request,
        form,
        lambda: services.delegation_revoke(
            actor=Actor.from_request(request),
            practitioner=practitioner_for(request),
            delegation=delegation,
            reason=form.cleaned_data["reason"],
        ),
    ):
        messages.success(request, _("The delegation is revoked. It no longer counts."))
        return redirect("injections:delegation-list")
    return render(
        request,
        "injections/delegation_revoke.html",
        {"form": form, "delegation": delegation},
        status=400 if form.errors else 200,
    )


@capability_required("can_view_injections")
def availability_list(request: HttpRequest) -> HttpResponse:
    """INJ-D6: when the doctors are reachable, today and ahead (Europe/Oslo)."""
    now = timezone.now()
    start_of_today = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time.min), timezone.get_default_timezone()
    )
    periods = list(
        SupervisionAvailability.objects.filter(clinic=request.clinic, ends_at__gte=start_of_today)
        .select_related("doctor__user")
        .order_by("starts_at")[:300]
    )
    practitioner = practitioner_for(request)
    for period in periods:
        period.is_now = period.cancelled_at is None and period.starts_at <= now < period.ends_at
        period.is_today = timezone.localtime(period.starts_at).date() <= timezone.localdate()
    is_doctor = practitioner is not None and practitioner.profession == Profession.DOCTOR
    return render(
        request,
        "injections/availability_list.html",
        {
            "sections": [
                ("today", _("Today"), [p for p in periods if p.is_today]),
                ("upcoming", _("Upcoming"), [p for p in periods if not p.is_today]),
            ],
            "practitioner": practitioner,
            "is_doctor": is_doctor,
            "now_form": AvailabilityNowForm() if is_doctor else None,
        },
    )


@capability_required("can_mark_availability")
@require_http_methods(["GET", "POST"])
def availability_create(request: HttpRequest) -> HttpResponse:
    """INJ-D6: the doctor marks a period on site or by video (video only in INJ-O3 clinics)."""
    doctor = _practitioner_or_403(request)
    form = AvailabilityForm(request.POST if request.method == "POST" else None)
    if submitted(
        request,
        form,
        lambda: services.availability_add(
            actor=Actor.from_request(request), doctor=doctor, availability=form.instance()
        ),
    ):
        messages.success(request, _("Your availability is saved."))
        return redirect("injections:availability-list")
    return render(request, "injections/availability_form.html", {"form": form}, status=400 if form.errors else 200)


@capability_required("can_mark_availability")
@require_POST
def availability_now(request: HttpRequest) -> HttpResponse:
    """INJ-D6: one click, "available now for N hours"."""
    doctor = _practitioner_or_403(request)
    form = AvailabilityNowForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.availability_now(
                actor=Actor.from_request(request),
                doctor=doctor,
                hours=form.cleaned_data["hours"],
                mode=form.cleaned_data["mode"],
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if error:
        return render(
            request,
            "injections/availability_form.html",
            {"form": AvailabilityForm(), "now_error": error},
            status=400,
        )
    messages.success(request, _("You are marked available from now."))
    return redirect("injections:availability-list")


@capability_required("can_mark_availability")
@require_POST
def availability_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """INJ-D6: the doctor withdraws a period; it stops counting at once."""
    availability = clinic_object_or_404(SupervisionAvailability, request, pk=pk)
    try:
        services.availability_cancel(
            actor=Actor.from_request(request), doctor=practitioner_for(request), availability=availability
        )
    except ValidationError as error:
        return refusal_page(
            request,
            title=_("Cancel availability"),
            error=" ".join(error.messages),
            back=reverse("injections:availability-list"),
        )
    messages.success(request, _("The availability is cancelled."))
    return redirect("injections:availability-list")
