"""The end of the chain: the report to the GP (INJ-G4) with its receipt, and the doctor's follow-up (INJ-D2).

``report_generate`` turns the episode's completed procedure into a Dialogmelding (kanyle.interop), validated
against the KITH schemas, keeps the XML and the readable text in a ``GPReport`` and moves the episode from
"observed" to "reported". A rejected report can be made again (a new message id) without moving the status.
``apprec_import`` records the GP system's receipt for exactly that message. ``followup_complete`` is the
doctor's follow-up: a signed journal note, then "followed up" and "closed" in one transaction.

The report text is Norwegian whatever the user's language: it is the message the GP reads.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.core.decisions import Decision
from kanyle.injections import rules
from kanyle.injections.models import (
    FollowUp,
    FollowUpOutcome,
    GPReport,
    InjectionEpisode,
    Procedure,
    ProcedureStatus,
    ProcedureType,
    Reaction,
    ReportStatus,
    Side,
    Status,
    SupervisionMode,
)
from kanyle.injections.services.common import advance, lock_episode, require, signed_note
from kanyle.interop import apprec, dialogmelding, xsd
from kanyle.patients import national_id
from kanyle.staff.models import Practitioner, Profession

ID_TYPES = {national_id.FNR: "FNR", national_id.DNR: "DNR", national_id.HNR: "HNR", national_id.FHNR: "FHN"}
PROFESSION_CODES = {Profession.DOCTOR: "LE", Profession.PHYSIO: "FT"}
# Norwegian words for the report's choices (the GP reads Norwegian, whatever the user's language).
NB_SIDE = {Side.RIGHT: "høyre", Side.LEFT: "venstre", Side.NONE: "midtlinje"}
NB_PROCEDURE = {
    ProcedureType.CORTICOSTEROID: "Kortikosteroidinjeksjon",
    ProcedureType.LOCAL_ANAESTHETIC: "Injeksjon med lokalanestetikum",
    ProcedureType.PRP: "PRP-injeksjon",
    ProcedureType.HYALURONIC_ACID: "Injeksjon med hyaluronsyre",
    ProcedureType.ASPIRATION: "Aspirasjon av leddvæske/blod (uten legemiddel)",
}
NB_REACTION = {
    Reaction.NONE: "Ingen umiddelbar reaksjon",
    Reaction.VASOVAGAL: "Vasovagal reaksjon",
    Reaction.ANAPHYLAXIS: "Anafylaksi",
    Reaction.OTHER: "Annen reaksjon",
    "": "Ikke registrert",
}
NB_MODE = {SupervisionMode.ON_SITE: "til stede", SupervisionMode.VIDEO: "tilgjengelig på video"}
# What the patient is told to watch for after an injection (the clinic's standard advice, FACTS.md).
NB_ADVICE = (
    "Pasienten er informert om å avlaste området noen dager, at smerten kan øke forbigående det første døgnet, "
    "og om å ta kontakt ved feber, økende rødme, hevelse eller varme over injeksjonsstedet (mulig infeksjon). "
    "Etter kortikosteroid kan blodsukkeret stige forbigående; pasienter med diabetes bør måle blodsukkeret tettere."
)


def _nb_day(value: datetime.date) -> str:
    return value.strftime("%d.%m.%Y")


def _nb_time(value: datetime.datetime) -> str:
    return timezone.localtime(value, timezone.get_default_timezone()).strftime("%d.%m.%Y kl. %H.%M")


def _nb_number(value: Decimal | None) -> str:
    if value is None:
        return "–"
    value = value.normalize() if value == value.to_integral() else value
    return f"{value:f}".replace(".", ",")


def completed_procedure(ie: InjectionEpisode) -> Procedure | None:
    """The episode's completed procedure (the newest, if the order was ever repeated)."""
    return (
        ie.procedures.filter(status=ProcedureStatus.COMPLETED)
        .select_related("order__drug", "order__doctor__user", "performer__user", "supervising_doctor__user", "batch")
        .order_by("-started_at", "-id")
        .first()
    )


def open_followup(ie: InjectionEpisode) -> FollowUp | None:
    return ie.followups.order_by("completed_at", "due_by", "id").first()


def latest_report(ie: InjectionEpisode) -> GPReport | None:
    return ie.reports.order_by("-created_at", "-id").first()


