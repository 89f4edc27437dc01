"""Demo fee tables. EVERY AMOUNT AND CODE HERE IS AN EXAMPLE, not a current tariff (FACTS.md, Money):
no current table was found, so the clinic administrator keeps the real figures in the fee tables.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from kanyle.audit.services import Actor
from kanyle.billing import services
from kanyle.billing.models import PrivatePrice, Tariff
from kanyle.scheduling.models import ServiceKind

EXAMPLE_TARIFFS = (
    # code, description, service kind, patient share, refund (examples)
    ("EKS-A1", "Eksempel: første konsultasjon (eksempeltakst)", ServiceKind.FIRST, "250.00", "350.00"),
    ("EKS-A2", "Eksempel: oppfølgende behandling (eksempeltakst)", ServiceKind.FOLLOW_UP, "200.00", "250.00"),
    ("EKS-A3", "Eksempel: nålebehandling (eksempeltakst)", ServiceKind.NEEDLING, "200.00", "250.00"),
    ("EKS-A4", "Eksempel: videokonsultasjon (eksempeltakst)", ServiceKind.VIDEO, "180.00", "220.00"),
)
EXAMPLE_PRICES = (
    (ServiceKind.INJECTION, "Eksempelpris: injeksjonsbehandling", "1450.00"),
    (ServiceKind.NEEDLING, "Eksempelpris: nålebehandling (privat)", "750.00"),
    (ServiceKind.FIRST, "Eksempelpris: første konsultasjon (privat)", "900.00"),
    (ServiceKind.FOLLOW_UP, "Eksempelpris: oppfølging (privat)", "700.00"),
    (ServiceKind.ULTRASOUND, "Eksempelpris: MSK-ultralyd", "950.00"),
    (ServiceKind.VIDEO, "Eksempelpris: videokonsultasjon (privat)", "600.00"),
)
EXAMPLE_NO_SHOW_FEE = Decimal("350.00")


def create_demo_billing(*, clinic: Any, admin_user: Any) -> None:
    """Example fee tables from 1 Jan 2024 (labelled as examples), and an example no-show fee; idempotent.

    The patient-share caps 2024–2026 are not data here: they live in ``rules.PATIENT_SHARE_CAPS``.
    """
    actor = Actor(user=admin_user, clinic=clinic, role="admin")
    start = datetime.date(2024, 1, 1)
    for code, description, kind, share, refund in EXAMPLE_TARIFFS:
        if not Tariff.objects.filter(clinic=clinic, code=code).exists():
            services.tariff_create(
                actor=actor,
                clinic=clinic,
                data={
                    "code": code,
                    "description": description,
                    "service_kind": kind,
                    "patient_share": Decimal(share),
                    "refund": Decimal(refund),
                    "fee": Decimal(share) + Decimal(refund),
                    "valid_from": start,
                    "valid_to": None,
                    "is_example": True,
                },
            )
    for kind, name, amount in EXAMPLE_PRICES:
        if not PrivatePrice.objects.filter(clinic=clinic, service_kind=kind).exists():
            services.private_price_create(
                actor=actor,
                clinic=clinic,
                data={
                    "service_kind": kind,
                    "name": name,
                    "amount": Decimal(amount),
                    "valid_from": start,
                    "valid_to": None,
                    "is_example": True,
                },
            )
    services.no_show_fee_set(actor=actor, clinic=clinic, fee=EXAMPLE_NO_SHOW_FEE)
