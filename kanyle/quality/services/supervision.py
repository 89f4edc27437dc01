"""Supervision visits (INJ-O3): when the doctor takes part by video, the doctor also visits the clinic."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.quality.models import SupervisionVisit
from kanyle.staff.models import Practitioner, Profession


@transaction.atomic
def supervision_visit_record(
    *, actor: Actor, doctor: Practitioner, visited_on: datetime.date, notes: str
) -> SupervisionVisit:
    """Record a doctor's on-site visit: who, when, and what was checked (INJ-O3)."""
    errors: dict[str, str] = {}
    if doctor.clinic_id != getattr(actor.clinic, "pk", None) or doctor.profession != Profession.DOCTOR:
        errors["doctor"] = _("Choose a doctor who works in this clinic.")
    if visited_on > timezone.localdate():
        errors["visited_on"] = _("A visit cannot be recorded before it has taken place.")
    elif SupervisionVisit.objects.filter(clinic=actor.clinic, doctor=doctor, visited_on=visited_on).exists():
        errors["visited_on"] = _("This doctor's visit on this date is already recorded.")
    if errors:
        raise ValidationError(errors)
    visit = SupervisionVisit(
        clinic=actor.clinic, doctor=doctor, visited_on=visited_on, notes=notes.strip(), recorded_by=actor.user
    )
    visit.full_clean()
    visit.save()
    audit_record(
        actor=actor,
        action="quality.supervision.recorded",
        target=visit,
        detail=f"{doctor.user.display_name} {visited_on.isoformat()}",
    )
    return visit
