"""The chain's end: the report to the GP with its receipt (INJ-G4), the doctor's follow-up (INJ-D2) and the
evidence pack of a procedure (page and PDF).

The report pages show clinical text, so they sit behind the chart gate like the record. The evidence pack
shows only the chain's facts (no note text) and is open to the administrator too (can_view_evidence).
Every page that shows patient data writes an audit row; downloads too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kanyle.audit.services import Actor, audit_record, audit_record_many
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.injections.evidence import evidence_pack
from kanyle.injections.forms_reports import ApprecUploadForm, FollowUpForm
from kanyle.injections.models import FollowUp, GPReport, InjectionEpisode, Procedure, ReportStatus
from kanyle.injections.services import reports as services
from kanyle.injections.views.common import submitted
from kanyle.journal.models import NOTE_SECTIONS, Note
from kanyle.journal.views.common import chart_gate, practitioner_for
from kanyle.needling.pdf import render_pdf

# The print stylesheet of the record export: plain A4 pages, fetched from nothing.
PRINT_CSS = Path(__file__).resolve().parents[2] / "journal" / "static" / "journal" / "export.css"


def _episode_or_404(request: HttpRequest, pk: Any) -> InjectionEpisode:
    return clinic_object_or_404(
        InjectionEpisode.objects.select_related("patient", "episode", "episode__referral", "doctor__user", "clinic"),
        request,
        pk=pk,
    )


def _report_or_404(request: HttpRequest, pk: Any) -> GPReport:
    return clinic_object_or_404(
        GPReport.objects.select_related("episode__patient", "episode__episode", "episode__clinic", "created_by"),
        request,
        pk=pk,
    )


def _report_url(ie_pk: int) -> str:
    return reverse("injections:report", kwargs={"pk": ie_pk})


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# The report to the GP (INJ-G4) ----------------------------------------------------------------------------


def _report_page(request: HttpRequest, ie: InjectionEpisode, *, error: str = "", form: Any = None, status=200):
    procedure = services.completed_procedure(ie)
    preview = services.report_text(ie, procedure, services.open_followup(ie)) if procedure is not None else ""
    reports = list(ie.reports.select_related("created_by").order_by("-created_at", "-id"))
    return render(
        request,
        "injections/report.html",
        {
            "ie": ie,
            "patient": ie.patient,
            "procedure": procedure,
            "preview": preview,
            "reports": reports,
            "allowed": services.report_allowed(ie),
            "error": error,
            "upload_form": form or ApprecUploadForm(),
            "upload_for": reports[0] if reports else None,
        },
        status=status,
    )


@capability_required("can_report_to_gp")
@require_http_methods(["GET"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """INJ-G4: the report's preview, the reports made and their receipts."""
    ie = _episode_or_404(request, pk)
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    audit_record(actor=Actor.from_request(request), action="injections.report.viewed", patient=ie.patient, target=ie)
    return _report_page(request, ie)


@capability_required("can_report_to_gp")
@require_POST
def report_generate(request: HttpRequest, pk: int) -> HttpResponse:
    ie = _episode_or_404(request, pk)
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    try:
        made = services.report_generate(Actor.from_request(request), ie)
    except ValidationError as error:
        ie.refresh_from_db()
        return _report_page(request, ie, error=_refusal(error), status=400)
    messages.success(
        request,
        _("The report to the GP is made (message %(id)s). Send it, then import the receipt.") % {"id": made.message_id},
    )
    return redirect(_report_url(ie.pk))


@capability_required("can_report_to_gp")
@require_POST
def report_mark_sent(request: HttpRequest, pk: int) -> HttpResponse:
    gp_report = _report_or_404(request, pk)
    ie = gp_report.episode
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    try:
        services.report_mark_sent(Actor.from_request(request), gp_report)
    except ValidationError as error:
        return _report_page(request, ie, error=_refusal(error), status=400)
    messages.success(request, _("The report is marked as sent."))
    return redirect(_report_url(ie.pk))


