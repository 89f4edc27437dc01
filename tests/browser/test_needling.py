"""Needle treatment end to end: a trained physio runs a course in the browser.

Assessment, plan with the shared decision, screening pre-filled from a risk flag; a session with needles
placed on the body chart by mouse and by keyboard, electrical stimulation, a refused signature while one
needle is still in, then signing into the journal; a serious side effect that becomes a deviation; a TENS
session; and the end of the course with an improving outcome chart.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from conftest import make_persona
from kanyle.clinics.models import Role
from kanyle.journal.models import EpisodeKind, Note
from kanyle.journal.tests.factories import EpisodeFactory
from kanyle.needling.models import ElectroChannel, NeedleSite, Plan, Session, SideEffect, SiteState, TensSetting
from kanyle.outcomes.models import Instrument, Measurement
from kanyle.patients.models import RiskKind
from kanyle.patients.tests.factories import PatientFactory, RiskFlagFactory
from kanyle.quality.models import Deviation
from kanyle.staff.models import Practitioner
from kanyle.staff.tests.factories import CredentialFactory


def _accept_next_dialog(page: Page) -> None:
    page.once("dialog", lambda dialog: dialog.accept())


def _settled(page: Page) -> None:
    """Wait until htmx has swapped and wired up the new work area (its settle step takes a moment)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")


def _sign(page: Page) -> None:
    _accept_next_dialog(page)
    page.locator("[data-testid=sign-session]").click()


