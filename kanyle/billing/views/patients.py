from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kanyle.audit.services import Actor, audit_record
from kanyle.billing import selectors, services
from kanyle.billing.forms import ExemptionForm, FrikortForm
from kanyle.billing.views.common import show_errors
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.patients.models import Patient


def _page(request: HttpRequest, patient: Patient, *, frikort_form=None, exemption_form=None, status: int = 200):
    year = timezone.localdate().year
    return render(
        request,
        "billing/patient.html",
        {
            "patient": patient,
            "years": selectors.frikort_overview(clinic=request.clinic, patient=patient, years=[year, year - 1]),
            "exemptions": selectors.patient_exemptions(clinic=request.clinic, patient=patient),
            "charges": selectors.charge_list(clinic=request.clinic, patient=patient),
            "frikort_form": frikort_form or FrikortForm(initial={"year": year}),
            "exemption_form": exemption_form or ExemptionForm(),
        },
        status=status,
    )


@capability_required("can_charge")
def patient_billing(request: HttpRequest, patient_id: int) -> HttpResponse:
    """NAL-9: the patient's shares against the year's cap, frikort and exemptions, and charges."""
    patient = clinic_object_or_404(Patient, request, pk=patient_id)
    audit_record(actor=Actor.from_request(request), action="billing.patient.viewed", patient=patient, target=patient)
    return _page(request, patient)


@require_POST
@capability_required("can_charge")
def frikort_register(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = clinic_object_or_404(Patient, request, pk=patient_id)
    form = FrikortForm(request.POST)
    if form.is_valid():
        try:
            services.frikort_register(
                actor=Actor.from_request(request), clinic=request.clinic, patient=patient, data=form.cleaned_data
            )
        except ValidationError as error:
            show_errors(request, error, form)
        else:
            messages.success(request, _("Frikort registered."))
            return redirect("billing:patient", patient.pk)
    return _page(request, patient, frikort_form=form, status=400)


@require_POST
@capability_required("can_charge")
def exemption_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = clinic_object_or_404(Patient, request, pk=patient_id)
    form = ExemptionForm(request.POST)
    if form.is_valid():
        try:
            services.exemption_register(
                actor=Actor.from_request(request), clinic=request.clinic, patient=patient, data=form.cleaned_data
            )
        except ValidationError as error:
            show_errors(request, error, form)
        else:
            messages.success(request, _("Occupational injury case registered."))
            return redirect("billing:patient", patient.pk)
    return _page(request, patient, exemption_form=form, status=400)
