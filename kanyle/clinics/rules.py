"""Decisions about people and clinics."""

from __future__ import annotations

from typing import Any

from kanyle.clinics.models import TWO_FACTOR_ROLES, Membership


def two_factor_required(user: Any) -> bool:
    """Clinical roles and administrators must use a second factor in every clinic (Normen)."""
    return Membership.objects.active().filter(user=user, role__in=TWO_FACTOR_ROLES).exists() or (
        user.is_staff or user.is_superuser
    )
