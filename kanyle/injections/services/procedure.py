"""The procedure: start behind the readiness gate, record, complete or stop, observe, schedule the follow-up.

``procedure_start`` re-checks the whole readiness gate (DESIGN.md §4) with the order and the episode
locked, and freezes the gate's result into the procedure as evidence. The unique constraint
``procedure_one_live_per_order`` is the last word when two people press start at once.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.core.decisions import Decision
from kanyle.core.uploads import inspect_upload
from kanyle.injections import rules
from kanyle.injections.models import (
    DrugOrder,
    FollowUp,
    Procedure,
    ProcedureStatus,
    Reaction,
    Status,
    SupervisionMode,
)
from kanyle.injections.services.common import advance, draft_note, lock_episode, require, signed_note
from kanyle.journal.services import attachment_add
from kanyle.medications import services as medication_services
from kanyle.medications.models import Batch
from kanyle.staff.models import Practitioner

ASEPTIC_FIELDS = ("aseptic_hand_hygiene", "aseptic_skin_disinfection", "aseptic_sterile_cover", "aseptic_no_touch")
IMAGE_TYPES = ("image/png", "image/jpeg", "application/dicom")


def _lock(procedure: Procedure) -> Procedure:
    return (
        Procedure.objects.select_for_update(of=("self",))
        .select_related("order", "order__drug", "batch", "batch__drug", "episode", "episode__patient", "clinic")
        .get(pk=procedure.pk)
    )


@transaction.atomic
def procedure_start(
    *,
    actor: Actor,
    order: DrugOrder,
    performer: Practitioner | None,
    batch: Batch | None,
    at: datetime.datetime | None = None,
) -> Procedure:
    """DESIGN.md §4: start only when every gate item is green; the gate is frozen into the procedure."""
    at = at or timezone.now()
    locked_order = DrugOrder.objects.select_for_update().get(pk=order.pk)
    episode = lock_episode(locked_order.episode)
    locked_order.episode = episode
    if batch is not None:
        batch = Batch.objects.select_related("drug").get(pk=batch.pk)
    gate = rules.readiness_gate(order=locked_order, performer=performer, batch=batch, at=at)
    if not gate.ok:
        raise ValidationError(gate.decision.messages)
    delegation = None
    mode = SupervisionMode.ON_SITE
    if performer.pk != locked_order.doctor_id:
        delegation = rules.covering_delegation(
            doctor=locked_order.doctor,
            physio=performer,
            procedure_type=locked_order.procedure_type,
            on=rules._local_date(at),
        )
        mode = delegation.supervision_mode
    note = draft_note(actor=actor, practitioner=performer, episode=episode, occurred_at=at)
    procedure = Procedure(
        clinic=locked_order.clinic,
        episode=episode,
        order=locked_order,
        performer=performer,
        supervising_doctor=locked_order.doctor,
        supervision_mode=mode,
        delegation=delegation,
        batch=batch,
        gate=gate.as_evidence(),
        status=ProcedureStatus.IN_PROGRESS,
        started_at=at,
        observation_minutes=locked_order.clinic.injection_observation_minutes,
        note=note,
        created_by=actor.user,
    )
    procedure.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            procedure.save()
    except IntegrityError:
        raise ValidationError(
            _("Someone else has just started the procedure for this order. Open it from the episode page. (INJ-D4)")
        ) from None
    audit_record(actor=actor, action="injections.procedure.started", patient=episode.patient, target=procedure)
    return procedure


def _performer_only(procedure: Procedure, practitioner: Practitioner | None) -> Decision:
    if practitioner is None or practitioner.pk != procedure.performer_id:
        return Decision.deny("INJ-P5", _("Only the performer records the procedure."))
    if procedure.status != ProcedureStatus.IN_PROGRESS:
        return Decision.deny("INJ-P3", _("The procedure is no longer in progress."))
    return Decision.allow()


@transaction.atomic
def procedure_image_add(
    *, actor: Actor, practitioner: Practitioner | None, procedure: Procedure, upload: Any, title: str
) -> Any:
    """INJ-P5: an ultrasound image of the procedure, kept on the procedure note's encounter."""
    current = _lock(procedure)
    require(_performer_only(current, practitioner))
    if not title.strip():
        title = _("Ultrasound image")
    # Images only (the journal also takes PDFs); checked from the content before anything is stored.
    inspect_upload(upload, allowed=IMAGE_TYPES)
    return attachment_add(actor=actor, encounter=current.note.encounter, upload=upload, title=title)


