"""Deviations: reporting (by anyone, or automatically from the record), assessment, measures, closing.

INJ-V3 (find, correct and prevent errors), INJ-V5 and LAW-Q §7–§9 (plan, do, evaluate, correct),
NAL-7 (side effects of needle treatment, and reactions after injections, arrive here from the record).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.models import Membership
from kanyle.core.decisions import Decision
from kanyle.quality.models import Deviation, DeviationMeasure, DeviationStatus
from kanyle.quality.rules.safety import (
    SERIOUS_SEVERITIES,
    deviation_assessable,
    deviation_closable,
    deviation_report_valid,
    measure_addable,
)

# Kept for callers that imported it from here.
SERIOUS = tuple(SERIOUS_SEVERITIES)


def _refuse(decision: Decision) -> None:
    if not decision:
        raise ValidationError([finding.message for finding in decision.findings])


def _require_member(clinic: Any, user: Any, message: str) -> None:
    if not Membership.objects.active().filter(clinic=clinic, user=user).exists():
        raise ValidationError(message)


@transaction.atomic
def deviation_report(
    *,
    actor: Actor,
    category: str,
    severity: str,
    occurred_at: datetime.datetime,
    description: str,
    location: str = "",
    immediate_action: str = "",
    patient: Any = None,
    source: str = "",
) -> Deviation:
    """Report a deviation; also called by the needle and injection modules for side effects (NAL-7).

    ``source`` ('module.kind:id', e.g. 'needling.sideeffect:12') links back to the record; the same
    source is reported once, and a repeated call returns the deviation already reported.
    """
    if source:
        existing = Deviation.objects.filter(clinic=actor.clinic, source=source).first()
        if existing is not None:
            return existing
    _refuse(
        deviation_report_valid(
            clinic=actor.clinic, occurred_at=occurred_at, now=timezone.now(), patient=patient, source=source
        )
    )
    deviation = Deviation(
        clinic=actor.clinic,
        category=category,
        severity=severity,
        occurred_at=occurred_at,
        description=description.strip(),
        location=location.strip(),
        immediate_action=immediate_action.strip(),
        patient=patient,
        source=source,
        reported_by=actor.user,
        notification_required=severity in SERIOUS_SEVERITIES,
    )
    deviation.full_clean()
    deviation.save()
    audit_record(
        actor=actor,
        action="quality.deviation.reported",
        patient=patient,
        target=deviation,
        detail=f"{category}/{severity}" + (f" from {source}" if source else ""),
        flagged=severity in SERIOUS_SEVERITIES,
    )
    return deviation


def _locked(deviation: Deviation) -> Deviation:
    return Deviation.objects.select_for_update().get(pk=deviation.pk, clinic=deviation.clinic_id)


@transaction.atomic
def deviation_assess(
    *,
    actor: Actor,
    deviation: Deviation,
    responsible: Any,
    cause: str,
    notification_required: bool,
    notified_on: datetime.date | None = None,
) -> Deviation:
    """INJ-V3: the responsible person records the cause and decides on the notification duty."""
    deviation = _locked(deviation)
    _refuse(deviation_assessable(deviation=deviation))
    _require_member(actor.clinic, responsible, _("The responsible person must work in this clinic."))
    if notified_on is not None and notified_on > timezone.localdate():
        raise ValidationError(_("The notification date cannot be in the future."))
    deviation.responsible = responsible
    deviation.cause = cause.strip()
    deviation.notification_required = notification_required
    deviation.notified_on = notified_on if notification_required else None
    deviation.assessed_by = actor.user
    deviation.assessed_at = timezone.now()
    deviation.status = DeviationStatus.ASSESSED
    deviation.full_clean()
    deviation.save()
    audit_record(
        actor=actor,
        action="quality.deviation.assessed",
        patient=deviation.patient,
        target=deviation,
        detail="notification duty" if notification_required else "",
    )
    return deviation


@transaction.atomic
def measure_create(
    *, actor: Actor, deviation: Deviation, kind: str, description: str, owner: Any, due_on: datetime.date
) -> DeviationMeasure:
    """LAW-Q §9: a corrective or preventive measure with an owner and a deadline."""
    deviation = _locked(deviation)
    _refuse(measure_addable(deviation=deviation, due_on=due_on, today=timezone.localdate()))
    _require_member(actor.clinic, owner, _("The owner of a measure must work in this clinic."))
    measure = DeviationMeasure(
        clinic=deviation.clinic,
        deviation=deviation,
        kind=kind,
        description=description.strip(),
        owner=owner,
        due_on=due_on,
    )
    measure.full_clean()
    measure.save()
    audit_record(actor=actor, action="quality.measure.created", target=measure, detail=f"deviation {deviation.pk}")
    return measure


@transaction.atomic
def measure_done(*, actor: Actor, measure: DeviationMeasure) -> DeviationMeasure:
    """LAW-Q §9: the measure is carried out; the deviation can then be evaluated and closed."""
    measure = DeviationMeasure.objects.select_for_update().select_related("deviation").get(pk=measure.pk)
    _refuse(deviation_assessable(deviation=measure.deviation))
    if measure.done_at is not None:
        raise ValidationError(_("The measure is already marked as done."))
    measure.done_at = timezone.now()
    measure.done_by = actor.user
    measure.full_clean()
    measure.save()
    audit_record(actor=actor, action="quality.measure.done", target=measure, detail=f"deviation {measure.deviation_id}")
    return measure


@transaction.atomic
def deviation_close(*, actor: Actor, deviation: Deviation, closing_summary: str) -> Deviation:
    """LAW-Q §8–§9, INJ-V5: closed with an evaluation once every measure is carried out."""
    deviation = _locked(deviation)
    _refuse(
        deviation_closable(
            deviation=deviation, measures=list(deviation.measures.all()), closing_summary=closing_summary
        )
    )
    deviation.closing_summary = closing_summary.strip()
    deviation.status = DeviationStatus.CLOSED
    deviation.closed_by = actor.user
    deviation.closed_at = timezone.now()
    deviation.full_clean()
    deviation.save()
    audit_record(actor=actor, action="quality.deviation.closed", patient=deviation.patient, target=deviation)
    return deviation