@capability_required("can_report_to_gp")
def report_xml(request: HttpRequest, pk: int) -> HttpResponse:
    """The message exactly as produced (MsgHead 1.2 with the Dialogmelding 1.1)."""
    gp_report = _report_or_404(request, pk)
    if (gate := chart_gate(request, gp_report.episode.patient)) is not None:
        return gate
    audit_record(
        actor=Actor.from_request(request),
        action="injections.report.downloaded",
        patient=gp_report.episode.patient,
        target=gp_report,
        detail="xml",
    )
    return _download(gp_report.xml.encode("utf-8"), "application/xml", f"dialogmelding-{gp_report.message_id}.xml")


def _report_pdf(
    request: HttpRequest, ie: InjectionEpisode, *, report: GPReport | None, text: str, detail: str, filename: str
) -> HttpResponse:
    """The report's readable text as an A4 PDF; the download is logged on the report, else on the episode."""
    html = render_to_string(
        "injections/report_pdf.html",
        {
            "report": report,
            "text": text,
            "ie": ie,
            "patient": ie.patient,
            "clinic": ie.clinic,
            "printed_at": timezone.now(),
        },
        request=request,
    )
    audit_record(
        actor=Actor.from_request(request),
        action="injections.report.downloaded",
        patient=ie.patient,
        target=report if report is not None else ie,
        detail=detail,
    )
    return _download(render_pdf(html, PRINT_CSS), "application/pdf", filename)


@capability_required("can_report_to_gp")
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report's readable text as PDF (for the patient, or to post when the GP cannot be reached)."""
    gp_report = _report_or_404(request, pk)
    ie = gp_report.episode
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    return _report_pdf(
        request,
        ie,
        report=gp_report,
        text=gp_report.text,
        detail="pdf",
        filename=f"rapport-fastlege-{gp_report.pk}.pdf",
    )


@capability_required("can_report_to_gp")
def report_summary_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """INJ-G4 for a patient without a GP: the same summary, printed for the patient (nothing is sent)."""
    ie = _episode_or_404(request, pk)
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    procedure = services.completed_procedure(ie)
    if procedure is None:
        raise Http404
    return _report_pdf(
        request,
        ie,
        report=None,
        text=services.report_text(ie, procedure, services.open_followup(ie)),
        detail="summary pdf",
        filename=f"sammendrag-injeksjon-{ie.pk}.pdf",
    )