def _summary(procedure: Procedure) -> str:
    order = procedure.order
    lines = [
        _("Procedure: %(procedure)s.") % {"procedure": order.get_procedure_type_display()},
    ]
    if order.drug_id:
        lines.append(
            _("Drug: %(drug)s %(strength)s, lot %(lot)s (expires %(expiry)s).")
            % {
                "drug": order.drug.name,
                "strength": order.strength,
                "lot": procedure.batch.lot_number if procedure.batch else "–",
                "expiry": date_format(procedure.batch.expires_on, "SHORT_DATE_FORMAT") if procedure.batch else "–",
            }
        )
        lines.append(
            _("Dose: %(dose)s %(unit)s, volume %(volume)s ml.")
            % {
                "dose": rules.format_quantity(procedure.dose_given),
                "unit": order.dose_unit,
                "volume": rules.format_quantity(procedure.volume_given_ml),
            }
        )
    lines.append(
        _("Site: %(site)s, side %(side)s, approach %(approach)s, ultrasound-guided.")
        % {"site": order.target_structure, "side": order.get_side_display().lower(), "approach": order.approach}
    )
    supervision = _("Supervision: %(mode)s by %(doctor)s.") % {
        "mode": procedure.get_supervision_mode_display().lower(),
        "doctor": procedure.supervising_doctor.user.display_name,
    }
    if procedure.delegation_id:
        supervision += " " + _("Performed under delegation signed %(date)s.") % {
            "date": date_format(timezone.localtime(procedure.delegation.signed_at), "SHORT_DATE_FORMAT")
        }
    lines.append(supervision)
    lines.append(_("Aseptic technique: all four steps confirmed."))
    reaction = _("Immediate reaction: %(reaction)s.") % {"reaction": procedure.get_reaction_display().lower()}
    if procedure.reaction_actions:
        reaction += " " + _("Actions: %(actions)s") % {"actions": procedure.reaction_actions}
    if procedure.adrenaline_mg is not None:
        reaction += " " + _("Adrenaline %(mg)s mg i.m.") % {"mg": rules.format_quantity(procedure.adrenaline_mg)}
    lines.append(reaction)
    return "\n".join(lines)


@transaction.atomic
def procedure_complete(
    *,
    actor: Actor,
    practitioner: Practitioner | None,
    procedure: Procedure,
    dose_given: Decimal | None,
    volume_given_ml: Decimal | None,
    aseptic: dict[str, bool],
    reaction: str,
    reaction_actions: str = "",
    adrenaline_mg: Decimal | None = None,
    procedure_notes: str = "",
) -> Procedure:
    """LAW-M, INJ-P5: the dose as ordered, the aseptic checklist, the reaction; stock moves and the note is signed."""
    current = _lock(procedure)
    decision = _performer_only(current, practitioner)
    decision += rules.dose_matches(order=current.order, dose=dose_given)
    missing = [str(Procedure._meta.get_field(f).verbose_name) for f in ASEPTIC_FIELDS if not aseptic.get(f)]
    if missing:
        decision += Decision.deny(
            "INJ-V2", _("Confirm every step of the aseptic technique: %(items)s.") % {"items": ", ".join(missing)}
        )
    if reaction not in Reaction.values:
        decision += Decision.deny("INJ-V4", _("Record the immediate reaction, or that there was none."))
    elif reaction != Reaction.NONE and not reaction_actions.strip():
        decision += Decision.deny("INJ-V4", _("Describe the actions taken for the reaction."))
    require(decision)
    now = timezone.now()
    current.dose_given = dose_given
    current.volume_given_ml = volume_given_ml
    for name in ASEPTIC_FIELDS:
        setattr(current, name, True)
    current.reaction = reaction
    current.reaction_actions = reaction_actions.strip()
    current.adrenaline_mg = adrenaline_mg
    current.procedure_notes = procedure_notes.strip()
    current.status = ProcedureStatus.OBSERVATION
    current.ended_at = now
    current.observation_started_at = now
    current.full_clean(validate_constraints=False)
    episode = lock_episode(current.episode)
    if current.batch is not None:
        # LAW-M: the unit leaves stock for this patient; expired or empty batches are refused here too.
        medication_services.administer(
            actor=actor, batch=current.batch, quantity=1, patient=episode.patient, procedure=current
        )
    signed_note(
        actor=actor,
        practitioner=practitioner,
        episode=episode,
        draft=current.note,
        reason=_("Ultrasound-guided procedure as ordered by %(doctor)s.")
        % {"doctor": current.order.doctor.user.display_name},
        interventions=_summary(current),
        findings=current.procedure_notes,
        plan=_("Observation for %(minutes)s minutes after the procedure.") % {"minutes": current.observation_minutes},
    )
    current.save()
    advance(actor=actor, episode=episode, to=Status.PERFORMED)
    audit_record(actor=actor, action="injections.procedure.completed", patient=episode.patient, target=current)
    return current


