"""The rules of each step: transitions, referral, exam, assessment, consent, order, delegation, batch, aftercare."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from kanyle.clinics.models import OrganisationModel
from kanyle.core.decisions import Decision
from kanyle.injections.models import (
    ABSOLUTE_CONTRAINDICATIONS,
    PATH,
    RELATIVE_CONTRAINDICATIONS,
    Assessment,
    Consent,
    Delegation,
    DrugOrder,
    InjectionEpisode,
    Procedure,
    ProcedureStatus,
    ProcedureType,
    Status,
    SupervisionAvailability,
    SupervisionMode,
)
from kanyle.injections.models import Decision as AssessmentDecision
from kanyle.injections.rules.common import _assessments_latest_first, _day, _is_doctor, _orders_latest_first
from kanyle.medications.models import INJECTABLE_CATEGORIES, Batch
from kanyle.staff.models import CredentialKind, Practitioner, Profession
from kanyle.staff.rules import credential_valid

# The state machine ---------------------------------------------------------------------------------


def transition_allowed(*, episode: InjectionEpisode, to: str) -> Decision:
    """One step forward along the path at a time; exits only from an open episode."""
    current = episode.status
    if episode.is_final:
        return Decision.deny(
            "INJ-G1",
            _("The episode is %(status)s; nothing more can be recorded in it.")
            % {"status": episode.get_status_display().lower()},
        )
    if to in (Status.NOT_INDICATED, Status.DECLINED, Status.WITHDRAWN):
        return Decision.allow()
    index = PATH.index(Status(current))
    if index + 1 < len(PATH) and PATH[index + 1] == to:
        return Decision.allow()
    return Decision.deny(
        "INJ-G1",
        _("This step cannot be recorded now: the episode is at “%(status)s”.")
        % {"status": episode.get_status_display()},
    )


def procedure_type_for_drug(drug: Any) -> str:
    """INJ-G3: the procedure type of an order for this drug (its category), as delegations name it."""
    return str(drug.category)


# Referral (INJ-G1, INJ-G4) -------------------------------------------------------------------------


def episode_start_allowed(*, clinic: Any, patient: Any, referral: Any, doctor: Practitioner | None) -> Decision:
    """INJ-G1: a referral from a GP or other health professional, or self-referral where the clinic allows it;
    INJ-G4: the GP is known or recorded as none; INJ-D1: a doctor is responsible."""
    decision = Decision.allow()
    if referral is None:
        decision += Decision.deny("INJ-G1", _("Choose the referral the injection episode starts from."))
    elif referral.patient_id != patient.pk:
        decision += Decision.deny("INJ-G1", _("The referral belongs to another patient."))
    elif referral.source == "self" and not clinic.accepts_self_referrals_for_injection:
        decision += Decision.deny(
            "INJ-G1",
            _(
                "This clinic does not accept self-referrals for injection treatment; a doctor or other health "
                "professional must refer the patient."
            ),
        )
    elif referral.status == "declined":
        decision += Decision.deny("INJ-G1", _("The referral was declined."))
    if not patient.gp_known:
        decision += Decision.deny(
            "INJ-G4",
            _("Record the patient's GP, or that the patient has none, before starting: the GP is always informed."),
        )
    if not _is_doctor(doctor):
        decision += Decision.deny("INJ-D1", _("An injection episode needs a responsible doctor."))
    return decision


# Examination (INJ-P1) --------------------------------------------------------------------------------


def examiner_allowed(*, practitioner: Practitioner | None, on: datetime.date) -> Decision:
    """INJ-P1: the doctor, or a physio with verified, valid musculoskeletal ultrasound competence."""
    if practitioner is None:
        return Decision.deny("INJ-P1", _("Only a doctor or a physiotherapist can record an ultrasound examination."))
    if _is_doctor(practitioner):
        return Decision.allow()
    return credential_valid(practitioner, CredentialKind.MSK_ULTRASOUND, on)


# Assessment (INJ-D1, INJ-D2) --------------------------------------------------------------------------


def earlier_injections(*, patient: Any, target_structure: str, side: str, at: datetime.datetime) -> int:
    """INJ-D2: completed injections (not aspirations) in the same structure and side in the 12 months before ``at``."""
    since = at - datetime.timedelta(days=365)
    return (
        Procedure.objects.filter(
            episode__patient=patient,
            status=ProcedureStatus.COMPLETED,
            started_at__gte=since,
            started_at__lte=at,
            order__side=side,
            order__target_structure__iexact=target_structure.strip(),
        )
        .exclude(order__procedure_type=ProcedureType.ASPIRATION)
        .count()
    )


def assessor_allowed(*, practitioner: Practitioner | None) -> Decision:
    """INJ-D1: only a doctor assesses the patient and sets the diagnosis."""
    if not _is_doctor(practitioner):
        return Decision.deny("INJ-D1", _("Only a doctor can record the assessment and decide on injection treatment."))
    return Decision.allow()


def assessment_valid(*, assessment: Assessment, site_limit: int, has_diagnosis: bool) -> Decision:
    """INJ-D1: a diagnosis is set; INJ-D2: indication and contraindications weighed before deciding.

    Absolute contraindications (suspected infection, skin lesion over the site) block a decision to inject.
    Relative ones, or more earlier injections in the site than the clinic's limit, need the doctor's written
    justification. The risk flags must have been reviewed.
    """
    decision = assessor_allowed(practitioner=assessment.doctor)
    if not has_diagnosis:
        decision += Decision.deny("INJ-D1", _("Set at least one diagnosis (ICPC-2 or ICD-10)."))
    if not assessment.risk_flags_reviewed:
        decision += Decision.deny("INJ-D2", _("Confirm that the patient's risk flags have been reviewed."))
    if assessment.decision != AssessmentDecision.INJECT:
        return decision
    absolute = [f for f in ABSOLUTE_CONTRAINDICATIONS if getattr(assessment, f)]
    if absolute:
        labels = ", ".join(str(Assessment._meta.get_field(f).verbose_name) for f in absolute)
        decision += Decision.deny(
            "INJ-D2", _("Injection cannot be chosen with an absolute contraindication: %(items)s.") % {"items": labels}
        )
    relative = [f for f in RELATIVE_CONTRAINDICATIONS if getattr(assessment, f)]
    over_limit = assessment.earlier_injections_12m >= site_limit
    if (relative or over_limit) and not assessment.contraindication_comment.strip():
        reasons = [str(Assessment._meta.get_field(f).verbose_name) for f in relative]
        if over_limit:
            reasons.append(
                _("%(count)s injections at this site in the last 12 months (the clinic warns from %(limit)s)")
                % {"count": assessment.earlier_injections_12m, "limit": site_limit}
            )
        decision += Decision.deny(
            "INJ-D2",
            _("Justify the decision to inject despite: %(items)s.") % {"items": "; ".join(reasons)},
        )
    if assessment.anticoagulation and assessment.inr is None:
        decision += Decision.deny("INJ-D2", _("Record the INR when the patient uses anticoagulants."))
    return decision


def current_assessment(episode: InjectionEpisode) -> Assessment | None:
    return _assessments_latest_first(episode).first()


# Consent (INJ-D3, LAW-C) -----------------------------------------------------------------------------

CONSENT_EXPLANATIONS = (
    "explained_benefit",
    "explained_infection",
    "explained_tendon_rupture",
    "explained_skin_atrophy",
    "explained_glucose",
    "explained_allergy",
    "explained_alternatives",
)


def consent_valid_to_record(*, consent: Consent, episode: InjectionEpisode) -> Decision:
    """INJ-D3: the doctor takes consent; LAW-C: only after benefit, each risk and the alternatives were explained."""
    decision = Decision.allow()
    if not _is_doctor(consent.doctor):
        decision += Decision.deny("INJ-D3", _("Only the doctor can record the patient's informed consent."))
    assessment = current_assessment(episode)
    if assessment is None or assessment.decision != AssessmentDecision.INJECT:
        decision += Decision.deny(
            "INJ-D2", _("Consent is taken after the doctor has decided that injection is indicated.")
        )
    missing = [str(Consent._meta.get_field(f).verbose_name) for f in CONSENT_EXPLANATIONS if not getattr(consent, f)]
    if missing:
        decision += Decision.deny(
            "LAW-C",
            _("Consent is valid only after the necessary information. Not yet explained: %(items)s.")
            % {"items": ", ".join(missing)},
        )
    if consent.method == "signature" and not consent.signature_png:
        decision += Decision.deny("LAW-C", _("The patient's signature is missing."))
    return decision


def current_consent(episode: InjectionEpisode) -> Consent | None:
    return episode.consents.order_by("-given_at", "-id").first()


# Drug order (INJ-D4, LAW-M, INJ-G3) ------------------------------------------------------------------


def orderer_allowed(*, practitioner: Practitioner | None) -> Decision:
    """INJ-D4: drugs are ordered by the doctor only."""
    if not _is_doctor(practitioner):
        return Decision.deny("INJ-D4", _("Only a doctor can order drugs (rekvisisjon)."))
    return Decision.allow()


def order_valid_to_sign(*, order: DrugOrder, episode: InjectionEpisode, on: datetime.date) -> Decision:
    """INJ-D4 the doctor orders; INJ-D3 consent first; INJ-G3 the drug fits the procedure; LAW-M from the catalogue."""
    decision = orderer_allowed(practitioner=order.doctor)
    consent = current_consent(episode)
    if consent is None or not consent.is_valid:
        decision += Decision.deny("INJ-D3", _("The patient's valid consent is needed before the order."))
    if order.procedure_type == ProcedureType.ASPIRATION:
        if order.drug_id is not None or order.dose is not None:
            decision += Decision.deny("INJ-G3", _("Aspiration is a procedure without drug; leave drug and dose empty."))
    else:
        drug = order.drug
        if drug is None or order.dose is None or order.dose <= 0:
            decision += Decision.deny("INJ-D4", _("Choose the drug and a dose above zero."))
        elif drug.clinic_id != episode.clinic_id or not drug.is_active:
            decision += Decision.deny("LAW-M", _("Choose a drug from the clinic's catalogue."))
        elif drug.category not in INJECTABLE_CATEGORIES or procedure_type_for_drug(drug) != order.procedure_type:
            decision += Decision.deny(
                "INJ-G3",
                _("%(drug)s does not fit the procedure “%(procedure)s”.")
                % {"drug": drug, "procedure": order.get_procedure_type_display()},
            )
    if order.valid_until < on:
        decision += Decision.deny("INJ-D4", _("The order must be valid until today or later."))
    if not order.ultrasound_guided:
        decision += Decision.deny("INJ-G2", _("Procedures in this service are ultrasound-guided."))
    return decision


def order_in_force(order: DrugOrder | None, on: datetime.date) -> Decision:
    """INJ-D4: a signed, uncancelled order whose validity has not run out."""
    if order is None:
        return Decision.deny("INJ-D4", _("No signed drug order from the doctor."))
    if order.cancelled_at is not None:
        return Decision.deny("INJ-D4", _("The drug order was cancelled."))
    if order.valid_until < on:
        return Decision.deny(
            "INJ-D4", _("The drug order was valid until %(date)s.") % {"date": _day(order.valid_until)}
        )
    return Decision.allow()


def current_order(episode: InjectionEpisode) -> DrugOrder | None:
    return _orders_latest_first(episode).first()


# Delegation (INJ-D5, INJ-P1, INJ-P2, LAW-H5, INJ-O3) -------------------------------------------------

DELEGATION_CREDENTIALS = (
    CredentialKind.MSK_ULTRASOUND,
    CredentialKind.US_GUIDED_PROCEDURES,
)


def delegate_competence(*, physio: Practitioner, procedure_types: Iterable[str], on: datetime.date) -> Decision:
    """INJ-P1: MSK ultrasound and US-guided procedures; INJ-P2: injection training for any drug procedure."""
    decision = Decision.allow()
    for kind in DELEGATION_CREDENTIALS:
        decision += credential_valid(physio, kind, on)
    if any(t != ProcedureType.ASPIRATION for t in procedure_types):
        decision += credential_valid(physio, CredentialKind.INJECTION, on)
    return decision


def delegation_valid_to_sign(*, delegation: Delegation, on: datetime.date) -> Decision:
    """LAW-H5 / INJ-D5: a doctor delegates named procedures to a competent physio of the same clinic."""
    decision = Decision.allow()
    if not _is_doctor(delegation.doctor):
        decision += Decision.deny("LAW-H5", _("Only a doctor can delegate procedures."))
    physio = delegation.physio
    if physio is None or physio.profession != Profession.PHYSIO:
        decision += Decision.deny("INJ-D5", _("Delegate to a physiotherapist."))
        return decision
    if physio.clinic_id != delegation.doctor.clinic_id:
        decision += Decision.deny("INJ-D5", _("The physiotherapist must work in this clinic."))
    types = list(delegation.procedure_types or [])
    if not types or any(t not in ProcedureType.values for t in types):
        decision += Decision.deny("INJ-D5", _("Name the procedures the delegation covers."))
    if not delegation.instructions.strip():
        decision += Decision.deny("INJ-D6", _("Write the instructions for the delegate."))
    if delegation.valid_to < on:
        decision += Decision.deny("INJ-D5", _("The delegation must end today or later."))
    if (
        delegation.supervision_mode == SupervisionMode.VIDEO
        and delegation.doctor.clinic.organisation_model != OrganisationModel.DOCTOR_BY_VIDEO
    ):
        decision += Decision.deny(
            "INJ-O3", _("Supervision by video is only for clinics organised with the doctor taking part by video.")
        )
    decision += delegate_competence(physio=physio, procedure_types=types, on=max(on, delegation.valid_from))
    return decision


def delegation_in_force(delegation: Delegation, on: datetime.date) -> bool:
    return delegation.revoked_at is None and delegation.valid_from <= on <= delegation.valid_to


def covering_delegation(
    *, doctor: Practitioner, physio: Practitioner, procedure_type: str, on: datetime.date
) -> Delegation | None:
    """INJ-D5: the physio's delegation from this doctor that covers this procedure today, if any."""
    candidates = Delegation.objects.filter(
        doctor=doctor, physio=physio, revoked_at__isnull=True, valid_from__lte=on, valid_to__gte=on
    ).order_by("-signed_at")
    for delegation in candidates:
        if procedure_type in (delegation.procedure_types or []):
            return delegation
    return None


