"""Needle and TENS sessions through the views: starting (NAL-1, NAL-2), needles on the body chart and the
count (NAL-3), electrical stimulation (NAL-4), sensation (NAL-5), TENS (NAL-12) and signing into the journal.

Bad input gets 400 and a clear message, and nothing is saved; another clinic's objects are 404; a role
without ``can_record_needling`` gets 403; anonymous users go to the login page.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from conftest import make_persona
from kanyle.clinics.models import Role
from kanyle.journal.models import Note
from kanyle.needling import selectors
from kanyle.needling.models import (
    Caution,
    CautionDecision,
    ElectroChannel,
    FollowUp,
    NeedleSite,
    Session,
    SessionKind,
    SideEffect,
    SiteState,
    Stimulation,
    TensElectrode,
    TensSetting,
)
from kanyle.needling.tests.factories import SiteFactory, course_for, screen
from kanyle.needling.tests.helpers import events, shows
from kanyle.outcomes.models import Instrument, Measurement, Phase
from kanyle.patients.models import RiskKind
from kanyle.patients.tests.factories import RiskFlagFactory
from kanyle.quality.models import Deviation, Severity
from kanyle.staff.models import CredentialKind, Practitioner
from kanyle.staff.tests.factories import CredentialFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def start(client, plan, kind: str = SessionKind.NEEDLING, **changes):
    data = {"kind": kind, "occurred_at": "2025-03-12T10:00", "pain_before": "6"}
    data.update(changes)
    return client.post(reverse("needling:session-create", args=[plan.pk]), data)


def started(client, plan, kind: str = SessionKind.NEEDLING) -> Session:
    response = start(client, plan, kind)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Session.objects.order_by("-id").first()


def site_data(**changes) -> dict:
    data = {
        "region": "upper_trapezius",
        "side": "right",
        "x": "",
        "y": "",
        "length_mm": "30",
        "gauge_mm": "0.25",
        "depth_mm": "",
        "technique": "dry_needling",
        "stimulation": "manual",
    }
    data.update(changes)
    return data


def place(client, session, **changes):
    return client.post(reverse("needling:site-add", args=[session.pk]), site_data(**changes))


def remove(client, site):
    return client.post(reverse("needling:site-remove", args=[site.pk]))


def details(session, **changes) -> dict:
    data = {
        "occurred_at": "2025-03-12T10:00",
        "inserted_at": "",
        "removed_at": "",
        "sensation": "expected",
        "pain_during": "2",
        "response": "Kjente trykk og dump verk, ingen skarp smerte.",
        "pain_before": "6",
        "pain_after": "3",
    }
    for goal in session.plan.goals.all():
        data[f"psfs_{goal.pk}"] = "4"
    data.update(changes)
    return data


def save(client, session, sign: bool = False, **changes):
    data = details(session, **changes)
    if sign:
        data["sign"] = "1"
    return client.post(reverse("needling:session-save", args=[session.pk]), data)


# Starting a session (NAL-1, NAL-2) ---------------------------------------------------------------------


def test_nal_1_a_session_starts_from_an_agreed_plan(client_as, physio, plan):
    response = start(client_as(physio), plan)

    session = Session.objects.get()
    assert response["Location"] == reverse("needling:session", args=[session.pk])
    assert (session.number, session.kind, session.plan, session.episode) == (1, "needling", plan, plan.episode)
    assert session.screening == plan.screenings.get()
    pain = Measurement.objects.get(source=session.source)
    assert (pain.instrument, pain.phase, pain.value, pain.occasion) == (Instrument.NPRS, Phase.BEFORE, 6, 1)
    assert events("needling.session.created", patient=plan.patient)


def test_nal_1_no_session_without_the_patients_agreement(client_as, physio, plan):
    plan.agreed, plan.patient_view = False, "Vil tenke på det."
    plan.save()

    response = start(client_as(physio), plan)

    assert response.status_code == 400
    assert shows(response, gettext("The patient has not agreed to needle treatment."))
    assert not Session.objects.exists() and not Measurement.objects.filter(instrument=Instrument.NPRS).exists()


def test_nal_1_no_session_before_the_screening(client_as, physio, patient_a, trained, clock):
    plan = course_for(patient_a, trained, credential=False, screened=False)

    response = start(client_as(physio), plan)

    assert response.status_code == 400
    assert shows(response, gettext("Screen the patient for contraindications and cautions before the first session."))
    assert not Session.objects.exists()


def test_nal_1_a_new_risk_flag_calls_for_a_new_screening(client_as, physio, plan):
    RiskFlagFactory(patient=plan.patient, kind=RiskKind.PREGNANCY)

    response = start(client_as(physio), plan)

    assert response.status_code == 400
    assert shows(
        response, gettext("The patient's risk flags have changed since the last screening: screen the patient again.")
    )
    assert not Session.objects.exists()


def test_nal_1_a_screening_against_needles_stops_sessions(client_as, physio, plan):
    screen(plan, present={Caution.NEEDLE_PHOBIA: (CautionDecision.NOT_TREAT, "Sterk nåleskrekk.")})
    response = start(client_as(physio), plan)
    assert response.status_code == 400
    assert not Session.objects.exists()


def test_nal_2_a_physio_without_the_training_cannot_record_a_session(
    client_as, physio, patient_a, practitioner_a, clock
):
    plan = course_for(patient_a, practitioner_a, credential=False)

    page = client_as(physio).get(reverse("needling:session-create", args=[plan.pk]))
    response = start(client_as(physio), plan)

    message = gettext("%(name)s has no verified, valid credential for %(kind)s on %(date)s.") % {
        "name": practitioner_a.user.display_name,
        "kind": CredentialKind.NEEDLING.label,
        "date": "12.03.2025",
    }
    assert shows(page, message)
    assert response.status_code == 400 and shows(response, message)
    assert not Session.objects.exists()


def test_nal_2_only_physios_record_needle_treatment(client_as, doctor, reception, admin, plan):
    for persona in (doctor, reception, admin):
        assert start(client_as(persona), plan).status_code == 403
    assert not Session.objects.exists()


# Needles on the body chart and the count (NAL-3) ----------------------------------------------------------


def test_nal_3_place_three_needles_remove_them_and_sign(client_as, physio, plan, clock):
    client = client_as(physio)
    session = started(client, plan)
    place(client, session)
    place(client, session, side="left", x="76", y="80")  # a click inside the region, back view
    place(client, session, region="infraspinatus", side="right", depth_mm="20")
    sites = list(NeedleSite.objects.filter(session=session).order_by("number"))
    assert [(s.number, s.region, s.side, s.view, s.state) for s in sites] == [
        (1, "upper_trapezius", "right", "back", "in"),
        (2, "upper_trapezius", "left", "back", "in"),
        (3, "infraspinatus", "right", "back", "in"),
    ]
    assert (sites[1].x, sites[1].y) == (76, 80)
    assert (sites[0].x, sites[0].y) == (124, 80)  # the region's middle on the patient's right, seen from behind
    clock.shift(datetime.timedelta(minutes=15))
    for site in sites:
        assert remove(client, site).status_code == 302

    response = save(client, session, sign=True)

    assert response.status_code == 302, response.content.decode()[:3000]
    session.refresh_from_db()
    assert session.is_signed and session.duration_minutes == 15
    note = session.note
    assert note.is_signed and note.encounter.episode == plan.episode and note.author == plan.practitioner
    counts = gettext(
        "Needles: %(count)s in, %(removed)s removed, %(lost)s missing. In %(start)s, out %(end)s (%(minutes)s min)."
    ) % {"count": 3, "removed": 3, "lost": 0, "start": "10:00", "end": "10:15", "minutes": 15}
    assert counts in note.interventions
    assert "(15 min)" in note.interventions and str(gettext("Upper trapezius")) in note.interventions
    assert {m.phase: m.value for m in Measurement.objects.filter(source=session.source, instrument="nprs")} == {
        "before": 6,
        "after": 3,
    }
    assert [e.action for e in events("needling.session.signed")] == ["needling.session.signed"]
    assert events("journal.note.signed", patient=plan.patient)


def test_nal_3_signing_with_a_needle_still_in_is_refused(client_as, physio, plan, clock):
    client = client_as(physio)
    session = started(client, plan)
    place(client, session)
    place(client, session, side="left")
    first = NeedleSite.objects.get(session=session, number=1)
    remove(client, first)

    response = save(client, session, sign=True, pain_after="1")

    assert response.status_code == 400
    message = gettext("%(count)d needle is still in (no. %(numbers)s): remove it, or record it as missing.")
    assert shows(response, message % {"count": 1, "numbers": "2"})
    session.refresh_from_db()
    assert not session.is_signed and session.note is None and not Note.objects.exists()
    # All or nothing: the refused signature saved none of the details either.
    assert session.sensation == "" and not Measurement.objects.filter(phase=Phase.AFTER).exists()


def test_nal_3_a_missing_needle_is_a_serious_deviation_and_then_the_session_signs(client_as, physio, plan, clock):
    client = client_as(physio)
    session = started(client, plan)
    place(client, session)
    place(client, session, side="left")
    remove(client, NeedleSite.objects.get(session=session, number=1))
    missing = NeedleSite.objects.get(session=session, number=2)
    url = reverse("needling:site-missing", args=[missing.pk])

    short = client.post(url, {"description": "Borte"})
    assert short.status_code == 400
    assert shows(short, gettext("Describe what happened and what was done, in at least 10 characters."))
    assert not Deviation.objects.exists()

    response = client.post(url, {"description": "Nålen ble ikke funnet etter behandling; benk og klær undersøkt."})

    assert response.status_code == 302
    missing.refresh_from_db()
    effect = missing.side_effect
    assert missing.state == SiteState.LOST and effect.kind == "forgotten_needle" and effect.severity == "serious"
    deviation = effect.deviation
    assert (deviation.category, deviation.severity, deviation.patient) == ("needling", Severity.SERIOUS, plan.patient)
    assert deviation.source == f"needling.sideeffect:{effect.pk}" and deviation.notification_required
    assert FollowUp.objects.get(side_effect=effect).assigned_to == plan.practitioner
    assert events("needling.site.lost")[0].flagged

    signed = save(client, session, sign=True)
    assert signed.status_code == 302
    session.refresh_from_db()
    assert session.is_signed
    assert f"{deviation.pk}" in session.note.assessment


@pytest.mark.parametrize(
    ("inserted", "removed", "message"),
    [
        ("2025-03-12T09:40", "2025-03-12T09:20", "The needles cannot come out before they went in: check the times."),
        (
            "2025-03-12T07:00",
            "2025-03-12T09:30",
            "Needles in for more than 120 minutes is not a plausible treatment time: check the times.",
        ),
    ],
)
def test_nal_3_impossible_times_are_refused(client_as, physio, plan, clock, inserted, removed, message):
    client = client_as(physio)
    session = started(client, plan)

    response = save(client, session, inserted_at=inserted, removed_at=removed)

    assert response.status_code == 400
    assert shows(response, gettext(message))
    session.refresh_from_db()
    assert session.inserted_at is None and session.removed_at is None and session.sensation == ""


def test_nal_3_needles_in_past_the_clinics_limit_warn_and_the_note_says_so(client_as, physio, plan, clock):
    client = client_as(physio)
    session = started(client, plan)
    place(client, session)
    clock.shift(datetime.timedelta(minutes=25))
    remove(client, NeedleSite.objects.get(session=session))

    page = client.get(reverse("needling:session", args=[session.pk]))
    warning = gettext(
        "The needles were in for %(minutes)d minutes, longer than the clinic's limit of %(limit)d minutes (NAL-3)."
    ) % {"minutes": 25, "limit": 20}
    assert shows(page, warning)
    assert save(client, session, sign=True).status_code == 302
    session.refresh_from_db()
    assert warning in session.note.interventions


def test_nal_3_a_site_must_be_a_known_region_and_the_click_inside_it(client_as, physio, plan):
    client = client_as(physio)
    session = started(client, plan)

    unknown = place(client, session, region="heart")
    outside = place(client, session, x="5", y="400")
    too_long = place(client, session, length_mm="400")
    too_deep = place(client, session, length_mm="30", depth_mm="45")

    assert unknown.status_code == outside.status_code == too_long.status_code == too_deep.status_code == 400
    assert shows(outside, gettext("The point is outside the chosen region: click inside it on the chart."))
    assert shows(too_long, gettext("A needle is between 5 and 150 mm long."))
    assert shows(too_deep, gettext("The depth cannot be more than the needle's length."))
    assert not NeedleSite.objects.exists()


def test_the_chart_answers_htmx_with_the_work_area_and_shows_refusals_in_place(client_as, physio, plan):
    client = client_as(physio)
    session = started(client, plan)

    placed = client.post(reverse("needling:site-add", args=[session.pk]), site_data(), **HTMX)
    refused = client.post(reverse("needling:site-add", args=[session.pk]), site_data(gauge_mm="0.9"), **HTMX)

    assert placed.status_code == 200 and b'id="session-work"' in placed.content and b"<html" not in placed.content
    assert b'data-testid="marker"' in placed.content
    assert refused.status_code == 400 and shows(refused, gettext("A needle's diameter is between 0.12 and 0.40 mm."))
    assert NeedleSite.objects.count() == 1


def test_a_removed_needle_cannot_be_removed_again(client_as, physio, plan):
    client = client_as(physio)
    session = started(client, plan)
    place(client, session)
    site = NeedleSite.objects.get()
    remove(client, site)

    again = client.post(reverse("needling:site-remove", args=[site.pk]), **HTMX)

    assert again.status_code == 400
    assert shows(again, gettext("Needle no. %(number)s is not in.") % {"number": 1})


# Electrical stimulation (NAL-4) --------------------------------------------------------------------------


def channel_data(session, **changes) -> dict:
    a, b = NeedleSite.objects.filter(session=session).order_by("number")[:2]
    data = {
        "site_a": a.pk,
        "site_b": b.pk,
        "frequency_hz": "2",
        "pulse_width_us": "250",
        "intensity_ma": "4.5",
        "waveform": "dense_disperse",
        "duration_minutes": "15",
    }
    data.update(changes)
    return data


@pytest.fixture
def two_needles(client_as, physio, plan):
    client = client_as(physio)
    session = started(client, plan)
    place(client, session)
    place(client, session, side="left")
    return client, session


def test_nal_4_electrical_stimulation_is_recorded_with_its_parameters(two_needles, clock):
    client, session = two_needles

    response = client.post(reverse("needling:channel-add", args=[session.pk]), channel_data(session))

    assert response.status_code == 302
    channel = ElectroChannel.objects.get()
    assert (channel.frequency_hz, channel.pulse_width_us, str(channel.intensity_ma), channel.duration_minutes) == (
        2,
        250,
        "4.5",
        15,
    )
    assert set(NeedleSite.objects.values_list("stimulation", flat=True)) == {Stimulation.ELECTRICAL}
    assert events("needling.electro.added")
    clock.shift(datetime.timedelta(minutes=16))
    for site in NeedleSite.objects.all():
        remove(client, site)
    assert save(client, session, sign=True).status_code == 302
    session.refresh_from_db()
    assert "2 Hz" in session.note.interventions and "250 µs" in session.note.interventions


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"intensity_ma": "500"}, "The intensity must be between 0 and 80 mA."),
        ({"intensity_ma": "-1"}, "The intensity must be between 0 and 80 mA."),
        ({"frequency_hz": "0"}, "The frequency must be between 1 and 200 Hz."),
        ({"frequency_hz": "1000"}, "The frequency must be between 1 and 200 Hz."),
        ({"pulse_width_us": "5"}, "The pulse width must be between 20 and 1000 µs."),
        ({"duration_minutes": "121"}, "The duration must be between 1 and 120 minutes."),
    ],
)
def test_nal_4_negative_or_absurd_parameters_are_refused(two_needles, changes, message):
    client, session = two_needles

    response = client.post(reverse("needling:channel-add", args=[session.pk]), channel_data(session, **changes))

    assert response.status_code == 400
    assert shows(response, gettext(message))
    assert not ElectroChannel.objects.exists()
    assert set(NeedleSite.objects.values_list("stimulation", flat=True)) == {Stimulation.MANUAL}


def test_nal_4_one_needle_cannot_be_paired_with_itself(two_needles):
    client, session = two_needles
    data = channel_data(session)
    data["site_b"] = data["site_a"]
    response = client.post(reverse("needling:channel-add", args=[session.pk]), data)
    assert response.status_code == 400
    assert shows(response, gettext("Connect two different needles."))
    assert not ElectroChannel.objects.exists()


def test_nal_4_no_electrical_stimulation_for_a_patient_with_a_pacemaker(two_needles, plan):
    client, session = two_needles
    flag = RiskFlagFactory(patient=plan.patient, kind=RiskKind.PACEMAKER)
    message = gettext("The patient has a pacemaker or ICD: electrical stimulation and TENS are not allowed.")

    channel = client.post(reverse("needling:channel-add", args=[session.pk]), channel_data(session))
    electrical_site = place(client, session, region="infraspinatus", stimulation="electrical")
    page = client.get(reverse("needling:session", args=[session.pk]))

    assert channel.status_code == 400 and shows(channel, message)
    assert electrical_site.status_code == 400 and shows(electrical_site, message)
    assert not ElectroChannel.objects.exists() and NeedleSite.objects.count() == 2
    assert shows(page, message) and b'data-testid="channel-form"' not in page.content
    assert flag.is_active


# Sensation and pain (NAL-5) -----------------------------------------------------------------------------


def test_nal_5_signing_needs_the_sensation_and_the_pain_during_treatment(client_as, physio, plan, clock):
    client = client_as(physio)
    session = started(client, plan)
    place(client, session)
    remove(client, NeedleSite.objects.get())

    missing = save(client, session, sign=True, sensation="", pain_during="")
    sharp = save(client, session, sign=True, sensation="sharp", pain_during="6", response="")
    absurd = save(client, session, pain_during="11")

    assert missing.status_code == sharp.status_code == absurd.status_code == 400
    assert shows(missing, gettext("Record what the patient felt (pressure or dull ache, sharp pain, nothing)."))
    assert shows(missing, gettext("Record the patient's pain during treatment (0–10)."))
    assert shows(sharp, gettext("Needle treatment should not hurt: write what was done about the sharp pain."))
    assert shows(absurd, gettext("Pain is scored from 0 (none) to 10 (worst imaginable)."))
    session.refresh_from_db()
    assert not session.is_signed and session.pain_during is None


def test_nal_5_pain_scores_out_of_range_are_refused(client_as, physio, plan):
    client = client_as(physio)
    session = started(client, plan)
    response = save(client, session, pain_after="-2")
    assert response.status_code == 400
    assert not Measurement.objects.filter(phase=Phase.AFTER).exists()


# TENS (NAL-12) ---------------------------------------------------------------------------------------------


def tens_data(**changes) -> dict:
    data = {
        "mode": "conventional",
        "frequency_hz": "100",
        "pulse_width_us": "200",
        "intensity_ma": "20",
        "duration_minutes": "30",
    }
    data.update(changes)
    return data


def test_nal_12_a_tens_session_with_electrodes_on_the_chart_and_its_parameters(client_as, physio, plan, clock):
    client = client_as(physio)
    session = started(client, plan, SessionKind.TENS)
    for side in ("right", "left"):
        client.post(
            reverse("needling:electrode-add", args=[session.pk]), {"region": "lumbar_paraspinals", "side": side}
        )
    needle = place(client, session)
    saved = client.post(reverse("needling:tens-save", args=[session.pk]), tens_data())

    assert needle.status_code == 400
    assert saved.status_code == 302
    assert TensElectrode.objects.filter(session=session).count() == 2
    assert TensSetting.objects.get(session=session).frequency_hz == 100
    refused = save(client, session, sign=True)
    assert refused.status_code == 400  # the electrodes' off time is not recorded yet
    clock.shift(datetime.timedelta(minutes=25))
    response = save(client, session, sign=True, removed_at="2025-03-12T10:25")
    assert response.status_code == 302, response.context["details_form"].errors
    session.refresh_from_db()
    assert session.is_signed and "100 Hz" in session.note.interventions
    assert events("needling.tens.saved") and events("needling.electrode.placed")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"intensity_ma": "500"}, "The intensity must be between 0 and 80 mA."),
        ({"frequency_hz": "0"}, "The frequency must be between 1 and 200 Hz."),
        ({"duration_minutes": "600"}, "The duration must be between 1 and 120 minutes."),
    ],
)
def test_nal_12_absurd_tens_parameters_are_refused(client_as, physio, plan, changes, message):
    client = client_as(physio)
    session = started(client, plan, SessionKind.TENS)
    response = client.post(reverse("needling:tens-save", args=[session.pk]), tens_data(**changes))
    assert response.status_code == 400
    assert shows(response, gettext(message))
    assert not TensSetting.objects.exists()


def test_nal_12_no_tens_for_a_patient_with_a_pacemaker(client_as, physio, plan):
    flag = RiskFlagFactory(patient=plan.patient, kind=RiskKind.PACEMAKER)
    screen(
        plan, present={Caution.PACEMAKER: (CautionDecision.NO_ELECTRO, "Pacemaker, kun manuelle nåler.")}, flags=[flag]
    )

    tens = start(client_as(physio), plan, SessionKind.TENS)
    needles = start(client_as(physio), plan, SessionKind.NEEDLING)

    assert tens.status_code == 400
    assert shows(tens, gettext("The patient has a pacemaker or ICD: electrical stimulation and TENS are not allowed."))
    assert needles.status_code == 302  # needles without current are still possible
    assert list(Session.objects.values_list("kind", flat=True)) == ["needling"]


# The signed session --------------------------------------------------------------------------------------


def test_a_signed_session_cannot_be_changed(client_as, physio, plan, clock):
    client = client_as(physio)
    session = started(client, plan)
    place(client, session)
    remove(client, NeedleSite.objects.get())
    save(client, session, sign=True)

    response = place(client, session)

    assert response.status_code == 400
    assert shows(response, gettext("The session is signed and cannot be changed."))
    assert NeedleSite.objects.count() == 1


def test_only_the_treating_physio_changes_the_draft(client_as, physio, plan, clinic_a, clock):
    colleague = make_persona("kollega", clinic_a, Role.PHYSIO)
    colleague_practitioner = Practitioner.objects.get(user=colleague.user)
    CredentialFactory(practitioner=colleague_practitioner, issued_on=datetime.date(2023, 1, 1))
    plan.episode.members.add(colleague_practitioner)
    session = started(client_as(physio), plan)

    response = place(client_as(colleague), session)

    assert response.status_code == 400
    assert shows(response, gettext("Only the practitioner who gives the treatment can change the session."))
    assert not NeedleSite.objects.exists()


def test_the_session_page_is_logged_and_has_a_fixed_number_of_queries(
    client_as, physio, plan, django_assert_max_num_queries
):
    client = client_as(physio)
    session = started(client, plan)
    url = reverse("needling:session", args=[session.pk])
    SiteFactory(session=session, number=1)
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for number in range(2, 9):
        SiteFactory(session=session, number=number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200 and len(response.context["sites"]) == 8
    assert events("needling.session.viewed", patient=plan.patient)


def test_billing_reads_the_signed_sessions(client_as, physio, plan, clock):
    client = client_as(physio)
    session = started(client, plan)
    place(client, session)
    remove(client, NeedleSite.objects.get())
    save(client, session, sign=True)
    draft = started(client, plan)

    start_of_day = datetime.datetime(2025, 3, 12, tzinfo=datetime.UTC)
    rows = list(
        selectors.signed_sessions(clinic=plan.clinic, start=start_of_day, end=start_of_day + datetime.timedelta(days=1))
    )

    assert rows == [Session.objects.get(pk=session.pk)]
    row = rows[0]
    assert (row.patient, row.practitioner, row.episode, row.kind) == (
        plan.patient,
        plan.practitioner,
        plan.episode,
        "needling",
    )
    assert draft not in rows


# Access ----------------------------------------------------------------------------------------------------


def test_session_urls_refuse_other_roles_clinics_and_anonymous(client_as, physio, doctor, reception, outsider, plan):
    session = started(client_as(physio), plan)
    place(client_as(physio), session)
    site = NeedleSite.objects.get()
    writes = [
        reverse("needling:site-add", args=[session.pk]),
        reverse("needling:site-remove", args=[site.pk]),
        reverse("needling:site-missing", args=[site.pk]),
        reverse("needling:session-save", args=[session.pk]),
        reverse("needling:channel-add", args=[session.pk]),
        reverse("needling:tens-save", args=[session.pk]),
        reverse("needling:electrode-add", args=[session.pk]),
    ]
    for url in writes:
        assert client_as(doctor).post(url, {}).status_code == 403, url
        assert client_as(reception).post(url, {}).status_code == 403, url
        assert client_as(outsider).post(url, {}).status_code == 404, url
        assert Client().post(url, {}).status_code == 302, url
    read = reverse("needling:session", args=[session.pk])
    assert client_as(reception).get(read).status_code == 403
    assert client_as(outsider).get(read).status_code == 404
    assert NeedleSite.objects.get().state == SiteState.IN and not SideEffect.objects.exists()
