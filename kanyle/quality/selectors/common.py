"""What the internal-control reads share: dates as shown, links that may not exist yet, equipment with its items."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format

from kanyle.quality.models import (
    Equipment,
    EquipmentItem,
)


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _local(at: datetime.datetime) -> datetime.date:
    return timezone.localtime(at, timezone.get_default_timezone()).date()


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a page another module has not built yet
        return ""


def _equipment_with_items(clinic: Any, *, active_only: bool = True) -> QuerySet[Equipment]:
    queryset = Equipment.objects.filter(clinic=clinic)
    if active_only:
        queryset = queryset.filter(is_active=True)
    return queryset.prefetch_related(Prefetch("items", queryset=EquipmentItem.objects.filter(is_active=True)))