def doctor_available(*, doctor: Practitioner, at: datetime.datetime, mode: str) -> SupervisionAvailability | None:
    """INJ-D6: an availability of the doctor at ``at``; on site covers a video delegation too."""
    modes = (
        [SupervisionMode.ON_SITE]
        if mode == SupervisionMode.ON_SITE
        else [SupervisionMode.ON_SITE, SupervisionMode.VIDEO]
    )
    return (
        SupervisionAvailability.objects.filter(
            doctor=doctor, starts_at__lte=at, ends_at__gt=at, cancelled_at__isnull=True, mode__in=modes
        )
        .order_by("mode", "starts_at")
        .first()
    )


# Batches (LAW-M) ------------------------------------------------------------------------------------


def batch_usable(*, batch: Batch | None, order: DrugOrder, on: datetime.date) -> Decision:
    """LAW-M: a batch of the ordered drug, in this clinic, in stock and not expired."""
    if order.procedure_type == ProcedureType.ASPIRATION:
        return Decision.allow()
    if batch is None:
        return Decision.deny("LAW-M", _("Choose the batch (lot) of the ordered drug taken from stock."))
    if batch.drug_id != order.drug_id or batch.clinic_id != order.clinic_id:
        return Decision.deny("LAW-M", _("The batch is not of the ordered drug."))
    if batch.expires_on < on:
        return Decision.deny(
            "LAW-M",
            _("Batch %(lot)s expired on %(date)s and cannot be used.")
            % {"lot": batch.lot_number, "date": _day(batch.expires_on)},
        )
    if batch.quantity_on_hand <= 0:
        return Decision.deny("LAW-M", _("Batch %(lot)s is empty.") % {"lot": batch.lot_number})
    return Decision.allow()


