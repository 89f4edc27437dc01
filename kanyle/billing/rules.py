"""Pure billing decisions: who pays what for a visit (INJ-F1, INJ-F2, NAL-9, NAL-10).

Local rule IDs for clinic policy and bookkeeping, next to the catalog's:

- BIL-NS: a missed appointment costs the clinic's no-show fee, if the clinic has set one.
- BIL-V: only a visit that took place (arrived/completed, or a signed note) is charged.
- BIL-P: a charge is paid once, for exactly its patient share.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from kanyle.core.decisions import Decision
from kanyle.scheduling.models import ServiceKind

ZERO = Decimal("0.00")
CHILD_AGE = 16  # NAL-9: children under 16 pay no patient share.

# Egenandelstak 1 (the frikort cap) by the date it took effect; FACTS.md confidence in the last column:
# [S] = source seen, [L] = likely (2026 assumed unchanged). Keep it dated data, never a constant.
PATIENT_SHARE_CAPS: tuple[tuple[datetime.date, Decimal, str], ...] = (
    (datetime.date(2024, 1, 1), Decimal("3165.00"), "S"),
    (datetime.date(2025, 1, 1), Decimal("3278.00"), "S"),
    (datetime.date(2026, 1, 1), Decimal("3278.00"), "L"),
)


def cap_for(on: datetime.date) -> Decimal | None:
    """NAL-9: the patient-share cap in force on a date (None before the table starts)."""
    found = None
    for start, amount, _confidence in PATIENT_SHARE_CAPS:
        if start <= on:
            found = amount
    return found


def in_period(start: datetime.date | None, end: datetime.date | None, on: datetime.date) -> bool:
    return (start is None or start <= on) and (end is None or on <= end)


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def has_agreement(agreements: Iterable[Any], on: datetime.date) -> bool:
    """NAL-9/NAL-10: the practitioner works under a municipal agreement on this date (any agreement's period)."""
    return any(in_period(a.valid_from, a.valid_to, on) for a in agreements)


@dataclass(frozen=True)
class ProposedLine:
    code: str
    description: str
    amount: Decimal
    patient_share: Decimal
    refund: Decimal
    rule: str
    tariff: Any = None
    private_price: Any = None
    counts_toward_cap: bool = False


@dataclass(frozen=True)
class Proposal:
    lines: tuple[ProposedLine, ...] = ()
    decision: Decision = field(default_factory=Decision.allow)
    reasons: tuple[str, ...] = ()  # rule IDs with why, e.g. "NAL-9: under 16"

    @property
    def ok(self) -> bool:
        return self.decision.ok and bool(self.lines)

    @property
    def rules(self) -> list[str]:
        return sorted({line.rule for line in self.lines} | set(self.decision.rules))

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def patient_share(self) -> Decimal:
        return sum((line.patient_share for line in self.lines), ZERO)

    @property
    def refund(self) -> Decimal:
        return sum((line.refund for line in self.lines), ZERO)


def in_force(rows: Iterable[Any], on: datetime.date) -> list[Any]:
    return [row for row in rows if in_period(row.valid_from, row.valid_to, on)]


def share_exemption(
    *, birth_date: datetime.date, visit_date: datetime.date, frikort: Sequence[Any], exemptions: Sequence[Any]
) -> str | None:
    """NAL-9: why the patient pays no share on this date (under 16, occupational injury, frikort), or None."""
    if age_on(birth_date, visit_date) < CHILD_AGE:
        return _("under 16 on the visit date")
    if any(in_period(e.valid_from, e.valid_to, visit_date) for e in exemptions):
        return _("approved occupational injury")
    if any(f.year == visit_date.year and f.valid_from <= visit_date for f in frikort):
        return _("frikort registered")
    return None


def _private_line(
    service_kind: str, visit_date: datetime.date, prices: Iterable[Any], rule: str
) -> ProposedLine | None:
    candidates = [p for p in in_force(prices, visit_date) if p.service_kind == service_kind]
    if not candidates:
        return None
    price = max(candidates, key=lambda p: p.valid_from)
    return ProposedLine("", price.name, price.amount, price.amount, ZERO, rule, private_price=price)


def propose_charge(
    *,
    birth_date: datetime.date,
    service_kind: str,
    visit_date: datetime.date,
    has_agreement: bool,
    in_agreement_hours: bool,
    tariffs: Iterable[Any],
    prices: Iterable[Any],
    frikort: Sequence[Any] = (),
    exemptions: Sequence[Any] = (),
    paid_shares_this_year: Decimal = ZERO,
    cap: Decimal | None = None,
) -> Proposal:
    """INJ-F1/INJ-F2/NAL-9/NAL-10: the lines for a visit with patient share, refund and the deciding rule."""
    kind_label = ServiceKind(service_kind).label if service_kind in ServiceKind.values else service_kind
    if service_kind == ServiceKind.INJECTION:
        if in_agreement_hours:
            return Proposal(
                decision=Decision.deny(
                    "INJ-F2",
                    _(
                        "The injection took place inside the practitioner's municipal agreement hours; injection "
                        "treatment is private and cannot be charged in agreement time. Correct the booking first."
                    ),
                )
            )
        line = _private_line(service_kind, visit_date, prices, "INJ-F1")
        if line is None:
            return Proposal(
                decision=Decision.deny("INJ-F1", _("No private price for injection treatment on this date."))
            )
        return Proposal(lines=(line,), reasons=("INJ-F1",))
    if not has_agreement:
        line = _private_line(service_kind, visit_date, prices, "NAL-10")
        if line is None:
            return Proposal(
                decision=Decision.deny(
                    "NAL-10", _("No private price for %(kind)s on this date.") % {"kind": kind_label}
                )
            )
        return Proposal(lines=(line,), reasons=("NAL-10",))
    matching = sorted(
        (t for t in in_force(tariffs, visit_date) if t.service_kind == service_kind), key=lambda t: t.code
    )
    if not matching:
        return Proposal(
            decision=Decision.deny("NAL-9", _("No tariff for %(kind)s on this date.") % {"kind": kind_label})
        )
    exempt = share_exemption(birth_date=birth_date, visit_date=visit_date, frikort=frikort, exemptions=exemptions)
    # The clinic never asks for more than what is left under the year's cap it can see.
    remaining = None if cap is None else max(ZERO, cap - paid_shares_this_year)
    lines = []
    for tariff in matching:
        share = ZERO if exempt else tariff.patient_share
        if remaining is not None:
            share = min(share, remaining)
            remaining -= share
        lines.append(
            ProposedLine(
                tariff.code,
                tariff.description,
                tariff.fee,
                share,
                tariff.fee - share,
                "NAL-9",
                tariff=tariff,
                counts_toward_cap=True,
            )
        )
    reasons = (f"NAL-9: {exempt}",) if exempt else ("NAL-9",)
    return Proposal(lines=tuple(lines), reasons=reasons)


def propose_no_show(*, fee: Decimal) -> Proposal:
    """BIL-NS: a missed appointment costs the clinic's no-show fee (the patient pays it all; no refund)."""
    if fee <= ZERO:
        return Proposal(decision=Decision.deny("BIL-NS", _("The clinic has not set a fee for missed appointments.")))
    return Proposal(lines=(ProposedLine("", _("Missed appointment"), fee, fee, ZERO, "BIL-NS"),), reasons=("BIL-NS",))


def visit_chargeable(*, appointment_status: str, note_signed: bool) -> Decision:
    """BIL-V: a visit is charged when the patient arrived or it was completed, or its note is signed."""
    if appointment_status in ("arrived", "completed") or note_signed:
        return Decision.allow()
    if appointment_status == "no_show":
        return Decision.allow()
    return Decision.deny(
        "BIL-V", _("This visit cannot be charged yet: the patient has not arrived and no note is signed.")
    )


def payment_allowed(*, status: str, patient_share: Decimal, already_paid: bool, amount: Decimal) -> Decision:
    """BIL-P: one payment per charge, of exactly the patient share, and never on a credited charge."""
    if status == "credited":
        return Decision.deny("BIL-P", _("This charge has been credited and cannot be paid."))
    if already_paid or status == "paid":
        return Decision.deny("BIL-P", _("This charge has already been paid."))
    if patient_share <= ZERO:
        return Decision.deny("BIL-P", _("The patient has nothing to pay for this charge."))
    if amount != patient_share:
        return Decision.deny(
            "BIL-P", _("The payment must be exactly the patient's share, %(amount)s kr.") % {"amount": patient_share}
        )
    return Decision.allow()
