"""Reads for the compliance dashboard and its daily digest: everything in the clinic that needs attention."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from kanyle.accounts.models import User
from kanyle.clinics.models import CLINICAL_ROLES, Membership, Role
from kanyle.journal.models import Note
from kanyle.quality.models import (
    EMERGENCY_KINDS,
    Deviation,
    DeviationMeasure,
    DeviationStatus,
    EquipmentKind,
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
from kanyle.quality.selectors.common import _day, _equipment_with_items, _local, _url
from kanyle.quality.selectors.deviations import clinic_people
from kanyle.quality.selectors.equipment import latest_checks
from kanyle.staff.models import Credential, CredentialKind, Practitioner
from kanyle.staff.selectors import expiry_watchlist

# The dashboard warns about credentials and insurance this many days ahead (the issue: 30 days).
COMPLIANCE_HORIZON_DAYS = 30
# A draft note older than this is overdue for signing.
UNSIGNED_NOTE_HOURS = 24
# Each dashboard section shows at most this many lines (the count says how many there are).
SECTION_LIMIT = 50


# Hooks for modules built in parallel ---------------------------------------------------------


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


def roles_to_notify(*, clinic: Any) -> QuerySet[User]:
    """The clinic's administrators and doctors with an e-mail address: the daily digest's readers."""
    return clinic_people(clinic=clinic, roles=[Role.ADMIN, Role.DOCTOR]).filter(is_active=True).exclude(email="")
