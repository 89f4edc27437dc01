from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kanyle.audit.services import Actor
from kanyle.billing import selectors, services
from kanyle.billing.forms import NoShowFeeForm, PrivatePriceForm, TariffForm
from kanyle.billing.rules import PATIENT_SHARE_CAPS
from kanyle.billing.views.common import show_errors
from kanyle.clinics.access import capability_required


def _page(request: HttpRequest, *, tariff_form=None, price_form=None, fee_form=None, status: int = 200):
    settings_row = selectors.billing_settings(clinic=request.clinic)
    return render(
        request,
        "billing/fees.html",
        {
            "tariffs": selectors.tariff_list(clinic=request.clinic),
            "prices": selectors.private_price_list(clinic=request.clinic),
            "caps": PATIENT_SHARE_CAPS,
            "tariff_form": tariff_form or TariffForm(),
            "price_form": price_form or PrivatePriceForm(),
            "fee_form": fee_form or NoShowFeeForm(initial={"fee": settings_row.no_show_fee}),
        },
        status=status,
    )


@capability_required("can_manage_fees")
def fees(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@capability_required("can_manage_fees")
def tariff_create(request: HttpRequest) -> HttpResponse:
    form = TariffForm(request.POST)
    if form.is_valid():
        try:
            services.tariff_create(actor=Actor.from_request(request), clinic=request.clinic, data=form.service_data())
        except ValidationError as error:
            show_errors(request, error, form)
        else:
            messages.success(request, _("Tariff saved."))
            return redirect("billing:fees")
    return _page(request, tariff_form=form, status=400)


@require_POST
@capability_required("can_manage_fees")
def price_create(request: HttpRequest) -> HttpResponse:
    form = PrivatePriceForm(request.POST)
    if form.is_valid():
        try:
            services.private_price_create(
                actor=Actor.from_request(request), clinic=request.clinic, data=form.cleaned_data
            )
        except ValidationError as error:
            show_errors(request, error, form)
        else:
            messages.success(request, _("Private price saved."))
            return redirect("billing:fees")
    return _page(request, price_form=form, status=400)


@require_POST
@capability_required("can_manage_fees")
def no_show_fee(request: HttpRequest) -> HttpResponse:
    form = NoShowFeeForm(request.POST)
    if form.is_valid():
        try:
            services.no_show_fee_set(
                actor=Actor.from_request(request), clinic=request.clinic, fee=form.cleaned_data["fee"]
            )
        except ValidationError as error:
            show_errors(request, error, form)
        else:
            messages.success(request, _("Fee for missed appointments saved."))
            return redirect("billing:fees")
    return _page(request, fee_form=form, status=400)
