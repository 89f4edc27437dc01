"""Decisions about the record: who may read a chart, edit, sign and correct notes."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from kanyle.core.decisions import Decision
from kanyle.journal.models import NOTE_SECTIONS, EmergencyAccess, Episode, Note


def treatment_relation(*, practitioner: Any, patient: Any) -> bool:
    """A practitioner treats the patient: on one of the patient's episodes, or has written in the record."""
    if practitioner is None:
        return False
    on_episode = Episode.objects.filter(patient=patient).filter(Q(responsible=practitioner) | Q(members=practitioner))
    wrote = Note.objects.filter(patient=patient).filter(Q(author=practitioner) | Q(co_author=practitioner))
    return on_episode.exists() or wrote.exists()


def active_emergency_access(*, user: Any, patient: Any, now: datetime.datetime) -> EmergencyAccess | None:
    return (
        EmergencyAccess.objects.filter(user=user, patient=patient, expires_at__gt=now).order_by("-expires_at").first()
    )


def chart_access(*, user: Any, practitioner: Any, patient: Any, now: datetime.datetime) -> Decision:
    """LAW-J: the record is open to those who treat the patient; others must break the glass with a reason."""
    if treatment_relation(practitioner=practitioner, patient=patient):
        return Decision.allow()
    if active_emergency_access(user=user, patient=patient, now=now):
        return Decision.allow()
    return Decision.deny(
        "LAW-J",
        _("You have no treatment relation with this patient. State the reason to open the record as emergency access."),
    )


def note_editable(*, note: Note, practitioner: Any) -> Decision:
    """A draft is changed only by its author; a signed note never (helsepersonelloven §42)."""
    if note.is_signed:
        return Decision.deny("LAW-J", _("The note is signed and cannot be changed. Write a correction instead."))
    if practitioner is None or note.author_id != practitioner.pk:
        return Decision.deny("LAW-J", _("Only the author can change or sign this note."))
    return Decision.allow()


def note_signable(*, note: Note, practitioner: Any) -> Decision:
    """INJ-D8 / INJ-P5: the author signs their own journal note, which must say something."""
    decision = note_editable(note=note, practitioner=practitioner)
    if decision and not any(getattr(note, section).strip() for section in NOTE_SECTIONS):
        return Decision.deny("LAW-J", _("An empty note cannot be signed: write at least one section."))
    return decision


def co_part_allowed(*, note: Note, practitioner: Any) -> Decision:
    """The second practitioner present writes and signs their own part (INJ-D8, INJ-P5)."""
    if practitioner is None or note.co_author_id != practitioner.pk:
        return Decision.deny("INJ-D8", _("Only the second practitioner named on the note can write this part."))
    part = getattr(note, "co_part", None)
    if part is not None and part.signed_at is not None:
        return Decision.deny("LAW-J", _("Your part is signed and cannot be changed. Write a correction instead."))
    return Decision.allow()


def amendment_allowed(*, note: Note, practitioner: Any) -> Decision:
    """Only signed notes are corrected by amendment; drafts are simply edited by their author."""
    if practitioner is None:
        return Decision.deny("LAW-J", _("Only a practitioner can correct the record."))
    if not note.is_signed:
        return Decision.deny("LAW-J", _("The note is still a draft: its author changes it directly."))
    return Decision.allow()
