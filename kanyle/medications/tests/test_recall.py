"""Recall search (LAW-M): which patients got lot X — every administration of the lot in this clinic, with date,
patient (masked national ID), who gave it; the search and every patient shown are logged."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.medications import services
from kanyle.medications.tests.conftest import actor_of, receive
from kanyle.medications.tests.factories import DrugFactory
from kanyle.patients.tests.factories import PatientFactory


@pytest.fixture
def given(clock, clinic_a, clinic_b, doctor, physio, reception, outsider, drug):
    """Lot AB1234 given to two patients (of two drugs sharing the lot number); another lot to a third;
    clinic B's own lot AB1234 to its patient."""
    lidocaine = DrugFactory(
        clinic=clinic_a, created_by=doctor.user, name="Lidokain", atc_code="N01BB02", category="local_anaesthetic"
    )
    patients = {
        name: PatientFactory(clinic=clinic_a, created_by=reception.user, given_name=name, family_name="Hansen")
        for name in ("Åse", "Bjørn", "Cecilie")
    }
    lot_a = receive(doctor, drug, lot="AB1234")
    lot_a_lidocaine = receive(doctor, lidocaine, lot="ab1234")
    other_lot = receive(doctor, drug, lot="ZZ9999")
    services.administer(actor=actor_of(physio), batch=lot_a, quantity=1, patient=patients["Åse"])
    services.administer(actor=actor_of(doctor), batch=lot_a_lidocaine, quantity=2, patient=patients["Bjørn"])
    services.administer(actor=actor_of(doctor), batch=other_lot, quantity=1, patient=patients["Cecilie"])
    foreign_drug = DrugFactory(clinic=clinic_b, created_by=outsider.user)
    foreign_patient = PatientFactory(clinic=clinic_b, created_by=outsider.user, given_name="Fremmed")
    services.administer(
        actor=actor_of(outsider),
        batch=receive(outsider, foreign_drug, lot="AB1234"),
        quantity=1,
        patient=foreign_patient,
    )
    return {"patients": patients, "foreign": foreign_patient, "batches": [lot_a, lot_a_lidocaine]}


def test_law_m_recall_finds_every_patient_given_the_lot(client_as, doctor, physio, given):
    response = client_as(doctor).get(reverse("medications:recall"), {"lot": " Ab1234 "})
    assert response.status_code == 200
    assert {row["batch"] for row in response.context["batch_rows"]} == set(given["batches"])
    shown = [row["patient"] for row in response.context["rows"]]
    assert shown == [given["patients"]["Åse"], given["patients"]["Bjørn"]]
    html = response.content.decode()
    for patient in shown:
        assert patient.full_name in html
        assert patient.masked_national_id in html
        assert patient.national_id not in html  # masked: the date part only
    assert "Cecilie" not in html  # another lot
    assert "Fremmed" not in html  # another clinic's lot with the same number
    assert [row["performer"] for row in response.context["rows"]] == [
        physio.user.display_name,
        doctor.user.display_name,
    ]
    assert "Lidokain" in html and "Triamcinolon" in html


def test_recall_logs_the_search_and_every_patient_shown(client_as, admin, given):
    client_as(admin).get(reverse("medications:recall"), {"lot": "ab1234"})
    searched = AuditEvent.objects.get(action="medications.recall.searched")
    assert (searched.user, searched.detail, searched.patient) == (admin.user, "ab1234", None)
    listed = AuditEvent.objects.filter(action="medications.recall.listed")
    assert {e.patient_id for e in listed} == {given["patients"]["Åse"].pk, given["patients"]["Bjørn"].pk}
    assert {e.detail for e in listed} == {"ab1234"}


def test_recall_for_an_unknown_lot_says_so_and_logs_the_search(client_as, doctor, given):
    response = client_as(doctor).get(reverse("medications:recall"), {"lot": "NOPE"})
    assert response.status_code == 200
    assert gettext("No batch with this lot number in the clinic.") in response.content.decode()
    assert AuditEvent.objects.filter(action="medications.recall.searched", detail="NOPE").count() == 1
    assert not AuditEvent.objects.filter(action="medications.recall.listed").exists()


def test_recall_form_without_a_search_logs_nothing_and_bad_input_is_400(client_as, doctor, given):
    client = client_as(doctor)
    assert client.get(reverse("medications:recall")).status_code == 200
    assert client.get(reverse("medications:recall"), {"lot": ""}).status_code == 400
    assert client.get(reverse("medications:recall"), {"lot": "<script>"}).status_code == 400
    assert not AuditEvent.objects.filter(action__startswith="medications.recall").exists()


def test_recall_names_the_performer_and_links_the_injection_episode(clock, client_as, doctor, physio, admin, patient_a):
    """An administration through an injection procedure names the procedure's performer (the delegated physio)."""
    factories = pytest.importorskip("kanyle.injections.tests.factories")
    world = factories.ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)
    ie = factories.episode_at(world, "observed")
    response = client_as(doctor).get(reverse("medications:recall"), {"lot": world.batch.lot_number})
    rows = response.context["rows"]
    assert [row["patient"] for row in rows] == [patient_a]
    assert rows[0]["performer"] == physio.user.display_name
    try:
        episode_url = reverse("injections:episode", kwargs={"pk": ie.pk})
    except NoReverseMatch:
        episode_url = None
    assert rows[0]["episode_url"] == episode_url
    if episode_url:
        assert episode_url in response.content.decode()


def test_recall_page_has_a_fixed_number_of_queries(
    clinic_a, client_as, doctor, physio, reception, given, django_assert_max_num_queries
):
    client = client_as(doctor)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("medications:recall"), {"lot": "AB1234"})
    lot = given["batches"][0]
    for n in range(5):
        patient = PatientFactory(clinic=clinic_a, created_by=reception.user, given_name=f"Pasient{n}")
        services.administer(actor=actor_of(physio), batch=lot, quantity=1, patient=patient)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("medications:recall"), {"lot": "AB1234"})
    assert response.context["patient_count"] == 7
