"""Services of the chain's first half: each step is refused with its rule ID, nothing saved; or recorded, signed."""

from __future__ import annotations

import base64
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.injections.builders import assessment_values
from kanyle.injections.models import (
    Assessment,
    Consent,
    ConsentMethod,
    ConsentText,
    DrugOrder,
    InjectionEpisode,
    Procedure,
    ProcedureStatus,
    ProcedureType,
    Side,
    Status,
    UltrasoundExam,
)
from kanyle.injections.models import Decision as AssessmentDecision
from kanyle.injections.rules import CONSENT_EXPLANATIONS
from kanyle.injections.services import chain as services
from kanyle.injections.tests import factories
from kanyle.injections.tests.factories import (
    add_assessment,
    add_consent,
    add_exam,
    add_order,
    add_procedure,
    make_batch,
    make_competent,
    make_drug,
    set_status,
    start_episode,
)
from kanyle.journal.models import Attachment, DiagnosisCode, EpisodeKind, Note, ReferralStatus
from kanyle.journal.tests.factories import ReferralFactory
from kanyle.journal.tests.files import png_bytes
from kanyle.medications.models import DrugCategory
from kanyle.staff.models import CredentialKind

pytestmark = pytest.mark.django_db

# The chain's fixtures: the doctor's and the physio's practitioner, an episode they started for patient_a.
doc, phys, ie = factories.doc, factories.phys, factories.ie


def actor_of(persona) -> Actor:
    return Actor(user=persona.user, clinic=persona.clinic, role=persona.role)


def code(key: str = "L92") -> DiagnosisCode:
    return DiagnosisCode.objects.get(system="icpc2", code=key)


def new_assessment(**overrides) -> Assessment:
    return Assessment(**assessment_values(**overrides))


def new_consent(**overrides) -> Consent:
    values = dict.fromkeys(CONSENT_EXPLANATIONS, True)
    values["method"] = ConsentMethod.CONFIRMED
    values.update(overrides)
    return Consent(**values)


def new_order(drug, **overrides) -> DrugOrder:
    values = {
        "procedure_type": ProcedureType.CORTICOSTEROID,
        "drug": drug,
        "dose": Decimal("40"),
        "volume_ml": Decimal("1"),
        "target_structure": "Subakromial bursa",
        "side": Side.RIGHT,
        "approach": "In-plane",
        "ultrasound_guided": True,
        "valid_until": timezone.localdate() + datetime.timedelta(days=30),
    }
    values.update(overrides)
    return DrugOrder(**values)


def refused(call, rule: str) -> list[str]:
    with pytest.raises(ValidationError) as error:
        call()
    assert any(f"({rule})" in message for message in error.value.messages), error.value.messages
    return error.value.messages


# Start (INJ-G1, INJ-G4) -------------------------------------------------------------------------------


def test_inj_g1_start_creates_the_journal_episode_with_the_doctor_responsible_and_accepts_the_referral(
    doctor, doc, phys, patient_a
):
    referral = ReferralFactory(patient=patient_a)

    ie = services.episode_start(actor=actor_of(doctor), patient=patient_a, referral=referral, doctor=doc, physio=phys)

    assert ie.status == Status.REFERRED
    assert ie.episode.kind == EpisodeKind.INJECTION
    assert ie.episode.responsible == doc
    assert list(ie.episode.members.all()) == [phys]
    assert ie.episode.referral == referral
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert AuditEvent.objects.filter(action="injections.episode.started", patient=patient_a).exists()


def test_inj_g1_self_referral_is_refused_unless_the_clinic_accepts_them(doctor, doc, phys, patient_a):
    referral = ReferralFactory(patient=patient_a, self_referral=True)

    refused(
        lambda: services.episode_start(
            actor=actor_of(doctor), patient=patient_a, referral=referral, doctor=doc, physio=phys
        ),
        "INJ-G1",
    )
    assert InjectionEpisode.objects.count() == 0

    clinic = doctor.clinic
    clinic.accepts_self_referrals_for_injection = True
    clinic.save()
    ie = services.episode_start(actor=actor_of(doctor), patient=patient_a, referral=referral, doctor=doc, physio=phys)
    assert ie.episode.referral == referral


