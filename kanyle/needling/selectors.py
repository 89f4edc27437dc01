"""Reads for needle treatment, always within one clinic, with a fixed number of queries per page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from kanyle.clinics.models import Membership
from kanyle.needling.models import (
    Assessment,
    ElectroChannel,
    FollowUp,
    NeedleSite,
    Plan,
    Screening,
    ScreeningItem,
    Session,
    SideEffect,
    SiteState,
    TensLoan,
)
from kanyle.outcomes import selectors as outcome_selectors
from kanyle.patients.models import RiskFlag
from kanyle.staff.models import Credential, CredentialKind, Practitioner
from kanyle.staff.rules import credential_status


def active_flags(*, patient: Any) -> list[RiskFlag]:
    """The patient's current risk flags (CAVE), as the screening and the electrical-stimulation rule read them."""
    return list(RiskFlag.objects.filter(patient=patient, resolved_at__isnull=True).order_by("kind", "id"))


def latest_assessment(*, clinic: Any, episode: Any) -> Assessment | None:
    return Assessment.objects.filter(clinic=clinic, episode=episode).order_by("-assessed_at", "-id").first()


def episode_plan(*, clinic: Any, episode: Any) -> Plan | None:
    return (
        Plan.objects.filter(clinic=clinic, episode=episode)
        .select_related("assessment", "practitioner__user")
        .prefetch_related("goals")
        .first()
    )


@dataclass
class ScreeningState:
    """The screening in force for a plan, with what the rules need to judge it."""

    screening: Screening | None
    items: list[ScreeningItem] = field(default_factory=list)
    flag_ids: list[int] = field(default_factory=list)

    @property
    def present(self) -> list[ScreeningItem]:
        return [item for item in self.items if item.present]


def current_screening(*, plan: Plan) -> ScreeningState:
    """The plan's latest screening with its answers and the flags it was made with (three queries)."""
    screening = (
        Screening.objects.filter(plan=plan)
        .select_related("practitioner__user")
        .prefetch_related(Prefetch("items", queryset=ScreeningItem.objects.order_by("id")), "risk_flags")
        .order_by("-screened_at", "-id")
        .first()
    )
    if screening is None:
        return ScreeningState(None)
    return ScreeningState(screening, list(screening.items.all()), [f.pk for f in screening.risk_flags.all()])


def _session_counts() -> dict[str, Count]:
    return {
        "needles": Count("sites", distinct=True),
        "needles_in": Count("sites", filter=Q(sites__state=SiteState.IN), distinct=True),
        "needles_lost": Count("sites", filter=Q(sites__state=SiteState.LOST), distinct=True),
    }


@dataclass
class Course:
    """Everything the course page shows, read in a fixed number of queries."""

    episode: Any
    assessments: list[Assessment]
    plan: Plan | None
    screening: ScreeningState | None
    sessions: list[Session]
    side_effects: list[SideEffect]
    follow_ups: list[FollowUp]
    loans: list[TensLoan]
    measurements: list[Any]

    @property
    def assessment(self) -> Assessment | None:
        return self.assessments[0] if self.assessments else None

    @property
    def signed_sessions(self) -> list[Session]:
        return [s for s in self.sessions if s.is_signed]


def course_detail(*, clinic: Any, episode: Any) -> Course:
    """The needle-treatment course of an episode of care."""
    assessments = list(
        Assessment.objects.filter(clinic=clinic, episode=episode)
        .select_related("practitioner__user")
        .order_by("-assessed_at", "-id")
    )
    plan = episode_plan(clinic=clinic, episode=episode)
    sessions: list[Session] = []
    side_effects: list[SideEffect] = []
    follow_ups: list[FollowUp] = []
    loans: list[TensLoan] = []
    screening = None
    if plan is not None:
        screening = current_screening(plan=plan)
        sessions = list(
            Session.objects.filter(clinic=clinic, plan=plan)
            .select_related("practitioner__user")
            .annotate(**_session_counts())
            .order_by("number")
        )
        side_effects = list(
            SideEffect.objects.filter(clinic=clinic, session__plan=plan)
            .select_related("session", "deviation", "recorded_by__user")
            .order_by("-occurred_at", "-id")
        )
        follow_ups = list(
            FollowUp.objects.filter(clinic=clinic, side_effect__session__plan=plan)
            .select_related("assigned_to__user", "side_effect", "done_by")
            .order_by("done_at", "due_on", "id")
        )
        loans = list(TensLoan.objects.filter(clinic=clinic, plan=plan).select_related("lent_by__user"))
    return Course(
        episode=episode,
        assessments=assessments,
        plan=plan,
        screening=screening,
        sessions=sessions,
        side_effects=side_effects,
        follow_ups=follow_ups,
        loans=loans,
        measurements=outcome_selectors.episode_measurements(clinic=clinic, episode=episode),
    )


