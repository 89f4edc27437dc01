"""Deviations: reporting (by anyone, or automatically from the record), assessment, measures, closing."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from kanyle.audit.services import Actor, audit_record
from kanyle.quality.models import Deviation, Severity

SERIOUS = (Severity.SERIOUS, Severity.CRITICAL)


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
    """Report a deviation; also called by the needle and injection modules for side effects (NAL-7)."""
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
        notification_required=severity in SERIOUS,
    )
    deviation.full_clean()
    deviation.save()
    audit_record(
        actor=actor,
        action="quality.deviation.reported",
        patient=patient,
        target=deviation,
        detail=f"{category}/{severity}",
        flagged=severity in SERIOUS,
    )
    return deviation