def test_inj_g4_unknown_gp_blocks_the_start(doctor, doc, patient_a):
    patient_a.gp_name = ""
    patient_a.save()
    referral = ReferralFactory(patient=patient_a)

    refused(
        lambda: services.episode_start(actor=actor_of(doctor), patient=patient_a, referral=referral, doctor=doc),
        "INJ-G4",
    )
    assert InjectionEpisode.objects.count() == 0

    patient_a.has_no_gp = True
    patient_a.save()
    assert services.episode_start(actor=actor_of(doctor), patient=patient_a, referral=referral, doctor=doc).pk


def test_inj_d1_a_physio_cannot_be_the_responsible_doctor(physio, phys, patient_a):
    referral = ReferralFactory(patient=patient_a)
    refused(
        lambda: services.episode_start(actor=actor_of(physio), patient=patient_a, referral=referral, doctor=phys),
        "INJ-D1",
    )


# Ultrasound exam (INJ-P1) -----------------------------------------------------------------------------


def exam() -> UltrasoundExam:
    return UltrasoundExam(
        structures="Supraspinatussene, subakromial bursa",
        findings="Fortykket bursa med væske.",
        measurements="3,1 mm",
        conclusion="Subakromial bursitt.",
    )


def test_inj_p1_physio_without_msk_ultrasound_cannot_record_the_exam(physio, phys, ie):
    refused(lambda: services.exam_record(actor=actor_of(physio), practitioner=phys, episode=ie, exam=exam()), "INJ-P1")

    ie.refresh_from_db()
    assert ie.status == Status.REFERRED
    assert UltrasoundExam.objects.count() == 0
    assert Note.objects.count() == 0


def test_inj_p1_physio_with_msk_ultrasound_records_a_signed_exam_with_images(physio, phys, ie):
    make_competent(phys, kinds=(CredentialKind.MSK_ULTRASOUND,))
    image = SimpleUploadedFile("bursa.png", png_bytes(), content_type="image/png")

    recorded = services.exam_record(
        actor=actor_of(physio), practitioner=phys, episode=ie, exam=exam(), images=[(image, "Bursa lengdesnitt")]
    )

    ie.refresh_from_db()
    assert ie.status == Status.EXAMINED
    assert recorded.note.is_signed and recorded.note.author == phys
    assert "Fortykket bursa" in recorded.note.findings
    attachment = Attachment.objects.get()
    assert attachment.encounter_id == recorded.note.encounter_id
    assert attachment.content_type == "image/png"


def test_inj_p1_a_pdf_is_not_an_ultrasound_image_and_nothing_is_saved(doctor, doc, ie):
    pdf = SimpleUploadedFile("bilde.png", b"%PDF-1.4 not an image", content_type="image/png")

    refused_messages = None
    with pytest.raises(ValidationError) as error:
        services.exam_record(actor=actor_of(doctor), practitioner=doc, episode=ie, exam=exam(), images=[(pdf, "x")])
    refused_messages = error.value.messages
    assert refused_messages
    assert UltrasoundExam.objects.count() == Note.objects.count() == Attachment.objects.count() == 0


# Assessment (INJ-D1, INJ-D2) --------------------------------------------------------------------------


@pytest.fixture
def examined(ie, phys):
    add_exam(ie, phys)
    return ie


def test_inj_d1_the_service_refuses_a_physio_assessor(physio, phys, examined):
    refused(
        lambda: services.assessment_record(
            actor=actor_of(physio), practitioner=phys, episode=examined, assessment=new_assessment(), diagnoses=[code()]
        ),
        "INJ-D1",
    )
    assert Assessment.objects.count() == 0


def test_inj_d1_a_diagnosis_is_required(doctor, doc, examined):
    refused(
        lambda: services.assessment_record(
            actor=actor_of(doctor), practitioner=doc, episode=examined, assessment=new_assessment(), diagnoses=[]
        ),
        "INJ-D1",
    )
    assert Assessment.objects.count() == 0


def test_inj_d1_the_doctor_signs_the_assessment_with_diagnosis_and_co_assessor(doctor, doc, phys, examined):
    assessment = services.assessment_record(
        actor=actor_of(doctor),
        practitioner=doc,
        episode=examined,
        assessment=new_assessment(co_assessor=phys),
        diagnoses=[code()],
    )

    examined.refresh_from_db()
    assert examined.status == Status.ASSESSED
    assert list(assessment.diagnoses.all()) == [code()]
    assert assessment.note.is_signed
    assert [d.code for d in assessment.note.note_diagnoses.all()] == [code()]