def dose_matches(*, order: DrugOrder, dose: Decimal | None) -> Decision:
    """INJ-D4 / LAW-M: the dose given is the ordered dose; the performer never chooses drug or dose."""
    if order.procedure_type == ProcedureType.ASPIRATION:
        if dose not in (None, Decimal(0)):
            return Decision.deny("INJ-G3", _("Aspiration is a procedure without drug; no dose is given."))
        return Decision.allow()
    if dose is None or Decimal(dose) != order.dose:
        return Decision.deny(
            "INJ-D4",
            _("The dose given must be the ordered dose, %(dose)s %(unit)s. Only the doctor can change the order.")
            % {"dose": format_quantity(order.dose), "unit": order.dose_unit},
        )
    return Decision.allow()


def format_quantity(value: Decimal | None) -> str:
    """A dose or volume as the user reads it: no trailing zeros, the locale's decimal sign, "–" when none."""
    from django.utils.formats import number_format

    if value is None:
        return "–"
    return number_format(value.normalize() if value == value.to_integral() else value)


# The procedure and after (INJ-P3, INJ-V4, INJ-D2, INJ-G4) ---------------------------------------------


def stop_allowed(*, procedure: Procedure, practitioner: Practitioner | None, reason: str) -> Decision:
    """INJ-P3: the performer may stop or decline at any point before completion, and must say why."""
    decision = Decision.allow()
    if practitioner is None or practitioner.pk != procedure.performer_id:
        decision += Decision.deny("INJ-P3", _("Only the performer can stop or decline the procedure."))
    if procedure.status != ProcedureStatus.IN_PROGRESS:
        decision += Decision.deny("INJ-P3", _("The procedure is no longer in progress."))
    if not reason.strip():
        decision += Decision.deny("INJ-P3", _("Write why you stop or decline; it is part of the record."))
    return decision