def session_detail(*, clinic: Any, pk: Any) -> Session:
    """A session with its sites, stimulation, electrodes and side effects (a fixed number of queries)."""
    return (
        Session.objects.select_related(
            "patient", "episode", "plan", "screening", "practitioner__user", "tens", "note", "clinic"
        )
        .prefetch_related(
            Prefetch("sites", queryset=NeedleSite.objects.order_by("number")),
            Prefetch("channels", queryset=ElectroChannel.objects.select_related("site_a", "site_b").order_by("id")),
            "electrodes",
            Prefetch("side_effects", queryset=SideEffect.objects.select_related("deviation").order_by("occurred_at")),
            "plan__goals",
        )
        .get(clinic=clinic, pk=pk)
    )


def open_follow_ups(*, clinic: Any) -> QuerySet[FollowUp]:
    """The clinic's side-effect follow-ups not yet done, the earliest due first (NAL-7)."""
    return (
        FollowUp.objects.filter(clinic=clinic, done_at__isnull=True)
        .select_related("patient", "assigned_to__user", "side_effect__session")
        .order_by("due_on", "id")
    )


def signed_sessions(*, clinic: Any, start: datetime.datetime, end: datetime.datetime) -> QuerySet[Session]:
    """Signed sessions in a period, for billing: date, practitioner, patient, episode and kind."""
    return (
        Session.objects.filter(clinic=clinic, signed_at__isnull=False, occurred_at__gte=start, occurred_at__lt=end)
        .select_related("patient", "practitioner__user", "episode")
        .order_by("occurred_at", "id")
    )


@dataclass
class PublicCompetence:
    """What a patient may see about a practitioner's needle-treatment competence (NAL-2): nothing private."""

    clinic: Any
    practitioner: Practitioner
    credentials: list[Credential]


NEEDLING_RELATED = (CredentialKind.NEEDLING,)


def _working() -> QuerySet[Practitioner]:
    """Practitioners who still work in their clinic (an active user with an active role there)."""
    active_role = Membership.objects.filter(user=OuterRef("user"), clinic=OuterRef("clinic"), is_active=True)
    return Practitioner.objects.filter(Exists(active_role), user__is_active=True)


def public_competence(*, clinic_slug: str, practitioner_id: Any, on: datetime.date) -> PublicCompetence:
    """The practitioner's valid, verified needle-treatment credentials (Practitioner.DoesNotExist if unknown)."""
    practitioner = (
        _working()
        .select_related("user", "clinic")
        .prefetch_related(
            Prefetch(
                "credentials", queryset=Credential.objects.filter(kind__in=NEEDLING_RELATED).order_by("-issued_on")
            )
        )
        .get(clinic__slug=clinic_slug, pk=practitioner_id)
    )
    valid = [c for c in practitioner.credentials.all() if credential_status(c, on) in ("valid", "expiring")]
    return PublicCompetence(practitioner.clinic, practitioner, valid)


def public_practitioners(*, clinic: Any, on: datetime.date) -> list[Practitioner]:
    """The clinic's physiotherapists with valid needle-treatment training, for the public list (NAL-2)."""
    practitioners = (
        _working()
        .filter(clinic=clinic, credentials__kind=CredentialKind.NEEDLING)
        .distinct()
        .select_related("user")
        .prefetch_related(Prefetch("credentials", queryset=Credential.objects.filter(kind__in=NEEDLING_RELATED)))
        .order_by("user__last_name", "user__first_name")
    )
    return [
        p for p in practitioners if any(credential_status(c, on) in ("valid", "expiring") for c in p.credentials.all())
    ]