def test_inj_d2_an_absolute_contraindication_blocks_the_decision_to_inject(doctor, doc, examined):
    refused(
        lambda: services.assessment_record(
            actor=actor_of(doctor),
            practitioner=doc,
            episode=examined,
            assessment=new_assessment(infection_suspected=True),
            diagnoses=[code()],
        ),
        "INJ-D2",
    )
    examined.refresh_from_db()
    assert examined.status == Status.EXAMINED
    assert Assessment.objects.count() == 0


def test_inj_d2_a_relative_contraindication_needs_a_justification(doctor, doc, examined):
    def record(**overrides):
        return services.assessment_record(
            actor=actor_of(doctor),
            practitioner=doc,
            episode=examined,
            assessment=new_assessment(prosthetic_joint=True, **overrides),
            diagnoses=[code()],
        )

    refused(record, "INJ-D2")
    assert record(contraindication_comment="Protesen er ikke i nærheten av bursa.").pk


def test_inj_d2_inr_is_required_when_anticoagulated(doctor, doc, examined):
    refused(
        lambda: services.assessment_record(
            actor=actor_of(doctor),
            practitioner=doc,
            episode=examined,
            assessment=new_assessment(anticoagulation=True, contraindication_comment="Stabil INR."),
            diagnoses=[code()],
        ),
        "INJ-D2",
    )


def test_inj_d2_earlier_injections_are_counted_from_the_record_not_typed(doctor, doc, phys, patient_a, examined):
    drug = make_drug(doctor.clinic, doctor.user)
    batch = make_batch(drug, doctor.user)
    for _ in range(3):
        earlier = start_episode(patient_a, doc, phys)
        add_exam(earlier, phys)
        add_assessment(earlier, doc)
        add_consent(earlier, doc)
        add_procedure(earlier, add_order(earlier, doc, drug), phys, batch)

    # Three earlier injections reach the clinic's limit of three: the doctor must justify a fourth.
    refused(
        lambda: services.assessment_record(
            actor=actor_of(doctor),
            practitioner=doc,
            episode=examined,
            assessment=new_assessment(earlier_injections_12m=0),
            diagnoses=[code()],
        ),
        "INJ-D2",
    )
    assessment = services.assessment_record(
        actor=actor_of(doctor),
        practitioner=doc,
        episode=examined,
        assessment=new_assessment(earlier_injections_12m=0, contraindication_comment="God effekt tidligere."),
        diagnoses=[code()],
    )
    assert assessment.earlier_injections_12m == 3


def test_inj_d2_a_decision_not_to_inject_ends_the_episode_with_the_reason(doctor, doc, examined):
    refused_messages = None
    with pytest.raises(ValidationError) as error:
        services.assessment_record(
            actor=actor_of(doctor),
            practitioner=doc,
            episode=examined,
            assessment=new_assessment(decision=AssessmentDecision.NOT_INDICATED),
            diagnoses=[code()],
        )
    refused_messages = error.value.messages
    assert "INJ-D2" in refused_messages[0]

    services.assessment_record(
        actor=actor_of(doctor),
        practitioner=doc,
        episode=examined,
        assessment=new_assessment(decision=AssessmentDecision.NOT_INDICATED, infection_suspected=True),
        diagnoses=[code()],
        exit_reason="Mistanke om infeksjon; henvist tilbake til fastlege.",
    )
    examined.refresh_from_db()
    assert examined.status == Status.NOT_INDICATED
    assert examined.exit_reason.startswith("Mistanke")


def test_inj_d2_a_new_assessment_replaces_the_earlier_one_while_the_episode_is_assessed(doctor, doc, examined):
    first = services.assessment_record(
        actor=actor_of(doctor), practitioner=doc, episode=examined, assessment=new_assessment(), diagnoses=[code()]
    )
    second = services.assessment_record(
        actor=actor_of(doctor),
        practitioner=doc,
        episode=examined,
        assessment=new_assessment(indication="Ny risikoflagg vurdert."),
        diagnoses=[code()],
    )
    examined.refresh_from_db()
    assert examined.status == Status.ASSESSED
    assert Assessment.objects.filter(episode=examined).count() == 2
    assert second.signed_at >= first.signed_at


