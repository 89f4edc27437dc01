"""The injection chain's rules (DESIGN.md §3–§4), each a plain function that returns a Decision.

``readiness_gate`` is the one answer to "may this person start this procedure now?": it returns every
precondition as a ``GateItem`` (green or red, with its rule ID and what to fix). The start service,
the gate page and the API all call it; the procedure stores its full result as evidence.

The other functions guard one step each: who may examine (INJ-P1), assess (INJ-D1/D2), take consent
(INJ-D3, LAW-C), order (INJ-D4, LAW-M, INJ-G3) and delegate (INJ-D5, INJ-P1/P2, LAW-H5, INJ-O3).

``chain`` holds the rules of each step, ``gate`` the readiness gate and ``common`` what both use. Callers
read every name from here (``rules.readiness_gate``), ``rules.PATH`` and ``rules._local_date`` included.
"""

from __future__ import annotations

from kanyle.injections.models import PATH as PATH
from kanyle.injections.rules.chain import (
    CONSENT_EXPLANATIONS,
    DELEGATION_CREDENTIALS,
    assessment_valid,
    assessor_allowed,
    batch_usable,
    consent_valid_to_record,
    covering_delegation,
    current_assessment,
    current_consent,
    current_order,
    delegate_competence,
    delegation_in_force,
    delegation_valid_to_sign,
    doctor_available,
    dose_matches,
    earlier_injections,
    episode_start_allowed,
    examiner_allowed,
    followup_window,
    format_quantity,
    gp_recipient,
    observation_done,
    order_in_force,
    order_valid_to_sign,
    orderer_allowed,
    procedure_type_for_drug,
    stop_allowed,
    transition_allowed,
)
from kanyle.injections.rules.common import _day as _day
from kanyle.injections.rules.common import _is_doctor as _is_doctor
from kanyle.injections.rules.common import _local_date as _local_date
from kanyle.injections.rules.gate import (
    GATE_ITEMS,
    LIVE_PROCEDURE_STATUSES,
    Gate,
    GateItem,
    readiness_gate,
)

__all__ = [
    "CONSENT_EXPLANATIONS",
    "DELEGATION_CREDENTIALS",
    "GATE_ITEMS",
    "LIVE_PROCEDURE_STATUSES",
    "Gate",
    "GateItem",
    "assessment_valid",
    "assessor_allowed",
    "batch_usable",
    "consent_valid_to_record",
    "covering_delegation",
    "current_assessment",
    "current_consent",
    "current_order",
    "delegate_competence",
    "delegation_in_force",
    "delegation_valid_to_sign",
    "doctor_available",
    "dose_matches",
    "earlier_injections",
    "episode_start_allowed",
    "examiner_allowed",
    "followup_window",
    "format_quantity",
    "gp_recipient",
    "observation_done",
    "order_in_force",
    "order_valid_to_sign",
    "orderer_allowed",
    "procedure_type_for_drug",
    "readiness_gate",
    "stop_allowed",
    "transition_allowed",
]
