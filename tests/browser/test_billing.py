"""After a visit, reception charges it, records a card payment and downloads the receipt (issue #7, item 7)."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from kanyle.billing.models import Charge, Payment
from kanyle.billing.tests import factories as f
from kanyle.staff.models import Practitioner

pytestmark = pytest.mark.browser


def test_reception_charges_a_visit_and_downloads_the_receipt(
    page: Page, clinic_a, reception, physio, patient_a, use_session
):
    practitioner = Practitioner.objects.get(user=physio.user)
    f.agreement(clinic=clinic_a, practitioner=practitioner)
    f.tariff(clinic_a)
    patient_a.birth_date = patient_a.birth_date.replace(year=1980)
    patient_a.save(update_fields=["birth_date"])
    today = timezone.localdate()
    visit = f.appointment(clinic=clinic_a, patient=patient_a, practitioner=practitioner, when=f.at(today, hour=7))

    use_session(reception)
    page.goto("/oppgjor/")
    row = page.locator("[data-testid=uncharged-visits] tr", has_text="Kari Nordmann")
    row.get_by_role("link").click()
    expect(page.locator("[data-testid=charge-lines]")).to_contain_text("EKS-A2")
    expect(page.locator("[data-testid=patient-share]")).to_contain_text("200,00")
    page.locator("[data-testid=confirm-charge]").click()

    expect(page.locator("[data-testid=charge-status]")).to_be_visible()
    page.locator("#id_method").select_option("card")
    page.locator("[data-testid=pay]").click()
    expect(page.locator("[data-testid=pay]")).to_have_count(0)
    charge = Charge.objects.get(appointment=visit)
    assert charge.status == "paid" and Payment.objects.get(charge=charge).method == "card"

    with page.expect_download() as download_info:
        page.locator("[data-testid=receipt-link]").click()
    assert download_info.value.suggested_filename == f"kvittering-{charge.number}.pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(download_info.value.path().read_bytes())).pages)
    assert clinic_a.org_number in text
    assert "Kari Nordmann" in text
    assert "EKS-A2" in text and "200,00" in text and "450,00" in text
