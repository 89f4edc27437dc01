"""Drug catalogue, stock batches and the recall search (LAW-M, INJ-G3, INJ-V4's emergency drugs).

Views are glue: resolve the clinic's object (another clinic → 404), parse the form, call the service,
show its refusal with status 400 (nothing saved), or redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kanyle.audit.services import Actor, audit_record, audit_record_many
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.core.forms import add_service_error as _add_error
from kanyle.medications import selectors, services
from kanyle.medications.forms import BatchReceiveForm, DiscardForm, DrugForm, RecallForm
from kanyle.medications.models import Batch, Drug, DrugCategory


def _drug_or_404(request: HttpRequest, pk: int) -> Drug:
    return clinic_object_or_404(Drug, request, pk=pk)


def _batch_or_404(request: HttpRequest, pk: int) -> Batch:
    return clinic_object_or_404(Batch.objects.select_related("drug", "received_by"), request, pk=pk)


def _batch_rows(batches: list[Batch]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [{"batch": b, "status": selectors.expiry_status(b, on=today)} for b in batches]


# Catalogue ---------------------------------------------------------------------------------------------


@capability_required("can_view_medications")
@require_GET
def drug_list(request: HttpRequest) -> HttpResponse:
    """The catalogue, drugs in use first, with stock on hand, nearest expiry and what needs doing."""
    today = timezone.localdate()
    drugs = list(selectors.drug_list(clinic=request.clinic, on=today))
    rows = [{"drug": d, "warnings": selectors.drug_warnings(d, on=today)} for d in drugs]
    return render(
        request,
        "medications/drug_list.html",
        {"rows": rows, "emergency": DrugCategory.EMERGENCY, "warning_days": selectors.EXPIRY_WARNING_DAYS},
    )


def _drug_form_page(request: HttpRequest, drug: Drug | None) -> HttpResponse:
    creating = drug is None
    form = DrugForm(request.POST if request.method == "POST" else None, instance=drug, creating=creating)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.drug_save(
                actor=Actor.from_request(request), drug=form.save(commit=False), changed=form.changed_data
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(
                request,
                _("%(drug)s is added to the catalogue.") % {"drug": saved}
                if creating
                else _("%(drug)s is saved.") % {"drug": saved},
            )
            return redirect("medications:drug-detail", pk=saved.pk)
    return render(
        request,
        "medications/drug_form.html",
        {"form": form, "drug": drug},
        status=400 if form.errors else 200,
    )


@capability_required("can_manage_medications")
@require_http_methods(["GET", "POST"])
def drug_create(request: HttpRequest) -> HttpResponse:
    """INJ-G3: add a drug (the four injection groups, or an emergency drug such as adrenaline)."""
    return _drug_form_page(request, None)


@capability_required("can_manage_medications")
@require_http_methods(["GET", "POST"])
def drug_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a drug, or take it out of use (never deleted: its batches stay traceable)."""
    return _drug_form_page(request, _drug_or_404(request, pk))


@capability_required("can_view_medications")
@require_GET
def drug_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A drug's batches with their expiry status (expired ones are blocked) and the latest movements."""
    drug = _drug_or_404(request, pk)
    rows = _batch_rows(selectors.drug_batches(drug=drug))
    expired = [row["batch"].quantity_on_hand for row in rows if row["status"] == selectors.EXPIRED]
    return render(
        request,
        "medications/drug_detail.html",
        {
            "drug": drug,
            "batch_rows": rows,
            "usable_on_hand": sum(row["batch"].quantity_on_hand for row in rows) - sum(expired),
            "expired_on_hand": sum(expired),
            "movements": selectors.drug_movements(drug=drug),
            "warning_days": selectors.EXPIRY_WARNING_DAYS,
        },
    )


# Batches -----------------------------------------------------------------------------------------------


