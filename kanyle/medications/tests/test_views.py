"""The catalogue, batch pages and forms (LAW-M, INJ-G3): happy paths, bad input → 400 with the message and
nothing changed, expired batches shown red and blocked."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.medications import services
from kanyle.medications.models import Batch, Drug, DrugCategory, MovementKind, StockMovement
from kanyle.medications.tests.conftest import TODAY, actor_of
from kanyle.medications.tests.factories import BatchFactory, DrugFactory

DRUG_POST = {
    "name": "Lidokain",
    "atc_code": "N01BB02",
    "category": DrugCategory.LOCAL_ANAESTHETIC,
    "form": "solution",
    "strength": "10 mg/ml",
    "dose_unit": "ml",
    "package_unit": "ampulle",
}


def _receive_post(**overrides):
    data = {
        "lot_number": "LK-2291",
        "expires_on": (TODAY + datetime.timedelta(days=200)).isoformat(),
        "quantity_received": "20",
        "location": "Medisinskap rom 1",
        "received_on": TODAY.isoformat(),
    }
    data.update(overrides)
    return data


def test_inj_g3_catalogue_offers_the_four_drug_groups_and_emergency_drugs(clock, client_as, doctor):
    client = client_as(doctor)
    page = client.get(reverse("medications:drug-create"))
    assert page.status_code == 200
    offered = [value for value, _label in page.context["form"].fields["category"].choices if value]
    assert offered == ["corticosteroid", "local_anaesthetic", "prp", "hyaluronic_acid", "emergency"]
    for category in DrugCategory:
        assert str(category.label) in page.content.decode()
    # An emergency drug of the kit (INJ-V4) goes into the same catalogue.
    adrenaline = {
        **DRUG_POST,
        "name": "Adrenalin",
        "atc_code": "C01CA24",
        "category": "emergency",
        "form": "autoinjector",
        "strength": "0,3 mg",
        "dose_unit": "mg",
    }
    response = client.post(reverse("medications:drug-create"), adrenaline)
    drug = Drug.objects.get(name="Adrenalin")
    assert response.status_code == 302 and response.url == reverse("medications:drug-detail", args=[drug.pk])
    assert (drug.category, drug.clinic, drug.created_by) == ("emergency", doctor.clinic, doctor.user)
    listing = client.get(reverse("medications:drug-list")).content.decode()
    assert "Adrenalin" in listing and str(DrugCategory.EMERGENCY.label) in listing
    # A category outside INJ-G3 and the kit is refused.
    refused = client.post(reverse("medications:drug-create"), {**DRUG_POST, "category": "opioid"})
    assert refused.status_code == 400
    assert Drug.objects.count() == 1


def test_drug_create_audits_and_edit_deactivates_instead_of_delete(clock, client_as, admin):
    client = client_as(admin)
    client.post(reverse("medications:drug-create"), {**DRUG_POST, "atc_code": "n01bb02"})
    drug = Drug.objects.get()
    assert drug.atc_code == "N01BB02"
    assert AuditEvent.objects.filter(action="medications.drug.created", object_id=str(drug.pk)).exists()
    response = client.post(reverse("medications:drug-edit", args=[drug.pk]), {**DRUG_POST, "is_active": ""})
    assert response.status_code == 302
    drug.refresh_from_db()
    assert drug.is_active is False
    assert AuditEvent.objects.filter(action="medications.drug.updated", detail__contains="is_active").exists()
    listing = client.get(reverse("medications:drug-list"))
    assert gettext("Not in use") in listing.content.decode()


def test_drug_list_puts_drugs_in_use_first_and_shows_stock_and_warnings(clock, client_as, physio, doctor, drug):
    old = DrugFactory(clinic=drug.clinic, created_by=doctor.user, name="Aaa gammel", is_active=False)
    BatchFactory(drug=drug, lot_number="SOON", quantity_on_hand=3, expires_on=TODAY + datetime.timedelta(days=10))
    BatchFactory(drug=drug, lot_number="GONE", quantity_on_hand=2, expires_on=TODAY - datetime.timedelta(days=1))
    response = client_as(physio).get(reverse("medications:drug-list"))
    assert response.status_code == 200
    assert [row["drug"] for row in response.context["rows"]] == [drug, old]
    html = response.content.decode()
    assert "H02AB08" in html and "40 mg/ml" in html and str(drug.get_form_display()) in html
    assert "3 hetteglass" in html and "22.03.2025" in html  # usable stock and nearest expiry
    assert 'data-testid="warning-expired"' in html and 'data-testid="warning-expiring"' in html
    assert "drug-create" not in html  # a physio does not manage the catalogue


def test_drug_list_has_a_fixed_number_of_queries(clock, client_as, doctor, drug, django_assert_max_num_queries):
    client = client_as(doctor)
    BatchFactory(drug=drug)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("medications:drug-list"))
    for n in range(5):
        BatchFactory(drug=DrugFactory(clinic=drug.clinic, created_by=doctor.user, name=f"Legemiddel {n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("medications:drug-list"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("atc_code", "H2AB08"), ("atc_code", "12345"), ("name", ""), ("name", "<b>x</b>"), ("category", "")],
)
def test_bad_drug_input_is_refused_with_a_message_and_nothing_saved(clock, client_as, doctor, field, value):
    response = client_as(doctor).post(reverse("medications:drug-create"), {**DRUG_POST, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Drug.objects.exists()


def test_bad_atc_code_shows_the_format(clock, client_as, doctor):
    response = client_as(doctor).post(reverse("medications:drug-create"), {**DRUG_POST, "atc_code": "XYZ"})
    assert response.status_code == 400
    assert (
        gettext("Enter an ATC code such as H02AB08 (letter, two digits, two letters, two digits).")
        in (response.context["form"].errors["atc_code"])
    )


def test_the_same_drug_twice_is_refused(clock, client_as, doctor):
    client = client_as(doctor)
    client.post(reverse("medications:drug-create"), DRUG_POST)
    response = client.post(reverse("medications:drug-create"), DRUG_POST)
    assert response.status_code == 400
    assert Drug.objects.count() == 1


def test_drug_detail_shows_batches_with_expiry_status_and_blocks_expired(clock, client_as, physio, doctor, drug):
    BatchFactory(drug=drug, lot_number="GONE", expires_on=TODAY - datetime.timedelta(days=1), received_by=doctor.user)
    BatchFactory(drug=drug, lot_number="SOON", expires_on=TODAY + datetime.timedelta(days=60))
    BatchFactory(drug=drug, lot_number="FINE", expires_on=TODAY + datetime.timedelta(days=61))
    response = client_as(physio).get(reverse("medications:drug-detail", args=[drug.pk]))
    assert response.status_code == 200
    statuses = {row["batch"].lot_number: row["status"] for row in response.context["batch_rows"]}
    assert statuses == {"GONE": "expired", "SOON": "expiring", "FINE": "ok"}
    html = response.content.decode()
    assert 'class="batch-expired"' in html and gettext("Expired – blocked") in html
    assert (response.context["usable_on_hand"], response.context["expired_on_hand"]) == (20, 10)
    assert "Låst medisinskap, rom 2" in html and doctor.user.display_name in html


def test_batch_receive_registers_the_lot(clock, client_as, physio, drug):
    response = client_as(physio).post(reverse("medications:batch-receive", args=[drug.pk]), _receive_post())
    assert response.status_code == 302
    batch = Batch.objects.get()
    assert (batch.lot_number, batch.quantity_on_hand, batch.received_by) == ("LK-2291", 20, physio.user)
    assert batch.movements.get().kind == MovementKind.RECEIVED


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"expires_on": (TODAY - datetime.timedelta(days=1)).isoformat()},
            "expires_on",
            "The batch expired on %(date)s: an expired batch cannot be taken into stock (LAW-M).",
        ),
        ({"quantity_received": "0"}, "quantity_received", "The quantity must be at least 1."),
        ({"quantity_received": "-3"}, "quantity_received", "The quantity must be at least 1."),
        ({"lot_number": ""}, "lot_number", None),
        ({"location": ""}, "location", None),
        ({"received_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "received_on", None),
    ],
)
def test_bad_receive_input_is_refused_with_a_message_and_nothing_saved(
    clock, client_as, physio, drug, overrides, field, message
):
    response = client_as(physio).post(reverse("medications:batch-receive", args=[drug.pk]), _receive_post(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    if message:
        assert gettext(message) % {"date": "11.03.2025"} in errors
    assert not Batch.objects.exists() and not StockMovement.objects.exists()


def test_batch_detail_ledger_equals_received_minus_administered_minus_discarded(
    clock, client_as, doctor, batch, patient_a
):
    services.administer(actor=actor_of(doctor), batch=batch, quantity=2, patient=patient_a)
    services.discard(actor=actor_of(doctor), batch=batch, quantity=1, reason="Knust")
    response = client_as(doctor).get(reverse("medications:batch-detail", args=[batch.pk]))
    assert response.status_code == 200
    ledger = response.context["ledger"]
    assert (ledger.received, ledger.administered, ledger.discarded, ledger.balance) == (10, 2, 1, 7)
    html = response.content.decode()
    assert 'data-testid="ledger-mismatch"' not in html
    assert '<strong data-testid="on-hand">7</strong>' in html
    assert patient_a.family_name not in html  # patients are found through the recall search, which is logged


def test_batch_detail_warns_when_the_balance_does_not_match(clock, client_as, doctor, batch):
    Batch.objects.filter(pk=batch.pk).update(quantity_on_hand=9)  # a unit gone without a movement
    response = client_as(doctor).get(reverse("medications:batch-detail", args=[batch.pk]))
    assert 'data-testid="ledger-mismatch"' in response.content.decode()


def test_batch_discard_lowers_the_balance_with_the_reason(clock, client_as, admin, batch):
    url = reverse("medications:batch-discard", args=[batch.pk])
    response = client_as(admin).post(url, {"quantity": "3", "reason": "Knust hetteglass"})
    assert response.status_code == 302 and response.url == reverse("medications:batch-detail", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 7
    assert batch.movements.get(kind=MovementKind.DISCARDED).reason == "Knust hetteglass"


def test_an_expired_batch_offers_to_discard_all_of_it(clock, client_as, doctor, drug):
    expired = BatchFactory(drug=drug, lot_number="GONE", expires_on=TODAY - datetime.timedelta(days=1))
    response = client_as(doctor).get(reverse("medications:batch-discard", args=[expired.pk]))
    assert response.context["form"].initial["quantity"] == 10
    detail = client_as(doctor).get(reverse("medications:batch-detail", args=[expired.pk]))
    assert 'data-testid="expired-blocked"' in detail.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"quantity": "1", "reason": ""}, "reason", "Write why the units are discarded."),
        ({"quantity": "0", "reason": "Knust"}, "quantity", "The quantity must be at least 1."),
        ({"quantity": "11", "reason": "Knust"}, None, "Batch %(lot)s has only %(left)s left (LAW-M)."),
    ],
)
def test_law_m_discard_needs_reason_and_cannot_exceed_the_balance(
    clock, client_as, doctor, batch, data, field, message
):
    response = client_as(doctor).post(reverse("medications:batch-discard", args=[batch.pk]), data)
    assert response.status_code == 400
    errors = response.context["form"].errors.get(field or "__all__")
    assert gettext(message) % {"lot": batch.lot_number, "left": 10} in errors
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 10
    assert not batch.movements.filter(kind=MovementKind.DISCARDED).exists()


def test_bad_edit_leaves_the_drug_unchanged(clock, client_as, doctor, drug):
    response = client_as(doctor).post(
        reverse("medications:drug-edit", args=[drug.pk]),
        {**DRUG_POST, "name": "Nytt navn", "atc_code": "H02AB0", "is_active": "on"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["atc_code"]
    drug.refresh_from_db()
    assert (drug.name, drug.atc_code) == ("Triamcinolon", "H02AB08")
    assert not AuditEvent.objects.filter(action="medications.drug.updated").exists()
