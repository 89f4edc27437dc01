from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kanyle.audit.services import Actor, audit_record
from kanyle.billing import selectors
from kanyle.billing.forms import DayForm, YearForm
from kanyle.clinics.access import capability_required

CLAIM_COLUMNS = (
    "charge_number",
    "visit_date",
    "practitioner_hpr",
    "patient_national_id",
    "code",
    "quantity",
    "fee",
    "patient_share",
    "refund",
    "rule",
)


@capability_required("can_view_settlement")
def settlement(request: HttpRequest) -> HttpResponse:
    """Item 9: the day's charges per practitioner and payments per method; shares paid vs. refunds to claim."""
    form = DayForm(request.GET or None)
    day = form.day_or_today(timezone.localdate())
    report = selectors.daily_settlement(clinic=request.clinic, day=day)
    return render(
        request,
        "billing/settlement.html",
        {"form": form, "report": report, "year_form": YearForm(initial={"year": day.year})},
    )


@capability_required("can_view_settlement")
def claims_export(request: HttpRequest) -> HttpResponse:
    """Item 9: the year's tariff lines as CSV for the refund claim (patient data: the export is logged)."""
    form = YearForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            "\n".join(str(m) for errors in form.errors.values() for m in errors), status=400, content_type="text/plain"
        )
    year = form.cleaned_data["year"]
    lines = list(selectors.claim_lines(clinic=request.clinic, year=year))
    audit_record(
        actor=Actor.from_request(request), action="billing.claims.exported", detail=f"{year}: {len(lines)} lines"
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="takster-{year}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response, delimiter=";")
    writer.writerow(CLAIM_COLUMNS)
    for line in lines:
        charge = line.charge
        writer.writerow(
            [
                charge.number,
                charge.visit_date.isoformat(),
                charge.practitioner.hpr_number,
                charge.patient.national_id,
                line.code,
                line.quantity,
                line.amount,
                line.patient_share,
                line.refund,
                line.rule,
            ]
        )
    return response
