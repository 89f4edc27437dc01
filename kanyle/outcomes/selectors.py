"""Reads of outcome scores, always within one clinic."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kanyle.outcomes.models import Measurement


def episode_measurements(*, clinic: Any, episode: Any) -> list[Measurement]:
    """Every score of an episode of care in occasion order (one query)."""
    return list(Measurement.objects.filter(clinic=clinic, episode=episode).order_by("occasion", "measured_at", "id"))


def measurements_from(*, clinic: Any, sources: Iterable[str]) -> list[Measurement]:
    """The scores recorded from the given sources (e.g. one treatment session), in one query."""
    return list(
        Measurement.objects.filter(clinic=clinic, source__in=list(sources)).order_by("instrument", "phase", "item_key")
    )
