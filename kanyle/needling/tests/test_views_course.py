"""The course of an episode: ICF assessment (NAL-11), plan with goals and combined measures (NAL-6), the shared
decision (NAL-1), screening, the outcome chart and the end of the course.

Every view: happy path, bad input (400, the message, nothing saved), another clinic → 404, a role without the
capability → 403, anonymous → login; reads and writes are logged.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from kanyle.journal.models import EpisodeKind
from kanyle.journal.tests.factories import EpisodeFactory
from kanyle.needling.models import Assessment, Caution, CautionDecision, Plan, Screening
from kanyle.needling.tests.factories import SessionFactory, course_for
from kanyle.needling.tests.helpers import events, shows
from kanyle.outcomes.models import Instrument, Measurement, Phase
from kanyle.patients.models import RiskKind
from kanyle.patients.tests.factories import RiskFlagFactory


@pytest.fixture
def episode(clock, patient_a, trained):
    return EpisodeFactory(patient=patient_a, responsible=trained, kind=EpisodeKind.NEEDLING, title="Nakkesmerter")


def assessment_data(**changes) -> dict:
    data = {
        "pain_type": "nociceptive",
        "body_functions": "Triggerpunkt i øvre trapezius, nedsatt rotasjon.",
        "activities": "Vansker med PC-arbeid over en time.",
        "participation": "Sykemeldt 50 %.",
        "environmental_factors": "",
        "personal_factors": "Redd for varige smerter.",
        "pain_now": "7",
    }
    data.update(changes)
    return data


def plan_data(**changes) -> dict:
    data = {
        "indication": "Myofasciale nakkesmerter.",
        "planned_sessions": "6",
        "goal_1_activity": "Sitte ved PC en arbeidsdag",
        "goal_1_baseline": "3",
        "goal_1_target": "8",
        "goal_2_activity": "",
        "goal_2_baseline": "",
        "goal_2_target": "",
        "goal_3_activity": "",
        "goal_3_baseline": "",
        "goal_3_target": "",
        "exercises": "Tøyning og styrke daglig.",
        "information": "",
        "other_treatment": "",
        "discussed": "on",
        "patient_view": "Vil gjerne prøve nåler.",
        "agreed": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def screening_data(**present: tuple[str, str]) -> dict:
    data = {}
    for caution in Caution.values:
        if caution in present:
            data[f"{caution}_present"] = "on"
            data[f"{caution}_decision"], data[f"{caution}_note"] = present[caution]
    return data


# Assessment (NAL-11) ---------------------------------------------------------------------------------------


def test_nal_11_the_physio_records_an_icf_assessment_with_the_type_of_pain(client_as, physio, episode, trained):
    url = reverse("needling:assessment-create", args=[episode.pk])

    response = client_as(physio).post(url, assessment_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("needling:course", args=[episode.pk])
    assessment = Assessment.objects.get()
    assert (assessment.episode, assessment.practitioner, assessment.pain_type) == (episode, trained, "nociceptive")
    assert events("needling.assessment.created", patient=episode.patient)
    pain = Measurement.objects.get(instrument=Instrument.NPRS, phase=Phase.BASELINE)
    assert (pain.value, pain.occasion) == (7, 0)


def test_nal_11_an_assessment_needs_the_icf_components_and_a_pain_type(client_as, physio, episode):
    url = reverse("needling:assessment-create", args=[episode.pk])

    response = client_as(physio).post(url, assessment_data(activities="", pain_type="unknown"))

    assert response.status_code == 400
    assert shows(response, gettext("This field is required."))
    assert not Assessment.objects.exists() and not Measurement.objects.exists()


def test_nal_11_pain_now_out_of_range_is_refused(client_as, physio, episode):
    response = client_as(physio).post(
        reverse("needling:assessment-create", args=[episode.pk]), assessment_data(pain_now="11")
    )
    assert response.status_code == 400
    assert shows(response, gettext("Pain is scored from 0 (none) to 10 (worst imaginable)."))
    assert not Assessment.objects.exists()


def test_nal_11_needle_treatment_is_recorded_in_a_needling_episode(client_as, physio, patient_a, trained, clock):
    general = EpisodeFactory(patient=patient_a, responsible=trained, kind=EpisodeKind.GENERAL)
    response = client_as(physio).post(reverse("needling:assessment-create", args=[general.pk]), assessment_data())
    assert response.status_code == 400
    assert shows(response, gettext("Needle treatment is recorded in a needle treatment episode of care."))
    assert not Assessment.objects.exists()


def test_nal_11_no_plan_before_the_assessment(client_as, physio, episode):
    url = reverse("needling:plan-create", args=[episode.pk])
    page = client_as(physio).get(url)
    assert page.status_code == 200
    message = gettext("Record the ICF assessment with the type of pain before making a needle-treatment plan.")
    assert shows(page, message)

    response = client_as(physio).post(url, plan_data())

    assert response.status_code == 400 and shows(response, message)
    assert not Plan.objects.exists()


# Plan and shared decision (NAL-1, NAL-6) -----------------------------------------------------------------


@pytest.fixture
def assessed(client_as, physio, episode):
    client_as(physio).post(reverse("needling:assessment-create", args=[episode.pk]), assessment_data())
    return episode


def test_nal_6_a_plan_with_a_measurable_goal_combined_measures_and_the_shared_decision(client_as, physio, assessed):
    response = client_as(physio).post(reverse("needling:plan-create", args=[assessed.pk]), plan_data())

    assert response.status_code == 302
    plan = Plan.objects.get()
    assert plan.is_agreed and plan.decided_at is not None and plan.planned_sessions == 6
    goal = plan.goals.get()
    assert (goal.activity, goal.baseline, goal.target) == ("Sitte ved PC en arbeidsdag", 3, 8)
    baseline = Measurement.objects.get(instrument=Instrument.PSFS)
    assert (baseline.value, baseline.item_key, baseline.phase) == (3, goal.item_key, Phase.BASELINE)
    assert events("needling.plan.created", patient=assessed.patient)[0].detail == "agreed"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"goal_1_activity": "", "goal_1_baseline": "", "goal_1_target": ""},
            "Set at least one goal with the patient: an activity, today's score and a target.",
        ),
        ({"goal_1_target": "2"}, "The target for “%(activity)s” must be better than today's score."),
        ({"goal_1_target": ""}, "Every goal needs an activity, today's score and a target."),
        ({"goal_1_baseline": "12"}, "A PSFS score is from 0 (unable) to 10 (as before the problem)."),
        (
            {"exercises": ""},
            "Combine needle treatment with exercises, information or other treatment, and write which (NAL-6).",
        ),
        ({"planned_sessions": "0"}, "Plan between 1 and 30 sessions."),
    ],
)
def test_nal_6_goals_must_be_measurable_and_needles_combined(client_as, physio, assessed, changes, message):
    response = client_as(physio).post(reverse("needling:plan-create", args=[assessed.pk]), plan_data(**changes))

    assert response.status_code == 400
    expected = gettext(message)
    if "%(activity)s" in expected:
        expected = expected % {"activity": "Sitte ved PC en arbeidsdag"}
    assert shows(response, expected)
    assert not Plan.objects.exists()
    assert not Measurement.objects.filter(instrument=Instrument.PSFS).exists()


def test_nal_1_an_agreement_needs_the_discussion_and_the_patients_view(client_as, physio, assessed):
    response = client_as(physio).post(
        reverse("needling:plan-create", args=[assessed.pk]), plan_data(discussed=None, patient_view="")
    )
    assert response.status_code == 400
    assert shows(response, gettext("Needle treatment has not been discussed with the patient."))
    assert shows(response, gettext("Write down the patient's own view of needle treatment."))
    assert not Plan.objects.exists()


def test_nal_1_the_decision_can_be_recorded_later_and_withdrawn(client_as, physio, assessed):
    client = client_as(physio)
    client.post(reverse("needling:plan-create", args=[assessed.pk]), plan_data(agreed=None, patient_view="Vil tenke."))
    plan = Plan.objects.get()
    assert not plan.is_agreed
    url = reverse("needling:plan-decision", args=[plan.pk])

    response = client.post(url, {"discussed": "on", "patient_view": "Vil prøve likevel.", "agreed": "on"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.is_agreed and plan.decided_at is not None

    client.post(url, {"discussed": "on", "patient_view": "Ønsker ikke flere nåler.", "agreed": ""})
    plan.refresh_from_db()
    assert not plan.agreed
    assert [e.detail for e in events("needling.plan.decided")] == ["agreed", "not agreed"]


def test_nal_1_an_episode_has_one_plan(client_as, physio, assessed):
    client = client_as(physio)
    client.post(reverse("needling:plan-create", args=[assessed.pk]), plan_data())
    response = client.post(reverse("needling:plan-create", args=[assessed.pk]), plan_data(indication="Ny plan"))
    assert response.status_code == 400
    assert shows(response, gettext("This episode already has a needle-treatment plan."))
    assert Plan.objects.count() == 1


# Screening ----------------------------------------------------------------------------------------------


def test_nal_1_the_screening_is_prefilled_from_the_risk_flags(client_as, physio, plan):
    RiskFlagFactory(patient=plan.patient, kind=RiskKind.ANTICOAGULANT, detail="Apixaban")
    RiskFlagFactory(patient=plan.patient, kind=RiskKind.DIABETES)  # no caution for needles

    page = client_as(physio).get(reverse("needling:screening-create", args=[plan.pk]))

    form = page.context["form"]
    assert form["bleeding_present"].initial is True
    assert not form["pregnancy_present"].initial
    assert shows(page, "Apixaban")
    assert events("needling.course.viewed", detail="screening form")


def test_nal_1_a_flagged_caution_needs_a_decision_and_is_saved_with_the_flags(client_as, physio, plan):
    flag = RiskFlagFactory(patient=plan.patient, kind=RiskKind.ANTICOAGULANT)
    url = reverse("needling:screening-create", args=[plan.pk])
    client = client_as(physio)
    before = Screening.objects.count()

    ignored = client.post(url, screening_data())
    assert ignored.status_code == 400
    assert Screening.objects.count() == before

    undecided = client.post(url, {"bleeding_present": "on"})
    assert undecided.status_code == 400
    message = gettext("“%(caution)s” is present: choose a clinical decision and write the reason.")
    assert shows(undecided, message % {"caution": Caution.BLEEDING.label})
    assert Screening.objects.count() == before

    done = client.post(url, screening_data(bleeding=(CautionDecision.PRECAUTIONS, "Tynne nåler, kompresjon etterpå.")))
    assert done.status_code == 302
    screening = Screening.objects.order_by("-id").first()
    assert list(screening.risk_flags.all()) == [flag]
    assert screening.items.get(caution=Caution.BLEEDING).decision == CautionDecision.PRECAUTIONS
    assert events("needling.screening.created")[0].detail == "bleeding"


def test_nal_4_pacemaker_cannot_be_screened_as_precautions_only(client_as, physio, plan):
    RiskFlagFactory(patient=plan.patient, kind=RiskKind.PACEMAKER)
    before = Screening.objects.count()
    response = client_as(physio).post(
        reverse("needling:screening-create", args=[plan.pk]),
        screening_data(pacemaker=(CautionDecision.PRECAUTIONS, "Har pacemaker.")),
    )
    assert response.status_code == 400
    assert shows(
        response,
        gettext("A pacemaker or ICD rules out electrical stimulation: choose needles without it, or no needles."),
    )
    assert Screening.objects.count() == before


# The course page and the outcome chart --------------------------------------------------------------------


def test_the_course_page_shows_the_steps_and_is_logged(client_as, physio, plan):
    response = client_as(physio).get(reverse("needling:course", args=[plan.episode_id]))

    assert response.status_code == 200
    assert shows(response, plan.indication)
    assert response.context["start"]["needling"].ok
    assert events("needling.course.viewed", patient=plan.patient)


def test_nal_2_others_see_why_they_cannot_start_a_session(client_as, physio, patient_a, practitioner_a, clock):
    plan = course_for(patient_a, practitioner_a, credential=False)

    response = client_as(physio).get(reverse("needling:course", args=[plan.episode_id]))

    decision = response.context["start"]["needling"]
    assert decision.rules == ["NAL-2"]
    assert shows(response, decision.findings[0].message)
    assert b'data-testid="new-needle-session"' not in response.content


def test_the_course_page_has_a_fixed_number_of_queries(client_as, physio, plan, django_assert_max_num_queries):
    client = client_as(physio)
    url = reverse("needling:course", args=[plan.episode_id])
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for number in range(2, 6):
        SessionFactory(plan=plan, number=number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_outcome_chart_alone_for_the_episode_page(client_as, physio, doctor, plan):
    response = client_as(physio).get(reverse("needling:outcome-chart", args=[plan.episode_id]))
    assert response.status_code == 200
    assert b'data-testid="outcome-chart"' in response.content
    assert events("outcomes.chart.viewed", patient=plan.patient)


def test_a_clinician_without_a_treatment_relation_is_asked_for_a_reason(client_as, doctor, plan):
    response = client_as(doctor).get(reverse("needling:course", args=[plan.episode_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:emergency-access", args=[plan.patient_id])


# Access -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("needling:assessment-create", "episode"),
        ("needling:plan-create", "episode"),
        ("needling:plan-decision", "plan"),
        ("needling:screening-create", "plan"),
        ("needling:course-complete", "plan"),
    ],
)
def test_only_physios_write_the_course_and_only_in_their_clinic(
    name, arg, client_as, doctor, reception, admin, outsider, plan
):
    url = reverse(name, args=[plan.episode_id if arg == "episode" else plan.pk])
    for persona in (doctor, reception, admin):
        assert client_as(persona).post(url, {}).status_code == 403
    assert client_as(outsider).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))


def test_reading_the_course_needs_the_journal(client_as, reception, admin, outsider, plan):
    url = reverse("needling:course", args=[plan.episode_id])
    assert client_as(reception).get(url).status_code == 403
    assert client_as(admin).get(url).status_code == 403
    assert client_as(outsider).get(url).status_code == 404
