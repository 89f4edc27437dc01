"""What the chain's services share: the state machine step, the live procedure, saving a step, ending open orders."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.core.decisions import Decision
from kanyle.injections import rules
from kanyle.injections.models import (
    DrugOrder,
    InjectionEpisode,
    ProcedureStatus,
)
from kanyle.injections.services.common import advance


def _step_allowed(episode: InjectionEpisode, to: str, *, again_at: Iterable[str] = ()) -> Decision:
    """The state machine (INJ-G1), or the same step recorded again while the episode is still open there."""
    if not episode.is_final and episode.status in again_at:
        return Decision.allow()
    return rules.transition_allowed(episode=episode, to=to)


def _live_procedure(episode: InjectionEpisode) -> bool:
    return episode.procedures.filter(
        status__in=[ProcedureStatus.IN_PROGRESS, ProcedureStatus.OBSERVATION, ProcedureStatus.COMPLETED]
    ).exists()


def _end_open_orders(*, actor: Actor, episode: InjectionEpisode, reason: str) -> None:
    """LAW-M: when the episode ends, a signed order still open is cancelled with the reason, so none stays in force."""
    for order in DrugOrder.objects.select_for_update().filter(episode=episode, cancelled_at__isnull=True):
        order.cancelled_at, order.cancelled_reason = timezone.now(), reason[:500]
        order.save(update_fields=["cancelled_at", "cancelled_reason"])
        audit_record(
            actor=actor, action="injections.order.cancelled", patient=episode.patient, target=order, reason=reason
        )


def _step_saved(*, actor: Actor, episode: InjectionEpisode, record: Any, after: str, to: str) -> None:
    """Save a step's signed record; the episode moves on only the first time (a repeated step keeps its status)."""
    record.save()
    if episode.status == after:
        advance(actor=actor, episode=episode, to=to)


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")
