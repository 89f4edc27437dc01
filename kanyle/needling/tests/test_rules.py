"""The needle-treatment rules one by one, each named after the catalog rule it implements."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from kanyle.needling import rules
from kanyle.needling.models import (
    Caution,
    CautionDecision,
    NeedleSite,
    PlanGoal,
    ScreeningItem,
    Sensation,
    Session,
    SideEffectKind,
    SideEffectSeverity,
    SiteState,
)
from kanyle.needling.tests.factories import PlanFactory
from kanyle.patients.models import RiskKind
from kanyle.patients.tests.factories import RiskFlagFactory
from kanyle.staff.models import Profession
from kanyle.staff.tests.factories import CredentialFactory, PractitionerFactory

ON = datetime.date(2025, 3, 12)
T0 = datetime.datetime(2025, 3, 12, 9, 0, tzinfo=datetime.UTC)


def items(**present: str) -> list[ScreeningItem]:
    """Every caution answered; ``present`` maps caution → decision (with a reason)."""
    return [
        ScreeningItem(
            caution=c, present=c in present, decision=present.get(c, ""), note="Vurdert" if c in present else ""
        )
        for c in Caution.values
    ]


# NAL-1: shared decision and screening ------------------------------------------------------------------


@pytest.mark.django_db
def test_nal_1_no_session_without_a_plan():
    decision = rules.plan_agreed(plan=None)
    assert not decision and decision.rules == ["NAL-1"]


@pytest.mark.django_db
def test_nal_1_a_plan_the_patient_has_not_agreed_to_allows_no_session():
    plan = PlanFactory.build(agreed=False, discussed=True, patient_view="Vil tenke på det.")
    decision = rules.plan_agreed(plan=plan)
    assert not decision and decision.rules == ["NAL-1"]


def test_nal_1_agreement_needs_the_discussion_and_the_patients_view():
    decision = rules.shared_decision(discussed=False, patient_view=" ", agreed=True)
    assert decision.rules == ["NAL-1", "NAL-1"]
    assert rules.shared_decision(discussed=True, patient_view="Vil prøve.", agreed=True)


@pytest.mark.django_db
def test_nal_1_a_completed_course_allows_no_new_session():
    plan = PlanFactory.build(completed_on=ON)
    assert rules.plan_agreed(plan=plan).rules == ["NAL-1"]


@pytest.mark.django_db
def test_nal_1_screening_is_required_before_the_first_session():
    decision = rules.screening_current(screening=None, screened_flag_ids=[], flags=[])
    assert not decision and decision.rules == ["NAL-1"]


@pytest.mark.django_db
def test_nal_1_changed_risk_flags_call_for_a_new_screening(patient_a):
    flag = RiskFlagFactory(patient=patient_a, kind=RiskKind.ANTICOAGULANT)
    screening = object()
    assert rules.screening_current(screening=screening, screened_flag_ids=[flag.pk], flags=[flag])
    new = RiskFlagFactory(patient=patient_a, kind=RiskKind.PREGNANCY)
    assert rules.screening_current(screening=screening, screened_flag_ids=[flag.pk], flags=[flag, new]).rules == [
        "NAL-1"
    ]
    # A flag that does not bear on needle treatment (diabetes) changes nothing.
    other = RiskFlagFactory(patient=patient_a, kind=RiskKind.DIABETES)
    assert rules.screening_current(screening=screening, screened_flag_ids=[flag.pk], flags=[flag, other])


@pytest.mark.django_db
def test_nal_1_register_flags_cannot_be_ignored_in_the_screening(patient_a):
    flag = RiskFlagFactory(patient=patient_a, kind=RiskKind.ANTICOAGULANT)
    decision = rules.screening_complete(items=items(), flags=[flag])
    assert decision.rules == ["NAL-1"]
    assert rules.screening_complete(items=items(bleeding=CautionDecision.PRECAUTIONS), flags=[flag])


def test_nal_1_a_present_caution_needs_a_decision_and_a_reason():
    answered = items()
    answered[2].present = True  # pregnancy, without a decision or reason
    assert rules.screening_complete(items=answered, flags=[]).rules == ["NAL-1"]
    assert rules.screening_complete(items=answered[:3], flags=[]).rules == ["NAL-1", "NAL-1"]  # and unanswered ones


def test_nal_1_a_screening_against_needles_blocks_sessions():
    decision = rules.screening_permits_needles(items=items(needle_phobia=CautionDecision.NOT_TREAT))
    assert decision.rules == ["NAL-1"]
    assert rules.screening_permits_needles(items=items(pregnancy=CautionDecision.PRECAUTIONS))


# NAL-2: competence ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nal_2_only_a_physio_with_valid_training_gives_needle_treatment():
    physio = PractitionerFactory()
    assert rules.practitioner_competent(practitioner=physio, on=ON).rules == ["NAL-2"]
    CredentialFactory(practitioner=physio, issued_on=ON - datetime.timedelta(days=400))
    assert rules.practitioner_competent(practitioner=physio, on=ON)
    doctor = PractitionerFactory(profession=Profession.DOCTOR)
    CredentialFactory(practitioner=doctor, issued_on=ON - datetime.timedelta(days=400))
    assert rules.practitioner_competent(practitioner=doctor, on=ON).rules == ["NAL-2"]
    assert rules.practitioner_competent(practitioner=None, on=ON).rules == ["NAL-2"]


@pytest.mark.django_db
def test_nal_2_expired_or_unchecked_training_does_not_count():
    physio = PractitionerFactory()
    CredentialFactory(practitioner=physio, issued_on=datetime.date(2020, 1, 1), expires_on=datetime.date(2024, 1, 1))
    CredentialFactory(practitioner=physio, issued_on=datetime.date(2024, 6, 1), verified_by=None, verified_at=None)
    assert rules.practitioner_competent(practitioner=physio, on=ON).rules == ["NAL-2"]


# NAL-3: count and time -----------------------------------------------------------------------------------


def test_nal_3_every_needle_is_out_or_recorded_as_missing():
    sites = [NeedleSite(number=1, state=SiteState.REMOVED), NeedleSite(number=2, state=SiteState.IN)]
    decision = rules.needles_accounted_for(sites=sites)
    assert decision.rules == ["NAL-3"] and "2" in decision.messages[0]
    sites[1].state = SiteState.LOST
    assert rules.needles_accounted_for(sites=sites)


def test_nal_3_removal_before_insertion_and_absurd_durations_are_refused():
    assert rules.needle_time(inserted_at=T0, removed_at=T0 - datetime.timedelta(minutes=1)).rules == ["NAL-3"]
    assert rules.needle_time(inserted_at=T0, removed_at=T0 + datetime.timedelta(minutes=121)).rules == ["NAL-3"]
    assert rules.needle_time(inserted_at=T0, removed_at=T0 + datetime.timedelta(minutes=120))


def test_nal_3_past_the_clinics_limit_is_a_warning_not_a_refusal():
    out = T0 + datetime.timedelta(minutes=25)
    assert "25" in rules.needle_time_over_limit(inserted_at=T0, removed_at=out, limit_minutes=20)
    assert rules.needle_time_over_limit(inserted_at=T0, removed_at=out, limit_minutes=30) == ""
    assert rules.needle_time(inserted_at=T0, removed_at=out)


# NAL-4 / NAL-12: no current with a pacemaker --------------------------------------------------------------


@pytest.mark.django_db
def test_nal_4_a_pacemaker_flag_rules_out_electrical_stimulation(patient_a):
    flag = RiskFlagFactory(patient=patient_a, kind=RiskKind.PACEMAKER)
    assert rules.electrical_stimulation_allowed(flags=[flag], items=items()).rules == ["NAL-4"]
    flag.resolved_at = timezone.now()
    assert rules.electrical_stimulation_allowed(flags=[flag], items=items())


def test_nal_4_the_screening_can_rule_out_electrical_stimulation():
    decision = rules.electrical_stimulation_allowed(flags=[], items=items(epilepsy=CautionDecision.NO_ELECTRO))
    assert decision.rules == ["NAL-4"]
    found = rules.electrical_stimulation_allowed(flags=[], items=items(pacemaker=CautionDecision.NO_ELECTRO))
    assert found.rules == ["NAL-4"]


def test_nal_4_a_pacemaker_at_screening_cannot_be_treated_with_precautions_only():
    decision = rules.screening_complete(items=items(pacemaker=CautionDecision.PRECAUTIONS), flags=[])
    assert decision.rules == ["NAL-4"]


def test_nal_12_tens_is_electrical_stimulation_too():
    decision = rules.electrical_stimulation_allowed(
        flags=[], items=items(pacemaker=CautionDecision.NOT_TREAT), rule="NAL-12"
    )
    assert decision.rules == ["NAL-12"]


# NAL-5: it should not hurt ---------------------------------------------------------------------------------


def test_nal_5_sensation_and_pain_are_recorded_and_sharp_pain_explained():
    session = Session(sensation="", pain_during=None, response="")
    assert rules.sensation_recorded(session=session).rules == ["NAL-5", "NAL-5"]
    session.sensation, session.pain_during = Sensation.SHARP, 6
    assert rules.sensation_recorded(session=session).rules == ["NAL-5"]
    session.response = "Nålen trukket litt tilbake, smerten forsvant."
    assert rules.sensation_recorded(session=session)


# NAL-6: goals and combined measures -------------------------------------------------------------------------


def test_nal_6_goals_are_set_and_measurable():
    assert rules.goals_measurable(goals=[]).rules == ["NAL-6"]
    assert rules.goals_measurable(goals=[PlanGoal(activity="Bære handleposer", baseline=6, target=5)]).rules == [
        "NAL-6"
    ]
    assert rules.goals_measurable(goals=[PlanGoal(activity="Bære handleposer", baseline=3, target=8)])


def test_nal_6_needles_are_combined_with_other_measures():
    plan = PlanFactory.build(exercises="", information=" ", other_treatment="")
    assert rules.measures_combined(plan=plan).rules == ["NAL-6"]
    plan.other_treatment = "Massasje"
    assert rules.measures_combined(plan=plan)


# NAL-7: side effects -------------------------------------------------------------------------------------


def test_nal_7_a_suspected_pneumothorax_or_missing_needle_is_always_serious():
    for kind in (SideEffectKind.PNEUMOTHORAX, SideEffectKind.FORGOTTEN_NEEDLE):
        assert rules.side_effect_severity(kind=kind, severity=SideEffectSeverity.MODERATE).rules == ["NAL-7"]
        assert rules.side_effect_severity(kind=kind, severity=SideEffectSeverity.SERIOUS)
    assert rules.side_effect_severity(kind=SideEffectKind.BRUISING, severity=SideEffectSeverity.LOW)


def test_nal_7_serious_side_effects_are_deviations():
    assert rules.needs_deviation(severity=SideEffectSeverity.SERIOUS)
    assert rules.needs_deviation(severity=SideEffectSeverity.CRITICAL)
    assert not rules.needs_deviation(severity=SideEffectSeverity.MODERATE)


# NAL-11: the assessment comes first ------------------------------------------------------------------------


def test_nal_11_a_plan_rests_on_an_icf_assessment():
    assert rules.plan_can_be_made(assessment=None).rules == ["NAL-11"]
    assert rules.plan_can_be_made(assessment=object())
