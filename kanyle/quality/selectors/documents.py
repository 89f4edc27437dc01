"""Reads for procedures, the risk register and supervision visits, always within one clinic."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery

from kanyle.accounts.models import User
from kanyle.clinics.access import CAPABILITIES
from kanyle.clinics.models import Membership
from kanyle.quality.models import Procedure, ProcedureVersion, ReadReceipt, Risk, SupervisionVisit
from kanyle.staff.models import Practitioner, Profession

# --- People -------------------------------------------------------------------------------


def clinic_staff(*, clinic: Any) -> QuerySet[User]:
    """Everyone with an active role in the clinic: the people who must read its procedures (INJ-V3)."""
    return (
        User.objects.filter(is_active=True, memberships__clinic=clinic, memberships__is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def procedure_managers(*, clinic: Any) -> QuerySet[User]:
    """People who may own and approve procedures in the clinic (can_manage_procedures)."""
    return clinic_staff(clinic=clinic).filter(memberships__role__in=CAPABILITIES["can_manage_procedures"])


def user_may_manage_procedures(*, user: Any, clinic: Any) -> bool:
    """True when the user has an active role in the clinic that may manage procedures."""
    return (
        Membership.objects.active()
        .filter(user=user, clinic=clinic, role__in=CAPABILITIES["can_manage_procedures"])
        .exists()
    )


def clinic_doctors(*, clinic: Any) -> QuerySet[Practitioner]:
    """The clinic's doctors, who make the on-site supervision visits (INJ-O3)."""
    return (
        Practitioner.objects.filter(clinic=clinic, profession=Profession.DOCTOR)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


# --- Procedures ---------------------------------------------------------------------------


def current_versions(*, clinic: Any) -> QuerySet[ProcedureVersion]:
    """The latest approved version of each of the clinic's procedures (the one staff must follow), in one query."""
    latest_approved = (
        ProcedureVersion.objects.filter(procedure=OuterRef("procedure"), approved_on__isnull=False)
        .order_by("-number")
        .values("number")[:1]
    )
    return (
        ProcedureVersion.objects.filter(procedure__clinic=clinic, approved_on__isnull=False)
        .filter(number=Subquery(latest_approved))
        .select_related("procedure", "approved_by")
        .order_by("procedure__title")
    )


def current_version(*, procedure: Procedure) -> ProcedureVersion | None:
    """The procedure's latest approved version, or None while it has only a draft."""
    return (
        procedure.versions.filter(approved_on__isnull=False).select_related("approved_by").order_by("-number").first()
    )


@dataclass
class ProcedureRow:
    procedure: Procedure
    current: ProcedureVersion | None
    draft: ProcedureVersion | None
    read_by_me: bool
    unread_by: list[Any] = field(default_factory=list)


def procedure_list(*, clinic: Any, user: Any) -> list[ProcedureRow]:
    """Every procedure with its current version, open draft and whether the user has read it; fixed queries."""
    procedures = list(Procedure.objects.filter(clinic=clinic).select_related("owner").order_by("title"))
    current = {version.procedure_id: version for version in current_versions(clinic=clinic)}
    drafts: dict[int, ProcedureVersion] = {}
    for draft in ProcedureVersion.objects.filter(procedure__clinic=clinic, approved_on__isnull=True).order_by(
        "procedure_id", "number"
    ):
        drafts[draft.procedure_id] = draft  # the newest draft wins
    read = set(
        ReadReceipt.objects.filter(user=user, version__in=list(current.values())).values_list("version_id", flat=True)
    )
    rows = []
    for procedure in procedures:
        version = current.get(procedure.pk)
        draft = drafts.get(procedure.pk)
        if draft is not None and version is not None and draft.number < version.number:
            draft = None
        rows.append(ProcedureRow(procedure, version, draft, version is not None and version.pk in read))
    return rows


def procedure_detail(*, clinic: Any, pk: Any) -> Procedure:
    """One procedure with all its versions (newest first) and who approved and wrote them."""
    return (
        Procedure.objects.select_related("owner")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ProcedureVersion.objects.select_related("approved_by", "created_by").order_by("-number"),
                to_attr="all_versions",
            )
        )
        .get(clinic=clinic, pk=pk)
    )


@dataclass(frozen=True)
class ReaderStatus:
    user: Any
    read_at: datetime.datetime | None


def version_readers(*, clinic: Any, version: ProcedureVersion) -> list[ReaderStatus]:
    """Each current staff member and when they confirmed reading this version (None: not yet, INJ-V3)."""
    receipts = dict(ReadReceipt.objects.filter(version=version).values_list("user_id", "read_at"))
    return [ReaderStatus(user, receipts.get(user.pk)) for user in clinic_staff(clinic=clinic)]


# --- Risk register (ROS) ------------------------------------------------------------------


def risk_register(*, clinic: Any) -> QuerySet[Risk]:
    """The clinic's risks with their owner: active first, the highest risk before measures first."""
    return (
        Risk.objects.filter(clinic=clinic)
        .select_related("owner")
        .annotate(initial_score=F("likelihood") * F("consequence"))
        .order_by("-is_active", "-initial_score", "hazard", "pk")
    )


# --- Supervision visits (INJ-O3) ----------------------------------------------------------


def supervision_visits(*, clinic: Any) -> QuerySet[SupervisionVisit]:
    """The doctor's on-site visits, newest first, with the doctor and who recorded them."""
    return (
        SupervisionVisit.objects.filter(clinic=clinic)
        .select_related("doctor__user", "recorded_by")
        .order_by("-visited_on", "-pk")
    )


def last_supervision_visit(
    *, clinic: Any, on: datetime.date, doctor: Practitioner | None = None
) -> SupervisionVisit | None:
    """The latest visit on or before the date (by the given doctor, if one is given)."""
    visits = SupervisionVisit.objects.filter(clinic=clinic, visited_on__lte=on)
    if doctor is not None:
        visits = visits.filter(doctor=doctor)
    return visits.select_related("doctor__user").order_by("-visited_on", "-pk").first()
