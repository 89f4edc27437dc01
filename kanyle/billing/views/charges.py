from __future__ import annotations

import datetime
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kanyle.audit.services import Actor
from kanyle.billing import selectors, services
from kanyle.billing.forms import CreditForm, DayForm, PaymentForm
from kanyle.billing.models import Charge, ChargeStatus
from kanyle.billing.views.common import show_errors
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.scheduling.models import Appointment

RECEIPT_CSS = Path(__file__).resolve().parent.parent / "static" / "billing" / "receipt.css"


def render_pdf(html: str) -> bytes:
    """HTML to PDF with WeasyPrint, fetching nothing: the receipt is built from this text and its CSS only."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    no_fetching = URLFetcher(allowed_protocols=())
    stylesheet = CSS(string=RECEIPT_CSS.read_text(encoding="utf-8"), url_fetcher=no_fetching)
    return HTML(string=html, url_fetcher=no_fetching).write_pdf(stylesheets=[stylesheet])


@capability_required("can_charge")
def index(request: HttpRequest) -> HttpResponse:
    """The reception worklist: the chosen day's visits not yet charged (default today), and recent charges."""
    form = DayForm(request.GET or None)
    day = form.day_or_today(timezone.localdate())
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    visits = selectors.uncharged_visits(clinic=request.clinic, since=start, until=start + datetime.timedelta(days=1))
    charges = selectors.charge_list(clinic=request.clinic, limit=30)
    return render(request, "billing/index.html", {"visits": visits, "charges": charges, "form": form, "day": day})


def _appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    clinic_object_or_404(Appointment, request, pk=appointment_id, patient__isnull=False)
    return selectors.appointment_for_billing(clinic=request.clinic, pk=appointment_id)


@capability_required("can_charge")
def visit_charge(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    existing = selectors.live_charge_for(clinic=request.clinic, appointment=appointment)
    if existing is not None:
        messages.info(request, _("This visit has already been charged."))
        return redirect("billing:charge", existing.pk)
    if request.method == "POST":
        try:
            charge = services.charge_create(
                actor=Actor.from_request(request), clinic=request.clinic, appointment=appointment
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Charge %(number)s created.") % {"number": charge.number})
            return redirect("billing:charge", charge.pk)
    proposal, refusal = None, []
    try:
        proposal = services.charge_proposal(clinic=request.clinic, appointment=appointment)
    except ValidationError as error:
        refusal = error.messages
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "billing/visit_charge.html",
        {"appointment": appointment, "proposal": proposal, "refusal": refusal},
        status=status,
    )


@capability_required("can_charge")
def visit_receipt(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The receipt of a visit: only once the visit is charged."""
    appointment = _appointment(request, appointment_id)
    charge = selectors.live_charge_for(clinic=request.clinic, appointment=appointment)
    if charge is None:
        messages.error(request, _("There is no receipt: this visit has not been charged."))
        return redirect("billing:visit-charge", appointment.pk)
    return redirect("billing:receipt", charge.pk)


def _charge(request: HttpRequest, charge_id: int) -> Charge:
    clinic_object_or_404(Charge, request, pk=charge_id)
    return selectors.charge_detail(clinic=request.clinic, pk=charge_id)


def _detail(request: HttpRequest, charge: Charge, *, pay_form=None, credit_form=None, status: int = 200):
    payment = selectors.charge_payment(charge)
    credit = getattr(charge, "credit_note", None) if charge.status == ChargeStatus.CREDITED else None
    return render(
        request,
        "billing/charge.html",
        {
            "charge": charge,
            "payment": payment,
            "credit": credit,
            "pay_form": pay_form or PaymentForm(initial={"amount": charge.patient_share, "method": "card"}),
            "credit_form": credit_form or CreditForm(),
            "can_pay": charge.status == ChargeStatus.CHARGED,
        },
        status=status,
    )


@capability_required("can_charge")
def charge_detail(request: HttpRequest, charge_id: int) -> HttpResponse:
    return _detail(request, _charge(request, charge_id))


@require_POST
@capability_required("can_charge")
def charge_pay(request: HttpRequest, charge_id: int) -> HttpResponse:
    charge = _charge(request, charge_id)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            services.charge_pay(
                actor=Actor.from_request(request),
                charge=charge,
                method=form.cleaned_data["method"],
                amount=form.cleaned_data["amount"],
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("billing:charge", charge.pk)
    return _detail(request, _charge(request, charge_id), pay_form=form, status=400)


@require_POST
@capability_required("can_charge")
def charge_credit(request: HttpRequest, charge_id: int) -> HttpResponse:
    charge = _charge(request, charge_id)
    form = CreditForm(request.POST)
    if form.is_valid():
        try:
            note = services.charge_credit(
                actor=Actor.from_request(request), charge=charge, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Credit note %(number)s issued.") % {"number": note.number})
            return redirect("billing:charge", charge.pk)
    return _detail(request, _charge(request, charge_id), credit_form=form, status=400)


@capability_required("can_charge")
def receipt(request: HttpRequest, charge_id: int) -> HttpResponse:
    charge = _charge(request, charge_id)
    try:
        services.receipt_printed(actor=Actor.from_request(request), charge=charge)
    except ValidationError as error:
        show_errors(request, error)
        return redirect("billing:charge", charge.pk)
    html = render_to_string(
        "billing/receipt.html",
        {
            "charge": charge,
            "clinic": request.clinic,
            "payment": selectors.charge_payment(charge),
            "printed_at": timezone.localtime(),
        },
        request=request,
    )
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="kvittering-{charge.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
