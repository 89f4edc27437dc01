"""Reads for the equipment register: equipment with its items and latest checks, and each one's check history."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, Subquery

from kanyle.quality.models import (
    EMERGENCY_KINDS,
    Equipment,
    EquipmentCheck,
    EquipmentItem,
    EquipmentKind,
)
from kanyle.quality.rules.safety import (
    check_status,
    item_expiry_status,
)
from kanyle.quality.selectors.common import _equipment_with_items, _local

# Equipment --------------------------------------------------------------------------------------


def latest_checks(*, equipment: list[Equipment], at: datetime.datetime) -> dict[int, EquipmentCheck]:
    """The newest check of each piece of equipment at or before ``at``, in one query."""
    if not equipment:
        return {}
    newest = (
        EquipmentCheck.objects.filter(equipment=OuterRef("pk"), performed_at__lte=at)
        .order_by("-performed_at", "-id")
        .values("pk")[:1]
    )
    latest_ids = Equipment.objects.filter(pk__in=[e.pk for e in equipment]).annotate(latest=Subquery(newest))
    checks = EquipmentCheck.objects.filter(pk__in=latest_ids.values("latest")).select_related(
        "performed_by", "countersigned_by"
    )
    return {check.equipment_id: check for check in checks}


def emergency_equipment(*, clinic: Any, at: datetime.datetime) -> tuple[list[Equipment], dict[int, EquipmentCheck]]:
    """The active AEDs, anaphylaxis kits and oxygen with their items, and each one's last check (3 queries)."""
    equipment = list(_equipment_with_items(clinic).filter(kind__in=[*EMERGENCY_KINDS, EquipmentKind.OXYGEN]))
    return equipment, latest_checks(equipment=equipment, at=at)


@dataclass
class EquipmentRow:
    equipment: Equipment
    last_check: EquipmentCheck | None
    status: Any
    expired_items: int
    expiring_items: int

    @property
    def is_emergency(self) -> bool:
        return self.equipment.kind in EMERGENCY_KINDS


def equipment_rows(*, clinic: Any, at: datetime.datetime) -> list[EquipmentRow]:
    """Every piece of equipment (in use first) with its last check, schedule status and item expiry counts."""
    equipment = list(_equipment_with_items(clinic, active_only=False).order_by("-is_active", "kind", "name"))
    latest = latest_checks(equipment=equipment, at=at)
    on = _local(at)
    rows = []
    for unit in equipment:
        states = Counter(item_expiry_status(item, on) for item in unit.items.all())
        rows.append(
            EquipmentRow(
                unit,
                latest.get(unit.pk),
                check_status(equipment=unit, last_check=latest.get(unit.pk), at=at),
                states["expired"],
                states["expiring"],
            )
        )
    return rows


def equipment_detail(*, clinic: Any, pk: Any) -> Equipment:
    """One piece of equipment with all its items (also those taken out of the kit)."""
    return Equipment.objects.prefetch_related(
        Prefetch("items", queryset=EquipmentItem.objects.order_by("-is_active", "name", "id"))
    ).get(clinic=clinic, pk=pk)


def equipment_checks(*, equipment: Equipment, limit: int = 24) -> list[EquipmentCheck]:
    """The newest checks first, with who signed and countersigned them."""
    return list(
        EquipmentCheck.objects.filter(equipment=equipment)
        .select_related("performed_by", "countersigned_by")
        .order_by("-performed_at", "-id")[:limit]
    )
