"""Rules for deviations, equipment checks and emergency preparedness (INJ-V3, INJ-V4, INJ-V5, LAW-Q).

``emergency_preparedness(clinic=..., at=...)`` is the one answer to "is emergency preparedness in
order at time T?": every required piece of equipment and kit item registered, the last check within
its interval (and, for the anaphylaxis kit, verified by a doctor), nothing expired. The injection
readiness gate calls it; the compliance dashboard and the equipment pages show the same findings.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kanyle.clinics.models import Role
from kanyle.core.decisions import Decision, Finding
from kanyle.quality.models import (
    EMERGENCY_KINDS,
    DeviationCategory,
    DeviationStatus,
    Equipment,
    EquipmentCheck,
    EquipmentItem,
    EquipmentKind,
    ItemComponent,
    Severity,
)
from kanyle.staff.models import CredentialKind

__all__ = [
    "COUNTERSIGNED_KINDS",
    "DRILL_VALID_DAYS",
    "DUE_SOON_DAYS",
    "MEDICINE_COMPONENTS",
    "REQUIRED_KIT_CONTENTS",
    "SERIOUS_SEVERITIES",
    "CheckStatus",
    "PreparednessIssue",
    "check_status",
    "check_valid",
    "countersign_allowed",
    "deviation_assessable",
    "deviation_closable",
    "deviation_report_valid",
    "drill_valid_until",
    "emergency_drill_valid",
    "emergency_preparedness",
    "item_expiry_status",
    "item_valid",
    "measure_addable",
    "notification_authorities",
    "preparedness_issues",
    "review_period_valid",
]

# The anaphylaxis kit per FACTS.md (clinical safety defaults). Adrenaline may be autoinjectors or
# ampoules with syringes, so syringes are not demanded on their own. Oxygen may be its own equipment.
REQUIRED_KIT_CONTENTS: tuple[str, ...] = (
    ItemComponent.ADRENALINE,
    ItemComponent.BETA2_AGONIST,
    ItemComponent.ANTIHISTAMINE,
    ItemComponent.GLUCOCORTICOID,
    ItemComponent.OXYGEN,
    ItemComponent.BAG_VALVE_MASK,
    ItemComponent.AIRWAY,
    ItemComponent.SUCTION,
    ItemComponent.IV_KIT,
    ItemComponent.STETHOSCOPE,
    ItemComponent.BP_CUFF,
    ItemComponent.PULSE_OXIMETER,
)
# Drugs and fluids: registered with lot and expiry (LAW-M batch traceability, INJ-V4 "in date").
MEDICINE_COMPONENTS = frozenset(
    {
        ItemComponent.ADRENALINE,
        ItemComponent.BETA2_AGONIST,
        ItemComponent.ANTIHISTAMINE,
        ItemComponent.GLUCOCORTICOID,
        ItemComponent.IV_KIT,
    }
)
# The doctor verifies the emergency drugs (INJ-V4): a kit check by anyone else needs the countersignature.
COUNTERSIGNED_KINDS = frozenset({EquipmentKind.ANAPHYLAXIS_KIT})
# A check is "due" this many days before its deadline; an item "expires soon" within 30 days.
DUE_SOON_DAYS = 7
EXPIRY_SOON_DAYS = 30
# The CPR and anaphylaxis drill is yearly (the issue); a longer validity on the certificate does not extend it.
DRILL_VALID_DAYS = 365
SERIOUS_SEVERITIES = frozenset({Severity.SERIOUS, Severity.CRITICAL})
SOURCE_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*:[0-9]+$")


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _local_date(at: datetime.datetime) -> datetime.date:
    return timezone.localtime(at, timezone.get_default_timezone()).date()


# Deviations (INJ-V3, INJ-V5, LAW-Q §7–§9, NAL-7) ---------------------------------------------


def deviation_report_valid(
    *, clinic: Any, occurred_at: datetime.datetime, now: datetime.datetime, patient: Any, source: str
) -> Decision:
    """INJ-V3: a report describes something that has happened, in this clinic."""
    decision = Decision.allow()
    if occurred_at > now:
        decision += Decision.deny("INJ-V3", _("A deviation is reported after it happened: the time is in the future."))
    if patient is not None and patient.clinic_id != getattr(clinic, "pk", None):
        decision += Decision.deny("INJ-V3", _("The patient does not belong to this clinic."))
    if source and not SOURCE_PATTERN.match(source):
        decision += Decision.deny("NAL-7", _("The link to the record is not in the form 'module.kind:id'."))
    return decision


def deviation_assessable(*, deviation: Any) -> Decision:
    """INJ-V3: an open deviation can be assessed (and reassessed); a closed one is history."""
    if deviation.status == DeviationStatus.CLOSED:
        return Decision.deny("INJ-V3", _("The deviation is closed and can no longer be changed."))
    return Decision.allow()


def measure_addable(*, deviation: Any, due_on: datetime.date | None, today: datetime.date) -> Decision:
    """LAW-Q §9: measures follow the assessment of the cause and get a deadline that has not passed."""
    decision = deviation_assessable(deviation=deviation)
    if decision and deviation.status == DeviationStatus.REPORTED:
        decision += Decision.deny("INJ-V3", _("Assess the cause before deciding measures."))
    if due_on is not None and due_on < today:
        decision += Decision.deny("LAW-Q", _("The deadline cannot be in the past."))
    return decision


def deviation_closable(*, deviation: Any, measures: Sequence[Any], closing_summary: str) -> Decision:
    """LAW-Q §8–§9, INJ-V3: closed only when assessed, with measures carried out and evaluated."""
    decision = deviation_assessable(deviation=deviation)
    if not decision:
        return decision
    if deviation.status != DeviationStatus.ASSESSED:
        decision += Decision.deny("INJ-V3", _("Assess the cause before closing the deviation."))
    if not measures:
        decision += Decision.deny(
            "LAW-Q", _("A deviation cannot be closed without at least one corrective or preventive measure.")
        )
    undone = [m for m in measures if m.done_at is None]
    if undone:
        decision += Decision.deny(
            "LAW-Q",
            _("%(count)s measure(s) are not done yet; close the deviation when they are carried out.")
            % {"count": len(undone)},
        )
    if deviation.notification_required and deviation.notified_on is None:
        decision += Decision.deny(
            "INJ-V3", _("The deviation has a notification duty: record the date it was notified before closing.")
        )
    if not closing_summary.strip():
        decision += Decision.deny("INJ-V5", _("Write an evaluation of the measures' effect before closing."))
    return decision


def notification_authorities(*, category: str, severity: str) -> list[str]:
    """INJ-V3: who a serious event may have to be notified to, shown as text; Kanyle never sends it."""
    if severity not in SERIOUS_SEVERITIES:
        return []
    # Helsetilsynsloven § 6 and undersøkelseskommisjonsloven § 7 (one form reaches both); Prop. 121 L (2024–2025)
    # proposes a new reporting scheme, so this text is reviewed with the law, not trusted forever.
    authorities = [
        _(
            "Statens helsetilsyn and Ukom: notify at once of a death or very serious injury to a patient when "
            "the outcome is unexpected given the foreseeable risk "
            "(helsetilsynsloven § 6, undersøkelseskommisjonsloven § 7)."
        )
    ]
    if category in (DeviationCategory.INJECTION_REACTION, DeviationCategory.MEDICATION):
        authorities.append(
            _(
                "Direktoratet for medisinske produkter (DMP): report a suspected serious adverse drug reaction "
                "(melde.no)."
            )
        )
    if category == DeviationCategory.EQUIPMENT:
        authorities.append(
            _(
                "Direktoratet for medisinske produkter (DMP): report a serious incident with a medical device "
                "(melde.no)."
            )
        )
    if category == DeviationCategory.PRIVACY:
        authorities.append(_("Datatilsynet: report a personal data breach within 72 hours (GDPR art. 33)."))
    return authorities


# Equipment, items and checks (INJ-V4) ----------------------------------------------------------


@dataclass(frozen=True)
class CheckStatus:
    """Where a piece of equipment stands in its check schedule at a moment."""

    state: str  # "ok", "due" (within DUE_SOON_DAYS), "overdue" or "never"
    due_at: datetime.datetime | None

    @property
    def needs_attention(self) -> bool:
        return self.state != "ok"


def check_status(*, equipment: Equipment, last_check: EquipmentCheck | None, at: datetime.datetime) -> CheckStatus:
    """INJ-V4: a check is overdue once its interval has passed since the last one."""
    if last_check is None:
        return CheckStatus("never", None)
    due_at = last_check.performed_at + datetime.timedelta(days=equipment.check_interval_days)
    if at > due_at:
        return CheckStatus("overdue", due_at)
    if due_at - at <= datetime.timedelta(days=DUE_SOON_DAYS):
        return CheckStatus("due", due_at)
    return CheckStatus("ok", due_at)


def item_expiry_status(item: EquipmentItem, on: datetime.date) -> str:
    """'expired' after the expiry date, 'expiring' within 30 days, otherwise 'ok' (also without expiry)."""
    if item.expires_on is None:
        return "ok"
    if item.expires_on < on:
        return "expired"
    if (item.expires_on - on).days <= EXPIRY_SOON_DAYS:
        return "expiring"
    return "ok"


def item_valid(*, component: str, lot_number: str, expires_on: datetime.date | None) -> Decision:
    """LAW-M, INJ-V4: emergency drugs and fluids are registered with their lot number and expiry date."""
    decision = Decision.allow()
    if component in MEDICINE_COMPONENTS:
        if not lot_number.strip():
            decision += Decision.deny("LAW-M", _("Drugs and fluids are registered with their lot number."))
        if expires_on is None:
            decision += Decision.deny("INJ-V4", _("Drugs and fluids are registered with their expiry date."))
    return decision


def check_valid(
    *, performed_at: datetime.datetime | None, now: datetime.datetime, lines: Iterable[dict[str, Any]]
) -> Decision:
    """INJ-V4: a check is signed when it is done, not ahead; an expired item is never 'in order'."""
    decision = Decision.allow()
    if performed_at is not None and performed_at > now:
        decision += Decision.deny("INJ-V4", _("A check cannot be signed for a time in the future."))
    on = _local_date(performed_at or now)
    for line in lines:
        expires_on = line.get("expires_on")
        if line.get("ok") and isinstance(expires_on, datetime.date) and expires_on < on:
            decision += Decision.deny(
                "INJ-V4",
                _(
                    "%(item)s expired on %(date)s and cannot be marked as in order. "
                    "Replace it, or mark it as not in order."
                )
                % {"item": line["item"], "date": _day(expires_on)},
            )
    return decision


def countersign_allowed(*, check: EquipmentCheck, user: Any, role: str) -> Decision:
    """INJ-V4: the responsible doctor countersigns the emergency kit's check, never their own."""
    if check.equipment.kind not in COUNTERSIGNED_KINDS:
        return Decision.deny("INJ-V4", _("Only checks of the anaphylaxis kit are countersigned."))
    if check.countersigned_at is not None:
        return Decision.deny("INJ-V4", _("This check is already countersigned."))
    if role != Role.DOCTOR:
        return Decision.deny("INJ-V4", _("Only a doctor can countersign the check of the anaphylaxis kit."))
    if check.performed_by_id == user.pk:
        return Decision.deny(
            "INJ-V4",
            _(
                "You cannot countersign your own check. A check you performed as a doctor already counts as the "
                "doctor's check."
            ),
        )
    return Decision.allow()


