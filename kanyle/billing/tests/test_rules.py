"""The pure charge proposal: INJ-F1, INJ-F2, NAL-9, NAL-10 and their boundaries."""

from __future__ import annotations

import datetime
import itertools
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from kanyle.billing import rules
from kanyle.scheduling.models import ServiceKind

D = Decimal


@dataclass
class T:
    code: str
    description: str
    service_kind: str
    fee: Decimal
    patient_share: Decimal
    refund: Decimal
    valid_from: datetime.date
    valid_to: datetime.date | None = None


@dataclass
class P:
    service_kind: str
    name: str
    amount: Decimal
    valid_from: datetime.date
    valid_to: datetime.date | None = None


@dataclass
class F:
    year: int
    valid_from: datetime.date


@dataclass
class E:
    valid_from: datetime.date
    valid_to: datetime.date | None = None


@dataclass
class A:
    valid_from: datetime.date
    valid_to: datetime.date | None = None


START = datetime.date(2024, 1, 1)
TARIFFS = [T("EKS-A2", "follow-up", ServiceKind.FOLLOW_UP, D("450.00"), D("200.00"), D("250.00"), START)]
PRICES = [
    P(ServiceKind.INJECTION, "injection", D("1450.00"), START),
    P(ServiceKind.FOLLOW_UP, "private follow-up", D("700.00"), START),
]
ADULT = datetime.date(1980, 5, 5)
DAY = datetime.date(2025, 3, 10)


def propose(**kwargs):
    base = {
        "birth_date": ADULT,
        "service_kind": ServiceKind.FOLLOW_UP,
        "visit_date": DAY,
        "has_agreement": True,
        "in_agreement_hours": False,
        "tariffs": TARIFFS,
        "prices": PRICES,
        "frikort": (),
        "exemptions": (),
        "paid_shares_this_year": D("0.00"),
        "cap": rules.cap_for(DAY),
    }
    base.update(kwargs)
    return rules.propose_charge(**base)


def test_nal_9_agreement_practitioner_charges_the_tariff_share():
    proposal = propose()
    assert proposal.ok
    assert (proposal.total, proposal.patient_share, proposal.refund) == (D("450.00"), D("200.00"), D("250.00"))
    assert proposal.rules == ["NAL-9"]
    assert proposal.lines[0].code == "EKS-A2"


def test_nal_9_turns_16_on_the_visit_date_pays_the_share():
    birth = datetime.date(2009, 3, 10)
    assert propose(birth_date=birth, visit_date=datetime.date(2025, 3, 10)).patient_share == D("200.00")


def test_nal_9_day_before_16th_birthday_pays_nothing():
    birth = datetime.date(2009, 3, 10)
    proposal = propose(birth_date=birth, visit_date=datetime.date(2025, 3, 9))
    assert proposal.patient_share == D("0.00")
    assert proposal.refund == D("450.00")
    assert proposal.reasons == (f"NAL-9: {gettext('under 16 on the visit date')}",)


def test_nal_9_born_29_february_turns_16_on_1_march():
    birth = datetime.date(2008, 2, 29)
    assert propose(birth_date=birth, visit_date=datetime.date(2024, 2, 28)).patient_share == D("0.00")
    assert propose(birth_date=birth, visit_date=datetime.date(2024, 2, 29)).patient_share == D("200.00")


def test_nal_9_occupational_injury_period_is_inclusive():
    injury = [E(datetime.date(2025, 3, 1), datetime.date(2025, 3, 10))]
    assert propose(exemptions=injury).patient_share == D("0.00")
    assert propose(exemptions=injury, visit_date=datetime.date(2025, 3, 11)).patient_share == D("200.00")
    assert propose(exemptions=injury, visit_date=datetime.date(2025, 2, 28)).patient_share == D("200.00")


def test_nal_9_frikort_registered_mid_year_applies_from_its_date():
    card = [F(2025, datetime.date(2025, 6, 15))]
    assert propose(frikort=card, visit_date=datetime.date(2025, 6, 14)).patient_share == D("200.00")
    assert propose(frikort=card, visit_date=datetime.date(2025, 6, 15)).patient_share == D("0.00")
    assert propose(frikort=card, visit_date=datetime.date(2025, 12, 31)).patient_share == D("0.00")


