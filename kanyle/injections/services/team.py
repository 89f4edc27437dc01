"""The doctor's side of delegated injections: delegations (INJ-D5, INJ-P1, INJ-P2, LAW-H5, INJ-O3) and
supervision availability (INJ-D6, INJ-O3).

A delegation rests on the physio's credentials as the doctor saw them in the staff register: the service
keeps a snapshot of them, so the record shows later what the doctor relied on even if the register changes.
A revoked delegation stops counting at once: ``rules.covering_delegation`` reads ``revoked_at``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.models import OrganisationModel
from kanyle.core.decisions import Decision
from kanyle.injections import rules
from kanyle.injections.models import Delegation, ProcedureType, SupervisionAvailability, SupervisionMode
from kanyle.injections.services.common import require
from kanyle.staff.models import Credential, CredentialKind, Practitioner, Profession
from kanyle.staff.rules import credential_status


def relevant_credential_kinds(procedure_types: list[str] | None = None) -> list[str]:
    """INJ-P1 always; INJ-P2 (injection training) unless the delegation is for aspiration only."""
    kinds = [str(k) for k in rules.DELEGATION_CREDENTIALS]
    if procedure_types is None or any(t != ProcedureType.ASPIRATION for t in procedure_types):
        kinds.append(str(CredentialKind.INJECTION))
    return kinds


def delegation_credentials(*, physio: Practitioner, on: datetime.date) -> list[tuple[Credential, str]]:
    """The physio's credentials that a delegation rests on, each with its status in the register on ``on``."""
    credentials = physio.credentials.filter(kind__in=relevant_credential_kinds()).order_by("kind", "-issued_on")
    return [(credential, credential_status(credential, on)) for credential in credentials]


def credentials_snapshot(
    *, physio: Practitioner, procedure_types: list[str], on: datetime.date
) -> list[dict[str, Any]]:
    kinds = relevant_credential_kinds(procedure_types)
    return [
        {
            "id": credential.pk,
            "kind": credential.kind,
            "title": credential.title,
            "issuer": credential.issuer,
            "issued_on": credential.issued_on.isoformat(),
            "expires_on": credential.expires_on.isoformat() if credential.expires_on else None,
            "verified_at": credential.verified_at.isoformat() if credential.verified_at else None,
            "status": status,
        }
        for credential, status in delegation_credentials(physio=physio, on=on)
        if credential.kind in kinds and status in ("valid", "expiring")
    ]


@transaction.atomic
def delegation_sign(
    *,
    actor: Actor,
    doctor: Practitioner,
    delegation: Delegation,
    credentials_checked: bool,
    on: datetime.date | None = None,
) -> Delegation:
    """LAW-H5, INJ-D5: the doctor hands named procedures to a competent physio, having checked the credentials."""
    on = on or timezone.localdate()
    delegation.doctor = doctor
    delegation.clinic = actor.clinic
    if delegation.physio_id and delegation.physio.clinic_id != actor.clinic.pk:
        raise ValidationError(_("The physiotherapist must work in this clinic. (INJ-D5)"))
    decision = rules.delegation_valid_to_sign(delegation=delegation, on=on)
    if not credentials_checked:
        decision += Decision.deny(
            "LAW-H5",
            _(
                "Confirm that you have checked the physiotherapist's credentials: you answer for the delegate's "
                "competence."
            ),
        )
    require(decision)
    delegation.credentials_snapshot = credentials_snapshot(
        physio=delegation.physio, procedure_types=list(delegation.procedure_types), on=max(on, delegation.valid_from)
    )
    delegation.signed_at = timezone.now()
    delegation.full_clean()
    delegation.save()
    audit_record(
        actor=actor,
        action="injections.delegation.signed",
        target=delegation,
        detail=", ".join(delegation.procedure_types),
    )
    return delegation


