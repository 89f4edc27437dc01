"""The ultrasound-guided injection chain (DESIGN.md §4): one episode from referral to follow-up.

An ``InjectionEpisode`` extends a journal ``Episode`` (kind "injection") with its state. Every step
is a row written by a service in ``injections.services`` that checks its rule first; the clinical
steps also write a signed journal note by their author (INJ-D8, INJ-P5), so the record holds them
like any other consultation. A signed order, consent or assessment is never edited: it is
withdrawn, cancelled or replaced by a new row, and the old one stays as evidence.

``episode`` (the episode, exam, assessment, consent and order), ``team`` (delegations, supervision
availability) and ``procedure`` (the procedure, the report to the GP, the follow-up).
"""

from __future__ import annotations

from kanyle.injections.models.episode import (
    ABSOLUTE_CONTRAINDICATIONS,
    EXITS,
    FINAL,
    PATH,
    RELATIVE_CONTRAINDICATIONS,
    Assessment,
    Consent,
    ConsentMethod,
    ConsentText,
    Decision,
    DrugOrder,
    InjectionEpisode,
    ProcedureType,
    Side,
    Status,
    SupervisionMode,
    UltrasoundExam,
)
from kanyle.injections.models.procedure import (
    FollowUp,
    FollowUpOutcome,
    GPReport,
    Procedure,
    ProcedureStatus,
    Reaction,
    ReportStatus,
)
from kanyle.injections.models.team import (
    Delegation,
    SupervisionAvailability,
)

__all__ = [
    "ABSOLUTE_CONTRAINDICATIONS",
    "EXITS",
    "FINAL",
    "PATH",
    "RELATIVE_CONTRAINDICATIONS",
    "Assessment",
    "Consent",
    "ConsentMethod",
    "ConsentText",
    "Decision",
    "Delegation",
    "DrugOrder",
    "FollowUp",
    "FollowUpOutcome",
    "GPReport",
    "InjectionEpisode",
    "Procedure",
    "ProcedureStatus",
    "ProcedureType",
    "Reaction",
    "ReportStatus",
    "Side",
    "Status",
    "SupervisionAvailability",
    "SupervisionMode",
    "UltrasoundExam",
]
