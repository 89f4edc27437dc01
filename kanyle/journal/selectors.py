"""Reads of the record, always within one clinic, with a fixed number of queries per page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce

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
from kanyle.staff.models import Practitioner


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


def _timeline_filter(notes: QuerySet[Note], *, clinic: Any, patient: Any, filters: dict) -> QuerySet[Note]:
    notes = notes.filter(clinic=clinic, patient=patient)
    if filters.get("episode"):
        notes = notes.filter(encounter__episode=filters["episode"])
    if filters.get("practitioner"):
        notes = notes.filter(Q(author=filters["practitioner"]) | Q(co_author=filters["practitioner"]))
    if filters.get("contact_type"):
        notes = notes.filter(encounter__contact_type=filters["contact_type"])
    viewer = filters.get("viewer")
    notes = notes.filter(Q(signed_at__isnull=False) | Q(author=viewer))
    return notes.order_by("-encounter__occurred_at", "-id")


def chart_notes(*, clinic: Any, patient: Any, filters: dict) -> QuerySet[Note]:
    """The timeline, newest first: signed notes for everyone with access, drafts only for their authors."""
    return _timeline_filter(_note_queryset(), clinic=clinic, patient=patient, filters=filters)


# What the chart needs of each note before it knows whether the rendered note is cached: the cache key
# (journal/views/timeline.py) and the viewer's actions. Children are counted, not loaded.
TIMELINE_FIELDS = (
    "id",
    "signed_at",
    "author_id",
    "co_author_id",
    "encounter__occurred_at",
    "encounter__contact_type",
    "encounter__episode_id",
    "co_part__signed_at",
)


def _count(model: Any, link: str, outer: str) -> Coalesce:
    rows = model.objects.filter(**{link: OuterRef(outer)}).order_by().values(link).annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), 0)


def chart_timeline(*, clinic: Any, patient: Any, filters: dict) -> QuerySet:
    """The timeline as light rows (dicts, no model objects): the fields of TIMELINE_FIELDS and the number
    of diagnoses, amendments and attachments of each note; the same notes and order as chart_notes."""
    return _timeline_filter(Note.objects.all(), clinic=clinic, patient=patient, filters=filters).values(
        *TIMELINE_FIELDS,
        diagnosis_count=_count(NoteDiagnosis, "note", "pk"),
        amendment_count=_count(Amendment, "note", "pk"),
        attachment_count=_count(Attachment, "encounter", "encounter_id"),
    )


def notes_to_render(
    *, clinic: Any, ids: list[int], diagnoses: bool, amendments: bool, attachments: bool
) -> dict[int, Note]:
    """Full notes for the timeline entries that are not cached, by id; a child relation is prefetched
    only when one of these notes has any (the body template reads it only then)."""
    if not ids:
        return {}
    lookups: list[Any] = []
    if diagnoses:
        lookups.append(Prefetch("note_diagnoses", queryset=NoteDiagnosis.objects.select_related("code")))
    if amendments:
        lookups.append(Prefetch("amendments", queryset=Amendment.objects.select_related("author__user")))
    if attachments:
        lookups.append(Prefetch("encounter__attachments", queryset=Attachment.objects.order_by("created_at")))
    notes = (
        Note.objects.filter(clinic=clinic, pk__in=ids)
        .select_related("encounter", "encounter__episode", "author__user", "co_author__user", "co_part")
        .prefetch_related(*lookups)
    )
    return {note.pk: note for note in notes}


def chart_page(notes: QuerySet, number: Any, per_page: int) -> Page:
    """One page of the timeline in one query: the total for "page n of m" comes from a window count.

    Same pages as ``Paginator.get_page`` (a bad or too-high number falls back to it, with its own count).
    (Picking the page's ids in an IN-subquery first was tried: the planner underestimates a
    500-note patient as 4 rows and joins everything first, 79 ms instead of 5 ms.)
    """
    paginator = Paginator(notes, per_page)
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1
    if wanted >= 1:
        bottom = (wanted - 1) * per_page
        rows = list(notes.annotate(timeline_total=Window(Count("pk")))[bottom : bottom + per_page])
        if rows:
            first = rows[0]
            # Paginator.count is a cached property; rows are model objects or (chart_timeline) dicts.
            paginator.count = first["timeline_total"] if isinstance(first, dict) else first.timeline_total
            page = paginator.page(wanted)
            page.object_list = rows
            return page
    return paginator.get_page(number)


def chart_staff(*, clinic: Any, patient: Any, user: Any) -> list[Practitioner]:
    """The clinic's practitioners (the chart filter's choices) in one query; the viewer's own row says
    whether they treat the patient (``treats_patient``, the same test as rules.treatment_relation)."""
    treats = Q(
        Exists(Episode.objects.filter(Q(responsible=OuterRef("pk")) | Q(members=OuterRef("pk")), patient=patient))
    ) | Q(Exists(Note.objects.filter(Q(author=OuterRef("pk")) | Q(co_author=OuterRef("pk")), patient=patient)))
    return list(
        Practitioner.objects.filter(clinic=clinic)
        .select_related("user")
        .annotate(
            treats_patient=Case(
                When(Q(user=user) & treats, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
    )


def chart_episodes(*, clinic: Any, patient: Any) -> list[Episode]:
    """The chart's side panel shows title, kind, responsible and dates: no members needed."""
    return list(
        Episode.objects.filter(clinic=clinic, patient=patient)
        .select_related("responsible__user")
        .order_by("ended_on", "-started_on")
    )


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
