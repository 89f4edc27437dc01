"""Every write to the record: atomic, validated against the rules, and logged."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.core.decisions import Decision
from kanyle.core.uploads import inspect_upload
from kanyle.journal import rules
from kanyle.journal.models import (
    Amendment,
    Attachment,
    CoAuthorPart,
    DiagnosisCode,
    EmergencyAccess,
    Encounter,
    Episode,
    Note,
    NoteDiagnosis,
    Referral,
    ReferralStatus,
)

ATTACHMENT_TYPES = ("application/pdf", "image/png", "image/jpeg", "application/dicom")


def _require(decision: Decision) -> None:
    if not decision:
        raise ValidationError(decision.messages)


# Referrals (INJ-G1, NAL-8) ---------------------------------------------------------------


@transaction.atomic
def referral_create(*, actor: Actor, patient: Any, referral: Referral, document: Any = None) -> Referral:
    """Register an incoming referral or a self-referral for a patient of the actor's clinic."""
    referral.clinic = actor.clinic
    referral.patient = patient
    referral.created_by = actor.user
    if document is not None:
        _content_type, referral.document_sha256 = inspect_upload(document, allowed=("application/pdf",))
        referral.document = document
    referral.full_clean()
    referral.save()
    audit_record(actor=actor, action="journal.referral.created", patient=patient, target=referral)
    return referral


