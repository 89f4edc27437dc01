"""Equipment, its contents and its checks (INJ-V4): register, check on schedule, countersign the kit.

A check is a checklist signed by the person who did it: the standard points for the kind of equipment
and one line per item in it (with its lot and expiry as they were at the check). A check that finds
something not in order is reported as a deviation at once (INJ-V3).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kanyle.audit.services import Actor, audit_record
from kanyle.core.decisions import Decision
from kanyle.quality.models import (
    DeviationCategory,
    Equipment,
    EquipmentCheck,
    EquipmentItem,
    EquipmentKind,
    Severity,
)
from kanyle.quality.rules.safety import check_valid, countersign_allowed, item_valid
from kanyle.quality.services.deviations import deviation_report

# The standard points of a check, per kind of equipment; the items in it are added line by line.
CHECK_POINTS: dict[str, tuple] = {
    EquipmentKind.AED: (
        gettext_lazy("The status indicator shows ready (self-test passed)"),
        gettext_lazy("Electrode pads present, sealed and in date"),
        gettext_lazy("Battery in date"),
        gettext_lazy("Razor, scissors and gloves present"),
        gettext_lazy("Placed visibly, unlocked and reachable"),
    ),
    EquipmentKind.ANAPHYLAXIS_KIT: (
        gettext_lazy("The kit is complete, sealed or tidy, and stored where everyone knows"),
        gettext_lazy("The anaphylaxis procedure with the adrenaline dose chart is kept with the kit"),
    ),
    EquipmentKind.ULTRASOUND: (
        gettext_lazy("Probes clean and undamaged"),
        gettext_lazy("Cables and plugs undamaged"),
        gettext_lazy("Probe disinfection documented"),
        gettext_lazy("Service and software up to date"),
    ),
    EquipmentKind.OXYGEN: (
        gettext_lazy("Cylinder pressure sufficient"),
        gettext_lazy("Reservoir mask and tubing present"),
    ),
    EquipmentKind.TENS: (
        gettext_lazy("Cables and electrodes undamaged"),
        gettext_lazy("Battery and display working"),
    ),
    EquipmentKind.OTHER: (gettext_lazy("Works as intended"),),
}


def _refuse(decision: Decision) -> None:
    if not decision:
        raise ValidationError([finding.message for finding in decision.findings])


@transaction.atomic
def equipment_create(*, actor: Actor, equipment: Equipment) -> Equipment:
    """INJ-V4: register a piece of equipment with its check interval."""
    equipment.clinic = actor.clinic
    equipment.full_clean()
    equipment.save()
    audit_record(actor=actor, action="quality.equipment.created", target=equipment, detail=equipment.kind)
    return equipment


@transaction.atomic
def equipment_update(*, actor: Actor, equipment: Equipment, changed: list[str]) -> Equipment:
    """INJ-V4: change name, place, serial number, check interval or take it out of use."""
    if equipment.pk is None or equipment.clinic_id != actor.clinic.pk:
        raise ValidationError(_("The equipment does not belong to this clinic."))
    equipment.full_clean()
    equipment.save()
    audit_record(actor=actor, action="quality.equipment.updated", target=equipment, detail=", ".join(changed)[:500])
    return equipment


@transaction.atomic
def item_save(*, actor: Actor, item: EquipmentItem, equipment: Equipment | None = None) -> EquipmentItem:
    """INJ-V4, LAW-M: register or replace an item; drugs and fluids carry a lot number and an expiry."""
    creating = item.pk is None
    if creating:
        item.equipment = equipment
        item.clinic = actor.clinic
    if item.equipment.clinic_id != actor.clinic.pk or item.clinic_id != actor.clinic.pk:
        raise ValidationError(_("The equipment does not belong to this clinic."))
    _refuse(item_valid(component=item.component, lot_number=item.lot_number, expires_on=item.expires_on))
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        action="quality.item.created" if creating else "quality.item.updated",
        target=item,
        detail=f"{item.name}; lot {item.lot_number or '-'}; expires {item.expires_on or '-'}",
    )
    return item


def checklist_for(equipment: Equipment) -> list[dict[str, Any]]:
    """The lines a check of this equipment answers: its standard points, then each item in it."""
    lines: list[dict[str, Any]] = [
        {"key": f"point-{number}", "item": str(point), "lot": "", "expires_on": None}
        for number, point in enumerate(CHECK_POINTS.get(equipment.kind, CHECK_POINTS[EquipmentKind.OTHER]), 1)
    ]
    for item in equipment.items.all():
        if item.is_active:
            lines.append(
                {
                    "key": f"item-{item.pk}",
                    "item": f"{item.name} ({item.quantity})" if item.quantity != 1 else item.name,
                    "lot": item.lot_number,
                    "expires_on": item.expires_on,
                }
            )
    return lines


def _stored(line: dict[str, Any]) -> dict[str, Any]:
    expires_on = line.get("expires_on")
    return {**line, "expires_on": expires_on.isoformat() if isinstance(expires_on, datetime.date) else None}


@transaction.atomic
def check_perform(
    *,
    actor: Actor,
    equipment: Equipment,
    performed_at: datetime.datetime,
    answers: dict[str, tuple[bool, str]],
    notes: str = "",
) -> EquipmentCheck:
    """INJ-V4: sign a check of the equipment's checklist; faults are reported as a deviation (INJ-V3)."""
    if equipment.clinic_id != actor.clinic.pk:
        raise ValidationError(_("The equipment does not belong to this clinic."))
    lines = []
    for line in checklist_for(equipment):
        ok, note = answers.get(line["key"], (False, ""))
        lines.append({**line, "ok": bool(ok), "note": note.strip()})
    _refuse(check_valid(performed_at=performed_at, now=timezone.now(), lines=lines))
    check = EquipmentCheck(
        clinic=actor.clinic,
        equipment=equipment,
        performed_at=performed_at,
        performed_by=actor.user,
        performed_by_role=actor.role,
        checklist=[_stored(line) for line in lines],
        all_ok=all(line["ok"] for line in lines),
        notes=notes.strip(),
    )
    check.full_clean()
    check.save()
    audit_record(
        actor=actor,
        action="quality.check.performed",
        target=check,
        detail=f"{equipment.name}: {'in order' if check.all_ok else 'faults found'}",
        flagged=not check.all_ok and equipment.kind in (EquipmentKind.AED, EquipmentKind.ANAPHYLAXIS_KIT),
    )
    if not check.all_ok:
        faults = "; ".join(
            f"{line['item']}" + (f": {line['note']}" if line["note"] else "") for line in lines if not line["ok"]
        )
        deviation_report(
            actor=actor,
            category=DeviationCategory.EQUIPMENT,
            severity=Severity.MODERATE,
            occurred_at=performed_at,
            description=_("The check of %(equipment)s found something not in order: %(faults)s")
            % {"equipment": equipment.name, "faults": faults},
            location=equipment.location,
            source=f"quality.check:{check.pk}",
        )
    return check


@transaction.atomic
def check_countersign(*, actor: Actor, check: EquipmentCheck) -> EquipmentCheck:
    """INJ-V4: the responsible doctor countersigns the anaphylaxis kit's check (never their own)."""
    check = EquipmentCheck.objects.select_for_update().select_related("equipment").get(pk=check.pk)
    if check.clinic_id != actor.clinic.pk:
        raise ValidationError(_("The check does not belong to this clinic."))
    _refuse(countersign_allowed(check=check, user=actor.user, role=actor.role))
    check.countersigned_by = actor.user
    check.countersigned_at = timezone.now()
    check.full_clean()
    check.save()
    audit_record(actor=actor, action="quality.check.countersigned", target=check, detail=check.equipment.name)
    return check
