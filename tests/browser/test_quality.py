"""Internal control end to end: report a deviation, assess, decide a measure and close it (INJ-V3, LAW-Q);
check the emergency equipment and watch the compliance overview turn green only when the kit is checked,
countersigned by the doctor and in date (INJ-V4)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_persona
from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import Role
from kanyle.quality.models import Deviation, DeviationStatus, EquipmentCheck, EquipmentKind
from kanyle.quality.tests.test_equipment import actor_for, check, emergency_setup


@pytest.mark.browser
def test_report_assess_and_close_a_deviation(page: Page, clinic_a, use_session):
    physio = make_persona("physio", clinic_a, Role.PHYSIO)
    admin = make_persona("admin", clinic_a, Role.ADMIN)

    use_session(physio)
    page.goto("/internkontroll/avvik/")
    page.locator("[data-testid=report-deviation]").click()
    page.locator("#id_category").select_option("needling")
    page.locator("#id_severity").select_option("moderate")
    page.locator("#id_location").fill("Behandlingsrom 1")
    page.locator("#id_description").fill("Pasienten besvimte kort etter nålebehandling i sittende stilling.")
    page.locator("#id_immediate_action").fill("Lagt ned med hevede bein, observert til symptomfri.")
    page.locator("[data-testid=submit-deviation]").click()
    expect(page).to_have_url(re.compile(r"/internkontroll/avvik/\d+/$"))
    deviation = Deviation.objects.get()
    assert deviation.reported_by == physio.user and deviation.status == DeviationStatus.REPORTED

    use_session(admin)
    page.goto(f"/internkontroll/avvik/{deviation.pk}/")
    page.locator("[data-testid=assess]").click()
    page.locator("#id_responsible").select_option(str(admin.user.pk))
    page.locator("#id_cause").fill("Nålebehandling gitt sittende til en pasient som ikke hadde spist.")
    page.locator("[data-testid=save-assessment]").click()
    expect(page.locator("[data-testid=assessment]")).to_contain_text("ikke hadde spist")

    # Closing without a measure is refused with a message, and nothing changes.
    page.locator("#id_close-closing_summary").fill("Ingen nye tilfeller.")
    page.locator("[data-testid=close-deviation]").click()
    expect(page.locator("ul.errorlist")).to_be_visible()
    assert Deviation.objects.get().status == DeviationStatus.ASSESSED

    page.goto(f"/internkontroll/avvik/{deviation.pk}/")
    page.locator("#id_measure-kind").select_option("preventive")
    page.locator("#id_measure-owner").select_option(str(physio.user.pk))
    page.locator("#id_measure-description").fill("Nålebehandling gis liggende.")
    page.locator("#id_measure-due_on").fill((timezone.localdate() + datetime.timedelta(days=14)).isoformat())
    page.locator("[data-testid=add-measure]").click()
    expect(page.locator("[data-testid=measures]")).to_contain_text("Nålebehandling gis liggende.")
    page.locator("[data-testid=measure-done]").click()
    page.locator("#id_close-closing_summary").fill("Ingen nye tilfeller etter endringen.")
    page.locator("[data-testid=close-deviation]").click()
    expect(page.locator("[data-testid=deviation-status]").first).to_have_class(re.compile("badge-ok"))

    assert Deviation.objects.get().status == DeviationStatus.CLOSED
    assert set(AuditEvent.objects.filter(object_id=str(deviation.pk)).values_list("action", flat=True)) >= {
        "quality.deviation.reported",
        "quality.deviation.assessed",
        "quality.deviation.closed",
    }


def _tick_everything(page: Page) -> None:
    boxes = page.locator("[data-testid=check-form] input[type=checkbox]")
    for index in range(boxes.count()):
        boxes.nth(index).check()


@pytest.mark.browser
def test_preparedness_turns_green_only_when_the_kit_is_checked_countersigned_and_in_date(
    page: Page, clinic_a, use_session
):
    physio = make_persona("physio", clinic_a, Role.PHYSIO)
    doctor = make_persona("doctor", clinic_a, Role.DOCTOR)
    admin = make_persona("admin", clinic_a, Role.ADMIN)
    aed, kit, adrenaline = emergency_setup(admin, adrenaline_expires=timezone.localdate() - datetime.timedelta(days=1))
    check(actor_for(physio), aed)
    status = page.locator("[data-testid=preparedness-status]")

    use_session(doctor)
    page.goto("/internkontroll/oversikt/")
    expect(status).to_have_class(re.compile("badge-danger"))

    # The physio checks the kit: the expired adrenaline cannot be marked as in order.
    use_session(physio)
    page.goto(f"/internkontroll/utstyr/{kit.pk}/kontroll/")
    _tick_everything(page)
    page.locator("[data-testid=sign-check]").click()
    expect(page.locator("ul.errorlist")).to_contain_text("Adrenalin 1 mg/ml")
    assert not EquipmentCheck.objects.filter(equipment=kit).exists()

    # The administrator replaces it with a new lot.
    use_session(admin)
    page.goto(f"/internkontroll/innhold/{adrenaline.pk}/")
    page.locator("#id_lot_number").fill("NY-2291")
    page.locator("#id_expires_on").fill((timezone.localdate() + datetime.timedelta(days=300)).isoformat())
    page.locator("[data-testid=save-item]").click()
    expect(page.locator("[data-testid=items]")).to_contain_text("NY-2291")

    use_session(physio)
    page.goto(f"/internkontroll/utstyr/{kit.pk}/kontroll/")
    _tick_everything(page)
    page.locator("[data-testid=sign-check]").click()
    expect(page).to_have_url(re.compile(r"/internkontroll/kontroll/\d+/$"))
    kit_check = EquipmentCheck.objects.get(equipment=kit)
    assert kit_check.all_ok and kit_check.performed_by == physio.user

    # Checked and in date, but not yet countersigned: still not in order.
    use_session(doctor)
    page.goto("/internkontroll/oversikt/")
    expect(status).to_have_class(re.compile("badge-danger"))
    expect(page.locator("[data-testid=preparedness-findings]")).to_contain_text("Anafylaksiskrin")

    page.goto(f"/internkontroll/kontroll/{kit_check.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-testid=countersign]").click()
    expect(page.locator("[data-testid=countersigned]")).to_be_visible()

    page.goto("/internkontroll/oversikt/")
    expect(status).to_have_class(re.compile("badge-ok"))
    assert EquipmentCheck.objects.get(pk=kit_check.pk).countersigned_by == doctor.user
    assert kit.kind == EquipmentKind.ANAPHYLAXIS_KIT
