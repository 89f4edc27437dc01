"""Reads of the drug catalogue and stock (LAW-M): the catalogue with its stock, batches, ledgers, recall."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kanyle.medications.models import Batch, Drug, MovementKind, StockMovement

# A batch that expires within this many days is flagged so it is used (or discarded) in time.
EXPIRY_WARNING_DAYS = 60

EXPIRED = "expired"
EXPIRING = "expiring"
OK = "ok"


def expiry_status(batch: Batch, *, on: datetime.date | None = None) -> str:
    """LAW-M: 'expired' (blocked), 'expiring' (within 60 days) or 'ok'."""
    on = on or timezone.localdate()
    if batch.expires_on < on:
        return EXPIRED
    if batch.expires_on <= on + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
        return EXPIRING
    return OK


def _sum(condition: Q) -> Coalesce:
    return Coalesce(Sum("batches__quantity_on_hand", filter=condition), Value(0), output_field=IntegerField())


def drug_list(*, clinic: Any, on: datetime.date | None = None) -> QuerySet[Drug]:
    """The clinic's catalogue, drugs in use first, each with its stock: usable, expired and nearest expiry."""
    on = on or timezone.localdate()
    usable = Q(batches__expires_on__gte=on)
    return (
        Drug.objects.filter(clinic=clinic)
        .annotate(
            on_hand=_sum(Q()),
            usable_on_hand=_sum(usable),
            expired_on_hand=_sum(~usable),
            nearest_expiry=Min("batches__expires_on", filter=usable & Q(batches__quantity_on_hand__gt=0)),
            batch_count=Count("batches"),
        )
        .order_by("-is_active", "name", "strength", "pk")
    )


def drug_warnings(drug: Drug, *, on: datetime.date | None = None) -> list[str]:
    """What needs doing about a drug of ``drug_list``: codes 'no_stock', 'expired_stock', 'expiring'."""
    on = on or timezone.localdate()
    warnings = []
    if drug.is_active and drug.usable_on_hand <= 0:
        warnings.append("no_stock")
    if drug.expired_on_hand > 0:
        warnings.append("expired_stock")
    if drug.nearest_expiry and drug.nearest_expiry <= on + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
        warnings.append("expiring")
    return warnings


def drug_batches(*, drug: Drug) -> list[Batch]:
    """A drug's batches, nearest expiry first, with who received them."""
    return list(Batch.objects.filter(clinic=drug.clinic_id, drug=drug).select_related("received_by"))


def usable_batches(*, clinic: Any, drug: Drug | None = None, on: datetime.date | None = None) -> QuerySet[Batch]:
    """LAW-M: the batches that may be chosen for a procedure: in stock and not expired (expired ones are blocked)."""
    on = on or timezone.localdate()
    batches = Batch.objects.filter(clinic=clinic, expires_on__gte=on, quantity_on_hand__gt=0, drug__is_active=True)
    if drug is not None:
        batches = batches.filter(drug=drug)
    return batches.select_related("drug").order_by("expires_on", "lot_number")


def drug_movements(*, drug: Drug, limit: int = 50) -> list[StockMovement]:
    """The latest stock movements of all the drug's batches (no patient names: those are for the recall search)."""
    return list(
        StockMovement.objects.filter(clinic=drug.clinic_id, batch__drug=drug).select_related("batch", "recorded_by")[
            :limit
        ]
    )


@dataclass
class LedgerLine:
    movement: StockMovement
    change: int  # + received, − administered or discarded
    balance: int  # the balance after this movement


@dataclass
class Ledger:
    """A batch's movements oldest first with the running balance; ``adds_up`` checks it against the batch."""

    batch: Batch
    lines: list[LedgerLine] = field(default_factory=list)
    received: int = 0
    administered: int = 0
    discarded: int = 0

    @property
    def balance(self) -> int:
        return self.received - self.administered - self.discarded

    @property
    def adds_up(self) -> bool:
        return self.balance == self.batch.quantity_on_hand


def batch_ledger(*, batch: Batch) -> Ledger:
    """LAW-M: received − administered − discarded, movement by movement; must equal the batch's balance."""
    ledger = Ledger(batch=batch)
    movements = (
        StockMovement.objects.filter(clinic=batch.clinic_id, batch=batch)
        .select_related("recorded_by")
        .order_by("recorded_at", "id")
    )
    running = 0
    for movement in movements:
        if movement.kind == MovementKind.RECEIVED:
            ledger.received += movement.quantity
            change = movement.quantity
        elif movement.kind == MovementKind.ADMINISTERED:
            ledger.administered += movement.quantity
            change = -movement.quantity
        else:
            ledger.discarded += movement.quantity
            change = -movement.quantity
        running += change
        ledger.lines.append(LedgerLine(movement=movement, change=change, balance=running))
    return ledger


def normalise_lot(lot: str) -> str:
    return " ".join((lot or "").split())


def recall_batches(*, clinic: Any, lot: str) -> list[Batch]:
    """LAW-M recall: the clinic's batches with this lot number (exact, case-insensitive), any drug."""
    lot = normalise_lot(lot)
    if not lot:
        return []
    return list(
        Batch.objects.filter(clinic=clinic, lot_number__iexact=lot).select_related("drug").order_by("drug__name")
    )


def recall_administrations(*, clinic: Any, batches: list[Batch]) -> list[StockMovement]:
    """Every administration from these batches: patient, procedure and its performer, oldest first."""
    if not batches:
        return []
    return list(
        StockMovement.objects.filter(clinic=clinic, batch__in=batches, kind=MovementKind.ADMINISTERED)
        .select_related("batch__drug", "patient", "recorded_by", "procedure__performer__user")
        .order_by("recorded_at", "id")
    )
