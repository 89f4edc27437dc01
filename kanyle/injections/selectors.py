"""Read-side queries of the injection chain that other pages (the dashboard) show."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kanyle.injections.models import FINAL, FollowUp, InjectionEpisode, ProcedureStatus, Status
from kanyle.staff.models import Profession

# Whose turn it is at each status, and what they do next.
NEXT_STEP = {
    Status.REFERRED: ("any", _("Ultrasound examination")),
    Status.EXAMINED: (Profession.DOCTOR, _("Doctor's assessment")),
    Status.ASSESSED: (Profession.DOCTOR, _("Informed consent")),
    Status.CONSENTED: (Profession.DOCTOR, _("Drug order")),
    Status.ORDERED: ("performer", _("Readiness check and procedure")),
    Status.PERFORMED: ("performer", _("Observation")),
    Status.OBSERVED: ("any", _("Report to the GP")),
}


@dataclass(frozen=True)
class WorkItem:
    episode: InjectionEpisode
    step: Any


def worklist_for(*, clinic: Any, practitioner: Any, limit: int = 20) -> list[WorkItem]:
    """Open injection episodes where the practitioner (doctor or physio of the episode) has the next step."""
    episodes = (
        InjectionEpisode.objects.filter(clinic=clinic)
        .filter(Q(doctor=practitioner) | Q(physio=practitioner))
        .exclude(status__in=[*FINAL, Status.REPORTED, Status.FOLLOWED_UP])
        .select_related("patient", "episode")
        .order_by("status_changed_at")[: limit * 2]
    )
    items = []
    for episode in episodes:
        who, step = NEXT_STEP[Status(episode.status)]
        mine = (
            who == "any"
            or (who == Profession.DOCTOR and practitioner.profession == Profession.DOCTOR)
            or (who == "performer" and (episode.physio_id == practitioner.pk or episode.doctor_id == practitioner.pk))
        )
        if mine:
            items.append(WorkItem(episode, step))
    return items[:limit]


def followups_due(*, clinic: Any, doctor: Any, on: datetime.date, limit: int = 20) -> list[FollowUp]:
    """INJ-D2: the doctor's open follow-ups that are due from today or overdue, most urgent first."""
    return list(
        FollowUp.objects.filter(clinic=clinic, doctor=doctor, completed_at__isnull=True, due_from__lte=on)
        .select_related("episode__patient")
        .order_by("due_by")[:limit]
    )


def observations_running(*, clinic: Any, practitioner: Any) -> list[Any]:
    """Procedures of this performer whose patient is still under observation."""
    from kanyle.injections.models import Procedure

    return list(
        Procedure.objects.filter(clinic=clinic, performer=practitioner, status=ProcedureStatus.OBSERVATION)
        .select_related("episode__patient")
        .order_by("observation_started_at")
    )
