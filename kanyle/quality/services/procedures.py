"""Procedures library (INJ-V1, INJ-V3, LAW-Q): controlled documents with numbered, approved versions.

An approved version is never changed: a change is a new draft that someone who may manage
procedures approves, and the newest approved version is the one in force. Staff confirm they have
read the version in force; a receipt for an older version does not count for a newer one.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.quality.models import Procedure, ProcedureVersion, ReadReceipt
from kanyle.quality.selectors.documents import clinic_staff, current_version, user_may_manage_procedures


def _same_clinic(actor: Actor, procedure: Procedure) -> None:
    if actor.clinic is None or procedure.clinic_id != actor.clinic.pk:
        raise PermissionDenied("procedure of another clinic")


def _require_manager(actor: Actor, clinic: Any) -> None:
    if not user_may_manage_procedures(user=actor.user, clinic=clinic):
        raise ValidationError(_("Only the clinic's administrator or a doctor may approve procedures."))


def _check_review_date(next_review_on: datetime.date) -> None:
    if next_review_on <= timezone.localdate():
        raise ValidationError({"next_review_on": _("The next review must be a date after today.")})


@transaction.atomic
def procedure_create(
    *,
    actor: Actor,
    title: str,
    owner: Any,
    content: str,
    next_review_on: datetime.date,
    change_summary: str = "",
    approve: bool = False,
) -> Procedure:
    """Create a procedure with its first version as a draft, and approve it at once if asked (INJ-V1)."""
    clinic = actor.clinic
    title = title.strip()
    if Procedure.objects.filter(clinic=clinic, title__iexact=title).exists():
        raise ValidationError({"title": _("The clinic already has a procedure with this title.")})
    if not clinic_staff(clinic=clinic).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("The owner must have a role in this clinic.")})
    _check_review_date(next_review_on)
    procedure = Procedure(clinic=clinic, title=title, owner=owner)
    procedure.full_clean()
    procedure.save()
    version = ProcedureVersion(
        procedure=procedure,
        number=1,
        content=content.strip(),
        change_summary=change_summary.strip(),
        next_review_on=next_review_on,
        created_by=actor.user,
    )
    version.full_clean()
    version.save()
    audit_record(actor=actor, action="quality.procedure.created", target=procedure, detail=title)
    if approve:
        procedure_version_approve(actor=actor, version=version)
    return procedure


@transaction.atomic
def procedure_draft_save(
    *, actor: Actor, procedure: Procedure, content: str, change_summary: str, next_review_on: datetime.date
) -> ProcedureVersion:
    """Write the next version as a draft, or change the open draft; approved versions stay as they are."""
    _same_clinic(actor, procedure)
    # Lock the procedure so two people saving at once cannot both take the same number.
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if not change_summary.strip():
        raise ValidationError({"change_summary": _("Describe what changed in this version.")})
    _check_review_date(next_review_on)
    latest = procedure.versions.order_by("-number").first()
    if latest is not None and latest.approved_on is None:
        draft, action = latest, "quality.procedure.draft_updated"
    else:
        number = (procedure.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = ProcedureVersion(procedure=procedure, number=number, created_by=actor.user)
        action = "quality.procedure.version_created"
    draft.content = content.strip()
    draft.change_summary = change_summary.strip()
    draft.next_review_on = next_review_on
    draft.full_clean()
    draft.save()
    audit_record(actor=actor, action=action, target=draft, detail=f"{procedure.title} v{draft.number}")
    return draft


@transaction.atomic
def procedure_version_approve(*, actor: Actor, version: ProcedureVersion) -> ProcedureVersion:
    """Approve a draft: it becomes the version in force, and everyone must read it again (INJ-V3)."""
    procedure = Procedure.objects.select_for_update().get(pk=version.procedure_id)
    _same_clinic(actor, procedure)
    _require_manager(actor, procedure.clinic)
    locked = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if locked.approved_on is not None:
        raise ValidationError(_("This version is already approved. A change needs a new version."))
    if procedure.versions.filter(approved_on__isnull=False, number__gt=locked.number).exists():
        raise ValidationError(_("A newer version is already approved; this draft can no longer be approved."))
    locked.approved_by = actor.user
    locked.approved_on = timezone.localdate()
    locked.full_clean()
    locked.save(update_fields=["approved_by", "approved_on"])
    audit_record(
        actor=actor,
        action="quality.procedure.version_approved",
        target=locked,
        detail=f"{procedure.title} v{locked.number}",
    )
    return locked


@transaction.atomic
def procedure_read_confirm(*, actor: Actor, version: ProcedureVersion) -> ReadReceipt:
    """The user confirms having read the version in force (INJ-V3); confirming twice changes nothing."""
    procedure = version.procedure
    _same_clinic(actor, procedure)
    current = current_version(procedure=procedure)
    if current is None:
        raise ValidationError(_("This procedure has no approved version to confirm yet."))
    if current.pk != version.pk:
        raise ValidationError(
            _("Version %(number)s is no longer in force: read version %(current)s and confirm that one.")
            % {"number": version.number, "current": current.number}
        )
    receipt, created = ReadReceipt.objects.get_or_create(version=current, user=actor.user)
    if created:
        audit_record(
            actor=actor, action="quality.procedure.read", target=current, detail=f"{procedure.title} v{current.number}"
        )
    return receipt