@capability_required("can_report_to_gp")
@require_http_methods(["GET", "POST"])
def apprec_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the GP system's application receipt (AppRec) for this report."""
    gp_report = _report_or_404(request, pk)
    ie = gp_report.episode
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    form = ApprecUploadForm(request.POST, request.FILES) if request.method == "POST" else ApprecUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            done = services.apprec_import(Actor.from_request(request), gp_report, form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if done.status == ReportStatus.ACKNOWLEDGED:
                messages.success(request, _("The GP's system acknowledged the report."))
            else:
                messages.warning(
                    request, _("The GP's system rejected the report. Correct the cause and make the report again.")
                )
            return redirect(_report_url(ie.pk))
    return render(
        request,
        "injections/apprec_form.html",
        {"form": form, "report": gp_report, "ie": ie, "patient": ie.patient},
        status=400 if form.errors else 200,
    )


# Follow-up (INJ-D2) -----------------------------------------------------------------------------------------


@capability_required("can_assess_injection")
def followup_list(request: HttpRequest) -> HttpResponse:
    """The doctor's open follow-ups after injection, overdue and due first."""
    followups = services.doctor_followups(clinic=request.clinic, doctor=practitioner_for(request))
    audit_record_many(
        actor=Actor.from_request(request),
        action="injections.followup.listed",
        patients={f.episode.patient_id: f.episode.patient for f in followups}.values(),
    )
    return render(request, "injections/followup_list.html", {"followups": followups, "today": timezone.localdate()})


@capability_required("can_assess_injection")
@require_http_methods(["GET", "POST"])
def followup_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """INJ-D2: the doctor records the follow-up; it is signed and closes the episode."""
    followup = clinic_object_or_404(
        FollowUp.objects.select_related("episode__patient", "episode__episode", "doctor__user"), request, pk=pk
    )
    ie = followup.episode
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    form = FollowUpForm(request.POST) if request.method == "POST" else FollowUpForm()
    if submitted(
        request,
        form,
        lambda: services.followup_complete(
            actor=Actor.from_request(request),
            practitioner=practitioner_for(request),
            followup=followup,
            outcome=form.cleaned_data["outcome"],
            outcome_text=form.cleaned_data["outcome_text"],
        ),
    ):
        messages.success(request, _("The follow-up is signed and the injection episode is closed."))
        return redirect(reverse("injections:episode", kwargs={"pk": ie.pk}))
    if request.method == "GET":
        audit_record(
            actor=Actor.from_request(request),
            action="injections.followup.viewed",
            patient=ie.patient,
            target=followup,
        )
    procedure = services.completed_procedure(ie)
    return render(
        request,
        "injections/followup_form.html",
        {
            "form": form,
            "followup": followup,
            "ie": ie,
            "patient": ie.patient,
            "procedure": procedure,
            "today": timezone.localdate(),
            "report": services.latest_report(ie),
        },
        status=400 if form.errors else 200,
    )


# Evidence pack ------------------------------------------------------------------------------------------------


def _evidence(request: HttpRequest, pk: int, detail: str) -> Any:
    procedure = clinic_object_or_404(Procedure.objects.select_related("episode__patient"), request, pk=pk)
    pack = evidence_pack(procedure)
    audit_record(
        actor=Actor.from_request(request),
        action="injections.evidence.viewed",
        patient=procedure.episode.patient,
        target=procedure,
        detail=detail,
    )
    return pack


@capability_required("can_view_evidence")
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The procedure's evidence pack: every link of the chain as recorded, no clinical note text."""
    pack = _evidence(request, pk, "page")
    return render(request, "injections/evidence.html", {"pack": pack, "patient": pack.episode.patient})


@capability_required("can_view_evidence")
def evidence_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    pack = _evidence(request, pk, "pdf")
    html = render_to_string(
        "injections/evidence_pdf.html",
        {"pack": pack, "patient": pack.episode.patient, "clinic": request.clinic, "printed_at": timezone.now()},
        request=request,
    )
    return _download(render_pdf(html, PRINT_CSS), "application/pdf", f"dokumentasjon-prosedyre-{pack.procedure.pk}.pdf")


@capability_required("can_view_injections")
def procedure_note_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """INJ-D8 / INJ-P5: the signed procedure note as PDF, for a supervising doctor whose own EPJ is elsewhere."""
    procedure = clinic_object_or_404(
        Procedure.objects.select_related(
            "episode__patient", "order__drug", "performer__user", "supervising_doctor__user", "batch", "note"
        ),
        request,
        pk=pk,
    )
    ie = procedure.episode
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    note = procedure.note
    if note is None or note.signed_at is None:
        raise Http404
    sections = [
        (Note._meta.get_field(name).verbose_name, getattr(note, name))
        for name in NOTE_SECTIONS
        if getattr(note, name).strip()
    ]
    html = render_to_string(
        "injections/procedure_note_pdf.html",
        {
            "procedure": procedure,
            "order": procedure.order,
            "note": note,
            "sections": sections,
            "ie": ie,
            "patient": ie.patient,
            "clinic": ie.clinic,
            "printed_at": timezone.now(),
        },
        request=request,
    )
    audit_record(
        actor=Actor.from_request(request),
        action="injections.procedure.note_exported",
        patient=ie.patient,
        target=procedure,
    )
    return _download(render_pdf(html, PRINT_CSS), "application/pdf", f"prosedyrenotat-{procedure.pk}.pdf")