def observation_done(*, procedure: Procedure, at: datetime.datetime, early_reason: str = "") -> Decision:
    """The observation period (clinic setting, FACTS.md) is complete, or ended early with a reason."""
    if procedure.observation_started_at is None:
        return Decision.deny("INJ-V4", _("The observation period has not started."))
    due = procedure.observation_started_at + datetime.timedelta(minutes=procedure.observation_minutes)
    if at < due and not early_reason.strip():
        minutes = int((due - at).total_seconds() // 60) + 1
        return Decision.deny(
            "INJ-V4",
            _("The observation period runs %(minutes)s more minutes. End it early only with a reason.")
            % {"minutes": minutes},
        )
    return Decision.allow()


def followup_window(*, clinic: Any, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """INJ-D2: the doctor's follow-up falls between the clinic's from- and by-weeks after the procedure."""
    return (
        on + datetime.timedelta(weeks=clinic.injection_followup_weeks_min),
        on + datetime.timedelta(weeks=clinic.injection_followup_weeks_max),
    )


def gp_recipient(patient: Any) -> Decision:
    """INJ-G4: the GP is always informed; a report needs the GP's name (or the patient has none)."""
    if patient.has_no_gp:
        return Decision.deny("INJ-G4", _("The patient has no GP; keep the report for the patient instead."))
    if not patient.gp_name:
        return Decision.deny("INJ-G4", _("Record the patient's GP before the report can be made."))
    return Decision.allow()
