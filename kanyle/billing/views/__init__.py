"""Billing screens: the reception worklist, charging a visit, payment, receipts, fees and reports."""

from kanyle.billing.views.charges import (
    charge_credit,
    charge_detail,
    charge_pay,
    index,
    receipt,
    visit_charge,
    visit_receipt,
)
from kanyle.billing.views.fees import fees, no_show_fee, price_create, tariff_create
from kanyle.billing.views.patients import exemption_create, frikort_register, patient_billing
from kanyle.billing.views.reports import claims_export, settlement

__all__ = [
    "charge_credit",
    "charge_detail",
    "charge_pay",
    "claims_export",
    "exemption_create",
    "fees",
    "frikort_register",
    "index",
    "no_show_fee",
    "patient_billing",
    "price_create",
    "receipt",
    "settlement",
    "tariff_create",
    "visit_charge",
    "visit_receipt",
]
