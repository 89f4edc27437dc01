"""The rules the first half of the chain asks: each answer names its rule ID."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kanyle.injections import rules
from kanyle.injections.builders import assessment_values
from kanyle.injections.models import (
    Assessment,
    Consent,
    ConsentMethod,
    DrugOrder,
    ProcedureType,
    Side,
    Status,
)
from kanyle.injections.models import Decision as AssessmentDecision
from kanyle.injections.tests import factories
from kanyle.injections.tests.factories import (
    add_assessment,
    add_consent,
    add_exam,
    make_competent,
    make_drug,
)
from kanyle.journal.tests.factories import ReferralFactory
from kanyle.medications.models import DrugCategory
from kanyle.staff.models import CredentialKind

pytestmark = pytest.mark.django_db

# The chain's fixtures: the doctor's and the physio's practitioner, an episode they started for patient_a.
doc, phys, ie = factories.doc, factories.phys, factories.ie


def test_inj_g1_a_gp_referral_with_a_doctor_and_a_known_gp_may_start(clinic_a, patient_a, doc):
    decision = rules.episode_start_allowed(
        clinic=clinic_a, patient=patient_a, referral=ReferralFactory(patient=patient_a), doctor=doc
    )
    assert decision.ok


def test_inj_g1_self_referral_only_where_the_clinic_allows_it(clinic_a, patient_a, doc):
    referral = ReferralFactory(patient=patient_a, self_referral=True)
    assert rules.episode_start_allowed(clinic=clinic_a, patient=patient_a, referral=referral, doctor=doc).rules == [
        "INJ-G1"
    ]
    clinic_a.accepts_self_referrals_for_injection = True
    assert rules.episode_start_allowed(clinic=clinic_a, patient=patient_a, referral=referral, doctor=doc).ok


def test_inj_g4_gp_unknown_is_refused_and_no_gp_recorded_is_accepted(clinic_a, patient_a, doc):
    referral = ReferralFactory(patient=patient_a)
    patient_a.gp_name = ""
    assert (
        "INJ-G4" in rules.episode_start_allowed(clinic=clinic_a, patient=patient_a, referral=referral, doctor=doc).rules
    )
    patient_a.has_no_gp = True
    assert rules.episode_start_allowed(clinic=clinic_a, patient=patient_a, referral=referral, doctor=doc).ok


def test_inj_p1_examiner_is_the_doctor_or_a_physio_with_msk_ultrasound(doc, phys):
    today = timezone.localdate()
    assert rules.examiner_allowed(practitioner=doc, on=today).ok
    assert rules.examiner_allowed(practitioner=phys, on=today).rules == ["INJ-P1"]
    make_competent(phys, kinds=(CredentialKind.MSK_ULTRASOUND,))
    assert rules.examiner_allowed(practitioner=phys, on=today).ok


def _assessment(doc, **overrides) -> Assessment:
    return Assessment(doctor=doc, **assessment_values(**overrides))


def test_inj_d1_only_a_doctor_assesses_and_a_diagnosis_is_set(doc, phys):
    assert rules.assessor_allowed(practitioner=phys).rules == ["INJ-D1"]
    assert rules.assessment_valid(assessment=_assessment(doc), site_limit=3, has_diagnosis=False).rules == ["INJ-D1"]
    assert rules.assessment_valid(assessment=_assessment(doc), site_limit=3, has_diagnosis=True).ok


def test_inj_d2_absolute_blocks_relative_and_site_limit_need_justification(doc):
    def check(**overrides):
        return rules.assessment_valid(assessment=_assessment(doc, **overrides), site_limit=3, has_diagnosis=True)

    assert check(skin_lesion=True).rules == ["INJ-D2"]
    assert check(skin_lesion=True, decision=AssessmentDecision.NOT_INDICATED).ok
    assert check(pregnancy=True).rules == ["INJ-D2"]
    assert check(pregnancy=True, contraindication_comment="Etter samråd med gynekolog.").ok
    assert check(earlier_injections_12m=3).rules == ["INJ-D2"]
    assert check(earlier_injections_12m=2).ok
    assert check(risk_flags_reviewed=False).rules == ["INJ-D2"]


def test_inj_d3_law_c_consent_by_the_doctor_after_a_decision_to_inject(ie, doc, phys):
    add_exam(ie, phys)
    consent = Consent(doctor=doc, method=ConsentMethod.CONFIRMED, **dict.fromkeys(rules.CONSENT_EXPLANATIONS, True))
    assert "INJ-D2" in rules.consent_valid_to_record(consent=consent, episode=ie).rules
    add_assessment(ie, doc)
    assert rules.consent_valid_to_record(consent=consent, episode=ie).ok
    consent.doctor = phys
    assert rules.consent_valid_to_record(consent=consent, episode=ie).rules == ["INJ-D3"]
    consent.doctor, consent.explained_allergy = doc, False
    assert rules.consent_valid_to_record(consent=consent, episode=ie).rules == ["LAW-C"]


def _order(doc, drug, **overrides) -> DrugOrder:
    values = {
        "doctor": doc,
        "procedure_type": ProcedureType.CORTICOSTEROID,
        "drug": drug,
        "dose": Decimal("40"),
        "volume_ml": Decimal("1"),
        "target_structure": "Bursa",
        "side": Side.RIGHT,
        "approach": "In-plane",
        "ultrasound_guided": True,
        "valid_until": timezone.localdate() + datetime.timedelta(days=30),
    }
    values.update(overrides)
    return DrugOrder(**values)


def test_inj_d4_law_m_inj_g3_order_rules(doctor, outsider, ie, doc, phys):
    add_exam(ie, phys)
    add_assessment(ie, doc)
    drug = make_drug(doctor.clinic, doctor.user)
    today = timezone.localdate()
    assert "INJ-D3" in rules.order_valid_to_sign(order=_order(doc, drug), episode=ie, on=today).rules
    add_consent(ie, doc)

    def check(**overrides):
        order = _order(doc, overrides.pop("drug", drug), **overrides)
        return rules.order_valid_to_sign(order=order, episode=ie, on=today).rules

    assert check() == []
    assert check(doctor=phys) == ["INJ-D4"]
    assert check(dose=Decimal("0")) == ["INJ-D4"]
    assert check(drug=make_drug(outsider.clinic, outsider.user)) == ["LAW-M"]
    assert check(procedure_type=ProcedureType.ASPIRATION) == ["INJ-G3"]
    assert check(procedure_type=ProcedureType.ASPIRATION, drug=None, dose=None) == []
    lidocaine = make_drug(doctor.clinic, doctor.user, name="Lidokain", category=DrugCategory.LOCAL_ANAESTHETIC)
    assert check(drug=lidocaine) == ["INJ-G3"]
    assert check(ultrasound_guided=False) == ["INJ-G2"]
    assert check(valid_until=today - datetime.timedelta(days=1)) == ["INJ-D4"]


def test_law_c_an_ended_episode_takes_no_more_steps(ie):
    ie.status, ie.exit_reason = Status.WITHDRAWN, "Trukket"  # not saved: the rule reads the object
    assert rules.transition_allowed(episode=ie, to=Status.ORDERED).rules == ["INJ-G1"]
    assert rules.transition_allowed(episode=ie, to=Status.DECLINED).rules == ["INJ-G1"]
