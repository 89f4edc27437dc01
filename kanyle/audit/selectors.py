"""Reads of the access log for the clinic's own review (pasientjournalforskriften §14)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from kanyle.audit.models import AuditEvent


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_event_list(*, clinic: Any, filters: dict) -> QuerySet[AuditEvent]:
    """The clinic's log, newest first, narrowed by the review form's filters."""
    events = AuditEvent.objects.filter(clinic=clinic).select_related("patient")
    if filters.get("date_from"):
        events = events.filter(created_at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        events = events.filter(created_at__lt=_start_of(filters["date_to"] + datetime.timedelta(days=1)))
    if filters.get("user"):
        events = events.filter(username=filters["user"])
    if filters.get("patient"):
        events = events.filter(patient_id=filters["patient"])
    if filters.get("action"):
        events = events.filter(action__startswith=filters["action"])
    if filters.get("flagged"):
        events = events.filter(flagged=True)
    return events.order_by("-created_at", "-id")
