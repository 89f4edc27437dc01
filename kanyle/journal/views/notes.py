"""Writing the record: draft notes, signing, discarding drafts, corrections and the co-author's part."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kanyle.audit.services import Actor
from kanyle.clinics.access import capability_required
from kanyle.journal import rules, selectors, services
from kanyle.journal.forms.notes import AmendmentForm, CoPartForm, NoteForm
from kanyle.journal.models import Note
from kanyle.journal.views.common import chart_gate, note_or_404, patient_or_404, practitioner_for


def _chart_url(note: Note) -> str:
    return f"{reverse('journal:chart', kwargs={'patient_id': note.patient_id})}#notat-{note.pk}"


def _practitioner_or_403(request: HttpRequest):
    practitioner = practitioner_for(request)
    if practitioner is None:  # a clinical role without a practitioner profile in this clinic
        raise PermissionDenied("no practitioner profile")
    return practitioner


def _form_error(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


@capability_required("can_write_journal")
def note_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_or_404(request, patient_id)
    if (refusal := chart_gate(request, patient)) is not None:
        return refusal
    practitioner = _practitioner_or_403(request)
    form = NoteForm(
        request.POST or None, patient=patient, practitioner=practitioner, initial={"episode": request.GET.get("forlop")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            note = services.note_create(
                actor=Actor.from_request(request),
                practitioner=practitioner,
                patient=patient,
                encounter=form.encounter(),
                note=form.save(commit=False),
                diagnoses=form.cleaned_data["diagnoses"],
            )
            if "sign" in request.POST:
                services.note_sign(actor=Actor.from_request(request), practitioner=practitioner, note=note)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The note is signed.") if "sign" in request.POST else _("The draft is saved."))
            return redirect(_chart_url(note))
    return render(
        request, "journal/note_form.html", {"form": form, "patient": patient}, status=400 if form.errors else 200
    )


@capability_required("can_write_journal")
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    note = note_or_404(request, pk)
    if (refusal := chart_gate(request, note.patient)) is not None:
        return refusal
    practitioner = _practitioner_or_403(request)
    decision = rules.note_editable(note=note, practitioner=practitioner)
    if not decision:
        messages.error(request, " ".join(decision.messages))
        return redirect(_chart_url(note))
    form = NoteForm(request.POST or None, instance=note, patient=note.patient, practitioner=practitioner)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        try:
            updated = form.save(commit=False)
            encounter = form.encounter()
            updated.encounter = encounter
            services.note_update(
                actor=actor,
                practitioner=practitioner,
                note=updated,
                diagnoses=form.cleaned_data["diagnoses"],
                changed=form.changed_data,
            )
            if "sign" in request.POST:
                services.note_sign(actor=actor, practitioner=practitioner, note=updated)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The note is signed.") if "sign" in request.POST else _("The draft is saved."))
            return redirect(_chart_url(note))
    return render(
        request,
        "journal/note_form.html",
        {"form": form, "patient": note.patient, "note": note},
        status=400 if form.errors else 200,
    )


def _note_action(request: HttpRequest, pk: int, service, done: str, *, back_to_chart: bool = False) -> HttpResponse:
    """Run one write on a note (sign, discard); a refusal comes back as a message on the chart."""
    note = note_or_404(request, pk)
    if (refusal := chart_gate(request, note.patient)) is not None:
        return refusal
    try:
        service(actor=Actor.from_request(request), practitioner=practitioner_for(request), note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_chart_url(note))
    messages.success(request, done)
    return redirect("journal:chart", patient_id=note.patient_id) if back_to_chart else redirect(_chart_url(note))


@capability_required("can_write_journal")
@require_POST
def note_sign(request: HttpRequest, pk: int) -> HttpResponse:
    return _note_action(request, pk, services.note_sign, _("The note is signed."))


@capability_required("can_write_journal")
@require_POST
def note_discard(request: HttpRequest, pk: int) -> HttpResponse:
    return _note_action(request, pk, services.note_discard, _("The draft is discarded."), back_to_chart=True)


@capability_required("can_write_journal")
def amendment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a signed note: the original stays, the correction is added with reason (hpl §42)."""
    note = note_or_404(request, pk)
    if (refusal := chart_gate(request, note.patient)) is not None:
        return refusal
    practitioner = _practitioner_or_403(request)
    decision = rules.amendment_allowed(note=note, practitioner=practitioner)
    if not decision:
        messages.error(request, " ".join(decision.messages))
        return redirect(_chart_url(note))
    form = AmendmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.amendment_create(
                actor=Actor.from_request(request), practitioner=practitioner, note=note, **form.cleaned_data
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The correction is added to the record."))
            return redirect(_chart_url(note))
    return render(
        request,
        "journal/amendment_form.html",
        {
            "form": form,
            "note": note,
            "sections": selectors.note_sections(note),
            "patient": note.patient,
        },
        status=400 if form.errors else 200,
    )


@capability_required("can_write_journal")
def co_part(request: HttpRequest, pk: int) -> HttpResponse:
    """The second practitioner present writes and signs their own part (INJ-D8, INJ-P5)."""
    note = note_or_404(request, pk)
    if (refusal := chart_gate(request, note.patient)) is not None:
        return refusal
    practitioner = _practitioner_or_403(request)
    decision = rules.co_part_allowed(note=note, practitioner=practitioner)
    if not decision:
        messages.error(request, " ".join(decision.messages))
        return redirect(_chart_url(note))
    existing = getattr(note, "co_part", None)
    form = CoPartForm(request.POST or None, initial={"text": existing.text if existing else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.co_part_save(
                actor=Actor.from_request(request),
                practitioner=practitioner,
                note=note,
                text=form.cleaned_data["text"],
                sign="sign" in request.POST,
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Your part is signed.") if "sign" in request.POST else _("Your part is saved."))
            return redirect(_chart_url(note))
    return render(
        request,
        "journal/co_part_form.html",
        {
            "form": form,
            "note": note,
            "sections": selectors.note_sections(note),
            "patient": note.patient,
        },
        status=400 if form.errors else 200,
    )
