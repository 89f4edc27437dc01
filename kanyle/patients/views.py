"""The patient register: search, registration, the patient page and its access log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kanyle.audit.actions import action_label, role_label
from kanyle.audit.services import Actor, audit_record, audit_record_many
from kanyle.clinics.access import capability_required, clinic_object_or_404, has_capability
from kanyle.patients import selectors, services
from kanyle.patients.forms import PatientForm, PatientSearchForm, RiskFlagForm
from kanyle.patients.models import Patient, RiskFlag

PAGE_SIZE = 25


def _patient_or_404(request: HttpRequest, pk: int) -> Patient:
    try:
        return selectors.patient_detail(clinic=request.clinic, pk=pk)
    except (Patient.DoesNotExist, ValueError):
        raise Http404 from None


@capability_required("can_view_patients")
def patient_list(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET)
    valid = form.is_valid()
    query = form.cleaned_data["q"] if valid else ""
    patients = selectors.patient_search(clinic=request.clinic, query=query) if valid else Patient.objects.none()
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("side"))
    # Every patient whose name appears on screen is logged as listed (LAW-J).
    audit_record_many(
        actor=Actor.from_request(request),
        action="patients.patient.listed",
        patients=page.object_list,
        detail="search" if query else "list",
    )
    template = "patients/_results.html" if request.htmx else "patients/list.html"
    return render(request, template, {"form": form, "page": page, "query": query}, status=200 if valid else 400)


@capability_required("can_edit_patients")
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None, instance=Patient(clinic=request.clinic))
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(actor=Actor.from_request(request), patient=form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": patient.full_name})
            return redirect("patients:detail", pk=patient.pk)
    return render(request, "patients/form.html", {"form": form}, status=400 if form.errors else 200)


@capability_required("can_edit_patients")
def patient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    patient = clinic_object_or_404(Patient, request, pk=pk)
    before = {name: getattr(patient, name) for name in PatientForm.Meta.fields}
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        updated = form.save(commit=False)
        changed = [name for name, value in before.items() if getattr(updated, name) != value]
        try:
            services.patient_update(actor=Actor.from_request(request), patient=updated, changed=changed)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("patients:detail", pk=patient.pk)
    return render(request, "patients/form.html", {"form": form, "patient": patient}, status=400 if form.errors else 200)


@capability_required("can_view_patients")
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_or_404(request, pk)
    actor = Actor.from_request(request)
    audit_record(actor=actor, action="patients.patient.viewed", patient=patient, target=patient)
    role = request.membership.role
    context = {"patient": patient, "risk_form": RiskFlagForm()}
    if has_capability(role, "can_view_clinical"):
        flags = list(patient.risk_flags.all())
        context["active_flags"] = [f for f in flags if f.is_active]
        context["resolved_flags"] = [f for f in flags if not f.is_active]
    if has_capability(role, "can_view_patient_access_log"):
        context["access_log"] = _labelled(selectors.patient_access_log(clinic=request.clinic, patient=patient)[:10])
    return render(request, "patients/detail.html", context)


def _labelled(events):
    events = list(events)
    for event in events:
        event.label = action_label(event.action)
        event.role_label = role_label(event.role)
    return events


@capability_required("can_view_patients")
@require_POST
def national_id_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    patient = clinic_object_or_404(Patient, request, pk=pk)
    number = services.national_id_reveal(actor=Actor.from_request(request), patient=patient)
    if request.htmx:
        return render(request, "patients/_national_id.html", {"number": number})
    messages.info(request, _("National ID: %(number)s") % {"number": number})
    return redirect("patients:detail", pk=patient.pk)


@capability_required("can_edit_risk_flags")
@require_POST
def risk_flag_add(request: HttpRequest, pk: int) -> HttpResponse:
    patient = clinic_object_or_404(Patient, request, pk=pk)
    form = RiskFlagForm(request.POST)
    if form.is_valid():
        services.risk_flag_add(actor=Actor.from_request(request), patient=patient, flag=form.save(commit=False))
        messages.success(request, _("The risk flag is added."))
    else:
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, _("The risk flag was not saved: %(errors)s") % {"errors": errors})
    return redirect("patients:detail", pk=patient.pk)


@capability_required("can_edit_risk_flags")
@require_POST
def risk_flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = clinic_object_or_404(RiskFlag.objects.select_related("patient"), request, pk=pk)
    services.risk_flag_resolve(actor=Actor.from_request(request), flag=flag)
    messages.success(request, _("The risk flag is marked as no longer current."))
    return redirect("patients:detail", pk=flag.patient_id)


@capability_required("can_view_patient_access_log")
def access_log(request: HttpRequest, pk: int) -> HttpResponse:
    patient = clinic_object_or_404(Patient, request, pk=pk)
    # Log first: a row added after the paginator has counted would push the oldest row off the page.
    audit_record(
        actor=Actor.from_request(request), action="patients.access_log.viewed", patient=patient, target=patient
    )
    page = Paginator(selectors.patient_access_log(clinic=request.clinic, patient=patient), 50).get_page(
        request.GET.get("side")
    )
    page.object_list = _labelled(page.object_list)
    return render(request, "patients/access_log.html", {"patient": patient, "page": page})