@transaction.atomic
def referral_decide(*, actor: Actor, referral: Referral, status: str, decline_reason: str = "") -> Referral:
    """Accept, decline (with a reason) or complete a referral."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    allowed = {
        ReferralStatus.RECEIVED: {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED},
        ReferralStatus.ACCEPTED: {ReferralStatus.COMPLETED, ReferralStatus.DECLINED},
    }
    if status not in allowed.get(locked.status, set()):
        raise ValidationError(
            _("A referral that is %(current)s cannot be set to %(new)s.")
            % {"current": locked.get_status_display().lower(), "new": ReferralStatus(status).label.lower()}
        )
    if status == ReferralStatus.DECLINED and not decline_reason.strip():
        raise ValidationError(_("Give the reason for declining the referral."))
    locked.status = status
    locked.decline_reason = decline_reason.strip() if status == ReferralStatus.DECLINED else locked.decline_reason
    locked.decided_by, locked.decided_at = actor.user, timezone.now()
    locked.full_clean()
    locked.save()
    audit_record(actor=actor, action="journal.referral.decided", patient=locked.patient, target=locked, detail=status)
    return locked


# Episodes of care ---------------------------------------------------------------------------


@transaction.atomic
def episode_create(*, actor: Actor, patient: Any, episode: Episode, members: Iterable[Any] = ()) -> Episode:
    """Open a course of care; the responsible practitioner and the members get a treatment relation."""
    episode.clinic = actor.clinic
    episode.patient = patient
    episode.created_by = actor.user
    episode.full_clean()
    if episode.referral_id and episode.referral.patient_id != patient.pk:
        raise ValidationError(_("The referral belongs to another patient."))
    episode.save()
    episode.members.set([m for m in members if m.pk != episode.responsible_id])
    audit_record(actor=actor, action="journal.episode.created", patient=patient, target=episode)
    return episode


@transaction.atomic
def episode_update(*, actor: Actor, episode: Episode, members: Iterable[Any], changed: list[str]) -> Episode:
    """Change goals, members or end date (closing the episode)."""
    episode.full_clean()
    episode.save()
    episode.members.set([m for m in members if m.pk != episode.responsible_id])
    audit_record(
        actor=actor,
        action="journal.episode.updated",
        patient=episode.patient,
        target=episode,
        detail=", ".join(changed),
    )
    return episode


# Encounters and notes ---------------------------------------------------------------------


def _set_diagnoses(note: Note, codes: list[DiagnosisCode]) -> None:
    NoteDiagnosis.objects.filter(note=note).delete()
    NoteDiagnosis.objects.bulk_create(
        [NoteDiagnosis(note=note, code=code, position=index) for index, code in enumerate(codes)]
    )


@transaction.atomic
def note_create(
    *,
    actor: Actor,
    practitioner: Any,
    patient: Any,
    encounter: Encounter,
    note: Note,
    diagnoses: list[DiagnosisCode],
) -> Note:
    """Start the record of a consultation: an encounter with a draft note by the practitioner."""
    if practitioner is None:
        raise ValidationError(_("Only a practitioner can write in the record."))
    if encounter.episode_id and encounter.episode.patient_id != patient.pk:
        raise ValidationError(_("The episode belongs to another patient."))
    encounter.clinic, encounter.patient, encounter.created_by = actor.clinic, patient, actor.user
    encounter.full_clean()
    encounter.save()
    note.clinic, note.patient, note.encounter, note.author = actor.clinic, patient, encounter, practitioner
    note.full_clean()
    note.save()
    _set_diagnoses(note, diagnoses)
    audit_record(actor=actor, action="journal.note.created", patient=patient, target=note)
    return note


@transaction.atomic
def note_update(
    *, actor: Actor, practitioner: Any, note: Note, diagnoses: list[DiagnosisCode], changed: list[str]
) -> Note:
    """Save a draft; the rule is checked against the row as it is in the database, locked."""
    current = Note.objects.select_for_update().get(pk=note.pk)
    _require(rules.note_editable(note=current, practitioner=practitioner))
    note.encounter.full_clean()
    note.encounter.save()
    note.full_clean()
    note.save()
    _set_diagnoses(note, diagnoses)
    audit_record(
        actor=actor, action="journal.note.updated", patient=note.patient, target=note, detail=", ".join(changed)
    )
    return note


@transaction.atomic
def note_sign(*, actor: Actor, practitioner: Any, note: Note) -> Note:
    """The author signs: from now on the note is part of the record and never changes (INJ-D8, INJ-P5)."""
    current = Note.objects.select_for_update().get(pk=note.pk)
    _require(rules.note_signable(note=current, practitioner=practitioner))
    current.signed_at = timezone.now()
    current.save(update_fields=["signed_at", "updated_at"])
    audit_record(actor=actor, action="journal.note.signed", patient=current.patient, target=current)
    return current


@transaction.atomic
def note_discard(*, actor: Actor, practitioner: Any, note: Note) -> None:
    """A draft that should never have been written may be discarded by its author; signed notes never."""
    current = Note.objects.select_for_update().get(pk=note.pk)
    _require(rules.note_editable(note=current, practitioner=practitioner))
    if current.encounter.attachments.exists():
        raise ValidationError(_("The encounter has attachments, so the draft cannot be discarded."))
    audit_record(actor=actor, action="journal.note.discarded", patient=current.patient, target=current)
    encounter = current.encounter
    NoteDiagnosis.objects.filter(note=current).delete()
    CoAuthorPart.objects.filter(note=current).delete()
    current.delete()
    encounter.delete()


@transaction.atomic
def co_part_save(*, actor: Actor, practitioner: Any, note: Note, text: str, sign: bool) -> CoAuthorPart:
    """The second practitioner writes (and, when ready, signs) their own part of the note."""
    current = Note.objects.select_for_update(of=("self",)).select_related("co_part").get(pk=note.pk)
    _require(rules.co_part_allowed(note=current, practitioner=practitioner))
    part = getattr(current, "co_part", None) or CoAuthorPart(note=current, practitioner=practitioner)
    part.text = text
    if sign:
        if not text.strip():
            raise ValidationError(_("An empty part cannot be signed."))
        part.signed_at = timezone.now()
    part.full_clean()
    part.save()
    audit_record(
        actor=actor,
        action="journal.coauthor.signed" if sign else "journal.coauthor.saved",
        patient=current.patient,
        target=current,
    )
    return part


@transaction.atomic
def amendment_create(*, actor: Actor, practitioner: Any, note: Note, reason: str, text: str) -> Amendment:
    """Correct a signed note the lawful way: a new, dated entry with author and reason (hpl §42)."""
    _require(rules.amendment_allowed(note=note, practitioner=practitioner))
    amendment = Amendment(clinic=note.clinic, note=note, author=practitioner, reason=reason.strip(), text=text.strip())
    amendment.full_clean()
    amendment.save()
    audit_record(
        actor=actor, action="journal.amendment.created", patient=note.patient, target=note, reason=amendment.reason
    )
    return amendment


# Attachments ---------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, actor: Actor, encounter: Encounter, upload: Any, title: str) -> Attachment:
    """Store a document or image with its checksum; the type comes from the content (PDF, PNG, JPEG, DICOM)."""
    content_type, digest = inspect_upload(upload, allowed=ATTACHMENT_TYPES)
    attachment = Attachment(
        clinic=encounter.clinic,
        patient=encounter.patient,
        encounter=encounter,
        file=upload,
        title=title.strip(),
        original_name=str(upload.name)[:255],
        content_type=content_type,
        size=upload.size,
        sha256=digest,
        uploaded_by=actor.user,
    )
    attachment.full_clean()
    attachment.save()
    audit_record(actor=actor, action="journal.attachment.added", patient=encounter.patient, target=attachment)
    return attachment


# Emergency access ----------------------------------------------------------------------------


@transaction.atomic
def emergency_access_grant(*, actor: Actor, patient: Any, reason: str) -> EmergencyAccess:
    """Break the glass: open the record without a treatment relation, for a limited time, flagged for review."""
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError(_("Describe the reason for emergency access in at least 10 characters."))
    access = EmergencyAccess(
        clinic=actor.clinic,
        patient=patient,
        user=actor.user,
        reason=reason,
        expires_at=timezone.now() + datetime.timedelta(minutes=settings.KANYLE_EMERGENCY_ACCESS_MINUTES),
    )
    access.full_clean(exclude=["expires_at"])
    access.save()
    audit_record(
        actor=actor,
        action="journal.emergency_access.granted",
        patient=patient,
        target=access,
        reason=reason,
        flagged=True,
    )
    return access