# Consent (INJ-D3, LAW-C) --------------------------------------------------------------------------------


@pytest.fixture
def assessed(examined, doc):
    add_assessment(examined, doc)
    return examined


def test_consent_text_current_creates_a_first_version_with_every_risk(doctor):
    text = services.consent_text_current(doctor.clinic, doctor.user)

    assert text.version == 1
    for word in ("Infeksjon", "Seneskade", "atrofi", "blodsukker", "Allergisk", "Alternativer", "trekke"):
        assert word in text.body
    assert services.consent_text_current(doctor.clinic, doctor.user) == text


def test_law_c_new_consent_text_versions_increase(doctor, doc):
    services.consent_text_current(doctor.clinic, doctor.user)
    text = services.consent_text_create(actor=actor_of(doctor), practitioner=doc, title="Samtykke v2", body="Tekst.")
    assert text.version == 2


def test_inj_d3_consent_is_recorded_by_the_doctor_only(physio, phys, assessed):
    refused(
        lambda: services.consent_record(
            actor=actor_of(physio), practitioner=phys, episode=assessed, consent=new_consent()
        ),
        "INJ-D3",
    )
    assert Consent.objects.count() == 0


def test_law_c_every_risk_must_be_explained(doctor, doc, assessed):
    messages = refused(
        lambda: services.consent_record(
            actor=actor_of(doctor), practitioner=doc, episode=assessed, consent=new_consent(explained_glucose=False)
        ),
        "LAW-C",
    )
    assert any(str(Consent._meta.get_field("explained_glucose").verbose_name) in m for m in messages)
    assessed.refresh_from_db()
    assert assessed.status == Status.ASSESSED
    assert Consent.objects.count() == 0


def test_law_c_signature_on_screen_is_stored_as_png(doctor, doc, assessed):
    signature = png_bytes(40, 10)
    consent = services.consent_record(
        actor=actor_of(doctor),
        practitioner=doc,
        episode=assessed,
        consent=new_consent(method=ConsentMethod.SIGNATURE),
        signature_png=signature,
    )
    assessed.refresh_from_db()
    assert assessed.status == Status.CONSENTED
    assert bytes(consent.signature_png) == signature
    assert consent.text.version == 1 and consent.note.is_signed


def test_law_c_signature_data_url_must_be_a_real_png_under_200_kb():
    good = png_bytes()
    assert services.signature_png_from_data_url("data:image/png;base64," + base64.b64encode(good).decode()) == good
    for bad in (
        "",
        "data:image/jpeg;base64," + base64.b64encode(good).decode(),
        "data:image/png;base64," + base64.b64encode(b"GIF89a" + b"\x00" * 100).decode(),
        "data:image/png;base64,not base64!",
        "data:image/png;base64," + base64.b64encode(good + b"\x00" * 210_000).decode(),
    ):
        with pytest.raises(ValidationError):
            services.signature_png_from_data_url(bad)


def test_law_c_consent_on_an_outdated_text_version_is_refused(doctor, doc, assessed):
    old = services.consent_text_current(doctor.clinic, doctor.user)
    services.consent_text_create(actor=actor_of(doctor), practitioner=doc, title="v2", body="Ny tekst.")

    with pytest.raises(ValidationError):
        services.consent_record(
            actor=actor_of(doctor), practitioner=doc, episode=assessed, consent=new_consent(text=old)
        )
    assert Consent.objects.count() == 0


def test_law_c_withdrawal_stops_the_episode_and_nothing_more_can_be_recorded(physio, phys, doctor, doc, assessed):
    add_consent(assessed, doc)

    consent = services.consent_withdraw(
        actor=actor_of(physio), practitioner=phys, episode=assessed, reason="Pasienten ønsker ikke injeksjon likevel."
    )

    assessed.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_recorded_by == physio.user
    assert assessed.status == Status.WITHDRAWN
    assert assessed.episode.ended_on == timezone.localdate()
    drug = make_drug(doctor.clinic, doctor.user)
    refused(
        lambda: services.order_sign(actor=actor_of(doctor), practitioner=doc, episode=assessed, order=new_order(drug)),
        "INJ-G1",
    )
    refused(
        lambda: services.assessment_record(
            actor=actor_of(doctor), practitioner=doc, episode=assessed, assessment=new_assessment(), diagnoses=[code()]
        ),
        "INJ-G1",
    )
    assert DrugOrder.objects.count() == 0


