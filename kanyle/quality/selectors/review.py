"""Reads for the management review (LAW-Q §8–§9): its list and the facts it evaluates, with the activity hooks."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kanyle.journal.models import Note
from kanyle.quality.models import (
    Deviation,
    DeviationCategory,
    DeviationMeasure,
    DeviationStatus,
    EquipmentCheck,
    ManagementReview,
    Risk,
    Severity,
)
from kanyle.quality.selectors.common import _local
from kanyle.quality.selectors.dashboard import compliance_overview
from kanyle.quality.selectors.deviations import deviation_statistics
from kanyle.staff.models import Practitioner

ADVERSE_CATEGORIES = (DeviationCategory.NEEDLING_SIDE_EFFECT, DeviationCategory.INJECTION_REACTION)


# Hooks for modules built in parallel ---------------------------------------------------------


def needle_sessions_by_practitioner(*, clinic: Any, start: datetime.date, end: datetime.date) -> dict[int, int] | None:
    """Hook for the needle module: needle and TENS sessions per practitioner id in the period (NAL-3).

    Returns None ("not available") until kanyle.needling provides a selector; the management review then
    counts journal notes per practitioner instead.
    """
    return None


def injection_procedures_by_practitioner(
    *, clinic: Any, start: datetime.date, end: datetime.date
) -> dict[int, int] | None:
    """Hook for the injection module: injection procedures per performing practitioner id in the period.

    Counts completed procedures (injections and aspirations) by the day they started, Oslo time (one query).
    """
    from kanyle.injections.models import Procedure, ProcedureStatus

    tz = timezone.get_default_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    rows = (
        Procedure.objects.filter(
            clinic=clinic, status=ProcedureStatus.COMPLETED, started_at__gte=since, started_at__lt=until
        )
        .values_list("performer_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


# Management review (LAW-Q §8–§9) ----------------------------------------------------------------


def review_list(*, clinic: Any) -> QuerySet[ManagementReview]:
    return ManagementReview.objects.filter(clinic=clinic).select_related("signed_by").order_by("-period_end", "-id")


def _deviation_counts(clinic: Any, start: datetime.datetime, end: datetime.datetime) -> dict[str, Any]:
    rows = (
        Deviation.objects.filter(clinic=clinic, occurred_at__gte=start, occurred_at__lt=end)
        .values("category", "severity", "status", "notification_required")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_category: Counter = Counter()
    by_severity: Counter = Counter()
    closed = notify = 0
    for row in rows:
        by_category[row["category"]] += row["n"]
        by_severity[row["severity"]] += row["n"]
        closed += row["n"] if row["status"] == DeviationStatus.CLOSED else 0
        notify += row["n"] if row["notification_required"] else 0
    total = sum(by_category.values())
    return {
        "total": total,
        "closed": closed,
        "open": total - closed,
        "notification_required": notify,
        "adverse_events": sum(by_category[c] for c in ADVERSE_CATEGORIES),
        "by_category": dict(by_category),
        "by_severity": dict(by_severity),
    }


def _aware(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def review_facts(*, clinic: Any, start: datetime.date, end: datetime.date, at: datetime.datetime) -> dict[str, Any]:
    """LAW-Q §8: the facts a management review evaluates, as plain JSON (stored with the signed review)."""
    since, until = _aware(start), _aware(end + datetime.timedelta(days=1))
    length = end - start + datetime.timedelta(days=1)
    previous_since = _aware(start - length)
    on = _local(at)

    # Activity per practitioner: journal notes now; needle sessions and procedures when those modules land.
    practitioners = list(Practitioner.objects.filter(clinic=clinic).select_related("user"))
    notes = dict(
        Note.objects.filter(
            clinic=clinic,
            signed_at__isnull=False,
            encounter__occurred_at__gte=since,
            encounter__occurred_at__lt=until,
        )
        .values_list("author_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    sessions = needle_sessions_by_practitioner(clinic=clinic, start=start, end=end)
    procedures = injection_procedures_by_practitioner(clinic=clinic, start=start, end=end)
    activity = [
        {
            "practitioner": p.user.display_name,
            "profession": p.get_profession_display(),
            "journal_notes": notes.get(p.pk, 0),
            "needle_sessions": None if sessions is None else sessions.get(p.pk, 0),
            "injection_procedures": None if procedures is None else procedures.get(p.pk, 0),
        }
        for p in sorted(practitioners, key=lambda p: p.user.display_name)
    ]

    current = _deviation_counts(clinic, since, until)
    previous = _deviation_counts(clinic, previous_since, since)
    category_rows = [
        {
            "category": str(label),
            "count": current["by_category"].get(value, 0),
            "previous": previous["by_category"].get(value, 0),
        }
        for value, label in DeviationCategory.choices
        if current["by_category"].get(value) or previous["by_category"].get(value)
    ]
    statistics = deviation_statistics(clinic=clinic, end=end, months=min(24, max(1, round(length.days / 30.44))))
    by_month = [
        {
            "month": month.isoformat(),
            "count": statistics.month_total(month),
            "adverse": sum(statistics.count(month, c) for c in ADVERSE_CATEGORIES),
        }
        for month in statistics.months
    ]
    measures = DeviationMeasure.objects.filter(clinic=clinic, deviation__occurred_at__gte=since).aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(done_at__isnull=False)),
        overdue=Count("id", filter=Q(done_at__isnull=True, due_on__lt=on)),
    )

    overview = compliance_overview(clinic=clinic, at=at)
    sections = {section.key: section for section in overview.sections}
    checks_in_period = EquipmentCheck.objects.filter(
        clinic=clinic, performed_at__gte=since, performed_at__lt=until
    ).aggregate(total=Count("id"), faults=Count("id", filter=Q(all_ok=False)))
    risks = [
        {
            "hazard": risk.hazard,
            "score": risk.score,
            "residual": risk.residual_score,
            "review_on": risk.review_on.isoformat(),
            "overdue": risk.review_on < on,
        }
        for risk in Risk.objects.filter(clinic=clinic, is_active=True).order_by("-residual_likelihood", "hazard")
    ]
    risks.sort(key=lambda r: (-r["residual"], -r["score"], r["hazard"]))

    def texts(key: str) -> list[str] | None:
        return [item.text for item in sections[key].items] if key in sections else None

    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "previous_period": {
            "start": (start - length).isoformat(),
            "end": (start - datetime.timedelta(days=1)).isoformat(),
        },
        "assembled_at": at.isoformat(),
        "activity": activity,
        "activity_counts_needle_sessions": sessions is not None,
        "activity_counts_procedures": procedures is not None,
        "deviations": {
            **{k: v for k, v in current.items() if not k.startswith("by_")},
            "previous_total": previous["total"],
            "previous_adverse_events": previous["adverse_events"],
            "by_category": category_rows,
            "by_severity": [
                {"severity": str(label), "count": current["by_severity"].get(value, 0)}
                for value, label in Severity.choices
            ],
            "by_month": by_month,
        },
        "measures": measures,
        "checks": {
            "performed": checks_in_period["total"],
            "with_faults": checks_in_period["faults"],
            "due_or_overdue": texts("checks"),
            "items": texts("items"),
        },
        "preparedness": [item.text for item in overview.preparedness],
        "drills": texts("drills"),
        "credentials": texts("credentials"),
        "unread_procedures": texts("procedures"),
        "supervision": texts("supervision"),
        "risks": risks,
    }
