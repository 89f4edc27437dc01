"""Rules for procedures, risks and supervision visits (INJ-V1, INJ-V2, INJ-V3, INJ-O3, LAW-Q).

Called by the internal-control pages, the compliance dashboard and the injection readiness gate;
every function takes keyword-only arguments and reads nothing but the clinic's own rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kanyle.clinics.models import OrganisationModel
from kanyle.core.decisions import Decision
from kanyle.quality.models import ProcedureVersion, ReadReceipt, Risk
from kanyle.quality.selectors.documents import current_versions, last_supervision_visit

__all__ = [
    "REVIEW_WARNING_DAYS",
    "RISK_LEVEL_LABELS",
    "internal_control_status",
    "procedures_due_for_review",
    "review_status",
    "risk_level",
    "risks_due_for_review",
    "supervision_due_on",
    "supervision_status",
    "unread_procedures",
]

# A review date this close counts as "due soon" on the pages and the dashboard.
REVIEW_WARNING_DAYS = 30

RISK_LEVEL_LABELS = {
    "low": gettext_lazy("Low"),
    "moderate": gettext_lazy("Moderate"),
    "high": gettext_lazy("High"),
    "critical": gettext_lazy("Very high"),
}


def risk_level(score: int) -> str:
    """INJ-V2: the colour band of likelihood × consequence: low 1–4, moderate 5–9, high 10–14, very high 15–25."""
    if score >= 15:
        return "critical"
    if score >= 10:
        return "high"
    if score >= 5:
        return "moderate"
    return "low"


def review_status(due_on: datetime.date | None, on: datetime.date) -> str:
    """LAW-Q §8: 'overdue' after the review date, 'due' within REVIEW_WARNING_DAYS of it, else 'ok'."""
    if due_on is None:
        return "ok"
    if due_on < on:
        return "overdue"
    if (due_on - on).days <= REVIEW_WARNING_DAYS:
        return "due"
    return "ok"


def unread_procedures(*, clinic: Any, users: Iterable[Any]) -> dict[Any, list[ProcedureVersion]]:
    """INJ-V3: for each user who has not confirmed reading every current version, the versions still unread.

    Only the current (latest approved) version counts: a receipt for an older version does not carry over.
    Users who have read everything are left out. Two queries, however many users and procedures.
    """
    users = list(users)
    versions = list(current_versions(clinic=clinic))
    if not users or not versions:
        return {}
    read = set(ReadReceipt.objects.filter(version__in=versions, user__in=users).values_list("user_id", "version_id"))
    unread: dict[Any, list[ProcedureVersion]] = {}
    for user in users:
        missing = [version for version in versions if (user.pk, version.pk) not in read]
        if missing:
            unread[user] = missing
    return unread


def procedures_due_for_review(*, clinic: Any, on: datetime.date, within_days: int = 0) -> list[ProcedureVersion]:
    """INJ-V3, LAW-Q §8: current versions whose review date is on or before ``on`` (+ ``within_days``)."""
    horizon = on + datetime.timedelta(days=within_days)
    return list(current_versions(clinic=clinic).filter(next_review_on__lte=horizon).order_by("next_review_on"))


def risks_due_for_review(*, clinic: Any, on: datetime.date, within_days: int = 0) -> list[Risk]:
    """INJ-V2, LAW-Q §8: active risks whose review date is on or before ``on`` (+ ``within_days``)."""
    horizon = on + datetime.timedelta(days=within_days)
    return list(
        Risk.objects.filter(clinic=clinic, is_active=True, review_on__lte=horizon)
        .select_related("owner")
        .order_by("review_on", "hazard")
    )


def supervision_due_on(*, clinic: Any, last_visit_on: datetime.date | None) -> datetime.date | None:
    """INJ-O3: the last day the next on-site visit may take place (None when no visit is recorded)."""
    if last_visit_on is None:
        return None
    return last_visit_on + datetime.timedelta(days=clinic.supervision_visit_interval_days)


def supervision_status(*, clinic: Any, on: datetime.date, doctor: Any = None) -> Decision:
    """INJ-O3: in the video model the doctor's last on-site visit is within the clinic's interval.

    Allowed for clinics that do not use the video model. ``doctor`` (a Practitioner) narrows the
    check to that doctor's visits, e.g. the supervising doctor of a delegation; without it any
    doctor's visit to the clinic counts. A visit is overdue the day after ``last visit + interval``.
    """
    if clinic.organisation_model != OrganisationModel.DOCTOR_BY_VIDEO:
        return Decision.allow()
    visit = last_supervision_visit(clinic=clinic, on=on, doctor=doctor)
    if visit is None:
        return Decision.deny(
            "INJ-O3",
            _(
                "No on-site visit by the responsible doctor is recorded. When the doctor takes part by video, "
                "the doctor must also visit the clinic at regular intervals."
            ),
        )
    due_on = supervision_due_on(clinic=clinic, last_visit_on=visit.visited_on)
    if on > due_on:
        return Decision.deny(
            "INJ-O3",
            _("The doctor's last on-site visit was on %(last)s; the next was due by %(due)s (every %(days)s days).")
            % {
                "last": date_format(visit.visited_on, "SHORT_DATE_FORMAT"),
                "due": date_format(due_on, "SHORT_DATE_FORMAT"),
                "days": clinic.supervision_visit_interval_days,
            },
        )
    return Decision.allow()


def internal_control_status(*, clinic: Any, on: datetime.date) -> Decision:
    """INJ-V1, INJ-V2, INJ-V3, INJ-O3: the internal-control system exists and is kept up to date.

    Findings: no approved procedure (INJ-V1); procedures past their review date (INJ-V3); no active
    risk assessment or risks past their review date (INJ-V2); an overdue supervision visit (INJ-O3).
    """
    decision = Decision.allow()
    if not current_versions(clinic=clinic).exists():
        decision += Decision.deny("INJ-V1", _("The clinic has no approved procedures."))
    overdue_procedures = [v for v in procedures_due_for_review(clinic=clinic, on=on) if v.next_review_on < on]
    if overdue_procedures:
        count = len(overdue_procedures)
        decision += Decision.deny(
            "INJ-V3",
            ngettext(
                "%(count)d procedure is past its review date.",
                "%(count)d procedures are past their review date.",
                count,
            )
            % {"count": count},
        )
    if not Risk.objects.filter(clinic=clinic, is_active=True).exists():
        decision += Decision.deny(
            "INJ-V2", _("The risk register has no active risks: assess the risky parts of treatment.")
        )
    overdue_risks = [r for r in risks_due_for_review(clinic=clinic, on=on) if r.review_on < on]
    if overdue_risks:
        count = len(overdue_risks)
        decision += Decision.deny(
            "INJ-V2",
            ngettext(
                "%(count)d risk is past its review date.",
                "%(count)d risks are past their review date.",
                count,
            )
            % {"count": count},
        )
    return decision + supervision_status(clinic=clinic, on=on)
