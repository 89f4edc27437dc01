"""Direct-row builders of the injection chain, for the demo clinic and the tests.

They write each step as the services leave it (signed notes by their authors, status moved, the gate
computed by the real rule and frozen into the procedure) but without the services' checks and audit
rows: the demo and the tests that break one precondition at a time need a consistent chain fast.
Production code paths never call these.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kanyle.injections import rules
from kanyle.injections.models import (
    Assessment,
    Consent,
    ConsentMethod,
    ConsentText,
    Decision,
    Delegation,
    DrugOrder,
    FollowUp,
    InjectionEpisode,
    Procedure,
    ProcedureStatus,
    ProcedureType,
    Reaction,
    Side,
    Status,
    SupervisionAvailability,
    SupervisionMode,
    UltrasoundExam,
)
from kanyle.journal.models import (
    ContactType,
    DiagnosisCode,
    Encounter,
    Episode,
    EpisodeKind,
    Note,
    Referral,
    ReferralSource,
    ReferralStatus,
)
from kanyle.medications.models import Batch, Drug, DrugCategory, DrugForm, MovementKind, StockMovement
from kanyle.staff.models import Practitioner


def make_drug(clinic: Any, user: Any, **overrides: Any) -> Drug:
    values = {
        "name": "Triamcinolon",
        "atc_code": "H02AB08",
        "category": DrugCategory.CORTICOSTEROID,
        "form": DrugForm.SUSPENSION,
        "strength": "40 mg/ml",
        "dose_unit": "mg",
        "package_unit": "hetteglass",
        "created_by": user,
    }
    values.update(overrides)
    return Drug.objects.create(clinic=clinic, **values)


def make_batch(drug: Drug, user: Any, *, quantity: int = 10, expires_on: datetime.date | None = None, **kw) -> Batch:
    batch = Batch.objects.create(
        clinic=drug.clinic,
        drug=drug,
        lot_number=kw.pop("lot_number", f"LOT-{drug.pk}-{Batch.objects.count() + 1:03d}"),
        expires_on=expires_on or timezone.localdate() + datetime.timedelta(days=365),
        quantity_received=max(quantity, 1),
        quantity_on_hand=quantity,
        location=kw.pop("location", "Medisinskap, behandlingsrom 2"),
        received_on=timezone.localdate() - datetime.timedelta(days=10),
        received_by=user,
        **kw,
    )
    StockMovement.objects.create(
        clinic=drug.clinic, batch=batch, kind=MovementKind.RECEIVED, quantity=max(quantity, 1), recorded_by=user
    )
    return batch


def signed_note(ie: InjectionEpisode, author: Practitioner, *, at: datetime.datetime | None = None, **text) -> Note:
    at = at or timezone.now()
    encounter = Encounter.objects.create(
        clinic=ie.clinic,
        patient=ie.patient,
        episode=ie.episode,
        contact_type=ContactType.IN_PERSON,
        occurred_at=at,
        created_by=author.user,
    )
    sections = text or {"assessment": "Dokumentert i injeksjonsforløpet."}
    return Note.objects.create(
        clinic=ie.clinic, patient=ie.patient, encounter=encounter, author=author, signed_at=at, **sections
    )


def make_delegation(doctor: Practitioner, physio: Practitioner, **overrides: Any) -> Delegation:
    today = timezone.localdate()
    values = {
        "procedure_types": list(ProcedureType.values),
        "supervision_mode": SupervisionMode.ON_SITE,
        "instructions": "Følg klinikkens prosedyre for ultralydveiledet injeksjon; ring meg ved tvil.",
        "valid_from": today - datetime.timedelta(days=30),
        "valid_to": today + datetime.timedelta(days=180),
        "signed_at": timezone.now() - datetime.timedelta(days=30),
    }
    values.update(overrides)
    if "credentials_snapshot" not in values:
        from kanyle.injections.services.team import credentials_snapshot

        values["credentials_snapshot"] = credentials_snapshot(
            physio=physio, procedure_types=values["procedure_types"], on=values["valid_from"]
        )
    return Delegation.objects.create(clinic=doctor.clinic, doctor=doctor, physio=physio, **values)


def make_availability(
    doctor: Practitioner, *, mode: str = SupervisionMode.ON_SITE, **overrides
) -> SupervisionAvailability:
    now = timezone.now()
    values = {"starts_at": now - datetime.timedelta(hours=1), "ends_at": now + datetime.timedelta(hours=8)}
    values.update(overrides)
    return SupervisionAvailability.objects.create(
        clinic=doctor.clinic, doctor=doctor, mode=mode, created_by=doctor.user, **values
    )


def consent_text(clinic: Any, user: Any) -> ConsentText:
    text = ConsentText.objects.filter(clinic=clinic).order_by("-version").first()
    return text or ConsentText.objects.create(
        clinic=clinic,
        version=1,
        title="Samtykke til ultralydveiledet injeksjon",
        body="Du har fått informasjon om forventet nytte, risiko og alternativer, og kan trekke samtykket.",
        created_by=user,
    )


def start_episode(patient: Any, doctor: Practitioner, physio: Practitioner | None, **overrides) -> InjectionEpisode:
    """A referral from the GP and an injection episode at "referred"."""
    started_on = overrides.pop("started_on", None) or timezone.localdate()
    referral = overrides.pop("referral", None) or Referral.objects.create(
        clinic=patient.clinic,
        patient=patient,
        source=ReferralSource.GP,
        referrer_name=patient.gp_name or "Fastlege",
        referrer_practice=patient.gp_practice,
        reason="Smerter i skulderen i flere måneder; vurdering for ultralydveiledet injeksjon.",
        received_on=started_on - datetime.timedelta(days=7),
        status=ReferralStatus.ACCEPTED,
        decided_by=doctor.user,
        decided_at=timezone.now(),
        created_by=doctor.user,
    )
    episode = Episode.objects.create(
        clinic=patient.clinic,
        patient=patient,
        kind=EpisodeKind.INJECTION,
        title=overrides.pop("title", "Injeksjon høyre skulder"),
        responsible=doctor,
        referral=referral,
        started_on=started_on,
        created_by=doctor.user,
    )
    if physio is not None:
        episode.members.add(physio)
    return InjectionEpisode.objects.create(
        clinic=patient.clinic,
        episode=episode,
        patient=patient,
        doctor=doctor,
        physio=physio,
        created_by=doctor.user,
        **overrides,
    )


def set_status(ie: InjectionEpisode, status: str) -> None:
    ie.status = status
    InjectionEpisode.objects.filter(pk=ie.pk).update(status=status)


def add_exam(ie: InjectionEpisode, examiner: Practitioner, *, at: datetime.datetime | None = None) -> UltrasoundExam:
    at = at or timezone.now() - datetime.timedelta(hours=3)
    exam = UltrasoundExam.objects.create(
        clinic=ie.clinic,
        episode=ie,
        examiner=examiner,
        structures="Subakromial bursa, supraspinatussene",
        findings="Fortykket bursa 3 mm, væske; intakt sene.",
        measurements="Bursa 3,1 mm",
        conclusion="Subakromial bursitt.",
        note=signed_note(ie, examiner, at=at, findings="Ultralyd: subakromial bursitt."),
        examined_at=at,
    )
    set_status(ie, Status.EXAMINED)
    return exam


def assessment_values(**overrides: Any) -> dict[str, Any]:
    """An assessment that decides for injection with no contraindication (INJ-D2), as field values."""
    values = {
        "indication": "Langvarige smerter tross trening; bursitt på ultralyd.",
        "target_structure": "Subakromial bursa",
        "side": Side.RIGHT,
        "infection_suspected": False,
        "skin_lesion": False,
        "prosthetic_joint": False,
        "drug_allergy": False,
        "anticoagulation": False,
        "diabetes_poorly_controlled": False,
        "pregnancy": False,
        "earlier_injections_12m": 0,
        "risk_flags_reviewed": True,
        "decision": Decision.INJECT,
        "information_given": "Informert om nytte, risiko og alternativer.",
    }
    values.update(overrides)
    return values


def add_assessment(ie: InjectionEpisode, doctor: Practitioner, **overrides: Any) -> Assessment:
    at = overrides.pop("signed_at", timezone.now() - datetime.timedelta(hours=2))
    values = assessment_values(**overrides)
    assessment = Assessment.objects.create(
        clinic=ie.clinic,
        episode=ie,
        doctor=doctor,
        note=signed_note(ie, doctor, at=at, assessment="Indikasjon for injeksjon."),
        signed_at=at,
        **values,
    )
    code = DiagnosisCode.objects.filter(system="icpc2", code="L92").first()
    if code is not None:
        assessment.diagnoses.add(code)
    set_status(ie, Status.ASSESSED)
    return assessment


def add_consent(ie: InjectionEpisode, doctor: Practitioner, **overrides: Any) -> Consent:
    at = overrides.pop("given_at", timezone.now() - datetime.timedelta(hours=1, minutes=30))
    values = dict.fromkeys(rules.CONSENT_EXPLANATIONS, True)
    values.update({"method": ConsentMethod.CONFIRMED})
    values.update(overrides)
    consent = Consent.objects.create(
        clinic=ie.clinic,
        episode=ie,
        doctor=doctor,
        text=consent_text(ie.clinic, doctor.user),
        given_at=at,
        note=signed_note(ie, doctor, at=at, information="Informert samtykke innhentet."),
        **values,
    )
    set_status(ie, Status.CONSENTED)
    return consent


def add_order(ie: InjectionEpisode, doctor: Practitioner, drug: Drug | None, **overrides: Any) -> DrugOrder:
    at = overrides.pop("signed_at", timezone.now() - datetime.timedelta(hours=1))
    procedure_type = overrides.pop("procedure_type", rules.procedure_type_for_drug(drug) if drug else "aspiration")
    values = {
        "strength": drug.strength if drug else "",
        "dose": Decimal("40") if drug else None,
        "dose_unit": drug.dose_unit if drug else "",
        "volume_ml": Decimal("1.0"),
        "target_structure": "Subakromial bursa",
        "side": Side.RIGHT,
        "approach": "In-plane, lateralt til medialt",
        "ultrasound_guided": True,
        "valid_until": timezone.localdate() + datetime.timedelta(days=30),
    }
    values.update(overrides)
    order = DrugOrder.objects.create(
        clinic=ie.clinic,
        episode=ie,
        doctor=doctor,
        procedure_type=procedure_type,
        drug=drug,
        note=signed_note(ie, doctor, at=at, plan="Rekvisisjon signert."),
        signed_at=at,
        **values,
    )
    set_status(ie, Status.ORDERED)
    return order


def add_procedure(
    ie: InjectionEpisode, order: DrugOrder, performer: Practitioner, batch: Batch | None, **overrides: Any
) -> Procedure:
    """A completed procedure with its observation done (as the services leave it), batch taken from stock."""
    at = overrides.pop("started_at", timezone.now() - datetime.timedelta(minutes=40))
    gate = rules.readiness_gate(order=order, performer=performer, batch=batch, at=at)
    delegation = None
    if performer.pk != order.doctor_id:
        delegation = rules.covering_delegation(
            doctor=order.doctor, physio=performer, procedure_type=order.procedure_type, on=timezone.localdate()
        )
    values = {
        "status": ProcedureStatus.COMPLETED,
        "ended_at": at + datetime.timedelta(minutes=10),
        "dose_given": order.dose,
        "volume_given_ml": order.volume_ml,
        "aseptic_hand_hygiene": True,
        "aseptic_skin_disinfection": True,
        "aseptic_sterile_cover": True,
        "aseptic_no_touch": True,
        "reaction": Reaction.NONE,
        "observation_minutes": ie.clinic.injection_observation_minutes,
        "observation_started_at": at + datetime.timedelta(minutes=10),
        "observation_ended_at": at + datetime.timedelta(minutes=31),
    }
    values.update(overrides)
    procedure = Procedure.objects.create(
        clinic=ie.clinic,
        episode=ie,
        order=order,
        performer=performer,
        supervising_doctor=order.doctor,
        supervision_mode=delegation.supervision_mode if delegation else SupervisionMode.ON_SITE,
        delegation=delegation,
        batch=batch,
        gate=gate.as_evidence(),
        started_at=at,
        note=signed_note(ie, performer, at=at, interventions="Ultralydveiledet injeksjon gitt."),
        created_by=performer.user,
        **values,
    )
    if batch is not None and values["status"] in (ProcedureStatus.COMPLETED, ProcedureStatus.OBSERVATION):
        Batch.objects.filter(pk=batch.pk).update(quantity_on_hand=batch.quantity_on_hand - 1)
        batch.refresh_from_db()
        StockMovement.objects.create(
            clinic=ie.clinic,
            batch=batch,
            kind=MovementKind.ADMINISTERED,
            quantity=1,
            patient=ie.patient,
            procedure=procedure,
            recorded_by=performer.user,
        )
    set_status(ie, Status.OBSERVED if values["status"] == ProcedureStatus.COMPLETED else Status.PERFORMED)
    return procedure


def add_followup(ie: InjectionEpisode, **overrides: Any) -> FollowUp:
    due_from, due_by = rules.followup_window(clinic=ie.clinic, on=timezone.localdate())
    values = {"due_from": due_from, "due_by": due_by}
    values.update(overrides)
    return FollowUp.objects.create(clinic=ie.clinic, episode=ie, doctor=ie.doctor, **values)
