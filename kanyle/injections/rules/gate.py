"""The readiness gate (DESIGN.md §4): every precondition of starting a procedure, as green or red items."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, prefetch_related_objects
from django.utils.translation import gettext as _

from kanyle.core.decisions import Decision
from kanyle.injections.models import (
    ABSOLUTE_CONTRAINDICATIONS,
    DrugOrder,
    Procedure,
    ProcedureStatus,
    Status,
    SupervisionMode,
)
from kanyle.injections.models import Decision as AssessmentDecision
from kanyle.injections.rules.chain import (
    batch_usable,
    covering_delegation,
    current_consent,
    delegate_competence,
    doctor_available,
    order_in_force,
)
from kanyle.injections.rules.common import (
    _assessments_latest_first,
    _day,
    _is_doctor,
    _local_date,
    _orders_latest_first,
)
from kanyle.medications.models import Batch
from kanyle.patients.models import RiskFlag
from kanyle.staff.models import Practitioner, Profession
from kanyle.staff.rules import insurance_valid, outside_agreement_hours

# A procedure in these states uses up its order (the unique constraint procedure_one_live_per_order).
LIVE_PROCEDURE_STATUSES = (ProcedureStatus.IN_PROGRESS, ProcedureStatus.OBSERVATION, ProcedureStatus.COMPLETED)

# What each item is about; the view turns ``fix`` into a link to the page that fixes it.
GATE_ITEMS = (
    ("assessment", "INJ-D1"),
    ("contraindications", "INJ-D2"),
    ("consent", "INJ-D3"),
    ("order", "INJ-D4"),
    ("performer", "INJ-D5"),
    ("competence", "INJ-P1"),
    ("performer_cover", "INJ-P4"),
    ("doctor_cover", "INJ-D7"),
    ("supervision", "INJ-D6"),
    ("emergency", "INJ-V4"),
    ("batch", "LAW-M"),
    ("agreement_hours", "INJ-F2"),
)


@dataclass(frozen=True)
class GateItem:
    key: str
    rule: str
    label: str
    ok: bool
    messages: tuple[str, ...] = ()
    fix: str = ""
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gate:
    at: datetime.datetime
    items: tuple[GateItem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def red(self) -> list[GateItem]:
        return [item for item in self.items if not item.ok]

    @property
    def decision(self) -> Decision:
        from kanyle.core.decisions import Finding

        return Decision(
            tuple(
                Finding(rule, message)
                for item in self.red
                for rule, message in zip(item.rules or (item.rule,) * len(item.messages), item.messages, strict=False)
            )
        )

    def as_evidence(self) -> dict[str, Any]:
        """The frozen form kept in the procedure record."""
        return {
            "at": self.at.isoformat(),
            "ok": self.ok,
            "items": [
                {**asdict(item), "messages": list(item.messages), "rules": list(item.rules)} for item in self.items
            ],
        }


def _item(key: str, rule: str, label: str, decision: Decision, fix: str = "", ok_message: str = "") -> GateItem:
    if decision.ok:
        return GateItem(key, rule, label, True, (ok_message,) if ok_message else (), fix)
    return GateItem(
        key,
        rule,
        label,
        False,
        tuple(f.message for f in decision.findings),
        fix,
        tuple(f.rule for f in decision.findings),
    )


def _open_flags_recorded_after(patient_id: int, moment: Any):
    """INJ-D2: the patient's unresolved risk flags recorded after ``moment`` (a time, or the assessment's)."""
    return RiskFlag.objects.filter(patient=patient_id, resolved_at__isnull=True, recorded_at__gt=moment)


def readiness_gate(
    *,
    order: DrugOrder | None,
    performer: Practitioner | None,
    batch: Batch | None,
    at: datetime.datetime,
) -> Gate:
    """Every precondition of starting this procedure now, each with its rule (DESIGN.md §4).

    A red item blocks the start. Nothing here writes; the start service calls this inside its
    transaction with the order locked, and stores ``as_evidence()`` in the procedure.
    """
    on = _local_date(at)
    items: list[GateItem] = []
    episode = order.episode if order is not None else None
    doctor = order.doctor if order is not None else None
    # Credentials and covers of both people in two queries, read by every competence and cover item below.
    prefetch_related_objects([p for p in (performer, doctor) if p is not None], "credentials", "insurance_covers")

    # INJ-D1, INJ-D2: the doctor's signed assessment decided for injection, risk flags reviewed since.
    # Whether a risk flag was recorded after it comes with the assessment (one query).
    assessment = None
    if episode is not None:
        newer_flags = _open_flags_recorded_after(episode.patient_id, OuterRef("signed_at"))
        assessment = _assessments_latest_first(episode).annotate(has_newer_flags=Exists(newer_flags)).first()
    if assessment is None or not _is_doctor(assessment.doctor):
        found = Decision.deny("INJ-D1", _("No assessment by a doctor."))
    elif assessment.decision != AssessmentDecision.INJECT:
        found = Decision.deny("INJ-D1", _("The doctor's assessment did not conclude with injection."))
    else:
        found = Decision.allow()
    items.append(_item("assessment", "INJ-D1", _("Doctor's assessment and diagnosis"), found, "assessment"))

    found = Decision.allow()
    if assessment is not None and episode is not None:
        if any(getattr(assessment, f) for f in ABSOLUTE_CONTRAINDICATIONS):
            found += Decision.deny("INJ-D2", _("An absolute contraindication is recorded."))
        if not assessment.risk_flags_reviewed:
            found += Decision.deny("INJ-D2", _("The risk flags were not reviewed in the assessment."))
        if assessment.has_newer_flags:
            newer = _open_flags_recorded_after(episode.patient_id, assessment.signed_at)
            found += Decision.deny(
                "INJ-D2",
                _("A risk flag was added after the doctor's assessment: %(flags)s. The doctor must assess again.")
                % {"flags": ", ".join(flag.get_kind_display() for flag in newer)},
            )
    else:
        found = Decision.deny("INJ-D2", _("Contraindications have not been assessed by a doctor."))
    items.append(
        _item("contraindications", "INJ-D2", _("Contraindications and risk flags reviewed"), found, "assessment")
    )

    # INJ-D3, LAW-C: valid, not withdrawn consent, given after the assessment.
    consent = current_consent(episode) if episode else None
    if consent is None:
        found = Decision.deny("INJ-D3", _("No informed consent is recorded."))
    elif not consent.is_valid:
        found = Decision.deny(
            "LAW-C", _("The patient withdrew consent on %(date)s.") % {"date": _day(_local_date(consent.withdrawn_at))}
        )
    elif assessment is not None and consent.given_at < assessment.signed_at:
        found = Decision.deny("INJ-D3", _("Consent was given before the latest assessment; take consent again."))
    else:
        found = Decision.allow()
    items.append(_item("consent", "INJ-D3", _("Informed consent"), found, "consent"))

    # INJ-D4: the signed order is in force, and it is the episode's current one.
    found = order_in_force(order, on)
    if found and episode is not None:
        if episode.status != Status.ORDERED:
            found = Decision.deny(
                "INJ-D4",
                _("The episode is at “%(status)s”, not ready for the procedure.")
                % {"status": episode.get_status_display()},
            )
        else:
            # The episode's current order, and whether a procedure under it has begun (one query).
            live = Procedure.objects.filter(order=OuterRef("pk"), status__in=LIVE_PROCEDURE_STATUSES)
            current = _orders_latest_first(episode).annotate(has_live_procedure=Exists(live)).first()
            if current != order:
                found = Decision.deny("INJ-D4", _("A newer order replaces this one."))
            elif current.has_live_procedure:
                found = Decision.deny("INJ-D4", _("The procedure under this order has already been started."))
    items.append(_item("order", "INJ-D4", _("Signed drug order by the doctor"), found, "order"))

    # INJ-D5, LAW-H5, INJ-P2: the performer is the ordering doctor, or a physio under an active delegation.
    delegation = None
    supervision_mode = SupervisionMode.ON_SITE
    if performer is None or order is None:
        found = Decision.deny("INJ-D5", _("No performer chosen."))
    elif performer.pk == order.doctor_id:
        found = Decision.allow()
    elif performer.profession != Profession.PHYSIO:
        found = Decision.deny(
            "INJ-D5",
            _(
                "Only the ordering doctor, or a physiotherapist with the doctor's delegation, "
                "may perform this procedure."
            ),
        )
    else:
        delegation = covering_delegation(
            doctor=order.doctor, physio=performer, procedure_type=order.procedure_type, on=on
        )
        if delegation is None:
            found = Decision.deny(
                "LAW-H5",
                _("%(physio)s has no active delegation from %(doctor)s for “%(procedure)s” today.")
                % {
                    "physio": performer.user.display_name,
                    "doctor": order.doctor.user.display_name,
                    "procedure": order.get_procedure_type_display(),
                },
            )
        else:
            supervision_mode = delegation.supervision_mode
            found = Decision.allow()
    items.append(_item("performer", "INJ-D5", _("Performer is the doctor or holds a delegation"), found, "delegation"))

    # INJ-P1, INJ-P2: the performing physio's competence, valid today.
    if performer is not None and performer.profession == Profession.PHYSIO and order is not None:
        found = delegate_competence(physio=performer, procedure_types=[order.procedure_type], on=on)
    elif performer is None:
        found = Decision.deny("INJ-P1", _("No performer chosen."))
    else:
        found = Decision.allow()
    items.append(_item("competence", "INJ-P1", _("Performer's competence valid today"), found, "competence"))

    # INJ-P4: the performer's cover includes injection work; INJ-D7: the doctor's cover.
    found = (
        insurance_valid(performer, on, injections=True)
        if performer
        else Decision.deny("INJ-P4", _("No performer chosen."))
    )
    items.append(
        _item(
            "performer_cover",
            "INJ-P4",
            _("Performer's liability cover (NPE) includes injections"),
            found,
            "performer_cover",
        )
    )
    found = (
        insurance_valid(doctor, on, injections=True) if doctor else Decision.deny("INJ-D7", _("No ordering doctor."))
    )
    items.append(_item("doctor_cover", "INJ-D7", _("Doctor's liability cover (NPE)"), found, "doctor_cover"))

    # INJ-D6, INJ-O3: the supervising doctor is reachable now, in the delegation's mode.
    if doctor is None or performer is None:
        found = Decision.deny("INJ-D6", _("No supervising doctor."))
    elif performer.pk == doctor.pk:
        found = Decision.allow()
    else:
        available = doctor_available(doctor=doctor, at=at, mode=supervision_mode)
        if available is None:
            found = Decision.deny(
                "INJ-D6",
                _("%(doctor)s has not marked themselves available (%(mode)s) at this time.")
                % {"doctor": doctor.user.display_name, "mode": SupervisionMode(supervision_mode).label.lower()},
            )
        else:
            found = Decision.allow()
            if available.mode == SupervisionMode.VIDEO:
                from kanyle.quality.rules.documents import supervision_status

                found += supervision_status(clinic=order.clinic, on=on, doctor=doctor)
    items.append(_item("supervision", "INJ-D6", _("Supervising doctor available now"), found, "supervision"))

    # INJ-V4: emergency equipment checked and in date, and both people drilled in its use.
    from kanyle.quality.rules.safety import emergency_preparedness

    if order is not None:
        people = [p for p in (performer, doctor) if p is not None]
        people = list({p.pk: p for p in people}.values())
        found = emergency_preparedness(clinic=order.clinic, at=at, practitioners=people)
    else:
        found = Decision.deny("INJ-V4", _("No order."))
    items.append(_item("emergency", "INJ-V4", _("Emergency equipment and drill"), found, "emergency"))

    # LAW-M: the batch taken from stock.
    found = (
        batch_usable(batch=batch, order=order, on=on) if order is not None else Decision.deny("LAW-M", _("No order."))
    )
    items.append(_item("batch", "LAW-M", _("Drug batch in stock and not expired"), found, "batch"))

    # INJ-F2: outside the performer's municipal agreement hours.
    found = (
        outside_agreement_hours(performer, at)
        if performer is not None
        else Decision.deny("INJ-F2", _("No performer chosen."))
    )
    items.append(_item("agreement_hours", "INJ-F2", _("Outside municipal agreement hours"), found, "agreement_hours"))

    return Gate(at=at, items=tuple(items))