def test_law_c_withdrawal_needs_a_reason(physio, phys, doc, assessed):
    add_consent(assessed, doc)
    with pytest.raises(ValidationError):
        services.consent_withdraw(actor=actor_of(physio), practitioner=phys, episode=assessed, reason="  ")
    assessed.refresh_from_db()
    assert assessed.status == Status.CONSENTED


def test_law_c_the_patient_declines_ends_the_episode(physio, phys, ie):
    services.episode_exit(actor=actor_of(physio), practitioner=phys, episode=ie, reason="Vil tenke seg om.")
    ie.refresh_from_db()
    assert ie.status == Status.DECLINED and ie.exit_reason == "Vil tenke seg om."


# Drug order (INJ-D4, LAW-M, INJ-G3) --------------------------------------------------------------------


@pytest.fixture
def consented(assessed, doc):
    add_consent(assessed, doc)
    return assessed


@pytest.fixture
def drug(doctor):
    return make_drug(doctor.clinic, doctor.user)


def test_inj_d4_the_service_refuses_a_physio_order(physio, phys, consented, drug):
    refused(
        lambda: services.order_sign(
            actor=actor_of(physio), practitioner=phys, episode=consented, order=new_order(drug)
        ),
        "INJ-D4",
    )
    assert DrugOrder.objects.count() == 0


def test_inj_d4_the_doctor_signs_the_order_with_strength_and_unit_from_the_catalogue(doctor, doc, consented, drug):
    order = services.order_sign(
        actor=actor_of(doctor),
        practitioner=doc,
        episode=consented,
        order=new_order(drug, strength="400 mg/ml", dose_unit="ml"),
    )
    consented.refresh_from_db()
    assert consented.status == Status.ORDERED
    assert (order.strength, order.dose_unit) == (drug.strength, drug.dose_unit)
    assert order.note.is_signed and "Triamcinolon" in order.note.interventions


def test_inj_d4_dose_must_be_above_zero(doctor, doc, consented, drug):
    refused(
        lambda: services.order_sign(
            actor=actor_of(doctor), practitioner=doc, episode=consented, order=new_order(drug, dose=Decimal("0"))
        ),
        "INJ-D4",
    )
    assert DrugOrder.objects.count() == 0


def test_inj_d4_a_drug_of_another_clinic_is_refused(doctor, doc, consented, outsider):
    foreign = make_drug(outsider.clinic, outsider.user)
    refused(
        lambda: services.order_sign(
            actor=actor_of(doctor), practitioner=doc, episode=consented, order=new_order(foreign)
        ),
        "LAW-M",
    )
    assert DrugOrder.objects.count() == 0


def test_inj_g3_aspiration_is_ordered_without_a_drug(doctor, doc, consented, drug):
    refused(
        lambda: services.order_sign(
            actor=actor_of(doctor),
            practitioner=doc,
            episode=consented,
            order=new_order(drug, procedure_type=ProcedureType.ASPIRATION),
        ),
        "INJ-G3",
    )
    order = services.order_sign(
        actor=actor_of(doctor),
        practitioner=doc,
        episode=consented,
        order=new_order(None, procedure_type=ProcedureType.ASPIRATION, dose=None),
    )
    assert order.drug is None and order.strength == ""


def test_inj_g3_the_drug_category_must_match_the_procedure(doctor, doc, consented):
    anaesthetic = make_drug(
        doctor.clinic, doctor.user, name="Lidokain", atc_code="N01BB02", category=DrugCategory.LOCAL_ANAESTHETIC
    )
    refused(
        lambda: services.order_sign(
            actor=actor_of(doctor), practitioner=doc, episode=consented, order=new_order(anaesthetic)
        ),
        "INJ-G3",
    )


