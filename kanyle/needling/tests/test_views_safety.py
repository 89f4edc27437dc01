"""Side effects and their follow-up (NAL-7), TENS devices lent for home use (NAL-12), and the end of a course
with the patient's impression of change and the outcome chart (NAL-6)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from kanyle.needling.models import FollowUp, SideEffect, TensLoan
from kanyle.needling.tests.factories import SessionFactory
from kanyle.needling.tests.helpers import events, shows
from kanyle.outcomes.models import Instrument, Measurement, Phase
from kanyle.patients.models import RiskKind
from kanyle.patients.tests.factories import RiskFlagFactory
from kanyle.quality.models import Deviation


@pytest.fixture
def session(plan):
    return SessionFactory(plan=plan, number=1, signed_at=None)


def effect_data(**changes) -> dict:
    data = {
        "kind": "vasovagal",
        "severity": "serious",
        "occurred_at": "2025-03-12T10:00",
        "description": "Ble kaldsvett og besvimte kort etter at nålene var satt.",
        "action_taken": "Nålene fjernet, leiet flatt med bena høyt, kom seg etter to minutter.",
        "follow_up_on": "",
        "follow_up_task": "",
    }
    data.update(changes)
    return data


# Side effects (NAL-7) -------------------------------------------------------------------------------------


def test_nal_7_a_serious_side_effect_becomes_a_deviation_with_a_follow_up(client_as, physio, session):
    url = reverse("needling:side-effect-create", args=[session.pk])

    response = client_as(physio).post(url, effect_data())

    assert response.status_code == 302, response.context["form"].errors
    effect = SideEffect.objects.get()
    deviation = Deviation.objects.get()
    assert effect.deviation == deviation
    assert (deviation.category, deviation.severity, deviation.patient) == ("needling", "serious", session.patient)
    assert deviation.source == f"needling.sideeffect:{effect.pk}"
    assert "besvimte" in deviation.description and deviation.immediate_action.startswith("Nålene fjernet")
    follow_up = FollowUp.objects.get()
    assert follow_up.due_on == datetime.date(2025, 3, 13) and follow_up.assigned_to == session.practitioner
    assert events("needling.sideeffect.created") and events("quality.deviation.reported")
    assert events("needling.followup.created")


def test_nal_7_a_minor_side_effect_is_recorded_without_a_deviation(client_as, physio, session):
    response = client_as(physio).post(
        reverse("needling:side-effect-create", args=[session.pk]),
        effect_data(kind="bruising", severity="low", description="Lite blåmerke.", follow_up_on=""),
    )
    assert response.status_code == 302
    assert SideEffect.objects.get().deviation is None
    assert not Deviation.objects.exists() and not FollowUp.objects.exists()


def test_nal_7_a_doctor_may_record_a_side_effect_the_patient_reports(client_as, doctor, session):
    from kanyle.staff.models import Practitioner

    session.episode.members.add(Practitioner.objects.get(user=doctor.user))
    response = client_as(doctor).post(
        reverse("needling:side-effect-create", args=[session.pk]),
        effect_data(kind="soreness", severity="moderate", follow_up_on="2025-03-14", follow_up_task="Ring pasienten"),
    )
    assert response.status_code == 302
    assert FollowUp.objects.get().task == "Ring pasienten"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"kind": "pneumothorax", "severity": "moderate"},
            "“%(kind)s” is always a serious side effect: record it as serious or critical.",
        ),
        ({"occurred_at": "2025-03-10T10:00"}, "A side effect happens during or after the session, not before it."),
        ({"occurred_at": "2025-03-12T10:30"}, "A side effect cannot be recorded ahead of time."),
        ({"description": ""}, "This field is required."),
    ],
)
def test_nal_7_side_effects_with_bad_input_are_refused(client_as, physio, session, changes, message):
    response = client_as(physio).post(reverse("needling:side-effect-create", args=[session.pk]), effect_data(**changes))

    assert response.status_code == 400
    expected = gettext(message)
    if "%(kind)s" in expected:
        expected = expected % {"kind": gettext("Suspected pneumothorax")}
    assert shows(response, expected)
    assert not SideEffect.objects.exists() and not Deviation.objects.exists() and not FollowUp.objects.exists()


def test_nal_7_the_follow_up_is_done_with_its_outcome(client_as, physio, session):
    client = client_as(physio)
    client.post(reverse("needling:side-effect-create", args=[session.pk]), effect_data())
    follow_up = FollowUp.objects.get()
    url = reverse("needling:follow-up-done", args=[follow_up.pk])

    listed = client.get(reverse("needling:follow-up-list"))
    empty = client.post(url, {"outcome": "", "next": "list"})
    done = client.post(url, {"outcome": "Ringt, har det bra.", "next": "list"})
    again = client.post(url, {"outcome": "Igjen"})

    assert listed.status_code == 200 and shows(listed, session.patient.full_name)
    assert events("needling.followup.listed", patient=session.patient)
    assert empty.status_code == 400
    assert done.status_code == 302 and done["Location"] == reverse("needling:follow-up-list")
    assert again.status_code == 400 and shows(again, gettext("The follow-up is already done."))
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None and follow_up.outcome == "Ringt, har det bra."


def test_nal_7_follow_ups_are_for_clinicians_of_the_clinic(client_as, reception, admin, outsider, physio, session):
    client_as(physio).post(reverse("needling:side-effect-create", args=[session.pk]), effect_data())
    follow_up = FollowUp.objects.get()
    url = reverse("needling:follow-up-done", args=[follow_up.pk])
    assert client_as(reception).post(url, {"outcome": "x"}).status_code == 403
    assert client_as(admin).get(reverse("needling:follow-up-list")).status_code == 403
    assert client_as(outsider).post(url, {"outcome": "x"}).status_code == 404
    outsider_list = client_as(outsider).get(reverse("needling:follow-up-list"))
    assert not shows(outsider_list, session.patient.full_name)
    assert FollowUp.objects.get().done_at is None


# TENS devices lent for home use (NAL-12) --------------------------------------------------------------------


def loan_data(**changes) -> dict:
    data = {
        "device": "TENS-apparat nr. 3",
        "serial_number": "TN-0003",
        "mode": "conventional",
        "instructions": "30 minutter inntil tre ganger daglig.",
        "lent_on": "2025-03-12",
        "due_on": "2025-04-09",
    }
    data.update(changes)
    return data


def test_nal_12_a_tens_device_is_lent_with_a_return_date_and_comes_back(client_as, physio, plan):
    client = client_as(physio)

    response = client.post(reverse("needling:loan-create", args=[plan.pk]), loan_data())

    assert response.status_code == 302
    loan = TensLoan.objects.get()
    assert (loan.due_on, loan.lent_by, loan.patient) == (datetime.date(2025, 4, 9), plan.practitioner, plan.patient)
    back = client.post(reverse("needling:loan-return", args=[loan.pk]), {"returned_on": "2025-03-12"})
    assert back.status_code == 302
    loan.refresh_from_db()
    assert loan.returned_on == datetime.date(2025, 3, 12)
    assert [e.action for e in events("needling.loan.created")] and events("needling.loan.returned")
    twice = client.post(reverse("needling:loan-return", args=[loan.pk]), {"returned_on": "2025-03-12"})
    assert twice.status_code == 400 and shows(twice, gettext("The device is already returned."))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"due_on": "2025-03-01"}, "The return date cannot be before the loan starts."),
        ({"due_on": "2026-06-01"}, "A device is lent for at most a year."),
        ({"device": ""}, "This field is required."),
    ],
)
def test_nal_12_a_loan_needs_a_sensible_return_date(client_as, physio, plan, changes, message):
    response = client_as(physio).post(reverse("needling:loan-create", args=[plan.pk]), loan_data(**changes))
    assert response.status_code == 400
    assert shows(response, gettext(message))
    assert not TensLoan.objects.exists()


def test_nal_12_no_tens_device_for_a_patient_with_a_pacemaker(client_as, physio, plan):
    RiskFlagFactory(patient=plan.patient, kind=RiskKind.PACEMAKER)
    response = client_as(physio).post(reverse("needling:loan-create", args=[plan.pk]), loan_data())
    assert response.status_code == 400
    assert shows(
        response, gettext("The patient has a pacemaker or ICD: electrical stimulation and TENS are not allowed.")
    )
    assert not TensLoan.objects.exists()


def test_nal_12_a_bad_return_date_is_refused(client_as, physio, plan):
    client = client_as(physio)
    client.post(reverse("needling:loan-create", args=[plan.pk]), loan_data())
    loan = TensLoan.objects.get()
    response = client.post(reverse("needling:loan-return", args=[loan.pk]), {"returned_on": "2025-03-01"})
    assert response.status_code == 400
    assert shows(response, gettext("The return date must lie between the day it was lent and today."))
    loan.refresh_from_db()
    assert loan.returned_on is None


# The end of the course and the outcome chart (NAL-6) ----------------------------------------------------


def _sign_session(client, plan, goal, *, before: str, after: str, psfs: str) -> None:
    """One session through the views: start, one needle in and out, sign with the scores."""
    client.post(
        reverse("needling:session-create", args=[plan.pk]),
        {"kind": "needling", "occurred_at": "2025-03-12T10:00", "pain_before": before},
    )
    session = plan.sessions.order_by("-number").first()
    client.post(reverse("needling:site-add", args=[session.pk]), SITE)
    client.post(reverse("needling:site-remove", args=[session.sites.get().pk]))
    response = client.post(
        reverse("needling:session-save", args=[session.pk]),
        {
            "occurred_at": "2025-03-12T10:00",
            "sensation": "expected",
            "pain_during": "2",
            "pain_before": before,
            "pain_after": after,
            f"psfs_{goal.pk}": psfs,
            "sign": "1",
        },
    )
    assert response.status_code == 302


SITE = {
    "region": "upper_trapezius",
    "side": "right",
    "length_mm": "30",
    "gauge_mm": "0.25",
    "technique": "dry_needling",
    "stimulation": "manual",
}


def test_nal_6_the_course_ends_with_pgic_and_the_chart_shows_the_improvement(client_as, physio, plan):
    goal = plan.goals.get()
    client = client_as(physio)
    url = reverse("needling:course-complete", args=[plan.pk])
    end = {"pgic": "6", "pain_now": "2", "completed_on": "2025-03-12", f"psfs_{goal.pk}": "8"}
    assert client.post(url, end).status_code == 400  # not before a signed session
    _sign_session(client, plan, goal, before="6", after="4", psfs="4")
    _sign_session(client, plan, goal, before="4", after="3", psfs="6")
    client.post(
        reverse("needling:session-create", args=[plan.pk]), {"kind": "needling", "occurred_at": "2025-03-12T10:00"}
    )

    draft_left = client.post(url, end)
    assert draft_left.status_code == 400
    assert shows(draft_left, gettext("Sign or finish the sessions still in draft before completing the course."))
    plan.sessions.filter(signed_at__isnull=True).delete()
    bad = client.post(url, {**end, "pgic": "9"})
    assert bad.status_code == 400 and not Measurement.objects.filter(instrument=Instrument.PGIC).exists()

    done = client.post(url, end)

    assert done.status_code == 302
    plan.refresh_from_db()
    assert plan.completed_on == datetime.date(2025, 3, 12)
    assert {(m.instrument, m.value) for m in Measurement.objects.filter(phase=Phase.END)} == {
        (Instrument.PGIC, 6),
        (Instrument.NPRS, 2),
        (Instrument.PSFS, 8),
    }
    assert events("needling.plan.completed")
    chart = client.get(reverse("needling:course", args=[plan.episode_id])).context["chart"]
    before, after = chart.panels[0].series
    assert [p.value for p in before.points] == [6, 4, 2]  # before each session, then at the end
    assert [p.value for p in after.points] == [4, 3]
    assert chart.ticks[-1].label == gettext("End")
    function = chart.panels[1].series[0]
    assert [p.value for p in function.points] == [4, 6, 8] and function.target == 8  # improving to the target
    assert chart.pgic.value == 6
    new = client.post(
        reverse("needling:session-create", args=[plan.pk]), {"kind": "needling", "occurred_at": "2025-03-12T10:00"}
    )
    assert new.status_code == 400
    assert shows(new, gettext("The course is completed: make a new plan with the patient first."))


def test_the_follow_up_list_has_a_fixed_number_of_queries(
    client_as, physio, plan, clinic_a, reception, django_assert_max_num_queries
):
    from kanyle.needling.tests.factories import matrix_sample
    from kanyle.patients.tests.factories import PatientFactory

    client = client_as(physio)
    url = reverse("needling:follow-up-list")
    matrix_sample(PatientFactory(clinic=clinic_a, created_by=reception.user), plan.practitioner)
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(4):
        matrix_sample(PatientFactory(clinic=clinic_a, created_by=reception.user), plan.practitioner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["follow_ups"]) == 5