@transaction.atomic
def procedure_stop(
    *, actor: Actor, practitioner: Practitioner | None, procedure: Procedure, reason: str, decline: bool = False
) -> Procedure:
    """INJ-P3: the performer stops or declines before completion and documents why; the doctor decides next."""
    current = _lock(procedure)
    require(rules.stop_allowed(procedure=current, practitioner=practitioner, reason=reason))
    current.status = ProcedureStatus.DECLINED if decline else ProcedureStatus.STOPPED
    current.stop_reason = reason.strip()
    current.ended_at = timezone.now()
    headline = (
        _("The performer declined the procedure (professional soundness, INJ-P3).")
        if decline
        else _("The performer stopped the procedure (professional soundness, INJ-P3).")
    )
    signed_note(
        actor=actor,
        practitioner=practitioner,
        episode=current.episode,
        draft=current.note,
        interventions=headline,
        assessment=current.stop_reason,
        plan=_("The ordering doctor decides how to go on."),
    )
    current.save()
    audit_record(
        actor=actor,
        action="injections.procedure.declined" if decline else "injections.procedure.stopped",
        patient=current.episode.patient,
        target=current,
        reason=current.stop_reason,
    )
    return current


@transaction.atomic
def followup_schedule(*, actor: Actor, procedure: Procedure, on: datetime.date | None = None) -> FollowUp:
    """INJ-D2: the ordering doctor follows the patient up within the clinic's window after the procedure."""
    on = on or timezone.localdate()
    due_from, due_by = rules.followup_window(clinic=procedure.clinic, on=on)
    followup = FollowUp(
        clinic=procedure.clinic,
        episode=procedure.episode,
        doctor=procedure.order.doctor,
        due_from=due_from,
        due_by=due_by,
    )
    followup.full_clean()
    followup.save()
    audit_record(
        actor=actor, action="injections.followup.scheduled", patient=procedure.episode.patient, target=followup
    )
    return followup


def observation_end_allowed(*, procedure: Procedure, practitioner: Practitioner | None) -> Decision:
    """INJ-D6: the performer or the supervising doctor ends the observation of a procedure under observation."""
    decision = Decision.allow()
    if practitioner is None or practitioner.pk not in (procedure.performer_id, procedure.supervising_doctor_id):
        decision += Decision.deny("INJ-D6", _("Only the performer or the supervising doctor can end the observation."))
    if procedure.status != ProcedureStatus.OBSERVATION:
        decision += Decision.deny("INJ-V4", _("The procedure is not under observation."))
    return decision


@transaction.atomic
def observation_end(
    *,
    actor: Actor,
    practitioner: Practitioner | None,
    procedure: Procedure,
    early_reason: str = "",
    at: datetime.datetime | None = None,
) -> Procedure:
    """INJ-V4: the observation period is over (or ended early with a reason); the doctor's follow-up is scheduled."""
    at = at or timezone.now()
    current = _lock(procedure)
    decision = observation_end_allowed(procedure=current, practitioner=practitioner)
    if decision:
        decision += rules.observation_done(procedure=current, at=at, early_reason=early_reason)
    require(decision)
    due = current.observation_started_at + datetime.timedelta(minutes=current.observation_minutes)
    current.status = ProcedureStatus.COMPLETED
    current.observation_ended_at = at
    current.observation_early_reason = early_reason.strip() if at < due else ""
    current.save(update_fields=["status", "observation_ended_at", "observation_early_reason"])
    episode = lock_episode(current.episode)
    advance(actor=actor, episode=episode, to=Status.OBSERVED)
    followup_schedule(actor=actor, procedure=current, on=rules._local_date(at))
    audit_record(
        actor=actor,
        action="injections.observation.ended",
        patient=episode.patient,
        target=current,
        reason=current.observation_early_reason,
    )
    return current