@capability_required("can_receive_stock")
@require_http_methods(["GET", "POST"])
def batch_receive(request: HttpRequest, pk: int) -> HttpResponse:
    """LAW-M: register a received lot (its expiry must not be past); the balance starts at the quantity."""
    drug = _drug_or_404(request, pk)
    form = BatchReceiveForm(
        request.POST if request.method == "POST" else None, initial={"received_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        batch = form.save(commit=False)
        batch.drug = drug
        try:
            batch = services.batch_receive(actor=Actor.from_request(request), batch=batch)
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(
                request,
                _("Lot %(lot)s is received: %(n)s in stock.") % {"lot": batch.lot_number, "n": batch.quantity_on_hand},
            )
            return redirect("medications:drug-detail", pk=drug.pk)
    if not drug.is_active and request.method == "GET":
        messages.warning(request, _("This drug is not in use. Receive stock only if it is taken into use again."))
    return render(
        request, "medications/batch_receive.html", {"form": form, "drug": drug}, status=400 if form.errors else 200
    )


@capability_required("can_view_medications")
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """LAW-M: the batch's ledger: received − administered − discarded, movement by movement, equals the balance."""
    batch = _batch_or_404(request, pk)
    return render(
        request,
        "medications/batch_detail.html",
        {
            "batch": batch,
            "drug": batch.drug,
            "status": selectors.expiry_status(batch),
            "ledger": selectors.batch_ledger(batch=batch),
            "warning_days": selectors.EXPIRY_WARNING_DAYS,
        },
    )


@capability_required("can_manage_medications")
@require_http_methods(["GET", "POST"])
def batch_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """LAW-M: take units out of stock with the reason; never more than the balance."""
    batch = _batch_or_404(request, pk)
    initial = {"quantity": batch.quantity_on_hand} if selectors.expiry_status(batch) == selectors.EXPIRED else {}
    form = DiscardForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.discard(
                actor=Actor.from_request(request),
                batch=batch,
                quantity=form.cleaned_data["quantity"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(
                request,
                _("%(n)s discarded from lot %(lot)s.") % {"n": form.cleaned_data["quantity"], "lot": batch.lot_number},
            )
            return redirect("medications:batch-detail", pk=batch.pk)
    return render(
        request,
        "medications/batch_discard.html",
        {
            "form": form,
            "batch": batch,
            "drug": batch.drug,
            "status": selectors.expiry_status(batch),
            "warning_days": selectors.EXPIRY_WARNING_DAYS,
        },
        status=400 if form.errors else 200,
    )


# Recall ------------------------------------------------------------------------------------------------


def _episode_url(procedure: Any) -> str | None:
    """The injection episode's page, when the injection chain has it."""
    if procedure is None:
        return None
    try:
        return reverse("injections:episode", kwargs={"pk": procedure.episode_id})
    except NoReverseMatch:
        return None


@capability_required("can_recall_search")
@require_GET
def recall(request: HttpRequest) -> HttpResponse:
    """LAW-M recall: which patients got lot X, when, from whom. The search and every patient shown are logged."""
    form = RecallForm(request.GET if "lot" in request.GET else None)
    context: dict[str, Any] = {"form": form, "searched": False}
    if form.is_bound and form.is_valid():
        lot = selectors.normalise_lot(form.cleaned_data["lot"])
        batches = selectors.recall_batches(clinic=request.clinic, lot=lot)
        administrations = selectors.recall_administrations(clinic=request.clinic, batches=batches)
        actor = Actor.from_request(request)
        audit_record(actor=actor, action="medications.recall.searched", detail=lot)
        patients = {m.patient_id: m.patient for m in administrations}
        audit_record_many(actor=actor, action="medications.recall.listed", patients=patients.values(), detail=lot)
        rows = []
        for movement in administrations:
            procedure = movement.procedure
            rows.append(
                {
                    "movement": movement,
                    "patient": movement.patient,
                    "performer": procedure.performer.user.display_name
                    if procedure is not None
                    else movement.recorded_by.display_name,
                    "episode_url": _episode_url(procedure),
                }
            )
        context.update(
            {
                "searched": True,
                "lot": lot,
                "batch_rows": _batch_rows(batches),
                "rows": rows,
                "patient_count": len(patients),
            }
        )
    return render(request, "medications/recall.html", context, status=400 if form.errors else 200)
