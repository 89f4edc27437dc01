"""The staff register: people and roles, credentials, liability cover, municipal agreements."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kanyle.accounts.models import User
from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.clinics.models import Membership
from kanyle.staff import selectors, services
from kanyle.staff.forms import (
    AgreementForm,
    AgreementHoursFormSet,
    CredentialForm,
    InsuranceForm,
    StaffCreateForm,
    StaffMemberForm,
)
from kanyle.staff.models import Credential, MunicipalAgreement, Practitioner
from kanyle.staff.rules import credential_status, insurance_status


def _status(request: HttpRequest, form_or_forms) -> int:
    forms = form_or_forms if isinstance(form_or_forms, (list, tuple)) else [form_or_forms]
    return (
        400
        if request.method == "POST" and any(f.errors or getattr(f, "non_form_errors", list)() for f in forms)
        else 200
    )


def _clinic_user_or_404(request: HttpRequest, user_id: int) -> User:
    return get_object_or_404(User.objects.filter(memberships__clinic=request.clinic).distinct(), pk=user_id)


@capability_required("can_view_staff_register")
def staff_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "staff/list.html",
        {
            "people": selectors.staff_list(clinic=request.clinic),
            "expiry_items": selectors.expiry_watchlist(clinic=request.clinic, on=today),
        },
    )


@capability_required("can_manage_staff")
def staff_create(request: HttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.staff_member_create(
                actor=Actor.from_request(request), clinic=request.clinic, data=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown once, never stored in clear text; the person changes it after first login.
            return render(request, "staff/created.html", {"new_user": user, "password": password})
    return render(request, "staff/member_form.html", {"form": form, "creating": True}, status=_status(request, form))


@capability_required("can_manage_staff")
def staff_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _clinic_user_or_404(request, user_id)
    memberships = Membership.objects.filter(clinic=request.clinic, user=person)
    practitioner = Practitioner.objects.filter(clinic=request.clinic, user=person).first()
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "roles": [m.role for m in memberships if m.is_active],
        "hpr_number": practitioner.hpr_number if practitioner else "",
        "title": practitioner.title if practitioner else "",
    }
    form = StaffMemberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_member_update(
                actor=Actor.from_request(request), clinic=request.clinic, user=person, data=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff:list")
    return render(
        request,
        "staff/member_form.html",
        {
            "form": form,
            "person": person,
            "has_device": person.totpdevice_set.filter(confirmed=True).exists(),
        },
        status=_status(request, form),
    )


@capability_required("can_manage_staff")
@require_POST
def staff_totp_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _clinic_user_or_404(request, user_id)
    services.totp_reset(actor=Actor.from_request(request), user=person)
    messages.success(
        request,
        _("The authenticator is removed. %(name)s sets up a new one at the next login.")
        % {"name": person.display_name},
    )
    return redirect("staff:edit", user_id=person.pk)


@capability_required("can_view_staff_register")
def practitioner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        practitioner = selectors.practitioner_detail(clinic=request.clinic, pk=pk)
    except Practitioner.DoesNotExist:
        raise Http404 from None
    today = timezone.localdate()
    return render(
        request,
        "staff/practitioner.html",
        {
            "practitioner": practitioner,
            "credentials": [(c, credential_status(c, today)) for c in practitioner.credentials.all()],
            "covers": [(c, insurance_status(c, today)) for c in practitioner.insurance_covers.all()],
            "agreements": practitioner.agreements.all(),
            "today": today,
        },
    )


@capability_required("can_manage_staff")
def credential_create(request: HttpRequest, pk: int) -> HttpResponse:
    practitioner = clinic_object_or_404(Practitioner.objects.select_related("user"), request, pk=pk)
    form = CredentialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.credential_create(
                actor=Actor.from_request(request),
                practitioner=practitioner,
                credential=form.save(commit=False),
                verified=form.cleaned_data["confirm_verified"],
            )
        except ValidationError as error:
            form.add_error("confirm_verified", error)
        else:
            messages.success(request, _("The credential is registered."))
            return redirect("staff:practitioner", pk=practitioner.pk)
    return render(
        request,
        "staff/credential_form.html",
        {"form": form, "practitioner": practitioner},
        status=_status(request, form),
    )


@capability_required("can_verify_credentials")
@require_POST
def credential_verify(request: HttpRequest, pk: int) -> HttpResponse:
    credential = clinic_object_or_404(Credential, request, pk=pk)
    try:
        services.credential_verify(actor=Actor.from_request(request), credential=credential)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The credential is verified."))
    return redirect("staff:practitioner", pk=credential.practitioner_id)


@capability_required("can_view_staff_register")
def credential_evidence(request: HttpRequest, pk: int) -> FileResponse:
    credential = clinic_object_or_404(Credential, request, pk=pk)
    if not credential.evidence:
        raise Http404
    audit_record(actor=Actor.from_request(request), action="staff.credential.evidence_viewed", target=credential)
    response = FileResponse(credential.evidence.open("rb"), content_type=credential.evidence_content_type)
    response["Content-Disposition"] = f'inline; filename="dokumentasjon-{credential.pk}"'
    response["Cache-Control"] = "private, no-store"
    return response


@capability_required("can_manage_staff")
def insurance_create(request: HttpRequest, pk: int) -> HttpResponse:
    practitioner = clinic_object_or_404(Practitioner.objects.select_related("user"), request, pk=pk)
    form = InsuranceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.insurance_create(
            actor=Actor.from_request(request), practitioner=practitioner, cover=form.save(commit=False)
        )
        messages.success(request, _("The insurance cover is registered."))
        return redirect("staff:practitioner", pk=practitioner.pk)
    return render(
        request,
        "staff/insurance_form.html",
        {"form": form, "practitioner": practitioner},
        status=_status(request, form),
    )


def _agreement_form(request: HttpRequest, practitioner: Practitioner, agreement: MunicipalAgreement) -> HttpResponse:
    form = AgreementForm(request.POST or None, instance=agreement)
    formset = AgreementHoursFormSet(request.POST or None, instance=agreement, prefix="hours")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        services.agreement_save(
            actor=Actor.from_request(request),
            practitioner=practitioner,
            agreement=form.save(commit=False),
            hours_formset=formset,
        )
        messages.success(request, _("The municipal agreement is saved."))
        return redirect("staff:practitioner", pk=practitioner.pk)
    return render(
        request,
        "staff/agreement_form.html",
        {
            "form": form,
            "formset": formset,
            "practitioner": practitioner,
        },
        status=_status(request, [form, formset]),
    )


@capability_required("can_manage_staff")
def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    practitioner = clinic_object_or_404(Practitioner.objects.select_related("user"), request, pk=pk)
    return _agreement_form(request, practitioner, MunicipalAgreement())


@capability_required("can_manage_staff")
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = clinic_object_or_404(MunicipalAgreement.objects.select_related("practitioner__user"), request, pk=pk)
    return _agreement_form(request, agreement.practitioner, agreement)