@transaction.atomic
def delegation_revoke(
    *, actor: Actor, practitioner: Practitioner | None, delegation: Delegation, reason: str
) -> Delegation:
    """LAW-H5: the delegating doctor takes the delegation back at once; it stops counting immediately."""
    current = Delegation.objects.select_for_update().get(pk=delegation.pk)
    decision = Decision.allow()
    if practitioner is None or practitioner.pk != current.doctor_id:
        decision += Decision.deny("LAW-H5", _("Only the doctor who gave the delegation can revoke it."))
    if current.revoked_at is not None:
        decision += Decision.deny("INJ-D5", _("The delegation is already revoked."))
    if not reason.strip():
        decision += Decision.deny("LAW-H5", _("Write why the delegation is revoked."))
    require(decision)
    current.revoked_at = timezone.now()
    current.revoked_reason = reason.strip()
    current.revoked_by = actor.user
    current.full_clean()
    current.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    audit_record(actor=actor, action="injections.delegation.revoked", target=current, reason=current.revoked_reason)
    return current


def _availability_allowed(
    *, doctor: Practitioner | None, availability: SupervisionAvailability, clinic: Any
) -> Decision:
    """INJ-D6: a doctor marks their own availability; INJ-O3: video only where the doctor takes part by video."""
    decision = Decision.allow()
    if doctor is None or doctor.profession != Profession.DOCTOR:
        decision += Decision.deny("INJ-D6", _("Only a doctor marks supervision availability."))
    if availability.starts_at and availability.ends_at and availability.ends_at <= availability.starts_at:
        decision += Decision.deny("INJ-D6", _("The end must be after the start."))
    if availability.mode == SupervisionMode.VIDEO and clinic.organisation_model != OrganisationModel.DOCTOR_BY_VIDEO:
        decision += Decision.deny(
            "INJ-O3", _("Supervision by video is only for clinics organised with the doctor taking part by video.")
        )
    return decision


@transaction.atomic
def availability_add(
    *, actor: Actor, doctor: Practitioner | None, availability: SupervisionAvailability
) -> SupervisionAvailability:
    """INJ-D6: the doctor is reachable on site or by video in this period."""
    require(_availability_allowed(doctor=doctor, availability=availability, clinic=actor.clinic))
    availability.clinic, availability.doctor, availability.created_by = actor.clinic, doctor, actor.user
    availability.full_clean()
    availability.save()
    audit_record(
        actor=actor,
        action="injections.availability.added",
        target=availability,
        detail=f"{availability.mode} {availability.starts_at.isoformat()}–{availability.ends_at.isoformat()}",
    )
    return availability


def availability_now(*, actor: Actor, doctor: Practitioner | None, hours: int, mode: str) -> SupervisionAvailability:
    """INJ-D6: one click, "available now for N hours"."""
    if not 1 <= hours <= 12:
        raise ValidationError(_("Choose between 1 and 12 hours. (INJ-D6)"))
    now = timezone.now().replace(second=0, microsecond=0)
    return availability_add(
        actor=actor,
        doctor=doctor,
        availability=SupervisionAvailability(mode=mode, starts_at=now, ends_at=now + datetime.timedelta(hours=hours)),
    )


@transaction.atomic
def availability_cancel(
    *, actor: Actor, doctor: Practitioner | None, availability: SupervisionAvailability
) -> SupervisionAvailability:
    """INJ-D6: the doctor withdraws a period; it stops counting at once."""
    current = SupervisionAvailability.objects.select_for_update().get(pk=availability.pk)
    decision = Decision.allow()
    if doctor is None or doctor.pk != current.doctor_id:
        decision += Decision.deny("INJ-D6", _("Only the doctor can cancel their own availability."))
    if current.cancelled_at is not None:
        decision += Decision.deny("INJ-D6", _("The availability is already cancelled."))
    require(decision)
    current.cancelled_at = timezone.now()
    current.save(update_fields=["cancelled_at"])
    audit_record(actor=actor, action="injections.availability.cancelled", target=current)
    return current
