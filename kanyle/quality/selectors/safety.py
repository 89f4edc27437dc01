"""Reads for deviations, equipment, the compliance dashboard and the management review.

Every function takes the clinic first and runs a fixed number of queries, however many rows.
They live in ``equipment``, ``deviations``, ``dashboard`` and ``review``; this module names them together.
"""

from __future__ import annotations

from kanyle.quality.selectors.dashboard import (
    COMPLIANCE_HORIZON_DAYS,
    AttentionItem,
    ComplianceOverview,
    Section,
    clinical_staff,
    compliance_overview,
    injection_followups_overdue,
    roles_to_notify,
)
from kanyle.quality.selectors.deviations import (
    DeviationStatistics,
    clinic_people,
    deviation_detail,
    deviation_list,
    deviation_statistics,
)
from kanyle.quality.selectors.equipment import (
    EquipmentRow,
    emergency_equipment,
    equipment_checks,
    equipment_detail,
    equipment_rows,
    latest_checks,
)
from kanyle.quality.selectors.review import (
    injection_procedures_by_practitioner,
    needle_sessions_by_practitioner,
    review_facts,
    review_list,
)

__all__ = [
    "COMPLIANCE_HORIZON_DAYS",
    "AttentionItem",
    "ComplianceOverview",
    "DeviationStatistics",
    "EquipmentRow",
    "Section",
    "clinic_people",
    "clinical_staff",
    "compliance_overview",
    "deviation_detail",
    "deviation_list",
    "deviation_statistics",
    "emergency_equipment",
    "equipment_checks",
    "equipment_detail",
    "equipment_rows",
    "injection_followups_overdue",
    "injection_procedures_by_practitioner",
    "latest_checks",
    "needle_sessions_by_practitioner",
    "review_facts",
    "review_list",
    "roles_to_notify",
]
