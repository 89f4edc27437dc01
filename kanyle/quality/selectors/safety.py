"""Reads for deviations, equipment, the compliance dashboard and the management review.

Every function takes the clinic first and runs a fixed number of queries, however many rows.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kanyle.accounts.models import User
from kanyle.clinics.models import CLINICAL_ROLES, Membership, Role
from kanyle.journal.models import Note
from kanyle.quality.models import (
    EMERGENCY_KINDS,
    Deviation,
    DeviationCategory,
    DeviationMeasure,
    DeviationStatus,
    Equipment,
    EquipmentCheck,
    EquipmentItem,
    EquipmentKind,
    ManagementReview,
    Risk,
    Severity,
)
from kanyle.quality.rules.safety import (
    PreparednessIssue,
    check_status,
    drill_valid_until,
    emergency_drill_valid,
    item_expiry_status,
    preparedness_issues,
)
from kanyle.staff.models import Credential, CredentialKind, Practitioner
from kanyle.staff.selectors import expiry_watchlist

# The dashboard warns about credentials and insurance this many days ahead (the issue: 30 days).
COMPLIANCE_HORIZON_DAYS = 30
# A draft note older than this is overdue for signing.
UNSIGNED_NOTE_HOURS = 24
# Each dashboard section shows at most this many lines (the count says how many there are).
SECTION_LIMIT = 50
ADVERSE_CATEGORIES = (DeviationCategory.NEEDLING_SIDE_EFFECT, DeviationCategory.INJECTION_REACTION)


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _local(at: datetime.datetime) -> datetime.date:
    return timezone.localtime(at, timezone.get_default_timezone()).date()


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a page another module has not built yet
        return ""


# Hooks for modules built in parallel ---------------------------------------------------------


def needle_sessions_by_practitioner(*, clinic: Any, start: datetime.date, end: datetime.date) -> dict[int, int] | None:
    """Hook for the needle module: needle and TENS sessions per practitioner id in the period (NAL-3).

    Returns None ("not available") until kanyle.needling provides a selector; the management review then
    counts journal notes per practitioner instead.
    """
    return None


def injection_procedures_by_practitioner(
    *, clinic: Any, start: datetime.date, end: datetime.date
) -> dict[int, int] | None:
    """Hook for the injection module: injection procedures per performing practitioner id in the period.

    Counts completed procedures (injections and aspirations) by the day they started, Oslo time (one query).
    """
    from kanyle.injections.models import Procedure, ProcedureStatus

    tz = timezone.get_default_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    rows = (
        Procedure.objects.filter(
            clinic=clinic, status=ProcedureStatus.COMPLETED, started_at__gte=since, started_at__lt=until
        )
        .values_list("performer_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def injection_followups_overdue(*, clinic: Any, at: datetime.datetime) -> list[AttentionItem]:
    """Hook for the injection module: follow-ups past their date (INJ-D2), as dashboard lines.

    A follow-up is overdue when it is not completed and its last day (due_by) is before today; episodes
    that ended otherwise (declined, withdrawn) are left out. No patient is named (the administrator and
    the e-mail digest read this); the line links to the doctor's follow-up form (one query).
    """
    from kanyle.injections.models import FINAL, FollowUp

    on = _local(at)
    overdue = (
        FollowUp.objects.filter(clinic=clinic, completed_at__isnull=True, due_by__lt=on)
        .exclude(episode__status__in=[s.value for s in FINAL])
        .select_related("doctor__user")
        .order_by("due_by", "id")
    )
    return [
        AttentionItem(
            _("A follow-up after injection by %(doctor)s was due by %(date)s.")
            % {"doctor": followup.doctor.user.display_name, "date": _day(followup.due_by)},
            "danger",
            _url("injections:followup-complete", followup.pk),
            "INJ-D2",
        )
        for followup in overdue
    ]


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


def _equipment_with_items(clinic: Any, *, active_only: bool = True) -> QuerySet[Equipment]:
    queryset = Equipment.objects.filter(clinic=clinic)
    if active_only:
        queryset = queryset.filter(is_active=True)
    return queryset.prefetch_related(Prefetch("items", queryset=EquipmentItem.objects.filter(is_active=True)))


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


# Deviations -------------------------------------------------------------------------------------


def deviation_list(*, clinic: Any, user: Any, sees_all: bool, status: str = "") -> QuerySet[Deviation]:
    """Deviations newest first: all of them for those who handle deviations, otherwise one's own reports."""
    queryset = (
        Deviation.objects.filter(clinic=clinic)
        .select_related("reported_by", "responsible")
        .annotate(
            measure_count=Count("measures"),
            open_measure_count=Count("measures", filter=Q(measures__done_at__isnull=True)),
        )
    )
    if not sees_all:
        queryset = queryset.filter(reported_by=user)
    if status == "open":
        queryset = queryset.exclude(status=DeviationStatus.CLOSED)
    elif status in DeviationStatus.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-occurred_at", "-id")


