"""The readiness gate (DESIGN.md §4), the procedure record (INJ-P3, INJ-P5, LAW-M) and the observation.

The gate page shows every precondition green or red with its rule and a link to the page that fixes it; the
start button is disabled while anything is red, and the start service checks the gate again on POST.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.injections import rules
from kanyle.injections.forms_procedure import GateForm, ImageForm, ObservationEndForm, ProcedureForm, StopForm
from kanyle.injections.models import DrugOrder, InjectionEpisode, Procedure, ProcedureStatus
from kanyle.injections.services import procedure as services
from kanyle.injections.views.common import refusal_page, submitted
from kanyle.journal.views.common import chart_gate, practitioner_for
from kanyle.staff.models import Practitioner


def practitioner_or_403(request: HttpRequest) -> Practitioner:
    practitioner = practitioner_for(request)
    if practitioner is None:
        raise PermissionDenied("no practitioner profile")
    return practitioner


def episode_url(ie: InjectionEpisode) -> str:
    """The injection episode page (written by the chain part); the patient's chart until it exists."""
    try:
        return reverse("injections:episode", kwargs={"pk": ie.pk})
    except NoReverseMatch:
        return reverse("journal:chart", kwargs={"patient_id": ie.patient_id})


def _try(name: str, fallback: str, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return fallback


def fix_url(item: rules.GateItem, *, order: DrugOrder | None, performer: Practitioner | None) -> str:
    """Where a red gate item is fixed: the episode, the delegations, the staff register, availability, …"""
    episode = episode_url(order.episode) if order is not None else reverse("injections:delegation-list")
    if item.fix in ("assessment", "consent", "order"):
        return episode
    if item.fix == "delegation":
        return reverse("injections:delegation-list")
    if item.fix in ("competence", "performer_cover", "agreement_hours") and performer is not None:
        return _try("staff:practitioner", episode, pk=performer.pk)
    if item.fix == "doctor_cover" and order is not None:
        return _try("staff:practitioner", episode, pk=order.doctor_id)
    if item.fix == "supervision":
        return reverse("injections:availability-list")
    if item.fix == "emergency":
        return _try("quality:compliance", _try("quality:equipment-list", episode))
    if item.fix == "batch":
        return _try("medications:drug-list", episode)
    return episode


def item_messages(item: rules.GateItem) -> list[str]:
    """A red item's messages, each ending with its rule ID (a green item's note as it is)."""
    if item.ok:
        return list(item.messages)
    rule_ids = item.rules or (item.rule,) * len(item.messages)
    return [f"{message} ({rule})" for message, rule in zip(item.messages, rule_ids, strict=False)]


def order_or_404(request: HttpRequest, pk: Any) -> DrugOrder:
    return clinic_object_or_404(
        DrugOrder.objects.select_related("episode__patient", "episode__episode", "doctor__user", "drug", "clinic"),
        request,
        pk=pk,
    )


def procedure_or_404(request: HttpRequest, pk: Any) -> Procedure:
    return clinic_object_or_404(
        Procedure.objects.select_related(
            "episode__patient",
            "episode__episode",
            "order__drug",
            "order__doctor__user",
            "performer__user",
            "supervising_doctor__user",
            "batch",
            "delegation",
            "note__encounter",
        ),
        request,
        pk=pk,
    )


def gate_context(
    request: HttpRequest, order: DrugOrder, performer: Practitioner, data: Any, errors: list[str] | None = None
) -> dict[str, Any]:
    """The gate for the logged-in performer with the chosen batch, every item with its fix link."""
    form = GateForm(data if data and "batch" in data else None, order=order)
    batch = form.cleaned_data.get("batch") if form.is_bound and form.is_valid() else None
    gate = rules.readiness_gate(order=order, performer=performer, batch=batch, at=timezone.now())
    items = [(item, fix_url(item, order=order, performer=performer), item_messages(item)) for item in gate.items]
    return {
        "order": order,
        "ie": order.episode,
        "patient": order.episode.patient,
        "performer": performer,
        "form": form,
        "batch": batch,
        "gate": gate,
        "items": items,
        "errors": errors or [],
        "episode_url": episode_url(order.episode),
    }


def _render_gate(request: HttpRequest, order: DrugOrder, performer: Practitioner, *, errors=None, status=200):
    data = request.POST if request.method == "POST" else request.GET
    context = gate_context(request, order, performer, data, errors)
    audit_record(
        actor=Actor.from_request(request),
        action="injections.gate.viewed",
        patient=order.episode.patient,
        target=order,
        detail="ok" if context["gate"].ok else ",".join(item.rule for item in context["gate"].red),
    )
    return render(request, "injections/gate.html", context, status=status)


@capability_required("can_perform_injection")
def gate(request: HttpRequest, pk: int) -> HttpResponse:
    """DESIGN.md §4: every precondition of starting this order's procedure now, for the logged-in performer."""
    order = order_or_404(request, pk)
    if (refused := chart_gate(request, order.episode.patient)) is not None:
        return refused
    return _render_gate(request, order, practitioner_or_403(request))


@capability_required("can_perform_injection")
def episode_gate(request: HttpRequest, pk: int) -> HttpResponse:
    """The gate of the episode's current order (the episode page links here)."""
    ie = clinic_object_or_404(InjectionEpisode.objects.select_related("patient"), request, pk=pk)
    if (refused := chart_gate(request, ie.patient)) is not None:
        return refused
    order = rules.current_order(ie)
    if order is None:
        messages.info(request, _("There is no signed drug order in this episode yet. (INJ-D4)"))
        return redirect(episode_url(ie))
    url = reverse("injections:gate", kwargs={"pk": order.pk})
    if request.GET.get("batch"):
        url += "?batch=" + str(request.GET["batch"])
    return redirect(url)


@capability_required("can_perform_injection")
@require_POST
def procedure_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the procedure; the service checks the whole gate again with the order locked."""
    order = order_or_404(request, pk)
    if (refused := chart_gate(request, order.episode.patient)) is not None:
        return refused
    performer = practitioner_or_403(request)
    form = GateForm(request.POST, order=order)
    if not form.is_valid():
        return _render_gate(
            request, order, performer, errors=[e for errs in form.errors.values() for e in errs], status=400
        )
    try:
        procedure = services.procedure_start(
            actor=Actor.from_request(request), order=order, performer=performer, batch=form.cleaned_data.get("batch")
        )
    except ValidationError as error:
        return _render_gate(request, order, performer, errors=error.messages, status=400)
    return redirect("injections:procedure", pk=procedure.pk)


def _procedure_context(request: HttpRequest, procedure: Procedure, **extra: Any) -> dict[str, Any]:
    practitioner = practitioner_for(request)
    attachments = list(procedure.note.encounter.attachments.all()) if procedure.note_id else []
    return {
        "procedure": procedure,
        "order": procedure.order,
        "ie": procedure.episode,
        "patient": procedure.episode.patient,
        "attachments": attachments,
        "is_performer": practitioner is not None and practitioner.pk == procedure.performer_id,
        "episode_url": episode_url(procedure.episode),
        "gate_items": procedure.gate.get("items", []),
        **extra,
    }


def _form_page(request: HttpRequest, procedure: Procedure, *, form=None, image_form=None, status=200):
    context = _procedure_context(
        request,
        procedure,
        form=form or ProcedureForm(order=procedure.order),
        image_form=image_form or ImageForm(),
    )
    return render(request, "injections/procedure_form.html", context, status=status)


def _viewed(request: HttpRequest, procedure: Procedure) -> None:
    """The procedure page shows the record: a read of patient data (LAW-J)."""
    audit_record(
        actor=Actor.from_request(request),
        action="injections.procedure.viewed",
        patient=procedure.episode.patient,
        target=procedure,
    )


@capability_required("can_view_injections")
def procedure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The procedure: the performer records it while in progress; afterwards everyone treating reads it."""
    procedure = procedure_or_404(request, pk)
    if (refused := chart_gate(request, procedure.episode.patient)) is not None:
        return refused
    _viewed(request, procedure)
    practitioner = practitioner_for(request)
    if procedure.status == ProcedureStatus.IN_PROGRESS and practitioner and practitioner.pk == procedure.performer_id:
        return _form_page(request, procedure)
    return render(request, "injections/procedure.html", _procedure_context(request, procedure))


@capability_required("can_perform_injection")
@require_POST
def procedure_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """LAW-M, INJ-P5: dose as ordered, aseptic checklist, reaction; stock moves, note signed, observation starts."""
    procedure = procedure_or_404(request, pk)
    if (refused := chart_gate(request, procedure.episode.patient)) is not None:
        return refused
    form = ProcedureForm(request.POST, order=procedure.order)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.procedure_complete(
                actor=Actor.from_request(request),
                practitioner=practitioner_for(request),
                procedure=procedure,
                dose_given=data.get("dose_given"),
                volume_given_ml=data.get("volume_given_ml"),
                aseptic={name: data.get(name, False) for name in services.ASEPTIC_FIELDS},
                reaction=data.get("reaction") or "",
                reaction_actions=data.get("reaction_actions") or "",
                adrenaline_mg=data.get("adrenaline_mg"),
                procedure_notes=data.get("procedure_notes") or "",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("injections:observation", pk=procedure.pk)
    return _form_page(request, procedure, form=form, status=400)


@capability_required("can_perform_injection")
@require_POST
def procedure_image(request: HttpRequest, pk: int) -> HttpResponse:
    """INJ-P5: an ultrasound image of the procedure (PNG, JPEG or DICOM) on the procedure note."""
    procedure = procedure_or_404(request, pk)
    if (refused := chart_gate(request, procedure.episode.patient)) is not None:
        return refused
    image_form = ImageForm(request.POST, request.FILES)
    if submitted(
        request,
        image_form,
        lambda: services.procedure_image_add(
            actor=Actor.from_request(request),
            practitioner=practitioner_for(request),
            procedure=procedure,
            upload=image_form.cleaned_data["image"],
            title=image_form.cleaned_data.get("title") or "",
        ),
    ):
        return redirect("injections:procedure", pk=procedure.pk)
    if procedure.status != ProcedureStatus.IN_PROGRESS:
        return refusal_page(
            request,
            title=procedure.get_status_display(),
            error=" ".join(e for errs in image_form.errors.values() for e in errs),
            back=reverse("injections:procedure", kwargs={"pk": procedure.pk}),
        )
    return _form_page(request, procedure, image_form=image_form, status=400)


@capability_required("can_perform_injection")
@require_http_methods(["GET", "POST"])
def procedure_stop(request: HttpRequest, pk: int) -> HttpResponse:
    """INJ-P3: the performer stops or declines before completion, with the reason in the record."""
    procedure = procedure_or_404(request, pk)
    if (refused := chart_gate(request, procedure.episode.patient)) is not None:
        return refused
    form = StopForm(request.POST if request.method == "POST" else None)
    if submitted(
        request,
        form,
        lambda: services.procedure_stop(
            actor=Actor.from_request(request),
            practitioner=practitioner_for(request),
            procedure=procedure,
            reason=form.cleaned_data.get("reason") or "",
            decline=form.cleaned_data["decision"] == "decline",
        ),
    ):
        return redirect("injections:procedure", pk=procedure.pk)
    return render(
        request,
        "injections/procedure_stop.html",
        _procedure_context(request, procedure, form=form),
        status=400 if form.errors else 200,
    )


def _observation_page(request: HttpRequest, procedure: Procedure, form=None, status=200) -> HttpResponse:
    due = None
    if procedure.observation_started_at:
        due = procedure.observation_started_at + datetime.timedelta(minutes=procedure.observation_minutes)
    context = _procedure_context(request, procedure, form=form or ObservationEndForm(), due=due, now=timezone.now())
    return render(request, "injections/observation.html", context, status=status)


@capability_required("can_view_injections")
def observation(request: HttpRequest, pk: int) -> HttpResponse:
    """The observation after the procedure, with a countdown to its end (clinic setting, FACTS.md)."""
    procedure = procedure_or_404(request, pk)
    if (refused := chart_gate(request, procedure.episode.patient)) is not None:
        return refused
    _viewed(request, procedure)
    return _observation_page(request, procedure)


@capability_required("can_perform_injection")
@require_POST
def observation_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End the observation (early only with a reason); the episode is observed and the follow-up scheduled."""
    procedure = procedure_or_404(request, pk)
    if (refused := chart_gate(request, procedure.episode.patient)) is not None:
        return refused
    form = ObservationEndForm(request.POST)
    if submitted(
        request,
        form,
        lambda: services.observation_end(
            actor=Actor.from_request(request),
            practitioner=practitioner_for(request),
            procedure=procedure,
            early_reason=form.cleaned_data.get("early_reason") or "",
        ),
    ):
        return redirect(episode_url(procedure.episode))
    return _observation_page(request, procedure, form=form, status=400)