def test_nal_9_frikort_does_not_carry_into_next_year():
    card = [F(2025, datetime.date(2025, 6, 15))]
    proposal = propose(frikort=card, visit_date=datetime.date(2026, 1, 1), cap=rules.cap_for(datetime.date(2026, 1, 1)))
    assert proposal.patient_share == D("200.00")


def test_nal_9_share_limited_to_what_is_left_under_the_cap():
    proposal = propose(paid_shares_this_year=D("3200.00"))  # 2025 cap 3278: 78 left
    assert proposal.patient_share == D("78.00")
    assert proposal.refund == D("372.00")
    assert propose(paid_shares_this_year=D("3278.00")).patient_share == D("0.00")


def test_nal_9_visit_on_31_december_and_1_january_across_cap_change():
    """2024 cap 3165 [S], 2025 cap 3278 [S]: what was paid in 2024 does not count in 2025."""
    dec31, jan1 = datetime.date(2024, 12, 31), datetime.date(2025, 1, 1)
    assert rules.cap_for(dec31) == D("3165.00")
    assert rules.cap_for(jan1) == D("3278.00")
    late = propose(visit_date=dec31, cap=rules.cap_for(dec31), paid_shares_this_year=D("3100.00"))
    assert late.patient_share == D("65.00")
    early = propose(visit_date=jan1, cap=rules.cap_for(jan1), paid_shares_this_year=D("0.00"))
    assert early.patient_share == D("200.00")


def test_nal_9_cap_table_is_dated_and_2026_is_marked_likely():
    assert rules.cap_for(datetime.date(2023, 12, 31)) is None
    assert rules.cap_for(datetime.date(2026, 6, 1)) == D("3278.00")
    assert [row[2] for row in rules.PATIENT_SHARE_CAPS] == ["S", "S", "L"]


def test_nal_9_tariff_periods_by_date():
    tariffs = [
        T(
            "EKS-A2",
            "old",
            ServiceKind.FOLLOW_UP,
            D("400.00"),
            D("180.00"),
            D("220.00"),
            START,
            datetime.date(2024, 12, 31),
        ),
        T("EKS-A2", "new", ServiceKind.FOLLOW_UP, D("450.00"), D("200.00"), D("250.00"), datetime.date(2025, 1, 1)),
    ]
    assert propose(tariffs=tariffs, visit_date=datetime.date(2024, 12, 31)).total == D("400.00")
    assert propose(tariffs=tariffs, visit_date=datetime.date(2025, 1, 1)).total == D("450.00")


def test_nal_9_no_tariff_for_the_date_is_refused():
    proposal = propose(visit_date=datetime.date(2023, 12, 31), cap=None)
    assert not proposal.ok
    assert proposal.decision.rules == ["NAL-9"]


def test_nal_10_without_agreement_patient_pays_full_private_price():
    proposal = propose(has_agreement=False)
    assert (proposal.total, proposal.patient_share, proposal.refund) == (D("700.00"), D("700.00"), D("0.00"))
    assert proposal.rules == ["NAL-10"]
    assert not proposal.lines[0].counts_toward_cap


@pytest.mark.parametrize(
    "kwargs",
    [
        {"birth_date": datetime.date(2015, 1, 1)},
        {"frikort": [F(2025, datetime.date(2025, 1, 1))]},
        {"exemptions": [E(datetime.date(2025, 1, 1))]},
        {"paid_shares_this_year": D("5000.00")},
    ],
)
def test_nal_10_exemptions_and_frikort_do_not_apply_without_agreement(kwargs):
    assert propose(has_agreement=False, **kwargs).patient_share == D("700.00")


def test_nal_10_missing_private_price_is_refused():
    proposal = propose(has_agreement=False, service_kind=ServiceKind.ULTRASOUND)
    assert not proposal.ok
    assert proposal.decision.rules == ["NAL-10"]


def test_nal_10_agreement_ended_before_visit():
    agreements = [A(START, datetime.date(2025, 3, 9))]
    assert rules.has_agreement(agreements, datetime.date(2025, 3, 9))
    assert not rules.has_agreement(agreements, datetime.date(2025, 3, 10))
    assert not rules.has_agreement([A(datetime.date(2025, 3, 11))], datetime.date(2025, 3, 10))


