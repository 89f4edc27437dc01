"""What the chain's rules and the readiness gate share: local dates, the doctor test, latest-first queries."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format

from kanyle.injections.models import InjectionEpisode
from kanyle.staff.models import Practitioner, Profession


def _local_date(at: datetime.datetime) -> datetime.date:
    return timezone.localtime(at, timezone.get_default_timezone()).date()


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _is_doctor(practitioner: Practitioner | None) -> bool:
    return practitioner is not None and practitioner.profession == Profession.DOCTOR


def _assessments_latest_first(episode: InjectionEpisode):
    return episode.assessments.select_related("doctor").order_by("-signed_at", "-id")


def _orders_latest_first(episode: InjectionEpisode):
    return episode.orders.filter(cancelled_at__isnull=True).order_by("-signed_at", "-id")
