"""The patient chart: header, timeline of notes newest first, open episodes and drafts."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required
from kanyle.journal import rules, selectors
from kanyle.journal.forms.notes import ChartFilterForm
from kanyle.journal.views.common import chart_gate, patient_or_404, practitioner_for

PAGE_SIZE = 20


@capability_required("can_view_journal")
def chart(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_or_404(request, patient_id)
    if (refusal := chart_gate(request, patient)) is not None:
        return refusal
    practitioner = practitioner_for(request)
    form = ChartFilterForm(request.GET or None, patient=patient)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    notes = selectors.chart_notes(clinic=request.clinic, patient=patient, filters={**filters, "viewer": practitioner})
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("side"))
    page.object_list = [(note, selectors.note_sections(note)) for note in page.object_list]
    emergency = None
    if not rules.treatment_relation(practitioner=practitioner, patient=patient):
        emergency = rules.active_emergency_access(user=request.user, patient=patient, now=timezone.now())
    audit_record(
        actor=Actor.from_request(request),
        action="journal.chart.viewed",
        patient=patient,
        target=patient,
        reason=emergency.reason if emergency else "",
        flagged=emergency is not None,
    )
    episodes = selectors.patient_episodes(clinic=request.clinic, patient=patient)
    return render(
        request,
        "journal/chart.html",
        {
            "patient": patient,
            "risk_flags": [flag for flag in patient.risk_flags.all() if flag.is_active],
            "page": page,
            "form": form,
            "open_episodes": [e for e in episodes if e.is_open],
            "closed_episodes": [e for e in episodes if not e.is_open],
            "practitioner": practitioner,
            "emergency": emergency,
            "referrals": selectors.patient_referrals(clinic=request.clinic, patient=patient),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
