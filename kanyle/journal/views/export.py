"""The patient's copy of the whole record as PDF (pasient- og brukerrettighetsloven §5-1; LAW-J).

It holds every signed note with its corrections, the attachments list and the record's access log,
so the patient can read the record and see who has accessed it. Drafts are not part of the record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from kanyle.audit.actions import action_label, role_label
from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required
from kanyle.core.uploads import TYPE_LABELS
from kanyle.journal import selectors
from kanyle.journal.views.common import chart_gate
from kanyle.patients import selectors as patient_selectors
from kanyle.patients.models import Patient

EXPORT_CSS = Path(__file__).resolve().parent.parent / "static" / "journal" / "export.css"


def _signed_notes(request: HttpRequest, patient: Patient) -> list[dict[str, Any]]:
    """Every signed note, oldest first, with what the print shows of it (a fixed number of queries)."""
    notes = (
        selectors.chart_notes(clinic=request.clinic, patient=patient, filters={})
        .filter(signed_at__isnull=False)
        .reverse()
    )
    entries = []
    for note in notes:
        part = getattr(note, "co_part", None)
        entries.append(
            {
                "note": note,
                "sections": selectors.note_sections(note),
                "diagnoses": [d.code for d in note.note_diagnoses.all()],
                "co_part": part if part is not None and part.signed_at is not None else None,
                "amendments": list(note.amendments.all()),
                "attachments": list(note.encounter.attachments.all()),
            }
        )
    return entries


def _access_log(request: HttpRequest, patient: Patient) -> list[Any]:
    events = list(patient_selectors.patient_access_log(clinic=request.clinic, patient=patient))
    for event in events:
        event.label = action_label(event.action)
        event.role_label = role_label(event.role)
    return events


def render_pdf(html: str) -> bytes:
    """HTML to PDF with WeasyPrint, which fetches nothing: the print is built from this text and its CSS only."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    no_fetching = URLFetcher(allowed_protocols=())
    stylesheet = CSS(string=EXPORT_CSS.read_text(encoding="utf-8"), url_fetcher=no_fetching)
    return HTML(string=html, url_fetcher=no_fetching).write_pdf(stylesheets=[stylesheet])


@capability_required("can_export_record")
def record_export(request: HttpRequest, patient_id: int) -> HttpResponse:
    try:
        patient = patient_selectors.patient_detail(clinic=request.clinic, pk=patient_id)
    except (Patient.DoesNotExist, ValueError):
        raise Http404 from None
    if (gate := chart_gate(request, patient)) is not None:
        return gate
    entries = _signed_notes(request, patient)
    context = {
        "patient": patient,
        "clinic": request.clinic,
        "exported_by": request.user,
        "exported_at": timezone.now(),
        "active_flags": [flag for flag in patient.risk_flags.all() if flag.is_active],
        "episodes": selectors.patient_episodes(clinic=request.clinic, patient=patient),
        "entries": entries,
        "attachments": [
            {"attachment": a, "type": TYPE_LABELS.get(a.content_type, a.content_type), "note": entry["note"]}
            for entry in entries
            for a in entry["attachments"]
        ],
        "access_log": _access_log(request, patient),
    }
    pdf = render_pdf(render_to_string("journal/export.html", context, request=request))
    audit_record(
        actor=Actor.from_request(request),
        action="journal.record.exported",
        patient=patient,
        target=patient,
        detail=f"pdf, {len(entries)} notes",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="journal-{patient.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
