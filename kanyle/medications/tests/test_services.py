"""Stock services (LAW-M): the balance never goes negative, expired batches are blocked, discards need a reason,
and every movement adds up to the balance."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.medications import selectors, services
from kanyle.medications.models import Batch, Drug, DrugCategory, MovementKind, StockMovement
from kanyle.medications.tests.conftest import TODAY, actor_of, receive
from kanyle.medications.tests.factories import BatchFactory, DrugFactory
from kanyle.patients.tests.factories import PatientFactory


def test_factories_build_a_drug_with_a_full_batch(clinic_a, doctor):
    batch = BatchFactory(drug=DrugFactory(clinic=clinic_a, created_by=doctor.user))
    assert batch.clinic == clinic_a
    assert (batch.drug.name, batch.drug.atc_code, batch.drug.category) == ("Triamcinolon", "H02AB08", "corticosteroid")
    assert batch.quantity_on_hand == batch.quantity_received == 10


def test_receive_starts_the_balance_with_a_received_movement(batch, doctor):
    assert batch.quantity_on_hand == 10
    assert batch.received_by == doctor.user and batch.received_on == TODAY
    movement = StockMovement.objects.get(batch=batch)
    assert (movement.kind, movement.quantity) == (MovementKind.RECEIVED, 10)
    assert AuditEvent.objects.filter(action="medications.batch.received", object_id=str(batch.pk)).exists()


def test_law_m_balance_never_negative(batch, doctor, patient_a):
    # The database itself refuses a negative balance (CHECK constraint batch_balance_not_negative) …
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(quantity_on_hand=-1)
    # … and the service refuses to take more than there is, with a message naming the rule; nothing changes.
    with pytest.raises(ValidationError) as refused:
        services.administer(actor=actor_of(doctor), batch=batch, quantity=11, patient=patient_a)
    assert "LAW-M" in refused.value.messages[0]
    assert gettext("Batch %(lot)s has only %(left)s left (LAW-M).") % {"lot": "AB1234", "left": 10} in (
        refused.value.messages
    )
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 10
    assert not StockMovement.objects.filter(kind=MovementKind.ADMINISTERED).exists()


def test_law_m_balance_never_negative_when_the_service_check_is_bypassed(batch, doctor, patient_a):
    """Even if the balance read before the update is stale, the constraint refuses and the service says why."""
    Batch.objects.filter(pk=batch.pk).update(quantity_on_hand=0)
    stale = Batch.objects.get(pk=batch.pk)
    stale.quantity_on_hand = 10
    with pytest.raises(ValidationError):
        services.discard(actor=actor_of(doctor), batch=stale, quantity=1, reason="Knust")
    assert Batch.objects.get(pk=batch.pk).quantity_on_hand == 0


def test_law_m_last_unit_then_empty(batch, doctor, patient_a):
    actor = actor_of(doctor)
    services.administer(actor=actor, batch=batch, quantity=10, patient=patient_a)
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 0
    with pytest.raises(ValidationError):
        services.administer(actor=actor, batch=batch, quantity=1, patient=patient_a)
    assert batch.movements.filter(kind=MovementKind.ADMINISTERED).count() == 1


def test_law_m_expired_batch_blocked(clock, drug, doctor, patient_a):
    batch = BatchFactory(drug=drug, lot_number="OLD1", expires_on=TODAY - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        services.administer(actor=actor_of(doctor), batch=batch, quantity=1, patient=patient_a)
    assert refused.value.messages == [
        gettext("Batch %(lot)s expired on %(date)s and cannot be used (LAW-M).") % {"lot": "OLD1", "date": "11.03.2025"}
    ]
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 10
    assert not StockMovement.objects.filter(batch=batch).exists()
    # The batch is not offered for a procedure either; on its last day it still is.
    assert batch not in selectors.usable_batches(clinic=drug.clinic, drug=drug)
    last_day = BatchFactory(drug=drug, lot_number="LASTDAY", expires_on=TODAY)
    assert list(selectors.usable_batches(clinic=drug.clinic, drug=drug)) == [last_day]
    services.administer(actor=actor_of(doctor), batch=last_day, quantity=1, patient=patient_a)


def test_law_m_expired_batch_cannot_be_received(clock, drug, doctor):
    with pytest.raises(ValidationError) as refused:
        receive(doctor, drug, lot="PAST", expires_on=TODAY - datetime.timedelta(days=1))
    assert "expires_on" in refused.value.error_dict
    assert not Batch.objects.exists()


def test_law_m_discard_needs_reason(batch, doctor):
    with pytest.raises(ValidationError) as refused:
        services.discard(actor=actor_of(doctor), batch=batch, quantity=1, reason="   ")
    assert refused.value.messages == [gettext("Write why the units are discarded.")]
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 10
    # The database refuses a discard movement without a reason as well.
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            clinic=batch.clinic, batch=batch, kind=MovementKind.DISCARDED, quantity=1, recorded_by=doctor.user
        )
    services.discard(actor=actor_of(doctor), batch=batch, quantity=2, reason="Knust hetteglass")
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 8
    assert batch.movements.get(kind=MovementKind.DISCARDED).reason == "Knust hetteglass"


def test_law_m_movements_add_up(batch, doctor, physio, patient_a, clinic_a, reception):
    other = PatientFactory(clinic=clinic_a, created_by=reception.user)
    services.administer(actor=actor_of(physio), batch=batch, quantity=1, patient=patient_a)
    services.administer(actor=actor_of(doctor), batch=batch, quantity=2, patient=other)
    services.discard(actor=actor_of(doctor), batch=batch, quantity=3, reason="Utløpt kork")
    with pytest.raises(ValidationError):
        services.discard(actor=actor_of(doctor), batch=batch, quantity=5, reason="For mye")
    batch.refresh_from_db()
    ledger = selectors.batch_ledger(batch=batch)
    assert (ledger.received, ledger.administered, ledger.discarded) == (10, 3, 3)
    assert ledger.balance == batch.quantity_on_hand == 4
    assert ledger.adds_up
    assert [line.balance for line in ledger.lines] == [10, 9, 7, 4]


def test_administer_refuses_another_clinics_batch_or_patient(clinic_b, outsider, batch, doctor, patient_a):
    with pytest.raises(ValidationError):
        services.administer(actor=actor_of(outsider), batch=batch, quantity=1, patient=patient_a)
    foreign_patient = PatientFactory(clinic=clinic_b, created_by=outsider.user)
    with pytest.raises(ValidationError):
        services.administer(actor=actor_of(doctor), batch=batch, quantity=1, patient=foreign_patient)
    assert Batch.objects.get(pk=batch.pk).quantity_on_hand == 10


def test_quantity_must_be_positive(batch, doctor, patient_a):
    for quantity in (0, -1):
        with pytest.raises(ValidationError):
            services.administer(actor=actor_of(doctor), batch=batch, quantity=quantity, patient=patient_a)
    assert Batch.objects.get(pk=batch.pk).quantity_on_hand == 10


def test_the_same_lot_is_received_once_per_drug_in_any_case(batch, drug, doctor):
    with pytest.raises(ValidationError) as refused:
        receive(doctor, drug, lot="ab1234")
    assert "lot_number" in refused.value.error_dict
    assert Batch.objects.count() == 1


def test_drug_save_normalises_the_atc_code_and_refuses_a_bad_one(clinic_a, doctor):
    drug = Drug(
        name="Adrenalin", atc_code=" c01ca24 ", category=DrugCategory.EMERGENCY, form="autoinjector", strength="0,3 mg"
    )
    services.drug_save(actor=actor_of(doctor), drug=drug)
    assert Drug.objects.get().atc_code == "C01CA24"
    bad = Drug(name="Noe", atc_code="123", category=DrugCategory.PRP, form="kit", strength="1 sett")
    with pytest.raises(ValidationError) as refused:
        services.drug_save(actor=actor_of(doctor), drug=bad)
    assert "atc_code" in refused.value.error_dict
    assert Drug.objects.count() == 1


def test_drug_list_counts_usable_and_expired_stock(clock, drug, doctor, clinic_a):
    BatchFactory(drug=drug, lot_number="A", quantity_on_hand=4, expires_on=TODAY + datetime.timedelta(days=30))
    BatchFactory(drug=drug, lot_number="B", quantity_on_hand=6, expires_on=TODAY + datetime.timedelta(days=300))
    BatchFactory(drug=drug, lot_number="C", quantity_on_hand=2, expires_on=TODAY - datetime.timedelta(days=3))
    BatchFactory(drug=drug, lot_number="D", quantity_on_hand=0, expires_on=TODAY + datetime.timedelta(days=5))
    listed = selectors.drug_list(clinic=clinic_a).get(pk=drug.pk)
    assert (listed.on_hand, listed.usable_on_hand, listed.expired_on_hand) == (12, 10, 2)
    assert listed.nearest_expiry == TODAY + datetime.timedelta(days=30)
    assert selectors.drug_warnings(listed) == ["expired_stock", "expiring"]


def test_discard_reason_is_plain_text_of_bounded_length(batch, doctor):
    for reason in ("x" * 301, "<script>alert(1)</script>"):
        with pytest.raises(ValidationError):
            services.discard(actor=actor_of(doctor), batch=batch, quantity=1, reason=reason)
    assert Batch.objects.get(pk=batch.pk).quantity_on_hand == 10


def test_usable_batches_leave_out_empty_expired_and_retired_drugs(clock, drug, doctor):
    good = BatchFactory(drug=drug, lot_number="GOOD")
    BatchFactory(drug=drug, lot_number="EMPTY", quantity_on_hand=0)
    BatchFactory(drug=drug, lot_number="GONE", expires_on=TODAY - datetime.timedelta(days=1))
    retired = DrugFactory(clinic=drug.clinic, created_by=doctor.user, name="Gammel", is_active=False)
    BatchFactory(drug=retired, lot_number="RETIRED")
    assert list(selectors.usable_batches(clinic=drug.clinic)) == [good]