def report_text(ie: InjectionEpisode, procedure: Procedure, followup: FollowUp | None) -> str:
    """The readable report (Norwegian): what was done, with what, by whom, how it went, and what comes next."""
    order = procedure.order
    assessment = rules.current_assessment(ie)
    lines = [
        f"Orientering om ultralydveiledet injeksjon – {ie.clinic.name}",
        "",
        f"Pasienten er behandlet hos oss {_nb_time(procedure.started_at)}.",
    ]
    if ie.episode.referral_id:
        referral = ie.episode.referral
        source = referral.referrer_name or "pasienten selv"
        lines.append(f"Henvist av {source}, mottatt {_nb_day(referral.received_on)}.")
    if assessment is not None:
        codes = ", ".join(f"{d.code} {d.text}" for d in assessment.diagnoses.all().order_by("system", "code"))
        lines.append(f"Diagnose: {codes or 'ikke kodet'}.")
        lines.append(
            f"Vurdert av lege {assessment.doctor.user.display_name} "
            f"{_nb_day(timezone.localdate(assessment.signed_at))}."
        )
    lines += [
        "",
        f"Prosedyre: {NB_PROCEDURE.get(order.procedure_type, order.procedure_type)}, ultralydveiledet.",
        f"Målstruktur: {order.target_structure}, {NB_SIDE.get(order.side, order.side)} side.",
        f"Tilgang: {order.approach}.",
    ]
    if order.drug_id:
        batch = procedure.batch
        lines.append(
            f"Legemiddel: {order.drug.name} {order.strength} (ATC {order.drug.atc_code}), "
            f"dose {_nb_number(procedure.dose_given)} {order.dose_unit}, "
            f"volum {_nb_number(procedure.volume_given_ml)} ml."
        )
        if batch is not None:
            lines.append(f"Batch/lot: {batch.lot_number}, utløpsdato {_nb_day(batch.expires_on)}.")
    else:
        lines.append("Ingen legemiddel gitt.")
    performer = procedure.performer
    if performer.pk == procedure.supervising_doctor_id:
        lines.append(f"Utført av lege {performer.user.display_name} (HPR {performer.hpr_number}).")
    else:
        lines.append(
            f"Utført av fysioterapeut {performer.user.display_name} (HPR {performer.hpr_number}) etter delegering "
            f"fra og under veiledning av lege {procedure.supervising_doctor.user.display_name} "
            f"(HPR {procedure.supervising_doctor.hpr_number}), som var {NB_MODE.get(procedure.supervision_mode, '')}."
        )
    lines.append(f"Rekvirert av lege {order.doctor.user.display_name}.")
    lines += ["", f"Umiddelbar reaksjon: {NB_REACTION.get(procedure.reaction, procedure.reaction)}."]
    if procedure.reaction_actions.strip():
        lines.append(f"Tiltak: {procedure.reaction_actions.strip()}")
    if procedure.observation_started_at and procedure.observation_ended_at:
        minutes = int((procedure.observation_ended_at - procedure.observation_started_at).total_seconds() // 60)
        lines.append(f"Observert i {minutes} minutter etter prosedyren.")
        if procedure.observation_early_reason.strip():
            lines.append(f"Observasjonen ble avsluttet tidlig: {procedure.observation_early_reason.strip()}")
    lines += ["", "Råd til pasienten: " + NB_ADVICE, ""]
    if followup is not None:
        lines.append(
            f"Planlagt oppfølging: lege {followup.doctor.user.display_name} kontrollerer pasienten mellom "
            f"{_nb_day(followup.due_from)} og {_nb_day(followup.due_by)}."
        )
    else:
        lines.append("Oppfølging: pasienten kontrolleres hos oss etter 4–6 uker.")
    lines.append("Vi sender ny orientering dersom oppfølgingen gir grunn til det.")
    return "\n".join(lines)


def _professional(practitioner: Practitioner, role: str) -> dialogmelding.Professional:
    user = practitioner.user
    return dialogmelding.Professional(
        given_name=user.first_name or "",
        family_name=user.last_name or user.display_name,
        hpr_number=practitioner.hpr_number,
        profession=PROFESSION_CODES.get(practitioner.profession, ""),
        role_text=role,
    )


def report_context(
    ie: InjectionEpisode, procedure: Procedure, message_id: uuid.UUID, at: datetime.datetime, text: str
) -> dialogmelding.ReportContext:
    patient, clinic = ie.patient, ie.clinic
    people = [_professional(procedure.performer, "Utførende behandler")]
    if procedure.supervising_doctor_id != procedure.performer_id:
        people.append(_professional(procedure.supervising_doctor, "Veiledende og ansvarlig lege"))
    return dialogmelding.ReportContext(
        message_id=str(message_id),
        generated_at=timezone.localtime(at, timezone.get_default_timezone()),
        sender_name=clinic.name,
        sender_org_number=clinic.org_number,
        sender_her_id=clinic.her_id or "",
        receiver_practice=patient.gp_practice,
        receiver_her_id=patient.gp_her_id,
        gp=dialogmelding.Professional.from_full_name(
            patient.gp_name, hpr_number=patient.gp_hpr_number, profession="LE"
        ),
        patient_given_name=patient.given_name,
        patient_family_name=patient.family_name,
        patient_id=patient.national_id,
        patient_id_type=ID_TYPES.get(patient.id_type, "FNR"),
        text=text,
        note_date=timezone.localdate(procedure.started_at),
        document_id=str(message_id),
        professionals=people,
    )


def report_allowed(ie: InjectionEpisode) -> Decision:
    """INJ-G4: the GP is known; the observation is over (or the last report was rejected and is made again)."""
    decision = rules.gp_recipient(ie.patient)
    last = latest_report(ie)
    again = (
        ie.status in (Status.REPORTED, Status.FOLLOWED_UP) and last is not None and last.status == ReportStatus.REJECTED
    )
    if not again:
        decision += rules.transition_allowed(episode=ie, to=Status.REPORTED)
    if completed_procedure(ie) is None:
        decision += Decision.deny("INJ-G4", _("There is no completed procedure to report."))
    return decision


@transaction.atomic
def report_generate(actor: Actor, ie: InjectionEpisode) -> GPReport:
    """INJ-G4: the validated Dialogmelding to the patient's GP; "observed" → "reported"."""
    current = lock_episode(ie)
    require(report_allowed(current))
    procedure = completed_procedure(current)
    at = timezone.now()
    message_id = uuid.uuid4()
    text = dialogmelding.xml_safe(report_text(current, procedure, open_followup(current)))
    try:
        xml = dialogmelding.build_gp_report(report_context(current, procedure, message_id, at, text))
    except (xsd.InvalidXML, KeyError, ValueError) as error:
        raise ValidationError(
            _("The report could not be made as a valid message: %(reason)s (INJ-G4)") % {"reason": error}
        ) from None
    report = GPReport.objects.create(
        clinic=current.clinic,
        episode=current,
        procedure=procedure,
        message_id=message_id,
        recipient_name=current.patient.gp_name,
        recipient_her_id=current.patient.gp_her_id,
        xml=xml.decode("utf-8"),
        text=text,
        created_by=actor.user,
    )
    if current.status == Status.OBSERVED:
        advance(actor=actor, episode=current, to=Status.REPORTED)
    audit_record(
        actor=actor,
        action="injections.report.generated",
        patient=current.patient,
        target=report,
        detail=str(message_id),
    )
    return report


@transaction.atomic
def report_mark_sent(actor: Actor, report: GPReport) -> GPReport:
    """The report left the clinic (by the message service, or printed and posted)."""
    current = GPReport.objects.select_for_update().get(pk=report.pk)
    if current.status != ReportStatus.GENERATED:
        raise ValidationError(
            Decision.deny(
                "INJ-G4",
                _("The report is already %(status)s.") % {"status": current.get_status_display().lower()},
            ).messages
        )
    current.status, current.sent_at = ReportStatus.SENT, timezone.now()
    current.save(update_fields=["status", "sent_at"])
    audit_record(actor=actor, action="injections.report.sent", patient=current.episode.patient, target=current)
    return current


@transaction.atomic
def apprec_import(actor: Actor, report: GPReport, xml_bytes: bytes) -> GPReport:
    """The GP system's application receipt for this report: acknowledged, or rejected with its errors."""
    current = GPReport.objects.select_for_update().select_related("episode__patient").get(pk=report.pk)
    if current.status in (ReportStatus.ACKNOWLEDGED, ReportStatus.REJECTED):
        require(
            Decision.deny(
                "INJ-G4",
                _("A receipt is already recorded for this report (%(status)s).")
                % {"status": current.get_status_display().lower()},
            )
        )
    try:
        receipt = apprec.parse_apprec(xml_bytes)
    except xsd.InvalidXML as error:
        detail = f" {error.errors[0]}" if error.errors else ""
        require(
            Decision.deny(
                "INJ-G4",
                _("The file is not a valid application receipt (AppRec): %(reason)s") % {"reason": f"{error}{detail}"},
            )
        )
    if receipt.original_msg_id.strip().lower() != str(current.message_id).lower():
        require(
            Decision.deny(
                "INJ-G4",
                _("The receipt answers another message (%(other)s), not this report (%(ours)s).")
                % {"other": receipt.original_msg_id or "–", "ours": current.message_id},
            )
        )
    current.apprec_xml = xml_bytes.decode("utf-8", errors="replace")
    current.apprec_status = receipt.status
    current.apprec_text = "\n".join([receipt.status_text, *receipt.errors])
    current.status = ReportStatus.ACKNOWLEDGED if receipt.accepted else ReportStatus.REJECTED
    current.acknowledged_at = timezone.now()
    current.sent_at = current.sent_at or current.acknowledged_at
    current.save(update_fields=["apprec_xml", "apprec_status", "apprec_text", "status", "acknowledged_at", "sent_at"])
    audit_record(
        actor=actor,
        action="injections.report.receipt",
        patient=current.episode.patient,
        target=current,
        detail=current.status,
    )
    return current


# Follow-up (INJ-D2) --------------------------------------------------------------------------------------


def followup_allowed(*, followup: FollowUp, practitioner: Practitioner | None, outcome: str, text: str) -> Decision:
    """INJ-D2: the doctor follows up; the outcome and the assessment are written down."""
    decision = Decision.allow()
    if practitioner is None or practitioner.profession != Profession.DOCTOR:
        decision += Decision.deny("INJ-D2", _("Only a doctor can record the follow-up after an injection."))
    if followup.completed_at is not None:
        decision += Decision.deny("INJ-D2", _("The follow-up is already recorded."))
    if outcome not in FollowUpOutcome.values:
        decision += Decision.deny("INJ-D2", _("Choose the outcome of the follow-up."))
    if not text.strip():
        decision += Decision.deny("INJ-D2", _("Write your assessment at the follow-up."))
    return decision


def _episode_ready_to_close(ie: InjectionEpisode) -> Decision:
    """INJ-G4 before closing: the GP has the report, or the patient has no GP to report to."""
    if ie.status == Status.REPORTED:
        return Decision.allow()
    if ie.status == Status.OBSERVED:
        if ie.patient.has_no_gp:
            return Decision.allow()
        return Decision.deny(
            "INJ-G4", _("Make the report to the GP before the follow-up closes the episode: the GP is always informed.")
        )
    return rules.transition_allowed(episode=ie, to=Status.FOLLOWED_UP)


@transaction.atomic
def followup_complete(
    *,
    actor: Actor,
    practitioner: Practitioner | None,
    followup: FollowUp,
    outcome: str,
    outcome_text: str,
    at: datetime.datetime | None = None,
) -> FollowUp:
    """INJ-D2: the doctor's follow-up, with a signed note; the episode goes "followed up" and then "closed"."""
    at = at or timezone.now()
    current = FollowUp.objects.select_for_update().get(pk=followup.pk)
    episode = lock_episode(current.episode)
    decision = followup_allowed(followup=current, practitioner=practitioner, outcome=outcome, text=outcome_text)
    decision += _episode_ready_to_close(episode)
    require(decision)
    label = FollowUpOutcome(outcome).label
    assessment = rules.current_assessment(episode)
    note = signed_note(
        actor=actor,
        practitioner=practitioner,
        episode=episode,
        occurred_at=at,
        diagnoses=list(assessment.diagnoses.all()) if assessment else [],
        assessment=f"{_('Follow-up after injection')}: {label}.\n{outcome_text.strip()}",
        plan=_("The injection episode is closed."),
    )
    current.completed_at, current.outcome, current.outcome_text, current.note = at, outcome, outcome_text.strip(), note
    current.full_clean()
    current.save(update_fields=["completed_at", "outcome", "outcome_text", "note"])
    if episode.status == Status.OBSERVED:  # the patient has no GP: nothing to report (INJ-G4)
        advance(actor=actor, episode=episode, to=Status.REPORTED)
    advance(actor=actor, episode=episode, to=Status.FOLLOWED_UP)
    advance(actor=actor, episode=episode, to=Status.CLOSED)
    audit_record(
        actor=actor, action="injections.followup.completed", patient=episode.patient, target=current, detail=outcome
    )
    return current


def doctor_followups(*, clinic: Any, doctor: Practitioner | None) -> list[FollowUp]:
    """The doctor's open follow-ups, overdue and due first (by the last day), then the later ones."""
    if doctor is None:
        return []
    return list(
        FollowUp.objects.filter(clinic=clinic, doctor=doctor, completed_at__isnull=True)
        .exclude(episode__status__in=[Status.NOT_INDICATED, Status.DECLINED, Status.WITHDRAWN, Status.CLOSED])
        .select_related("episode__patient", "episode__episode", "doctor__user")
        .order_by("due_by", "id")
    )
