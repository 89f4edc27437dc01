"""Writes on clinics and the choice of clinic to work in."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.middleware import SESSION_MEMBERSHIP
from kanyle.clinics.models import Clinic, Membership


def membership_select(*, request: HttpRequest, membership: Membership) -> None:
    """Work in this clinic and role from now on; logged."""
    request.session[SESSION_MEMBERSHIP] = membership.pk
    request.membership = membership
    request.clinic = membership.clinic
    audit_record(actor=Actor.from_request(request), action="clinics.clinic.selected", target=membership.clinic)


@transaction.atomic
def clinic_update(*, actor: Actor, clinic: Clinic, changed: list[str]) -> Clinic:
    """Save a validated profile form's instance and log which fields changed."""
    clinic.full_clean()
    clinic.save()
    audit_record(actor=actor, action="clinics.clinic.updated", target=clinic, detail=", ".join(changed))
    return clinic
