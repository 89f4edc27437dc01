"""Reads for deviations: the list, one deviation with its measures, the clinic's people, statistics (INJ-V5)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kanyle.accounts.models import User
from kanyle.clinics.models import Membership
from kanyle.quality.models import (
    Deviation,
    DeviationCategory,
    DeviationMeasure,
    DeviationStatus,
)

# Deviations -------------------------------------------------------------------------------------


def deviation_list(*, clinic: Any, user: Any, sees_all: bool, status: str = "") -> QuerySet[Deviation]:
    """Deviations newest first: all of them for those who handle deviations, otherwise one's own reports."""
    queryset = (
        Deviation.objects.filter(clinic=clinic)
        .select_related("reported_by", "responsible")
        .annotate(
            measure_count=Count("measures"),
            open_measure_count=Count("measures", filter=Q(measures__done_at__isnull=True)),
        )
    )
    if not sees_all:
        queryset = queryset.filter(reported_by=user)
    if status == "open":
        queryset = queryset.exclude(status=DeviationStatus.CLOSED)
    elif status in DeviationStatus.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-occurred_at", "-id")


def deviation_detail(*, clinic: Any, pk: Any) -> Deviation:
    """One deviation of the clinic with its measures (who may see it is the view's decision)."""
    return (
        Deviation.objects.select_related("reported_by", "responsible", "assessed_by", "closed_by", "patient")
        .prefetch_related(Prefetch("measures", queryset=DeviationMeasure.objects.select_related("owner", "done_by")))
        .get(clinic=clinic, pk=pk)
    )


def clinic_people(*, clinic: Any, roles: Any = None) -> QuerySet[User]:
    """People with an active role in the clinic (for 'responsible' and 'owner' choices)."""
    memberships = Membership.objects.active().filter(clinic=clinic)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("first_name", "last_name", "username")


def _month_starts(end: datetime.date, months: int) -> list[datetime.date]:
    first = end.replace(day=1)
    starts = []
    for _index in range(months):
        starts.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(starts))


def _next_month(first: datetime.date) -> datetime.date:
    return (first + datetime.timedelta(days=32)).replace(day=1)


@dataclass
class DeviationStatistics:
    """Counts per month and category for the chart and its table (INJ-V5)."""

    months: list[datetime.date]
    categories: list[tuple[str, str]]  # (value, label) of the categories that occur, in catalogue order
    counts: dict[tuple[datetime.date, str], int]

    def count(self, month: datetime.date, category: str) -> int:
        return self.counts.get((month, category), 0)

    def month_total(self, month: datetime.date) -> int:
        return sum(n for (m, _c), n in self.counts.items() if m == month)

    def category_total(self, category: str) -> int:
        return sum(n for (_m, c), n in self.counts.items() if c == category)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def deviation_statistics(*, clinic: Any, end: datetime.date, months: int = 12) -> DeviationStatistics:
    """INJ-V5: deviations per category and month, the last ``months`` months up to ``end`` (one query)."""
    starts = _month_starts(end, months)
    tz = timezone.get_default_timezone()
    since = datetime.datetime.combine(starts[0], datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(_next_month(starts[-1]), datetime.time.min, tzinfo=tz)
    rows = (
        Deviation.objects.filter(clinic=clinic, occurred_at__gte=since, occurred_at__lt=until)
        .annotate(month=TruncMonth("occurred_at", tzinfo=tz))
        .values("month", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[datetime.date, str], int] = {}
    for row in rows:
        month = row["month"]
        month = timezone.localtime(month, tz).date() if isinstance(month, datetime.datetime) else month
        counts[(month, row["category"])] = counts.get((month, row["category"]), 0) + row["n"]
    present = {category for (_m, category) in counts}
    categories = [(value, str(label)) for value, label in DeviationCategory.choices if value in present]
    return DeviationStatistics(starts, categories, counts)
