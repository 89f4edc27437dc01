"""Side effects and their follow-up (NAL-7), and TENS devices lent for home use (NAL-12)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.needling import rules, selectors
from kanyle.needling.models import FollowUp, Plan, Session, SideEffect, TensLoan
from kanyle.needling.services.common import require, require_practitioner, same_clinic
from kanyle.quality.models import DeviationCategory
from kanyle.quality.services.deviations import deviation_report

MAX_LOAN_DAYS = 365


@transaction.atomic
def side_effect_record(
    *,
    actor: Actor,
    practitioner: Any,
    session: Session,
    side_effect: SideEffect,
    follow_up_on: datetime.date | None = None,
    follow_up_task: str = "",
) -> SideEffect:
    """NAL-7: record a side effect; a serious one becomes a deviation and always gets a follow-up task."""
    require_practitioner(practitioner)
    same_clinic(actor, session)
    require(rules.side_effect_severity(kind=side_effect.kind, severity=side_effect.severity))
    occurred = side_effect.occurred_at
    if occurred is not None:
        if occurred > timezone.now():
            raise ValidationError({"occurred_at": _("A side effect cannot be recorded ahead of time.")})
        session_day = timezone.localtime(session.occurred_at).date()
        if timezone.localtime(occurred).date() < session_day:
            raise ValidationError(
                {"occurred_at": _("A side effect happens during or after the session, not before it.")}
            )
    side_effect.clinic, side_effect.patient, side_effect.session = actor.clinic, session.patient, session
    side_effect.recorded_by, side_effect.created_by = practitioner, actor.user
    side_effect.description = side_effect.description.strip()
    side_effect.action_taken = side_effect.action_taken.strip()
    side_effect.full_clean()
    side_effect.save()
    audit_record(
        actor=actor,
        action="needling.sideeffect.created",
        patient=session.patient,
        target=side_effect,
        detail=f"{side_effect.kind}/{side_effect.severity}",
    )
    serious = rules.needs_deviation(severity=side_effect.severity)
    if serious:
        side_effect.deviation = deviation_report(
            actor=actor,
            category=DeviationCategory.NEEDLING_SIDE_EFFECT,
            severity=side_effect.severity,
            occurred_at=side_effect.occurred_at,
            description=f"{side_effect.get_kind_display()}: {side_effect.description}",
            immediate_action=side_effect.action_taken,
            patient=session.patient,
            source=f"needling.sideeffect:{side_effect.pk}",
        )
        side_effect.save(update_fields=["deviation"])
        follow_up_on = follow_up_on or timezone.localdate() + datetime.timedelta(days=1)
    if follow_up_on is not None:
        if follow_up_on < timezone.localdate():
            raise ValidationError({"follow_up_on": _("A follow-up cannot be due in the past.")})
        follow_up = FollowUp(
            clinic=actor.clinic,
            patient=session.patient,
            side_effect=side_effect,
            assigned_to=session.practitioner,
            task=(
                follow_up_task.strip()
                or _("Contact the patient after: %(kind)s") % {"kind": side_effect.get_kind_display().lower()}
            )[:300],
            due_on=follow_up_on,
        )
        follow_up.full_clean()
        follow_up.save()
        audit_record(actor=actor, action="needling.followup.created", patient=session.patient, target=follow_up)
    return side_effect


@transaction.atomic
def follow_up_complete(*, actor: Actor, follow_up: FollowUp, outcome: str) -> FollowUp:
    """NAL-7: the follow-up is done, with what came of it."""
    same_clinic(actor, follow_up)
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.done_at is not None:
        raise ValidationError(_("The follow-up is already done."))
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write what came of the follow-up.")})
    locked.outcome, locked.done_at, locked.done_by = outcome.strip(), timezone.now(), actor.user
    locked.full_clean()
    locked.save()
    audit_record(actor=actor, action="needling.followup.done", patient=locked.patient, target=locked)
    return locked


@transaction.atomic
def loan_create(*, actor: Actor, practitioner: Any, plan: Plan, loan: TensLoan) -> TensLoan:
    """NAL-12: lend a TENS device for home use under an agreed plan, never to a patient with a pacemaker."""
    require_practitioner(practitioner)
    same_clinic(actor, plan)
    state = selectors.current_screening(plan=plan)
    require(
        rules.plan_agreed(plan=plan)
        + rules.electrical_stimulation_allowed(
            flags=selectors.active_flags(patient=plan.patient), items=state.items, rule="NAL-12"
        )
    )
    if loan.lent_on and loan.due_on:
        if loan.due_on < loan.lent_on:
            raise ValidationError({"due_on": _("The return date cannot be before the loan starts.")})
        if (loan.due_on - loan.lent_on).days > MAX_LOAN_DAYS:
            raise ValidationError({"due_on": _("A device is lent for at most a year.")})
    loan.clinic, loan.patient, loan.plan, loan.lent_by, loan.created_by = (
        actor.clinic,
        plan.patient,
        plan,
        practitioner,
        actor.user,
    )
    loan.full_clean()
    loan.save()
    audit_record(actor=actor, action="needling.loan.created", patient=plan.patient, target=loan, detail=loan.device)
    return loan


@transaction.atomic
def loan_return(*, actor: Actor, loan: TensLoan, returned_on: datetime.date) -> TensLoan:
    """NAL-12: the device is back."""
    same_clinic(actor, loan)
    locked = TensLoan.objects.select_for_update().get(pk=loan.pk)
    if locked.returned_on is not None:
        raise ValidationError(_("The device is already returned."))
    if returned_on < locked.lent_on or returned_on > timezone.localdate():
        raise ValidationError(_("The return date must lie between the day it was lent and today."))
    locked.returned_on = returned_on
    locked.full_clean()
    locked.save()
    audit_record(actor=actor, action="needling.loan.returned", patient=locked.patient, target=locked)
    return locked