def deviation_detail(*, clinic: Any, pk: Any) -> Deviation:
    """One deviation of the clinic with its measures (who may see it is the view's decision)."""
    return (
        Deviation.objects.select_related("reported_by", "responsible", "assessed_by", "closed_by", "patient")
        .prefetch_related(Prefetch("measures", queryset=DeviationMeasure.objects.select_related("owner", "done_by")))
        .get(clinic=clinic, pk=pk)
    )


def clinic_people(*, clinic: Any, roles: Any = None) -> QuerySet[User]:
    """People with an active role in the clinic (for 'responsible' and 'owner' choices)."""
    memberships = Membership.objects.active().filter(clinic=clinic)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("first_name", "last_name", "username")


def _month_starts(end: datetime.date, months: int) -> list[datetime.date]:
    first = end.replace(day=1)
    starts = []
    for _index in range(months):
        starts.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(starts))


def _next_month(first: datetime.date) -> datetime.date:
    return (first + datetime.timedelta(days=32)).replace(day=1)


@dataclass
class DeviationStatistics:
    """Counts per month and category for the chart and its table (INJ-V5)."""

    months: list[datetime.date]
    categories: list[tuple[str, str]]  # (value, label) of the categories that occur, in catalogue order
    counts: dict[tuple[datetime.date, str], int]

    def count(self, month: datetime.date, category: str) -> int:
        return self.counts.get((month, category), 0)

    def month_total(self, month: datetime.date) -> int:
        return sum(n for (m, _c), n in self.counts.items() if m == month)

    def category_total(self, category: str) -> int:
        return sum(n for (_m, c), n in self.counts.items() if c == category)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def deviation_statistics(*, clinic: Any, end: datetime.date, months: int = 12) -> DeviationStatistics:
    """INJ-V5: deviations per category and month, the last ``months`` months up to ``end`` (one query)."""
    starts = _month_starts(end, months)
    tz = timezone.get_default_timezone()
    since = datetime.datetime.combine(starts[0], datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(_next_month(starts[-1]), datetime.time.min, tzinfo=tz)
    rows = (
        Deviation.objects.filter(clinic=clinic, occurred_at__gte=since, occurred_at__lt=until)
        .annotate(month=TruncMonth("occurred_at", tzinfo=tz))
        .values("month", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[datetime.date, str], int] = {}
    for row in rows:
        month = row["month"]
        month = timezone.localtime(month, tz).date() if isinstance(month, datetime.datetime) else month
        counts[(month, row["category"])] = counts.get((month, row["category"]), 0) + row["n"]
    present = {category for (_m, category) in counts}
    categories = [(value, str(label)) for value, label in DeviationCategory.choices if value in present]
    return DeviationStatistics(starts, categories, counts)


# The compliance dashboard ------------------------------------------------------------------------


@dataclass(frozen=True)
class AttentionItem:
    """One thing that needs attention: what, how urgent, and where to fix it (blank when not here)."""

    text: str
    level: str = "warn"  # "danger" or "warn"
    url: str = ""
    rule: str = ""


@dataclass
class Section:
    key: str
    title: str
    rule: str
    items: list[AttentionItem] = field(default_factory=list)
    total: int | None = None  # when more exist than are listed

    @property
    def count(self) -> int:
        return self.total if self.total is not None else len(self.items)

    @property
    def shown(self) -> list[AttentionItem]:
        return self.items[:SECTION_LIMIT]


@dataclass
class ComplianceOverview:
    at: datetime.datetime
    preparedness: list[AttentionItem]
    sections: list[Section]

    @property
    def preparedness_ok(self) -> bool:
        return not self.preparedness

    @property
    def total(self) -> int:
        return len(self.preparedness) + sum(section.count for section in self.sections)


def _preparedness_url(issue: PreparednessIssue) -> str:
    if issue.code == "missing_equipment":
        return _url("quality:equipment-create")
    if issue.code == "item_expired" and issue.item_id:
        return _url("quality:item-edit", issue.item_id)
    if issue.code == "missing_item" and issue.equipment_id:
        return _url("quality:item-create", issue.equipment_id)
    if issue.code == "not_countersigned" and issue.check_id:
        return _url("quality:check-detail", issue.check_id)
    if issue.equipment_id:
        return _url("quality:check-create", issue.equipment_id)
    return _url("quality:equipment-list")


def _equipment_sections(clinic: Any, at: datetime.datetime) -> tuple[list[AttentionItem], Section, Section]:
    """Preparedness findings (emergency equipment), then due checks and expiring items not already in them."""
    equipment = list(_equipment_with_items(clinic).order_by("kind", "name"))
    latest = latest_checks(equipment=equipment, at=at)
    issues = preparedness_issues(
        equipment=[e for e in equipment if e.kind in (*EMERGENCY_KINDS, EquipmentKind.OXYGEN)],
        latest_checks=latest,
        at=at,
    )
    preparedness = [AttentionItem(issue.message, "danger", _preparedness_url(issue), issue.rule) for issue in issues]
    on = _local(at)
    checks = Section("checks", _("Equipment checks due or overdue"), "INJ-V4")
    items = Section("items", _("Expired or expiring equipment items"), "INJ-V4")
    for unit in equipment:
        emergency = unit.kind in EMERGENCY_KINDS
        status = check_status(equipment=unit, last_check=latest.get(unit.pk), at=at)
        check_url = _url("quality:check-create", unit.pk)
        if status.state == "due":
            checks.items.append(
                AttentionItem(
                    _("%(equipment)s: the next check is due on %(due)s.")
                    % {"equipment": unit.name, "due": _day(_local(status.due_at))},
                    "warn",
                    check_url,
                    "INJ-V4",
                )
            )
        elif status.state in ("overdue", "never") and not emergency:
            text = (
                _("%(equipment)s has never been checked.") % {"equipment": unit.name}
                if status.state == "never"
                else _("%(equipment)s: the check was due on %(due)s.")
                % {"equipment": unit.name, "due": _day(_local(status.due_at))}
            )
            checks.items.append(AttentionItem(text, "danger", check_url, "INJ-V4"))
        for item in unit.items.all():
            state = item_expiry_status(item, on)
            if state == "expiring" or (state == "expired" and not emergency):
                items.items.append(
                    AttentionItem(
                        (
                            _("%(equipment)s: %(item)s expired on %(date)s.")
                            if state == "expired"
                            else _("%(equipment)s: %(item)s expires on %(date)s.")
                        )
                        % {"equipment": unit.name, "item": item.name, "date": _day(item.expires_on)},
                        "danger" if state == "expired" else "warn",
                        _url("quality:item-edit", item.pk),
                        "INJ-V4",
                    )
                )
    return preparedness, checks, items


def clinical_staff(*, clinic: Any) -> list[Practitioner]:
    """Practitioners with an active clinical role here, with their CPR and anaphylaxis drills (2 queries)."""
    active = Membership.objects.active().filter(clinic=clinic, role__in=CLINICAL_ROLES).values("user_id")
    return list(
        Practitioner.objects.filter(clinic=clinic, user_id__in=active)
        .select_related("user")
        .prefetch_related(
            Prefetch("credentials", queryset=Credential.objects.filter(kind=CredentialKind.EMERGENCY_DRILL))
        )
    )


def _drill_section(clinic: Any, at: datetime.datetime) -> Section:
    section = Section("drills", _("CPR and anaphylaxis drill (yearly)"), "INJ-V4")
    on = _local(at)
    for practitioner in clinical_staff(clinic=clinic):
        url = _url("staff:practitioner", practitioner.pk)
        decision = emergency_drill_valid(practitioner=practitioner, at=at)
        if not decision:
            section.items.append(AttentionItem(decision.findings[0].message, "danger", url, "INJ-V4"))
            continue
        until = max(
            drill_valid_until(c)
            for c in practitioner.credentials.all()
            if c.verified_at is not None and c.issued_on <= on <= drill_valid_until(c)
        )
        if (until - on).days <= COMPLIANCE_HORIZON_DAYS:
            section.items.append(
                AttentionItem(
                    _("%(name)s: the CPR and anaphylaxis drill runs out on %(date)s.")
                    % {"name": practitioner.user.display_name, "date": _day(until)},
                    "warn",
                    url,
                    "INJ-V4",
                )
            )
    return section


def _credential_section(clinic: Any, at: datetime.datetime) -> Section:
    section = Section("credentials", _("Credentials and insurance expired or expiring within 30 days"), "INJ-P4")
    on = _local(at)
    horizon = on + datetime.timedelta(days=COMPLIANCE_HORIZON_DAYS)
    for entry in expiry_watchlist(clinic=clinic, on=on):
        if entry.expires_on > horizon:
            continue
        section.items.append(
            AttentionItem(
                (
                    _("%(name)s: %(what)s expired on %(date)s.")
                    if entry.expired
                    else _("%(name)s: %(what)s expires on %(date)s.")
                )
                % {"name": entry.practitioner.user.display_name, "what": entry.label, "date": _day(entry.expires_on)},
                "danger" if entry.expired else "warn",
                _url("staff:practitioner", entry.practitioner.pk),
                "INJ-P4",
            )
        )
    return section


def _deviation_section(clinic: Any, at: datetime.datetime) -> Section:
    section = Section("deviations", _("Deviations and measures that need handling"), "INJ-V3")
    on = _local(at)
    overdue = (
        DeviationMeasure.objects.filter(clinic=clinic, done_at__isnull=True, due_on__lt=on)
        .exclude(deviation__status=DeviationStatus.CLOSED)
        .select_related("owner")
        .order_by("due_on", "id")
    )
    for measure in overdue[: SECTION_LIMIT + 1]:
        section.items.append(
            AttentionItem(
                _("A %(kind)s measure owned by %(owner)s was due on %(date)s.")
                % {
                    "kind": measure.get_kind_display().lower(),
                    "owner": measure.owner.display_name,
                    "date": _day(measure.due_on),
                },
                "danger",
                _url("quality:deviation-detail", measure.deviation_id),
                "LAW-Q",
            )
        )
    waiting = Deviation.objects.filter(clinic=clinic).filter(
        Q(status=DeviationStatus.REPORTED)
        | (Q(notification_required=True, notified_on__isnull=True) & ~Q(status=DeviationStatus.CLOSED))
    )
    for deviation in waiting.order_by("reported_at", "id")[: SECTION_LIMIT + 1]:
        unnotified = deviation.notification_required and deviation.notified_on is None
        text = (
            _("%(what)s on %(date)s (%(severity)s): notification duty, not yet notified.")
            if unnotified
            else _("%(what)s on %(date)s (%(severity)s) awaits assessment.")
        ) % {
            "what": deviation.get_category_display(),
            "date": _day(_local(deviation.occurred_at)),
            "severity": deviation.get_severity_display().lower(),
        }
        level = "danger" if unnotified or deviation.severity in (Severity.SERIOUS, Severity.CRITICAL) else "warn"
        section.items.append(AttentionItem(text, level, _url("quality:deviation-detail", deviation.pk), "INJ-V3"))
    if len(section.items) > SECTION_LIMIT:
        section.total = overdue.count() + waiting.count()
    return section


def _notes_section(clinic: Any, at: datetime.datetime, user: Any) -> Section:
    section = Section("notes", _("Journal notes not signed after 24 hours"), "LAW-J")
    stale = Note.objects.filter(
        clinic=clinic, signed_at__isnull=True, created_at__lt=at - datetime.timedelta(hours=UNSIGNED_NOTE_HOURS)
    )
    # No patient is named: the administrator sees no clinical content, and the digest is e-mail.
    for note in stale.select_related("author__user").order_by("created_at", "id")[: SECTION_LIMIT + 1]:
        own = user is not None and note.author.user_id == user.pk
        section.items.append(
            AttentionItem(
                _("Draft by %(author)s started %(date)s is not signed.")
                % {"author": note.author.user.display_name, "date": _day(_local(note.created_at))},
                "warn",
                _url("journal:note-edit", note.pk) if own else "",
                "LAW-J",
            )
        )
    if len(section.items) > SECTION_LIMIT:
        section.total = stale.count()
    return section


def _documents_sections(clinic: Any, at: datetime.datetime) -> list[Section]:
    """Supervision visits and unread procedures, from the procedures module (rules.documents) once it is there."""
    from kanyle.quality import rules

    sections = []
    on = _local(at)
    if hasattr(rules, "supervision_status"):
        decision = rules.supervision_status(clinic=clinic, on=on)
        sections.append(
            Section(
                "supervision",
                _("Supervision visit by the responsible doctor"),
                "INJ-O3",
                [
                    AttentionItem(f.message, "danger", _url("quality:supervision-create"), f.rule)
                    for f in decision.findings
                ],
            )
        )
    if hasattr(rules, "unread_procedures"):
        people = clinic_people(clinic=clinic)
        unread = rules.unread_procedures(clinic=clinic, users=people)
        section = Section("procedures", _("Procedures not yet read"), "INJ-V3")
        for person, versions in sorted(unread.items(), key=lambda pair: pair[0].display_name):
            section.items.append(
                AttentionItem(
                    _("%(name)s has not read: %(titles)s")
                    % {"name": person.display_name, "titles": ", ".join(str(v.procedure) for v in versions)},
                    "warn",
                    _url("quality:procedure-list"),
                    "INJ-V3",
                )
            )
        sections.append(section)
    return sections


def compliance_overview(*, clinic: Any, at: datetime.datetime, user: Any = None) -> ComplianceOverview:
    """Everything in the clinic that needs attention at ``at``, each line linking to where it is fixed."""
    preparedness, checks, items = _equipment_sections(clinic, at)
    followups = Section("followups", _("Follow-ups after injection overdue"), "INJ-D2")
    followups.items.extend(injection_followups_overdue(clinic=clinic, at=at))
    sections = [
        checks,
        items,
        _drill_section(clinic, at),
        _credential_section(clinic, at),
        _deviation_section(clinic, at),
        _notes_section(clinic, at, user),
        *_documents_sections(clinic, at),
        followups,
    ]
    return ComplianceOverview(at, preparedness, sections)


# Management review (LAW-Q §8–§9) ----------------------------------------------------------------


def review_list(*, clinic: Any) -> QuerySet[ManagementReview]:
    return ManagementReview.objects.filter(clinic=clinic).select_related("signed_by").order_by("-period_end", "-id")


def _deviation_counts(clinic: Any, start: datetime.datetime, end: datetime.datetime) -> dict[str, Any]:
    rows = (
        Deviation.objects.filter(clinic=clinic, occurred_at__gte=start, occurred_at__lt=end)
        .values("category", "severity", "status", "notification_required")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_category: Counter = Counter()
    by_severity: Counter = Counter()
    closed = notify = 0
    for row in rows:
        by_category[row["category"]] += row["n"]
        by_severity[row["severity"]] += row["n"]
        closed += row["n"] if row["status"] == DeviationStatus.CLOSED else 0
        notify += row["n"] if row["notification_required"] else 0
    total = sum(by_category.values())
    return {
        "total": total,
        "closed": closed,
        "open": total - closed,
        "notification_required": notify,
        "adverse_events": sum(by_category[c] for c in ADVERSE_CATEGORIES),
        "by_category": dict(by_category),
        "by_severity": dict(by_severity),
    }


def _aware(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def review_facts(*, clinic: Any, start: datetime.date, end: datetime.date, at: datetime.datetime) -> dict[str, Any]:
    """LAW-Q §8: the facts a management review evaluates, as plain JSON (stored with the signed review)."""
    since, until = _aware(start), _aware(end + datetime.timedelta(days=1))
    length = end - start + datetime.timedelta(days=1)
    previous_since = _aware(start - length)
    on = _local(at)

    # Activity per practitioner: journal notes now; needle sessions and procedures when those modules land.
    practitioners = list(Practitioner.objects.filter(clinic=clinic).select_related("user"))
    notes = dict(
        Note.objects.filter(
            clinic=clinic,
            signed_at__isnull=False,
            encounter__occurred_at__gte=since,
            encounter__occurred_at__lt=until,
        )
        .values_list("author_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    sessions = needle_sessions_by_practitioner(clinic=clinic, start=start, end=end)
    procedures = injection_procedures_by_practitioner(clinic=clinic, start=start, end=end)
    activity = [
        {
            "practitioner": p.user.display_name,
            "profession": p.get_profession_display(),
            "journal_notes": notes.get(p.pk, 0),
            "needle_sessions": None if sessions is None else sessions.get(p.pk, 0),
            "injection_procedures": None if procedures is None else procedures.get(p.pk, 0),
        }
        for p in sorted(practitioners, key=lambda p: p.user.display_name)
    ]

    current = _deviation_counts(clinic, since, until)
    previous = _deviation_counts(clinic, previous_since, since)
    category_rows = [
        {
            "category": str(label),
            "count": current["by_category"].get(value, 0),
            "previous": previous["by_category"].get(value, 0),
        }
        for value, label in DeviationCategory.choices
        if current["by_category"].get(value) or previous["by_category"].get(value)
    ]
    statistics = deviation_statistics(clinic=clinic, end=end, months=min(24, max(1, round(length.days / 30.44))))
    by_month = [
        {
            "month": month.isoformat(),
            "count": statistics.month_total(month),
            "adverse": sum(statistics.count(month, c) for c in ADVERSE_CATEGORIES),
        }
        for month in statistics.months
    ]
    measures = DeviationMeasure.objects.filter(clinic=clinic, deviation__occurred_at__gte=since).aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(done_at__isnull=False)),
        overdue=Count("id", filter=Q(done_at__isnull=True, due_on__lt=on)),
    )

    overview = compliance_overview(clinic=clinic, at=at)
    sections = {section.key: section for section in overview.sections}
    checks_in_period = EquipmentCheck.objects.filter(
        clinic=clinic, performed_at__gte=since, performed_at__lt=until
    ).aggregate(total=Count("id"), faults=Count("id", filter=Q(all_ok=False)))
    risks = [
        {
            "hazard": risk.hazard,
            "score": risk.score,
            "residual": risk.residual_score,
            "review_on": risk.review_on.isoformat(),
            "overdue": risk.review_on < on,
        }
        for risk in Risk.objects.filter(clinic=clinic, is_active=True).order_by("-residual_likelihood", "hazard")
    ]
    risks.sort(key=lambda r: (-r["residual"], -r["score"], r["hazard"]))

    def texts(key: str) -> list[str] | None:
        return [item.text for item in sections[key].items] if key in sections else None

    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "previous_period": {
            "start": (start - length).isoformat(),
            "end": (start - datetime.timedelta(days=1)).isoformat(),
        },
        "assembled_at": at.isoformat(),
        "activity": activity,
        "activity_counts_needle_sessions": sessions is not None,
        "activity_counts_procedures": procedures is not None,
        "deviations": {
            **{k: v for k, v in current.items() if not k.startswith("by_")},
            "previous_total": previous["total"],
            "previous_adverse_events": previous["adverse_events"],
            "by_category": category_rows,
            "by_severity": [
                {"severity": str(label), "count": current["by_severity"].get(value, 0)}
                for value, label in Severity.choices
            ],
            "by_month": by_month,
        },
        "measures": measures,
        "checks": {
            "performed": checks_in_period["total"],
            "with_faults": checks_in_period["faults"],
            "due_or_overdue": texts("checks"),
            "items": texts("items"),
        },
        "preparedness": [item.text for item in overview.preparedness],
        "drills": texts("drills"),
        "credentials": texts("credentials"),
        "unread_procedures": texts("procedures"),
        "supervision": texts("supervision"),
        "risks": risks,
    }


def roles_to_notify(*, clinic: Any) -> QuerySet[User]:
    """The clinic's administrators and doctors with an e-mail address: the daily digest's readers."""
    return clinic_people(clinic=clinic, roles=[Role.ADMIN, Role.DOCTOR]).filter(is_active=True).exclude(email="")


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
