"""Scheduling end to end: a patient books online (NAL-8), reception confirms, the physio sees it in the calendar."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from kanyle.patients.tests.factories import synthetic_id
from kanyle.scheduling.models import Appointment, AppointmentStatus, AppointmentType, ServiceKind


def _label(choice) -> str:
    with translation.override("nb"):
        return str(choice.label)


@pytest.mark.browser
def test_nal_8_patient_self_books_reception_confirms_physio_sees_it(
    page: Page, clinic_a, physio, reception, practitioner_a, use_session
):
    cache.clear()
    AppointmentType.objects.create(
        clinic=clinic_a, kind=ServiceKind.NEEDLING, name="Nålebehandling", duration_minutes=45, bookable_online=True
    )
    AppointmentType.objects.create(clinic=clinic_a, kind=ServiceKind.INJECTION, name="Injeksjon", duration_minutes=30)

    # The patient: no login, no referral.
    page.goto(f"/kalender/bestill/{clinic_a.slug}/")
    expect(page.get_by_test_id("services")).not_to_contain_text("Injeksjon")
    page.get_by_role("link", name="Nålebehandling (45 min)").click()
    page.get_by_test_id("slots").locator("input[type=radio]").first.check()
    page.locator("#id_name").fill("Siri Selvbooker")
    page.locator("#id_national_id").fill(synthetic_id(datetime.date(1990, 4, 12)))
    page.locator("#id_phone").fill("91234567")
    page.locator("form[data-testid=booking-form] [type=submit]").click()
    expect(page.get_by_test_id("booking-received")).to_be_visible()
    booked = Appointment.objects.get()
    assert booked.status == AppointmentStatus.REQUESTED

    # Reception confirms the request.
    page.context.clear_cookies()
    use_session(reception)
    page.goto("/kalender/foresporsler/")
    expect(page.get_by_test_id("requests")).to_contain_text("Siri Selvbooker")
    page.get_by_test_id("requests").locator("a").first.click()
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("appointment-status")).to_contain_text(_label(AppointmentStatus.BOOKED))
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED and booked.patient.family_name == "Selvbooker"

    # The physio sees it in the week calendar.
    page.context.clear_cookies()
    use_session(physio)
    day = timezone.localdate(booked.starts_at).isoformat()
    page.goto(f"/kalender/?date={day}")
    expect(page.get_by_test_id("calendar").get_by_test_id("appointment")).to_contain_text("Siri Selvbooker")
    expect(page.get_by_test_id("calendar")).to_contain_text("Nålebehandling")