def test_inj_f1_injection_is_always_private_even_with_agreement():
    proposal = propose(service_kind=ServiceKind.INJECTION)
    assert proposal.rules == ["INJ-F1"]
    assert (proposal.patient_share, proposal.refund) == (D("1450.00"), D("0.00"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"birth_date": datetime.date(2015, 1, 1)},
        {"frikort": [F(2025, datetime.date(2025, 1, 1))]},
        {"exemptions": [E(datetime.date(2025, 1, 1))]},
        {"has_agreement": False},
    ],
)
def test_inj_f1_injection_not_exempt_for_children_frikort_or_injury(kwargs):
    assert propose(service_kind=ServiceKind.INJECTION, **kwargs).patient_share == D("1450.00")


def test_inj_f1_missing_injection_price_is_refused():
    proposal = propose(service_kind=ServiceKind.INJECTION, prices=[])
    assert not proposal.ok and proposal.decision.rules == ["INJ-F1"]


def test_inj_f2_private_injection_inside_agreement_hours_is_refused():
    proposal = propose(service_kind=ServiceKind.INJECTION, in_agreement_hours=True)
    assert not proposal.ok
    assert proposal.decision.rules == ["INJ-F2"]
    assert proposal.lines == ()


def test_inj_f2_agreement_hours_do_not_affect_tariff_visits():
    assert propose(in_agreement_hours=True).ok


def test_no_show_fee_policy():
    assert not rules.propose_no_show(fee=D("0.00")).ok
    proposal = rules.propose_no_show(fee=D("350.00"))
    assert proposal.rules == ["BIL-NS"] and proposal.patient_share == D("350.00") and proposal.refund == D("0.00")


@pytest.mark.parametrize(
    ("status", "signed", "ok"),
    [
        ("booked", False, False),
        ("booked", True, True),
        ("arrived", False, True),
        ("completed", False, True),
        ("cancelled", False, False),
        ("requested", False, False),
    ],
)
def test_visit_chargeable(status, signed, ok):
    assert rules.visit_chargeable(appointment_status=status, note_signed=signed).ok is ok


def test_payment_allowed():
    ok = {"status": "charged", "patient_share": D("200.00"), "already_paid": False, "amount": D("200.00")}
    assert rules.payment_allowed(**ok).ok
    assert not rules.payment_allowed(**{**ok, "already_paid": True}).ok
    assert not rules.payment_allowed(**{**ok, "status": "credited"}).ok
    assert not rules.payment_allowed(**{**ok, "amount": D("199.99")}).ok
    assert not rules.payment_allowed(**{**ok, "patient_share": D("0.00"), "amount": D("0.00")}).ok


def test_nal_9_properties_over_many_random_cases():
    """Property check (no hypothesis installed): share ≥ 0, ≤ tariff share, share + refund = fee, 0 under 16."""
    rng = random.Random(7)
    days = [datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(0, 1096)) for _ in range(40)]
    for day, kind, agreement in itertools.product(days, [ServiceKind.FOLLOW_UP, ServiceKind.INJECTION], [True, False]):
        share = D(rng.randrange(0, 100000)) / 100
        refund = D(rng.randrange(0, 100000)) / 100
        tariffs = [T("X", "x", ServiceKind.FOLLOW_UP, share + refund, share, refund, START)]
        birth = datetime.date(rng.randrange(1940, 2025), rng.randrange(1, 13), rng.randrange(1, 29))
        paid = D(rng.randrange(0, 400000)) / 100
        proposal = propose(
            birth_date=birth,
            visit_date=day,
            service_kind=kind,
            has_agreement=agreement,
            tariffs=tariffs,
            paid_shares_this_year=paid,
            cap=rules.cap_for(day),
        )
        for line in proposal.lines:
            assert line.patient_share >= 0 and line.refund >= 0
            assert line.patient_share + line.refund == line.amount
            if line.rule == "NAL-9":
                assert line.patient_share <= share
                assert paid + line.patient_share <= max(paid, rules.cap_for(day))
                if rules.age_on(birth, day) < 16:
                    assert line.patient_share == 0
            else:
                assert line.refund == 0
