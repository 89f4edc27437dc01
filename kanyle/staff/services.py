"""Every write to the staff register: atomic, validated and logged."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.models import CLINICAL_ROLES, Membership, Role
from kanyle.staff.models import Credential, InsuranceCover, MunicipalAgreement, Practitioner, Profession

_WORDS = ("fjord", "bjørk", "lyng", "måke", "elv", "stein", "tind", "vidde", "skog", "bre", "myr", "ør")


def initial_password() -> str:
    """A one-time password the administrator hands over; readable, 70+ bits of entropy."""
    words = [secrets.choice(_WORDS) for _ in range(3)]
    return "-".join(words) + "-" + "".join(secrets.choice("23456789") for _ in range(16))


def _sync_roles(*, actor: Actor, clinic: Any, user: Any, roles: set[str], data: dict) -> None:
    existing = {m.role: m for m in Membership.objects.filter(clinic=clinic, user=user)}
    for role in Role.values:
        membership = existing.get(role)
        wanted = role in roles
        if membership is None and wanted:
            Membership.objects.create(clinic=clinic, user=user, role=role)
            audit_record(actor=actor, action="clinics.membership.created", target=user, detail=role)
        elif membership is not None and membership.is_active != wanted:
            membership.is_active = wanted
            membership.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                action="clinics.membership.updated",
                target=user,
                detail=f"{role}: {'active' if wanted else 'inactive'}",
            )
    clinical = roles & CLINICAL_ROLES
    if clinical:
        profession = Profession.DOCTOR if Role.DOCTOR in clinical else Profession.PHYSIO
        practitioner = Practitioner.objects.filter(clinic=clinic, user=user).first() or Practitioner(
            clinic=clinic, user=user
        )
        hpr_number = data["hpr_number"]
        if Practitioner.objects.filter(clinic=clinic, hpr_number=hpr_number).exclude(user=user).exists():
            # Say so next to the field instead of failing on the unique constraint in full_clean().
            raise ValidationError(
                {
                    "hpr_number": _("Another practitioner in this clinic already has HPR number %(hpr)s.")
                    % {"hpr": hpr_number}
                }
            )
        practitioner.profession = profession
        practitioner.hpr_number = hpr_number
        practitioner.title = data.get("title", "")
        practitioner.full_clean()
        practitioner.save()
        audit_record(actor=actor, action="staff.practitioner.updated", target=practitioner)


@transaction.atomic
def staff_member_create(*, actor: Actor, clinic: Any, data: dict) -> tuple[Any, str]:
    """Create a user with roles in this clinic; returns the user and a one-time password."""
    password = initial_password()
    user = get_user_model().objects.create_user(
        username=data["username"],
        email=data.get("email", ""),
        password=password,
        first_name=data["first_name"],
        last_name=data["last_name"],
        password_change_required=True,
    )
    audit_record(actor=actor, action="staff.user.created", target=user)
    _sync_roles(actor=actor, clinic=clinic, user=user, roles=set(data["roles"]), data=data)
    return user, password


@transaction.atomic
def staff_member_update(*, actor: Actor, clinic: Any, user: Any, data: dict) -> None:
    """Change a person's name, email and roles in this clinic (roles are deactivated, never deleted)."""
    roles = set(data["roles"])
    if user == actor.user and Role.ADMIN not in roles:
        raise ValidationError(_("You cannot remove your own administrator role."))
    user.first_name, user.last_name, user.email = data["first_name"], data["last_name"], data.get("email", "")
    user.save(update_fields=["first_name", "last_name", "email"])
    _sync_roles(actor=actor, clinic=clinic, user=user, roles=roles, data=data)


@transaction.atomic
def totp_reset(*, actor: Actor, user: Any) -> None:
    """A lost phone: remove the authenticator so the person enrols a new one at next login."""
    TOTPDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action="auth.totp.reset", target=user, flagged=True)


@transaction.atomic
def credential_create(
    *, actor: Actor, practitioner: Practitioner, credential: Credential, verified: bool
) -> Credential:
    credential.clinic = practitioner.clinic
    credential.practitioner = practitioner
    credential.created_by = actor.user
    if verified:
        _refuse_own_verification(actor, practitioner)
        credential.verified_by, credential.verified_at = actor.user, timezone.now()
    credential.full_clean()
    credential.save()
    audit_record(actor=actor, action="staff.credential.created", target=credential)
    if verified:
        audit_record(actor=actor, action="staff.credential.verified", target=credential)
    return credential


def _refuse_own_verification(actor: Actor, practitioner: Practitioner) -> None:
    """Four eyes: nobody vouches for their own competence (INJ-D5: the doctor answers for the delegate's)."""
    if practitioner.user_id == getattr(actor.user, "pk", None):
        raise ValidationError(_("You cannot verify your own credential: another administrator or doctor must."))


@transaction.atomic
def credential_verify(*, actor: Actor, credential: Credential) -> Credential:
    """Someone has seen the documentation: from now on the credential counts (INJ-D5, NAL-2)."""
    locked = Credential.objects.select_for_update().select_related("practitioner").get(pk=credential.pk)
    _refuse_own_verification(actor, locked.practitioner)
    if locked.verified_at is None:
        locked.verified_by, locked.verified_at = actor.user, timezone.now()
        locked.save(update_fields=["verified_by", "verified_at"])
        audit_record(actor=actor, action="staff.credential.verified", target=locked)
    return locked


@transaction.atomic
def insurance_create(*, actor: Actor, practitioner: Practitioner, cover: InsuranceCover) -> InsuranceCover:
    cover.clinic = practitioner.clinic
    cover.practitioner = practitioner
    cover.created_by = actor.user
    cover.full_clean()
    cover.save()
    audit_record(actor=actor, action="staff.insurance.created", target=cover)
    return cover


@transaction.atomic
def agreement_save(
    *, actor: Actor, practitioner: Practitioner, agreement: MunicipalAgreement, hours_formset
) -> MunicipalAgreement:
    """Save an agreement and its weekly opening hours together."""
    created = agreement.pk is None
    agreement.clinic = practitioner.clinic
    agreement.practitioner = practitioner
    agreement.full_clean()
    agreement.save()
    hours_formset.instance = agreement
    hours_formset.save()
    audit_record(
        actor=actor, action="staff.agreement.created" if created else "staff.agreement.hours_changed", target=agreement
    )
    return agreement
