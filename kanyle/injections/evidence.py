"""The evidence pack of one procedure: the whole chain's facts, for inspection (page and PDF).

It answers "was everything in place when this injection was given?" with what was recorded at the time:
the referral, who assessed and decided, the contraindication answers, the consent and its text version,
the order, the delegation with the credentials the doctor confirmed, both practitioners' NPE cover on the
day, supervision, the readiness gate as it was frozen at the start, the batch and dose, the observation,
the report to the GP and the follow-up.

No clinical note text is part of it (indication, findings, information, free-text assessments): the clinic
administrator may read the pack (can_view_evidence) but not the record. Reasons that are part of the
chain's own rules (early end of observation, revocation) are shown.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from kanyle.injections import rules
from kanyle.injections.models import (
    ABSOLUTE_CONTRAINDICATIONS,
    RELATIVE_CONTRAINDICATIONS,
    Assessment,
    Consent,
    Delegation,
    FollowUp,
    GPReport,
    Procedure,
    ProcedureType,
    SupervisionAvailability,
    UltrasoundExam,
)
from kanyle.staff.models import CredentialKind, InsuranceCover, Practitioner


@dataclass(frozen=True)
class Answer:
    label: str
    value: bool
    absolute: bool = False


@dataclass(frozen=True)
class CoverFacts:
    practitioner: Practitioner
    covers: list[InsuranceCover]

    @property
    def includes_injections(self) -> bool:
        return any(c.covers_injections for c in self.covers)


@dataclass
class EvidencePack:
    procedure: Procedure
    day: datetime.date
    referral: Any
    exams: list[UltrasoundExam]
    assessment: Assessment | None
    contraindications: list[Answer]
    consent: Consent | None
    consent_explained: list[Answer]
    delegation: Delegation | None
    delegation_types: list[str]
    credentials: list[dict[str, Any]]
    performer_cover: CoverFacts
    doctor_cover: CoverFacts | None
    availability: SupervisionAvailability | None
    gate_at: datetime.datetime | None
    gate_ok: bool
    gate_items: list[dict[str, Any]]
    observation_minutes: int | None
    reports: list[GPReport]
    followups: list[FollowUp]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def episode(self) -> Any:
        return self.procedure.episode

    @property
    def order(self) -> Any:
        return self.procedure.order

    @property
    def batch(self) -> Any:
        return self.procedure.batch

    @property
    def covers(self) -> list[CoverFacts]:
        """The performer's cover, and the supervising doctor's when someone else performed."""
        return [c for c in (self.performer_cover, self.doctor_cover) if c is not None]


def _covers_on(practitioner: Practitioner, day: datetime.date) -> CoverFacts:
    covers = [
        c
        for c in sorted(practitioner.insurance_covers.all(), key=lambda c: c.valid_from, reverse=True)
        if c.valid_from <= day and (c.valid_to is None or c.valid_to >= day)
    ]
    return CoverFacts(practitioner, covers)


def _gate_items(gate: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for item in gate.get("items", []):
        rule_ids = [item.get("rule", "")] + [r for r in item.get("rules", []) if r and r != item.get("rule")]
        items.append(
            {
                "key": item.get("key", ""),
                "rule": item.get("rule", ""),
                "rules": list(dict.fromkeys(rule_ids)),
                "label": item.get("label", ""),
                "ok": bool(item.get("ok")),
                "messages": list(item.get("messages", [])),
            }
        )
    return items


def _parse(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return None


def credential_label(kind: str) -> str:
    try:
        return str(CredentialKind(kind).label)
    except ValueError:
        return kind


def evidence_pack(procedure: Procedure) -> EvidencePack:
    """Everything the chain recorded around ``procedure`` (a fixed number of queries)."""
    procedure = (
        Procedure.objects.select_related(
            "episode__patient",
            "episode__episode__referral",
            "episode__doctor__user",
            "order__drug",
            "order__doctor__user",
            "performer__user",
            "supervising_doctor__user",
            "delegation__doctor__user",
            "delegation__physio__user",
            "batch__drug",
        )
        .prefetch_related("performer__insurance_covers", "supervising_doctor__insurance_covers")
        .get(pk=procedure.pk)
    )
    ie = procedure.episode
    day = timezone.localtime(procedure.started_at, timezone.get_default_timezone()).date()
    # The assessment and consent in force when the procedure started (a later one does not rewrite history).
    assessment = (
        ie.assessments.filter(signed_at__lte=procedure.started_at)
        .select_related("doctor__user", "co_assessor__user")
        .order_by("-signed_at", "-id")
        .first()
    )
    consent = (
        ie.consents.filter(given_at__lte=procedure.started_at)
        .select_related("doctor__user", "text", "withdrawn_recorded_by")
        .order_by("-given_at", "-id")
        .first()
    )
    contraindications = []
    if assessment is not None:
        for name in (*ABSOLUTE_CONTRAINDICATIONS, *RELATIVE_CONTRAINDICATIONS):
            contraindications.append(
                Answer(
                    str(Assessment._meta.get_field(name).verbose_name),
                    bool(getattr(assessment, name)),
                    name in ABSOLUTE_CONTRAINDICATIONS,
                )
            )
    explained = []
    if consent is not None:
        explained = [
            Answer(str(Consent._meta.get_field(name).verbose_name), bool(getattr(consent, name)))
            for name in rules.CONSENT_EXPLANATIONS
        ]
    delegation = procedure.delegation
    types = []
    if delegation is not None:
        types = [str(ProcedureType(t).label) if t in ProcedureType.values else t for t in delegation.procedure_types]
    credentials = [
        {**c, "kind_label": credential_label(c.get("kind", "")), "verified": _parse(c.get("verified_at"))}
        for c in (delegation.credentials_snapshot if delegation else [])
    ]
    doctor = procedure.supervising_doctor
    availability = (
        SupervisionAvailability.objects.filter(
            doctor=doctor, starts_at__lte=procedure.started_at, ends_at__gt=procedure.started_at
        )
        .order_by("cancelled_at", "mode", "starts_at")
        .first()
        if doctor.pk != procedure.performer_id
        else None
    )
    gate = procedure.gate or {}
    minutes = None
    if procedure.observation_started_at and procedure.observation_ended_at:
        minutes = int((procedure.observation_ended_at - procedure.observation_started_at).total_seconds() // 60)
    return EvidencePack(
        procedure=procedure,
        day=day,
        referral=ie.episode.referral,
        exams=list(ie.exams.select_related("examiner__user").order_by("examined_at")),
        assessment=assessment,
        contraindications=contraindications,
        consent=consent,
        consent_explained=explained,
        delegation=delegation,
        delegation_types=types,
        credentials=credentials,
        performer_cover=_covers_on(procedure.performer, day),
        doctor_cover=_covers_on(doctor, day) if doctor.pk != procedure.performer_id else None,
        availability=availability,
        gate_at=_parse(gate.get("at")),
        gate_ok=bool(gate.get("ok")),
        gate_items=_gate_items(gate),
        observation_minutes=minutes,
        reports=list(ie.reports.filter(procedure=procedure).order_by("created_at", "id")),
        followups=list(ie.followups.select_related("doctor__user").order_by("due_by", "id")),
    )
