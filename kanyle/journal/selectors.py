"""Reads of the record, always within one clinic, with a fixed number of queries per page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from kanyle.journal.models import (
    NOTE_SECTIONS,
    Amendment,
    Attachment,
    CodeSystem,
    DiagnosisCode,
    EmergencyAccess,
    Episode,
    Note,
    NoteDiagnosis,
    Referral,
    ReferralStatus,
)


def note_sections(note: Note) -> list[tuple[str, str]]:
    """The filled-in sections of a note with their labels, in chart order."""
    return [
        (str(Note._meta.get_field(name).verbose_name), getattr(note, name))
        for name in NOTE_SECTIONS
        if getattr(note, name).strip()
    ]


def _note_queryset() -> QuerySet[Note]:
    return Note.objects.select_related(
        "encounter", "encounter__episode", "author__user", "co_author__user", "co_part"
    ).prefetch_related(
        Prefetch("note_diagnoses", queryset=NoteDiagnosis.objects.select_related("code")),
        Prefetch("amendments", queryset=Amendment.objects.select_related("author__user")),
        Prefetch("encounter__attachments", queryset=Attachment.objects.order_by("created_at")),
    )


def chart_notes(*, clinic: Any, patient: Any, filters: dict) -> QuerySet[Note]:
    """The timeline, newest first: signed notes for everyone with access, drafts only for their authors."""
    notes = _note_queryset().filter(clinic=clinic, patient=patient)
    if filters.get("episode"):
        notes = notes.filter(encounter__episode=filters["episode"])
    if filters.get("practitioner"):
        notes = notes.filter(Q(author=filters["practitioner"]) | Q(co_author=filters["practitioner"]))
    if filters.get("contact_type"):
        notes = notes.filter(encounter__contact_type=filters["contact_type"])
    viewer = filters.get("viewer")
    notes = notes.filter(Q(signed_at__isnull=False) | Q(author=viewer))
    return notes.order_by("-encounter__occurred_at", "-id")


def note_detail(*, clinic: Any, pk: Any) -> Note:
    return _note_queryset().select_related("patient").get(clinic=clinic, pk=pk)


def patient_episodes(*, clinic: Any, patient: Any) -> list[Episode]:
    return list(
        Episode.objects.filter(clinic=clinic, patient=patient)
        .select_related("responsible__user", "referral")
        .prefetch_related("members__user")
        .order_by("ended_on", "-started_on")
    )


def drafts_for(*, clinic: Any, practitioner: Any) -> QuerySet[Note]:
    """The practitioner's own unsigned notes (the dashboard's first list)."""
    return (
        Note.objects.filter(clinic=clinic, author=practitioner, signed_at__isnull=True)
        .select_related("patient", "encounter")
        .order_by("encounter__occurred_at")
    )


def co_parts_to_sign(*, clinic: Any, practitioner: Any) -> QuerySet[Note]:
    """Notes where the practitioner was present and has not yet signed their part."""
    return (
        Note.objects.filter(clinic=clinic, co_author=practitioner)
        .filter(Q(co_part__isnull=True) | Q(co_part__signed_at__isnull=True))
        .select_related("patient", "encounter", "author__user")
        .order_by("encounter__occurred_at")
    )


def open_episodes_for(*, clinic: Any, practitioner: Any) -> QuerySet[Episode]:
    return (
        Episode.objects.filter(clinic=clinic, ended_on__isnull=True)
        .filter(Q(responsible=practitioner) | Q(members=practitioner))
        .distinct()
        .select_related("patient")
        .order_by("-started_on")
    )


def referral_worklist(*, clinic: Any, status: str | None) -> QuerySet[Referral]:
    referrals = Referral.objects.filter(clinic=clinic).select_related("patient")
    if status:
        referrals = referrals.filter(status=status)
    return referrals.order_by("-received_on", "-id")


def patient_referrals(*, clinic: Any, patient: Any) -> list[Referral]:
    return list(Referral.objects.filter(clinic=clinic, patient=patient).order_by("-received_on", "-id")[:20])


def new_referral_count(*, clinic: Any) -> int:
    return Referral.objects.filter(clinic=clinic, status=ReferralStatus.RECEIVED).count()


def code_search(*, query: str, system: str | None = None, limit: int = 20) -> list[DiagnosisCode]:
    """Diagnosis codes by code prefix ('L92', 'M751') or words of the Norwegian text."""
    query = (query or "").strip()
    if not query:
        return []
    codes = DiagnosisCode.objects.all()
    if system in CodeSystem.values:
        codes = codes.filter(system=system)
    compact = query.replace(".", "").upper()
    if len(compact) <= 6 and compact[:1].isalpha() and compact[1:].isdigit():
        by_code = codes.filter(code__startswith=compact)
        return list(by_code.order_by("system", "code")[:limit])
    for word in query.split()[:4]:
        codes = codes.filter(text__icontains=word)
    return list(codes.order_by("system", "code")[:limit])


def codes_from_keys(keys: list[str]) -> tuple[list[DiagnosisCode], list[str]]:
    """Resolve form values 'system:code' to codes, keeping order; returns (codes, unknown keys)."""
    wanted = []
    for key in keys:
        system, _sep, code = key.partition(":")
        wanted.append((system, code))
    if not wanted:
        return [], []
    query = Q()
    for system, code in wanted:
        query |= Q(system=system, code=code)
    found = {(c.system, c.code): c for c in DiagnosisCode.objects.filter(query)}
    codes = [found[w] for w in dict.fromkeys(wanted) if w in found]
    unknown = [f"{s}:{c}" for s, c in wanted if (s, c) not in found]
    return codes, unknown


@dataclass(frozen=True)
class EmergencyRow:
    access: EmergencyAccess
    active: bool


def emergency_accesses(*, clinic: Any, now: datetime.datetime) -> list[EmergencyRow]:
    """Every break-the-glass access of the clinic for the administrator's review, newest first."""
    rows = EmergencyAccess.objects.filter(clinic=clinic).select_related("user", "patient").order_by("-created_at")
    return [EmergencyRow(access, access.expires_at > now) for access in rows[:500]]
