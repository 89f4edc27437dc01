"""Writes: charging, paying once, credit notes, frikort, fee tables; audit rows; nothing deleted."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.billing import selectors, services
from kanyle.billing.models import Charge, ChargeStatus, CreditNote, Frikort, Payment, PrivatePrice, Tariff
from kanyle.billing.tests import factories as f
from kanyle.journal.tests.note_factories import NoteFactory
from kanyle.scheduling.models import ServiceKind

D = Decimal
pytestmark = pytest.mark.django_db


def test_nal_9_charge_visit_with_agreement(actor, clinic_a, visit):
    charge = services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    assert (charge.number, charge.status, charge.patient_share, charge.refund) == (
        1,
        "charged",
        D("200.00"),
        D("250.00"),
    )
    assert charge.rules == "NAL-9"
    assert list(charge.lines.values_list("code", "rule")) == [("EKS-A2", "NAL-9")]
    assert AuditEvent.objects.filter(action="billing.charge.created", patient=visit.patient).count() == 1


def test_nal_10_charge_without_agreement(actor, clinic_a, adult, practitioner_a, fees):
    visit = f.appointment(
        clinic=clinic_a, patient=adult, practitioner=practitioner_a, when=f.at(datetime.date(2025, 3, 10))
    )
    charge = services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    assert (charge.patient_share, charge.refund, charge.rules) == (D("700.00"), D("0.00"), "NAL-10")
    assert selectors.paid_shares(clinic=clinic_a, patient=adult, year=2025) == D("0.00")  # NAL-10: not toward frikort


def test_nal_10_agreement_ending_the_day_before(actor, clinic_a, adult, practitioner_a, fees):
    f.agreement(clinic=clinic_a, practitioner=practitioner_a, valid_to=datetime.date(2025, 3, 9))
    visit = f.appointment(
        clinic=clinic_a, patient=adult, practitioner=practitioner_a, when=f.at(datetime.date(2025, 3, 10))
    )
    assert services.charge_create(actor=actor, clinic=clinic_a, appointment=visit).rules == "NAL-10"


def test_inj_f1_injection_private_with_agreement(actor, clinic_a, adult, practitioner_a, fees, with_agreement):
    visit = f.appointment(
        clinic=clinic_a,
        patient=adult,
        practitioner=practitioner_a,
        kind=ServiceKind.INJECTION,
        when=f.at(datetime.date(2025, 3, 10), hour=18),
    )
    charge = services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    assert (charge.patient_share, charge.refund, charge.rules) == (D("1450.00"), D("0.00"), "INJ-F1")


def test_inj_f2_injection_in_agreement_hours_refused(actor, clinic_a, adult, practitioner_a, fees, with_agreement):
    visit = f.appointment(
        clinic=clinic_a,
        patient=adult,
        practitioner=practitioner_a,
        kind=ServiceKind.INJECTION,
        when=f.at(datetime.date(2025, 3, 10), hour=10),
    )
    with pytest.raises(ValidationError, match="INJ-F2"):
        services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    assert not Charge.objects.exists()


def test_nal_9_turns_16_on_visit_date(actor, clinic_a, adult, visit):
    adult.birth_date = datetime.date(2009, 3, 10)
    adult.save()
    assert services.charge_create(actor=actor, clinic=clinic_a, appointment=visit).patient_share == D("200.00")


def test_nal_9_child_settled_at_once(actor, clinic_a, adult, visit):
    adult.birth_date = datetime.date(2009, 3, 11)
    adult.save()
    charge = services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    assert (charge.patient_share, charge.refund, charge.status) == (D("0.00"), D("450.00"), ChargeStatus.PAID)


def test_nal_9_frikort_registered_mid_year(actor, clinic_a, adult, practitioner_a, fees, with_agreement):
    services.frikort_register(
        actor=actor,
        clinic=clinic_a,
        patient=adult,
        data={"year": 2025, "number": "FK-1", "valid_from": datetime.date(2025, 6, 15), "source": "helsenorge.no"},
    )
    before = f.appointment(
        clinic=clinic_a, patient=adult, practitioner=practitioner_a, when=f.at(datetime.date(2025, 6, 14))
    )
    after = f.appointment(
        clinic=clinic_a, patient=adult, practitioner=practitioner_a, when=f.at(datetime.date(2025, 6, 15))
    )
    assert services.charge_create(actor=actor, clinic=clinic_a, appointment=before).patient_share == D("200.00")
    assert services.charge_create(actor=actor, clinic=clinic_a, appointment=after).patient_share == D("0.00")
    assert AuditEvent.objects.filter(action="billing.frikort.registered", patient=adult).count() == 1


def test_nal_9_frikort_bad_input_refused(actor, clinic_a, adult):
    data = {"year": 2025, "number": "FK-1", "valid_from": datetime.date(2024, 6, 15), "source": "helsenorge.no"}
    with pytest.raises(ValidationError):
        services.frikort_register(actor=actor, clinic=clinic_a, patient=adult, data=data)
    services.frikort_register(
        actor=actor, clinic=clinic_a, patient=adult, data={**data, "valid_from": datetime.date(2025, 1, 2)}
    )
    with pytest.raises(ValidationError):
        services.frikort_register(
            actor=actor, clinic=clinic_a, patient=adult, data={**data, "valid_from": datetime.date(2025, 3, 2)}
        )
    assert Frikort.objects.count() == 1


def test_nal_9_cap_across_31_december_and_1_january(actor, clinic_a, adult, practitioner_a, fees, with_agreement):
    """Shares paid in 2024 stop at the 2024 cap; 1 Jan 2025 starts again under the 2025 cap."""
    dates = [datetime.date(2024, 1, 1) + datetime.timedelta(days=i) for i in range(16)] + [datetime.date(2024, 12, 31)]
    for day in dates:
        visit = f.appointment(clinic=clinic_a, patient=adult, practitioner=practitioner_a, when=f.at(day))
        services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    # 15 × 200 = 3000, 16th: 165 (cap 3165), 31 Dec: 0
    assert selectors.paid_shares(clinic=clinic_a, patient=adult, year=2024) == D("3165.00")
    last = Charge.objects.get(visit_date=datetime.date(2024, 12, 31))
    assert (last.patient_share, last.refund) == (D("0.00"), D("450.00"))
    jan1 = f.appointment(
        clinic=clinic_a, patient=adult, practitioner=practitioner_a, when=f.at(datetime.date(2025, 1, 1))
    )
    assert services.charge_create(actor=actor, clinic=clinic_a, appointment=jan1).patient_share == D("200.00")
    overview = selectors.frikort_overview(clinic=clinic_a, patient=adult, years=[2025, 2024])
    assert [(y.year, y.paid, y.cap, y.remaining) for y in overview] == [
        (2025, D("200.00"), D("3278.00"), D("3078.00")),
        (2024, D("3165.00"), D("3165.00"), D("0.00")),
    ]


def test_unsigned_booked_visit_refused_signed_note_allowed(
    actor, clinic_a, adult, practitioner_a, fees, with_agreement
):
    note = NoteFactory(patient=adult, clinic=clinic_a, encounter__patient=adult, author=practitioner_a)
    visit = f.appointment(
        clinic=clinic_a,
        patient=adult,
        practitioner=practitioner_a,
        status="booked",
        encounter=note.encounter,
        when=f.at(datetime.date(2025, 3, 10)),
    )
    with pytest.raises(ValidationError, match="BIL-V"):
        services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    note.signed_at = datetime.datetime(2025, 3, 10, 19, tzinfo=datetime.UTC)
    note.save()
    visit.refresh_from_db()
    assert services.charge_create(actor=actor, clinic=clinic_a, appointment=visit).number == 1


def test_no_show_fee(actor, clinic_a, adult, practitioner_a, fees):
    visit = f.appointment(clinic=clinic_a, patient=adult, practitioner=practitioner_a, status="no_show")
    with pytest.raises(ValidationError, match="BIL-NS"):
        services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    services.no_show_fee_set(actor=actor, clinic=clinic_a, fee=D("350.00"))
    charge = services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    assert (charge.kind, charge.patient_share, charge.rules) == ("no_show", D("350.00"), "BIL-NS")


def test_double_charge_refused(actor, clinic_a, visit):
    services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    with pytest.raises(ValidationError, match=re.escape(gettext("This visit has already been charged."))):
        services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    assert Charge.objects.count() == 1


def test_pay_once_exact_amount(actor, clinic_a, visit):
    charge = services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    with pytest.raises(ValidationError):
        services.charge_pay(actor=actor, charge=charge, method="card", amount=D("250.00"))
    services.charge_pay(actor=actor, charge=charge, method="card", amount=D("200.00"))
    with pytest.raises(ValidationError, match=re.escape(f"{gettext('This charge has already been paid.')} (BIL-P)")):
        services.charge_pay(actor=actor, charge=charge, method="cash", amount=D("200.00"))
    assert Payment.objects.count() == 1
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.PAID
    assert AuditEvent.objects.filter(action="billing.charge.paid").count() == 1


def test_credit_note_keeps_charge_and_allows_recharge_with_gapless_numbers(actor, clinic_a, visit):
    first = services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    services.charge_pay(actor=actor, charge=first, method="cash", amount=D("200.00"))
    with pytest.raises(ValidationError):
        services.charge_credit(actor=actor, charge=first, reason="  ")
    note = services.charge_credit(actor=actor, charge=first, reason="Feil takst")
    assert note.number == 1 and note.amount == D("450.00")
    with pytest.raises(ValidationError, match=re.escape(gettext("This charge has already been credited."))):
        services.charge_credit(actor=actor, charge=first, reason="again")
    with pytest.raises(ValidationError):
        services.charge_pay(actor=actor, charge=first, method="card", amount=D("200.00"))
    second = services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    assert second.number == 2
    assert Charge.objects.count() == 2 and CreditNote.objects.count() == 1 and Payment.objects.count() == 1
    assert selectors.paid_shares(clinic=clinic_a, patient=visit.patient, year=2025) == D("200.00")


def test_receipt_for_credited_charge_refused(actor, clinic_a, visit):
    charge = services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    services.receipt_printed(actor=actor, charge=charge)
    services.charge_credit(actor=actor, charge=charge, reason="Feil")
    with pytest.raises(ValidationError):
        services.receipt_printed(actor=actor, charge=charge)


def _tariff_data(**kw):
    data = {
        "code": "EKS-B1",
        "description": "Eksempel",
        "service_kind": ServiceKind.FIRST,
        "patient_share": D("250.00"),
        "refund": D("350.00"),
        "fee": D("600.00"),
        "valid_from": datetime.date(2025, 1, 1),
        "valid_to": None,
    }
    data.update(kw)
    return data


def test_tariff_overlap_refused(actor, clinic_a):
    services.tariff_create(actor=actor, clinic=clinic_a, data=_tariff_data(valid_to=datetime.date(2025, 12, 31)))
    overlap = re.escape(gettext("Tariff %(code)s already has a period that overlaps these dates.") % {"code": "EKS-B1"})
    with pytest.raises(ValidationError, match=overlap):
        services.tariff_create(actor=actor, clinic=clinic_a, data=_tariff_data(valid_from=datetime.date(2025, 12, 31)))
    services.tariff_create(actor=actor, clinic=clinic_a, data=_tariff_data(valid_from=datetime.date(2026, 1, 1)))
    with pytest.raises(ValidationError, match=overlap):
        services.tariff_create(actor=actor, clinic=clinic_a, data=_tariff_data(valid_from=datetime.date(2024, 1, 1)))
    assert Tariff.objects.count() == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"patient_share": D("-1.00"), "fee": D("349.00")},
        {"fee": D("601.00")},
        {"valid_to": datetime.date(2024, 12, 31)},
    ],
)
def test_tariff_bad_values_refused(actor, clinic_a, bad):
    with pytest.raises(ValidationError):
        services.tariff_create(actor=actor, clinic=clinic_a, data=_tariff_data(**bad))
    assert not Tariff.objects.exists()


def test_private_price_negative_and_overlap_refused(actor, clinic_a):
    data = {
        "service_kind": ServiceKind.INJECTION,
        "name": "Injeksjon",
        "amount": D("-5.00"),
        "valid_from": datetime.date(2025, 1, 1),
        "valid_to": None,
    }
    with pytest.raises(ValidationError):
        services.private_price_create(actor=actor, clinic=clinic_a, data=data)
    services.private_price_create(actor=actor, clinic=clinic_a, data={**data, "amount": D("1200.00")})
    overlap = gettext("This service already has a private price for a period that overlaps these dates.")
    with pytest.raises(ValidationError, match=re.escape(overlap)):
        services.private_price_create(actor=actor, clinic=clinic_a, data={**data, "amount": D("1300.00")})
    assert PrivatePrice.objects.count() == 1


def test_demo_billing_is_idempotent_and_labelled(clinic_a, admin):
    from kanyle.billing.demo import create_demo_billing

    create_demo_billing(clinic=clinic_a, admin_user=admin.user)
    create_demo_billing(clinic=clinic_a, admin_user=admin.user)
    assert Tariff.objects.filter(clinic=clinic_a).count() == 4
    assert all(t.is_example and "ksempel" in t.description for t in Tariff.objects.all())
    assert PrivatePrice.objects.filter(clinic=clinic_a, service_kind=ServiceKind.INJECTION, is_example=True).exists()


def test_nal_9_new_year_visit_just_after_oslo_midnight_uses_new_year(
    actor, clinic_a, adult, practitioner_a, fees, with_agreement
):
    """00:30 on 1 Jan in Oslo is still 31 Dec in UTC: the visit date (and the cap year) is Oslo's."""
    visit = f.appointment(
        clinic=clinic_a, patient=adult, practitioner=practitioner_a, when=f.at(datetime.date(2025, 1, 1), hour=0)
    )
    assert visit.starts_at.astimezone(datetime.UTC).date() == datetime.date(2024, 12, 31)
    charge = services.charge_create(actor=actor, clinic=clinic_a, appointment=visit)
    assert charge.visit_date == datetime.date(2025, 1, 1)
    assert selectors.paid_shares(clinic=clinic_a, patient=adult, year=2025) == D("200.00")
    assert selectors.paid_shares(clinic=clinic_a, patient=adult, year=2024) == D("0.00")
