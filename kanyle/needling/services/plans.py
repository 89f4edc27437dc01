"""Assessment (NAL-11), plan with goals and measures (NAL-6), shared decision (NAL-1), screening, end of course."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.journal.models import EpisodeKind
from kanyle.needling import rules, selectors
from kanyle.needling.models import Assessment, Caution, Plan, PlanGoal, Screening, ScreeningItem, Session
from kanyle.needling.services.common import require, require_practitioner, same_clinic
from kanyle.outcomes.models import Instrument, Phase
from kanyle.outcomes.services import measurement_record


def _open_needling_episode(episode: Any) -> None:
    if episode.kind != EpisodeKind.NEEDLING:
        raise ValidationError(_("Needle treatment is recorded in a needle treatment episode of care."))
    if episode.ended_on is not None:
        raise ValidationError(_("The episode of care is closed."))


@transaction.atomic
def assessment_create(
    *, actor: Actor, practitioner: Any, episode: Any, assessment: Assessment, pain_now: int | None = None
) -> Assessment:
    """NAL-11: record the ICF assessment and the type of pain; the first one may give the pain score at the start."""
    require_practitioner(practitioner)
    same_clinic(actor, episode)
    _open_needling_episode(episode)
    first = not Assessment.objects.filter(episode=episode).exists()
    assessment.clinic, assessment.patient, assessment.episode = actor.clinic, episode.patient, episode
    assessment.practitioner, assessment.created_by = practitioner, actor.user
    assessment.assessed_at = timezone.now()
    assessment.full_clean()
    assessment.save()
    audit_record(actor=actor, action="needling.assessment.created", patient=episode.patient, target=assessment)
    if pain_now is not None and first:
        measurement_record(
            actor=actor,
            patient=episode.patient,
            episode=episode,
            instrument=Instrument.NPRS,
            phase=Phase.BASELINE,
            occasion=0,
            value=pain_now,
            measured_at=assessment.assessed_at,
            source=f"needling.assessment:{assessment.pk}",
        )
    return assessment


def _decide(plan: Plan, *, discussed: bool, patient_view: str, agreed: bool) -> None:
    """NAL-1: an agreement is only recorded as informed: discussed, with the patient's view written down."""
    plan.discussed, plan.patient_view = discussed, patient_view.strip()
    if agreed:
        require(rules.shared_decision(discussed=discussed, patient_view=plan.patient_view, agreed=True))
    if agreed and not plan.agreed:
        plan.decided_at = timezone.now()
    plan.agreed = agreed
    if not agreed:
        plan.decided_at = timezone.now() if discussed else None


@transaction.atomic
def plan_create(
    *,
    actor: Actor,
    practitioner: Any,
    episode: Any,
    plan: Plan,
    goals: Iterable[PlanGoal],
    discussed: bool,
    patient_view: str,
    agreed: bool,
) -> Plan:
    """NAL-1, NAL-6, NAL-11: the plan on the latest assessment: measurable goals, combined measures, the decision."""
    require_practitioner(practitioner)
    same_clinic(actor, episode)
    _open_needling_episode(episode)
    goals = list(goals)
    assessment = selectors.latest_assessment(clinic=actor.clinic, episode=episode)
    require(rules.plan_can_be_made(assessment=assessment))
    if Plan.objects.filter(episode=episode).exists():
        raise ValidationError(_("This episode already has a needle-treatment plan."))
    require(rules.goals_measurable(goals=goals) + rules.measures_combined(plan=plan))
    plan.clinic, plan.patient, plan.episode, plan.assessment = actor.clinic, episode.patient, episode, assessment
    plan.practitioner, plan.created_by = practitioner, actor.user
    _decide(plan, discussed=discussed, patient_view=patient_view, agreed=agreed)
    plan.full_clean()
    plan.save()
    for position, goal in enumerate(goals):
        goal.plan, goal.position = plan, position
        goal.activity = goal.activity.strip()
        goal.full_clean()
        goal.save()
    audit_record(
        actor=actor,
        action="needling.plan.created",
        patient=plan.patient,
        target=plan,
        detail="agreed" if plan.agreed else "not agreed",
    )
    for goal in goals:
        measurement_record(
            actor=actor,
            patient=plan.patient,
            episode=episode,
            instrument=Instrument.PSFS,
            phase=Phase.BASELINE,
            occasion=0,
            value=goal.baseline,
            measured_at=timezone.now(),
            source=f"needling.plan:{plan.pk}",
            item_key=goal.item_key,
            item_label=goal.activity,
        )
    return plan