@pytest.mark.browser
def test_a_trained_physio_runs_a_needle_course(page: Page, clinic_a, use_session):
    physio = make_persona("physio", clinic_a, Role.PHYSIO)
    practitioner = Practitioner.objects.get(user=physio.user, clinic=clinic_a)
    CredentialFactory(practitioner=practitioner)
    patient = PatientFactory(clinic=clinic_a, given_name="Kari", family_name="Nordmann", created_by=physio.user)
    RiskFlagFactory(patient=patient, kind=RiskKind.ANTICOAGULANT, detail="Apixaban")
    episode = EpisodeFactory(patient=patient, responsible=practitioner, kind=EpisodeKind.NEEDLING, title="Nakkesmerter")
    use_session(physio)

    # 1. The ICF assessment (NAL-11).
    page.goto(f"/nalebehandling/forlop/{episode.pk}/")
    page.locator("[data-testid=new-assessment]").click()
    page.locator("input[name=pain_type][value=nociceptive]").check()
    page.locator("#id_body_functions").fill("Aktive triggerpunkter i øvre trapezius, nedsatt rotasjon i nakken.")
    page.locator("#id_activities").fill("Klarer ikke å sitte ved PC mer enn en time.")
    page.locator("#id_participation").fill("Sykemeldt 40 % fra kontorjobb.")
    page.locator("#id_pain_now").fill("7")
    page.locator("[data-testid=save-assessment]").click()

    # 2. The plan: a measurable goal, combined measures and the shared decision (NAL-1, NAL-6).
    page.locator("[data-testid=new-plan]").click()
    page.locator("#id_indication").fill("Myofasciale nakkesmerter med aktive triggerpunkter.")
    page.locator("#id_planned_sessions").fill("6")
    page.locator("#id_goal_1_activity").fill("Sitte ved PC en hel arbeidsdag")
    page.locator("#id_goal_1_baseline").fill("3")
    page.locator("#id_goal_1_target").fill("8")
    page.locator("#id_exercises").fill("Daglige øvelser for nakke og skulderblad.")
    page.locator("#id_discussed").check()
    page.locator("#id_patient_view").fill("Vil gjerne prøve nåler, litt spent på stikket.")
    page.locator("#id_agreed").check()
    page.locator("[data-testid=save-plan]").click()
    expect(page.locator("[data-testid=shared-decision]")).to_contain_text(gettext("Agreed"))
    expect(page.locator("[data-testid=session-blocked]")).to_be_visible()  # not screened yet

    # 3. Screening: the register's anticoagulant flag is ticked already and needs a decision.
    page.locator("[data-testid=new-screening]").click()
    expect(page.locator("#id_bleeding_present")).to_be_checked()
    page.locator("#id_bleeding_decision").select_option("precautions")
    page.locator("#id_bleeding_note").fill("Tynne nåler, kompresjon etter uttak.")
    page.locator("[data-testid=save-screening]").click()

    # 4. A needle session: three needles, two by mouse and one by keyboard.
    page.locator("[data-testid=new-needle-session]").click()
    page.locator("#id_pain_before").fill("6")
    page.locator("[data-testid=start-session]").click()
    expect(page.locator("[data-testid=session-title]")).to_be_visible()
    page.locator("#region-upper_trapezius-right").click()
    expect(page.locator("[data-testid=site-1]")).to_be_visible()
    _settled(page)
    page.locator("#region-upper_trapezius-left").click()
    expect(page.locator("[data-testid=site-2]")).to_be_visible()
    _settled(page)
    region = page.locator("#region-infraspinatus-right")
    region.focus()
    expect(region).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid=site-3]")).to_be_visible()
    expect(page.locator("#region-infraspinatus-right")).to_be_focused()  # the keyboard user keeps their place
    expect(page.locator("[data-testid=count-in]")).to_contain_text("3")
    expect(page.locator("[data-testid=marker]")).to_have_count(3)
    _settled(page)
    session = Session.objects.get()
    assert [(s.region, s.side) for s in session.sites.order_by("number")] == [
        ("upper_trapezius", "right"),
        ("upper_trapezius", "left"),
        ("infraspinatus", "right"),
    ]

    # Electrical stimulation between needles 1 and 2 (NAL-4).
    form = page.locator("[data-testid=channel-form]")
    form.locator("#id_site_a").select_option(index=1)
    form.locator("#id_site_b").select_option(index=2)
    form.locator("#id_intensity_ma").fill("4.5")
    form.locator("[data-testid=add-channel]").click()
    expect(page.locator("[data-testid=channels]")).to_contain_text("2 Hz")
    _settled(page)
    assert ElectroChannel.objects.get().intensity_ma == 4.5

    # Two needles out; signing with the third still in is refused (NAL-3).
    page.locator("[data-testid=remove-1]").click()
    expect(page.locator("[data-testid=site-1]")).to_contain_text(gettext("Removed"))
    _settled(page)
    page.locator("[data-testid=remove-2]").click()
    expect(page.locator("[data-testid=count-in]")).to_contain_text("1")
    _settled(page)
    page.locator("input[name=sensation][value=expected]").check()
    page.locator("#id_pain_during").fill("2")
    page.locator("#id_pain_after").fill("4")
    _sign(page)
    blocked = gettext("%(count)d needle is still in (no. %(numbers)s): remove it, or record it as missing.") % {
        "count": 1,
        "numbers": "3",
    }
    expect(page.locator("[data-testid=details-form]")).to_contain_text(blocked)
    expect(page.locator("[data-testid=session-status]")).to_have_text(gettext("Draft"))
    assert not Note.objects.exists()

    # The last needle out, and the session signs into the journal.
    page.locator("[data-testid=remove-3]").click()
    expect(page.locator("[data-testid=count-in]")).to_contain_text("0")
    _settled(page)
    page.locator("input[name=sensation][value=expected]").check()
    page.locator("#id_pain_during").fill("2")
    page.locator("#id_pain_after").fill("4")
    _sign(page)
    expect(page).to_have_url(re.compile(rf"/nalebehandling/forlop/{episode.pk}/$"))
    session.refresh_from_db()
    assert session.is_signed and session.note.is_signed
    assert not session.sites.filter(state=SiteState.IN).exists() and session.sites.count() == 3
    assert "2 Hz" in session.note.interventions

    # 5. A serious side effect becomes a deviation with a follow-up (NAL-7).
    page.locator("[data-testid=session-row] a").first.click()
    page.locator("[data-testid=record-side-effect]").click()
    page.locator("#id_kind").select_option("vasovagal")
    page.locator("input[name=severity][value=serious]").check()
    page.locator("#id_description").fill("Ble kaldsvett og besvimte kort etter at nålene var satt.")
    page.locator("#id_action_taken").fill("Leiet flatt med bena høyt, kom seg raskt.")
    page.locator("[data-testid=save-side-effect]").click()
    deviation = Deviation.objects.get()
    expect(page.locator("[data-testid=deviation-ref]")).to_contain_text(str(deviation.pk))
    assert SideEffect.objects.get().deviation == deviation and deviation.severity == "serious"

    # 6. A TENS session: electrodes by keyboard (Space) and by mouse, parameters, times (NAL-12).
    page.goto(f"/nalebehandling/forlop/{episode.pk}/")
    page.locator("[data-testid=new-tens-session]").click()
    page.locator("#id_pain_before").fill("5")
    page.locator("[data-testid=start-session]").click()
    page.locator("#region-lumbar_paraspinals-right").focus()
    page.keyboard.press(" ")
    expect(page.locator("[data-testid=electrode-1]")).to_be_visible()
    _settled(page)
    page.locator("#region-lumbar_paraspinals-left").click()
    expect(page.locator("[data-testid=electrode-2]")).to_be_visible()
    _settled(page)
    tens = page.locator("[data-testid=tens-form]")
    tens.locator("#id_frequency_hz").fill("500")
    tens.locator("#id_pulse_width_us").fill("200")
    tens.locator("#id_intensity_ma").fill("20")
    tens.locator("#id_duration_minutes").fill("30")
    tens.locator("[data-testid=save-tens]").click()
    expect(page.locator("[data-testid=tens-form]")).to_contain_text(
        gettext("The frequency must be between 1 and 200 Hz.")
    )
    assert not TensSetting.objects.exists()
    _settled(page)
    page.locator("[data-testid=tens-form] #id_frequency_hz").fill("100")
    page.locator("[data-testid=save-tens]").click()
    expect(page.locator("[data-testid=tens-summary]")).to_contain_text("100 Hz")
    _settled(page)
    off = timezone.localtime() + datetime.timedelta(minutes=2)
    page.locator("#id_removed_at").fill(off.strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=sensation][value=expected]").check()
    page.locator("#id_pain_during").fill("1")
    page.locator("#id_pain_after").fill("3")
    _sign(page)
    expect(page).to_have_url(re.compile(rf"/nalebehandling/forlop/{episode.pk}/$"))
    assert Session.objects.filter(kind="tens", signed_at__isnull=False).exists()

    # 7. The end of the course: the patient's impression of change, and the curve goes the right way (NAL-6).
    page.locator("[data-testid=complete-course]").click()
    page.locator("input[name=pgic][value='6']").check()
    page.locator("#id_pain_now").fill("2")
    page.locator("[name^=psfs_]").fill("8")
    page.locator("[data-testid=save-course-end]").click()
    expect(page.locator("[data-testid=pgic]")).to_contain_text("6")
    expect(page.locator("[data-testid=outcome-chart] svg polyline").first).to_be_visible()
    assert Plan.objects.get().completed_on is not None
    pain = list(
        Measurement.objects.filter(instrument=Instrument.NPRS)
        .order_by("occasion", "phase")
        .values_list("value", flat=True)
    )
    assert pain[0] == 7 and pain[-1] == 2
    assert NeedleSite.objects.filter(state=SiteState.IN).count() == 0