def _doctor_verified(check: EquipmentCheck, at: datetime.datetime) -> bool:
    if check.performed_by_role == Role.DOCTOR:
        return True
    return check.countersigned_at is not None and check.countersigned_at <= at


# Emergency preparedness (INJ-V4) -----------------------------------------------------------------


@dataclass(frozen=True)
class PreparednessIssue:
    """One thing that keeps emergency preparedness from being in order, with what it is about."""

    # missing_equipment, missing_item, never_checked, check_overdue, check_failed, not_countersigned, item_expired
    code: str
    message: str
    equipment_id: int | None = None
    item_id: int | None = None
    check_id: int | None = None
    rule: str = "INJ-V4"


def preparedness_issues(
    *,
    equipment: Sequence[Equipment],
    latest_checks: dict[int, EquipmentCheck],
    at: datetime.datetime,
) -> list[PreparednessIssue]:
    """INJ-V4 over loaded rows: the active emergency equipment with active items, and each one's last check."""
    on = _local_date(at)
    issues: list[PreparednessIssue] = []
    kinds = {e.kind for e in equipment}
    missing = {
        EquipmentKind.AED: _("No defibrillator (AED) is registered."),
        EquipmentKind.ANAPHYLAXIS_KIT: _("No anaphylaxis kit is registered."),
    }
    issues.extend(
        PreparednessIssue("missing_equipment", missing[kind]) for kind in EMERGENCY_KINDS if kind not in kinds
    )
    has_oxygen = EquipmentKind.OXYGEN in kinds
    for unit in equipment:
        if unit.kind not in EMERGENCY_KINDS:
            continue
        if unit.kind == EquipmentKind.ANAPHYLAXIS_KIT:
            issues.extend(_missing_contents(unit, has_oxygen=has_oxygen))
        issues.extend(_equipment_issues(unit, latest_checks.get(unit.pk), at))
        for item in _stocked(unit):
            if item_expiry_status(item, on) == "expired":
                lot = f" ({_('lot')} {item.lot_number})" if item.lot_number else ""
                issues.append(
                    PreparednessIssue(
                        "item_expired",
                        _("%(equipment)s: %(item)s%(lot)s expired on %(date)s.")
                        % {"equipment": unit.name, "item": item.name, "lot": lot, "date": _day(item.expires_on)},
                        equipment_id=unit.pk,
                        item_id=item.pk,
                    )
                )
    return issues


