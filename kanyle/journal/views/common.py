"""Shared lookups for the journal views: the clinic's patient, the user's practitioner profile, chart access."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from kanyle.clinics.access import clinic_object_or_404
from kanyle.journal import rules
from kanyle.patients.models import Patient
from kanyle.staff.models import Practitioner


def practitioner_for(request: HttpRequest) -> Practitioner | None:
    """The logged-in user's practitioner profile in the active clinic (None for non-clinicians)."""
    if not hasattr(request, "_kanyle_practitioner"):
        request._kanyle_practitioner = (
            Practitioner.objects.select_related("user").filter(clinic=request.clinic, user=request.user).first()
        )
    return request._kanyle_practitioner


def patient_or_404(request: HttpRequest, patient_id: Any) -> Patient:
    return clinic_object_or_404(Patient, request, pk=patient_id)


def chart_gate(request: HttpRequest, patient: Patient) -> HttpResponse | None:
    """None when the user may open the record; otherwise a redirect to the break-the-glass form (LAW-J)."""
    decision = rules.chart_access(
        user=request.user, practitioner=practitioner_for(request), patient=patient, now=timezone.now()
    )
    if decision:
        return None
    return redirect("journal:emergency-access", patient_id=patient.pk)


def note_or_404(request: HttpRequest, pk: Any):
    from kanyle.journal import selectors
    from kanyle.journal.models import Note

    try:
        return selectors.note_detail(clinic=request.clinic, pk=pk)
    except (Note.DoesNotExist, ValueError):
        raise Http404 from None