def test_inj_d4_cancel_then_sign_a_new_order(doctor, doc, consented, drug):
    first = services.order_sign(actor=actor_of(doctor), practitioner=doc, episode=consented, order=new_order(drug))
    with pytest.raises(ValidationError):  # one live order at a time
        services.order_sign(actor=actor_of(doctor), practitioner=doc, episode=consented, order=new_order(drug))

    services.order_cancel(actor=actor_of(doctor), practitioner=doc, order=first, reason="Feil volum.")
    second = services.order_sign(
        actor=actor_of(doctor), practitioner=doc, episode=consented, order=new_order(drug, volume_ml=Decimal("2"))
    )

    consented.refresh_from_db()
    first.refresh_from_db()
    assert consented.status == Status.ORDERED
    assert first.cancelled_reason == "Feil volum."
    assert second.volume_ml == Decimal("2")


def test_inj_d4_a_physio_cannot_cancel_an_order(physio, phys, doctor, doc, consented, drug):
    order = services.order_sign(actor=actor_of(doctor), practitioner=doc, episode=consented, order=new_order(drug))
    refused(lambda: services.order_cancel(actor=actor_of(physio), practitioner=phys, order=order, reason="x"), "INJ-D4")
    order.refresh_from_db()
    assert order.cancelled_at is None


def test_consent_text_rows_are_only_created_once(doctor):
    services.consent_text_current(doctor.clinic, doctor.user)
    services.consent_text_current(doctor.clinic, doctor.user)
    assert ConsentText.objects.filter(clinic=doctor.clinic).count() == 1


def test_law_c_during_the_procedure_the_performer_stops_it_first_then_the_withdrawal_is_recorded(
    doctor, doc, physio, phys, consented, drug
):
    order = add_order(consented, doc, drug)
    procedure = add_procedure(
        consented, order, doc, None, status=ProcedureStatus.IN_PROGRESS, ended_at=None, observation_started_at=None
    )
    set_status(consented, Status.ORDERED)

    refused(
        lambda: services.consent_withdraw(actor=actor_of(physio), practitioner=phys, episode=consented, reason="Nei."),
        "INJ-P3",
    )
    assert Consent.objects.get().withdrawn_at is None

    Procedure.objects.filter(pk=procedure.pk).update(
        status=ProcedureStatus.STOPPED, stop_reason="Pasienten ville ikke."
    )
    services.consent_withdraw(actor=actor_of(physio), practitioner=phys, episode=consented, reason="Nei.")
    consented.refresh_from_db()
    assert consented.status == Status.WITHDRAWN


def test_law_c_after_the_procedure_consent_can_no_longer_be_withdrawn(doctor, doc, physio, phys, consented, drug):
    add_procedure(consented, add_order(consented, doc, drug), doc, make_batch(drug, doctor.user))

    refused(
        lambda: services.consent_withdraw(actor=actor_of(physio), practitioner=phys, episode=consented, reason="Nei."),
        "LAW-C",
    )
    assert Consent.objects.get().withdrawn_at is None


def test_law_c_withdrawal_after_the_order_cancels_the_order(physio, phys, doc, consented, drug):
    order = add_order(consented, doc, drug)

    services.consent_withdraw(actor=actor_of(physio), practitioner=phys, episode=consented, reason="Angrer.")

    order.refresh_from_db()
    assert order.cancelled_at is not None and order.cancelled_reason == "Angrer."


def test_inj_d3_after_a_new_assessment_consent_is_taken_again_without_moving_the_status(doctor, doc, consented, drug):
    add_order(consented, doc, drug)
    services.assessment_record(
        actor=actor_of(doctor),
        practitioner=doc,
        episode=consented,
        assessment=new_assessment(indication="Nytt risikoflagg vurdert."),
        diagnoses=[code()],
    )
    consented.refresh_from_db()
    assert consented.status == Status.ORDERED

    services.consent_record(actor=actor_of(doctor), practitioner=doc, episode=consented, consent=new_consent())
    with pytest.raises(ValidationError):  # once is enough: the consent is now newer than the assessment
        services.consent_record(actor=actor_of(doctor), practitioner=doc, episode=consented, consent=new_consent())

    consented.refresh_from_db()
    assert consented.status == Status.ORDERED
    assert Consent.objects.filter(episode=consented).count() == 2
