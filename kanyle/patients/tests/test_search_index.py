"""Name search through the clinic-and-name trigram index (migration 0003) returns what a plain scan would."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from kanyle.patients import selectors
from kanyle.patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def names(clinic_a, clinic_b):
    made = {
        "mei": PatientFactory(clinic=clinic_a, given_name="Mei", family_name="Li"),
        "lise": PatientFactory(clinic=clinic_a, given_name="Lise", family_name="Haugen"),
        "hans": PatientFactory(clinic=clinic_a, given_name="Hans", family_name="Å"),
        "lise_b": PatientFactory(clinic=clinic_b, given_name="Lise", family_name="Haugen"),
    }
    return made


def pks(clinic, query: str) -> set[int]:
    return {p.pk for p in selectors.patient_search(clinic=clinic, query=query)}


def test_short_names_are_found_as_well_as_long_ones(names, clinic_a):
    assert pks(clinic_a, "li") == {names["mei"].pk, names["lise"].pk}  # too short for a trigram
    assert pks(clinic_a, "mei li") == {names["mei"].pk}  # a long and a short term
    assert pks(clinic_a, "å") == {names["hans"].pk}
    assert pks(clinic_a, "HAUG") == {names["lise"].pk}


def test_a_name_search_never_reaches_another_clinic(names, clinic_a, clinic_b):
    assert pks(clinic_b, "haugen") == {names["lise_b"].pk}
    assert pks(clinic_b, "lise hau") == {names["lise_b"].pk}
    assert pks(clinic_a, "lise hau") == {names["lise"].pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_the_planner_can_answer_a_name_search_from_the_clinic_and_name_index(names, clinic_a):
    """If the search's SQL and the index's expression drift apart, the index is silently never used."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: otherwise a scan is cheaper
        plan = selectors.patient_search(clinic=clinic_a, query="lise haug").explain()
    assert "patient_clinic_search_name_trgm" in plan
