"""Screens: happy paths, bad input (message, nothing saved), other clinic → 404, missing capability → 403."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext
from pypdf import PdfReader

from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.billing import services
from kanyle.billing.models import Charge, Frikort, Payment, Tariff
from kanyle.billing.tests import factories as f

D = Decimal
pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_reception_charges_pays_and_prints(client_as, reception, visit):
    client = client_as(reception)
    page = client.get(reverse("billing:index"), {"day": "2025-03-10"})
    assert page.status_code == 200 and visit.patient.full_name in page.content.decode()
    proposal = client.get(reverse("billing:visit-charge", args=[visit.pk]))
    assert proposal.status_code == 200 and "EKS-A2" in proposal.content.decode()
    response = client.post(reverse("billing:visit-charge", args=[visit.pk]))
    charge = Charge.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("billing:charge", args=[charge.pk])
    paid = client.post(reverse("billing:charge-pay", args=[charge.pk]), {"method": "card", "amount": "200.00"})
    assert paid.status_code == 302
    receipt = client.get(reverse("billing:receipt", args=[charge.pk]))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    text = pdf_text(receipt.content)
    assert "912345602" in text and "200,00" in text and "450,00" in text and visit.patient.full_name in text
    assert AuditEvent.objects.filter(action="billing.receipt.printed", patient=visit.patient).count() == 1
    assert client.get(reverse("billing:visit-receipt", args=[visit.pk]))["Location"] == reverse(
        "billing:receipt", args=[charge.pk]
    )


def test_pay_twice_refused_clearly(client_as, reception, visit):
    client = client_as(reception)
    client.post(reverse("billing:visit-charge", args=[visit.pk]))
    charge = Charge.objects.get()
    url = reverse("billing:charge-pay", args=[charge.pk])
    client.post(url, {"method": "card", "amount": "200.00"})
    again = client.post(url, {"method": "cash", "amount": "200.00"})
    assert again.status_code == 400
    assert escape(f"{gettext('This charge has already been paid.')} (BIL-P)") in again.content.decode()
    assert Payment.objects.count() == 1


def test_pay_wrong_amount_and_negative_refused(client_as, reception, visit):
    client = client_as(reception)
    client.post(reverse("billing:visit-charge", args=[visit.pk]))
    url = reverse("billing:charge-pay", args=[Charge.objects.get().pk])
    for amount in ("-200", "199", "abc"):
        assert client.post(url, {"method": "card", "amount": amount}).status_code == 400
    assert not Payment.objects.exists()


def test_receipt_for_uncharged_visit_refused(client_as, reception, visit):
    response = client_as(reception).get(reverse("billing:visit-receipt", args=[visit.pk]), follow=True)
    assert response.status_code == 200
    assert escape(gettext("There is no receipt: this visit has not been charged.")) in response.content.decode()
    assert not AuditEvent.objects.filter(action="billing.receipt.printed").exists()


def test_unsigned_booked_visit_cannot_be_charged(client_as, reception, clinic_a, adult, practitioner_a, fees):
    visit = f.appointment(clinic=clinic_a, patient=adult, practitioner=practitioner_a, status="booked")
    client = client_as(reception)
    page = client.get(reverse("billing:visit-charge", args=[visit.pk]))
    assert page.status_code == 200 and "BIL-V" in page.content.decode()
    response = client.post(reverse("billing:visit-charge", args=[visit.pk]))
    assert response.status_code == 400 and not Charge.objects.exists()


def test_credit_via_view_requires_reason(client_as, reception, visit):
    client = client_as(reception)
    client.post(reverse("billing:visit-charge", args=[visit.pk]))
    charge = Charge.objects.get()
    url = reverse("billing:charge-credit", args=[charge.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Feil takst"}).status_code == 302
    charge.refresh_from_db()
    assert charge.status == "credited"
    follow = client.get(reverse("billing:receipt", args=[charge.pk]), follow=True)
    assert escape(gettext("This charge has been credited; no receipt is issued.")) in follow.content.decode()


def test_other_clinic_gets_404(client_as, outsider, reception, visit):
    services.charge_create(
        actor=Actor(user=reception.user, clinic=reception.clinic), clinic=visit.clinic, appointment=visit
    )
    charge = Charge.objects.get()
    client = client_as(outsider)
    for url in (
        reverse("billing:visit-charge", args=[visit.pk]),
        reverse("billing:visit-receipt", args=[visit.pk]),
        reverse("billing:charge", args=[charge.pk]),
        reverse("billing:receipt", args=[charge.pk]),
        reverse("billing:patient", args=[visit.patient_id]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("billing:charge-pay", args=[charge.pk]), {"method": "card", "amount": "200"}).status_code
        == 404
    )
    assert client.post(reverse("billing:frikort-register", args=[visit.patient_id]), {}).status_code == 404


def test_missing_capability_403(client_as, physio, reception):
    assert client_as(physio).get(reverse("billing:settlement")).status_code == 403
    assert client_as(reception).get(reverse("billing:fees")).status_code == 403
    assert client_as(reception).post(reverse("billing:tariff-create"), {}).status_code == 403
    assert client_as(physio).get(reverse("billing:claims-export"), {"year": 2025}).status_code == 403


def test_admin_adds_tariff_and_overlap_is_refused(client_as, admin):
    client = client_as(admin)
    data = {
        "code": "EKS-C1",
        "description": "Eksempel",
        "service_kind": "first",
        "patient_share": "250.00",
        "refund": "350.00",
        "valid_from": "2025-01-01",
        "valid_to": "",
    }
    assert client.post(reverse("billing:tariff-create"), data).status_code == 302
    assert Tariff.objects.get().fee == D("600.00")
    again = client.post(reverse("billing:tariff-create"), {**data, "valid_from": "2025-06-01"})
    assert again.status_code == 400
    overlap = gettext("Tariff %(code)s already has a period that overlaps these dates.") % {"code": "EKS-C1"}
    assert escape(overlap) in again.content.decode()
    negative = client.post(reverse("billing:tariff-create"), {**data, "code": "EKS-C2", "refund": "-1"})
    assert negative.status_code == 400
    assert Tariff.objects.count() == 1
    assert client.get(reverse("billing:fees")).status_code == 200


def test_admin_negative_private_price_refused(client_as, admin):
    client = client_as(admin)
    data = {"service_kind": "injection", "name": "Injeksjon", "amount": "-10", "valid_from": "2025-01-01"}
    assert client.post(reverse("billing:price-create"), data).status_code == 400
    assert client.post(reverse("billing:price-create"), {**data, "amount": "1200"}).status_code == 302
    assert client.post(reverse("billing:no-show-fee"), {"fee": "-5"}).status_code == 400
    assert client.post(reverse("billing:no-show-fee"), {"fee": "350"}).status_code == 302


def test_register_frikort_via_patient_page(client_as, reception, adult):
    client = client_as(reception)
    assert client.get(reverse("billing:patient", args=[adult.pk])).status_code == 200
    url = reverse("billing:frikort-register", args=[adult.pk])
    bad = client.post(url, {"year": 2025, "number": "FK", "valid_from": "2024-03-01", "source": "helsenorge"})
    assert bad.status_code == 400 and not Frikort.objects.exists()
    ok = client.post(url, {"year": 2025, "number": "FK", "valid_from": "2025-03-01", "source": "helsenorge"})
    assert ok.status_code == 302 and Frikort.objects.count() == 1
    injury = client.post(
        reverse("billing:exemption-create", args=[adult.pk]), {"reference": "NAV-1", "valid_from": "2025-01-01"}
    )
    assert injury.status_code == 302


def test_settlement_and_claims_export(client_as, reception, admin, visit):
    client = client_as(reception)
    client.post(reverse("billing:visit-charge", args=[visit.pk]))
    charge = Charge.objects.get()
    client.post(reverse("billing:charge-pay", args=[charge.pk]), {"method": "cash", "amount": "200.00"})
    report = client_as(admin).get(reverse("billing:settlement"), {"day": "2025-03-10"})
    body = report.content.decode()
    assert report.status_code == 200 and "450,00" in body and "250,00" in body
    export = client_as(admin).get(reverse("billing:claims-export"), {"year": 2025})
    assert export.status_code == 200
    rows = export.content.decode().strip().splitlines()
    assert rows[0].startswith("charge_number;visit_date") and len(rows) == 2 and "EKS-A2" in rows[1]
    assert client_as(admin).get(reverse("billing:claims-export"), {"year": "x"}).status_code == 400
    assert AuditEvent.objects.filter(action="billing.claims.exported").count() == 1