@transaction.atomic
def plan_decide(
    *, actor: Actor, practitioner: Any, plan: Plan, discussed: bool, patient_view: str, agreed: bool
) -> Plan:
    """NAL-1: record the shared decision later, or the patient's change of mind (which stops new sessions)."""
    require_practitioner(practitioner)
    same_clinic(actor, plan)
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if locked.completed_on is not None:
        raise ValidationError(_("The course is completed: make a new plan with the patient first."))
    _decide(locked, discussed=discussed, patient_view=patient_view, agreed=agreed)
    locked.full_clean()
    locked.save()
    audit_record(
        actor=actor,
        action="needling.plan.decided",
        patient=locked.patient,
        target=locked,
        detail="agreed" if locked.agreed else "not agreed",
    )
    return locked


@transaction.atomic
def screening_create(*, actor: Actor, practitioner: Any, plan: Plan, answers: list[dict[str, Any]]) -> Screening:
    """Screen for contraindications and cautions (FACTS.md); register flags must be answered, present ones decided."""
    require_practitioner(practitioner)
    same_clinic(actor, plan)
    flags = selectors.active_flags(patient=plan.patient)
    items = [
        ScreeningItem(
            caution=answer["caution"],
            present=bool(answer.get("present")),
            decision=(answer.get("decision") or "") if answer.get("present") else "",
            note=(answer.get("note") or "").strip() if answer.get("present") else "",
        )
        for answer in answers
        if answer.get("caution") in Caution.values
    ]
    require(rules.screening_complete(items=items, flags=flags))
    screening = Screening(
        clinic=actor.clinic,
        patient=plan.patient,
        plan=plan,
        practitioner=practitioner,
        screened_at=timezone.now(),
        created_by=actor.user,
    )
    screening.full_clean()
    screening.save()
    for item in items:
        item.screening = screening
        item.full_clean()
    ScreeningItem.objects.bulk_create(items)
    screening.risk_flags.set(rules.relevant_flags(flags))
    present = ",".join(item.caution for item in items if item.present) or "none"
    audit_record(
        actor=actor, action="needling.screening.created", patient=plan.patient, target=screening, detail=present
    )
    return screening


@transaction.atomic
def course_complete(
    *,
    actor: Actor,
    practitioner: Any,
    plan: Plan,
    pgic: int,
    pain_now: int | None,
    psfs: dict[int, int | None],
    completed_on: datetime.date,
) -> Plan:
    """NAL-6: close the course with the patient's impression of change (PGIC) and the last pain and function scores."""
    require_practitioner(practitioner)
    same_clinic(actor, plan)
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if locked.completed_on is not None:
        raise ValidationError(_("The course is already completed."))
    sessions = Session.objects.filter(plan=locked)
    if not sessions.filter(signed_at__isnull=False).exists():
        raise ValidationError(_("A course is completed after at least one signed session."))
    if sessions.filter(signed_at__isnull=True).exists():
        raise ValidationError(_("Sign or finish the sessions still in draft before completing the course."))
    if completed_on > timezone.localdate():
        raise ValidationError(_("The course cannot be completed on a future date."))
    occasion = (sessions.aggregate(last=Max("number"))["last"] or 0) + 1
    now = timezone.now()
    source = f"needling.plan:{locked.pk}:end"
    common = {
        "actor": actor,
        "patient": locked.patient,
        "episode": locked.episode,
        "measured_at": now,
        "source": source,
    }
    measurement_record(instrument=Instrument.PGIC, phase=Phase.END, occasion=occasion, value=pgic, **common)
    if pain_now is not None:
        measurement_record(instrument=Instrument.NPRS, phase=Phase.END, occasion=occasion, value=pain_now, **common)
    for goal in locked.goals.all():
        value = psfs.get(goal.pk)
        if value is not None:
            measurement_record(
                instrument=Instrument.PSFS,
                phase=Phase.END,
                occasion=occasion,
                value=value,
                item_key=goal.item_key,
                item_label=goal.activity,
                **common,
            )
    locked.completed_on = completed_on
    locked.full_clean()
    locked.save()
    audit_record(
        actor=actor, action="needling.plan.completed", patient=locked.patient, target=locked, detail=f"pgic={pgic}"
    )
    return locked