def _stocked(equipment: Equipment) -> list[EquipmentItem]:
    return [item for item in equipment.items.all() if item.is_active and item.quantity > 0]


def _missing_contents(kit: Equipment, *, has_oxygen: bool) -> list[PreparednessIssue]:
    """Each kit holds the FACTS.md contents itself; oxygen may also stand as its own equipment."""
    present = {item.component for item in _stocked(kit)}
    if has_oxygen:
        present.add(ItemComponent.OXYGEN)
    return [
        PreparednessIssue(
            "missing_item",
            _("%(equipment)s: nothing of the kind “%(item)s” is registered.")
            % {"equipment": kit.name, "item": ItemComponent(component).label},
            equipment_id=kit.pk,
        )
        for component in REQUIRED_KIT_CONTENTS
        if component not in present
    ]


def _equipment_issues(equipment: Equipment, last: EquipmentCheck | None, at: datetime.datetime) -> list:
    status = check_status(equipment=equipment, last_check=last, at=at)
    if last is None:
        return [
            PreparednessIssue(
                "never_checked",
                _("%(equipment)s has never been checked.") % {"equipment": equipment.name},
                equipment.pk,
            )
        ]
    issues = []
    if status.state == "overdue":
        issues.append(
            PreparednessIssue(
                "check_overdue",
                _("%(equipment)s: the last check was on %(last)s; the next was due on %(due)s.")
                % {
                    "equipment": equipment.name,
                    "last": _day(_local_date(last.performed_at)),
                    "due": _day(_local_date(status.due_at)),
                },
                equipment.pk,
                check_id=last.pk,
            )
        )
    if not last.all_ok:
        issues.append(
            PreparednessIssue(
                "check_failed",
                _("%(equipment)s: the last check found something not in order.") % {"equipment": equipment.name},
                equipment.pk,
                check_id=last.pk,
            )
        )
    if equipment.kind in COUNTERSIGNED_KINDS and not _doctor_verified(last, at):
        issues.append(
            PreparednessIssue(
                "not_countersigned",
                _("%(equipment)s: the last check is not countersigned by the responsible doctor.")
                % {"equipment": equipment.name},
                equipment.pk,
                check_id=last.pk,
            )
        )
    return issues


