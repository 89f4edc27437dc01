"""What every step of the chain shares: the rule check, the status move and the signed journal note."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from kanyle.audit.services import Actor, audit_record
from kanyle.core.decisions import Decision
from kanyle.injections import rules
from kanyle.injections.models import InjectionEpisode
from kanyle.journal import services as journal_services
from kanyle.journal.models import ContactType, Encounter, Note


def require(decision: Decision) -> None:
    """Refuse with every finding's message (each ends with its rule ID); nothing is saved."""
    if not decision:
        raise ValidationError(decision.messages)


def lock_episode(episode: InjectionEpisode) -> InjectionEpisode:
    """The episode row, locked for the rest of the transaction (two people cannot move it at once)."""
    return InjectionEpisode.objects.select_for_update().select_related("episode", "patient").get(pk=episode.pk)


def advance(*, actor: Actor, episode: InjectionEpisode, to: str, reason: str = "") -> InjectionEpisode:
    """Move the (locked) episode one step along the path, or out through an exit, and log it."""
    require(rules.transition_allowed(episode=episode, to=to))
    episode.status, episode.status_changed_at = to, timezone.now()
    fields = ["status", "status_changed_at"]
    if reason:
        episode.exit_reason, episode.exit_by = reason, actor.user
        fields += ["exit_reason", "exit_by"]
    episode.save(update_fields=fields)
    if episode.is_final and episode.episode.ended_on is None:
        episode.episode.ended_on = timezone.localdate()
        episode.episode.save(update_fields=["ended_on"])
    audit_record(actor=actor, action="injections.episode.status", patient=episode.patient, target=episode, detail=to)
    return episode


def signed_note(
    *,
    actor: Actor,
    practitioner: Any,
    episode: InjectionEpisode,
    occurred_at: Any = None,
    diagnoses: list | None = None,
    draft: Note | None = None,
    **sections: str,
) -> Note:
    """INJ-D8 / INJ-P5: the step's signed journal note by its author, in the episode (sections as in Note).

    ``draft`` is an already started note (e.g. the procedure's, which carries the ultrasound images as
    attachments of its encounter); otherwise a new encounter and note are written.
    """
    if draft is None:
        draft = journal_services.note_create(
            actor=actor,
            practitioner=practitioner,
            patient=episode.patient,
            encounter=Encounter(
                episode=episode.episode, contact_type=ContactType.IN_PERSON, occurred_at=occurred_at or timezone.now()
            ),
            note=Note(**sections),
            diagnoses=list(diagnoses or []),
        )
    else:
        for name, value in sections.items():
            setattr(draft, name, value)
        draft.full_clean()
        draft.save()
    return journal_services.note_sign(actor=actor, practitioner=practitioner, note=draft)


def draft_note(*, actor: Actor, practitioner: Any, episode: InjectionEpisode, occurred_at: Any = None) -> Note:
    """An unsigned note to hang images on before the step is signed (exam, procedure)."""
    return journal_services.note_create(
        actor=actor,
        practitioner=practitioner,
        patient=episode.patient,
        encounter=Encounter(
            episode=episode.episode, contact_type=ContactType.IN_PERSON, occurred_at=occurred_at or timezone.now()
        ),
        note=Note(),
        diagnoses=[],
    )