def emergency_preparedness(*, clinic: Any, at: datetime.datetime, practitioners: Iterable[Any] = ()) -> Decision:
    """INJ-V4: emergency equipment registered, checked within its interval, verified by the doctor and in date.

    ``practitioners`` (optional): people whose yearly CPR and anaphylaxis drill must also be valid at ``at``,
    e.g. the performer and the supervising doctor of an injection.
    """
    from kanyle.quality.selectors.equipment import emergency_equipment  # selectors import rules' constants

    equipment, latest = emergency_equipment(clinic=clinic, at=at)
    decision = Decision(
        tuple(
            Finding(issue.rule, issue.message)
            for issue in preparedness_issues(equipment=equipment, latest_checks=latest, at=at)
        )
    )
    for practitioner in practitioners:
        decision += emergency_drill_valid(practitioner=practitioner, at=at)
    return decision


# Staff competence with the equipment (INJ-V4) ----------------------------------------------------


def drill_valid_until(credential: Any) -> datetime.date:
    """The last day a CPR and anaphylaxis drill counts: a year after it, or its own expiry if earlier."""
    yearly = credential.issued_on + datetime.timedelta(days=DRILL_VALID_DAYS)
    return min(yearly, credential.expires_on) if credential.expires_on else yearly


def emergency_drill_valid(*, practitioner: Any, at: datetime.datetime) -> Decision:
    """INJ-V4: the person can use the emergency equipment: a verified CPR and anaphylaxis drill within a year."""
    on = _local_date(at)
    for credential in practitioner.credentials.all():
        if (
            credential.kind == CredentialKind.EMERGENCY_DRILL
            and credential.verified_at is not None
            and credential.issued_on <= on <= drill_valid_until(credential)
        ):
            return Decision.allow()
    return Decision.deny(
        "INJ-V4",
        _("%(name)s has no verified CPR and anaphylaxis drill within the last year on %(date)s.")
        % {"name": practitioner.user.display_name, "date": _day(on)},
    )


# Management review (LAW-Q §8–§9) -------------------------------------------------------------------


def review_period_valid(*, start: datetime.date, end: datetime.date, today: datetime.date) -> Decision:
    """LAW-Q §8: the review looks back on a period that has begun and lies within two years."""
    decision = Decision.allow()
    if end < start:
        decision += Decision.deny("LAW-Q", _("The period must end after it starts."))
    if end > today:
        decision += Decision.deny("LAW-Q", _("The period cannot end in the future."))
    if (end - start).days > 731:
        decision += Decision.deny("LAW-Q", _("The period can be at most two years."))
    return decision
