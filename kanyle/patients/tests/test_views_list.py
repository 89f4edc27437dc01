"""Patient search and list (/pasienter/): the clinic's own patients, logged, with a fixed query budget."""

from __future__ import annotations

import datetime

import pytest
from django.core.validators import MaxLengthValidator
from django.urls import reverse
from django.utils.translation import gettext

from kanyle.patients.tests.factories import PatientFactory
from kanyle.patients.tests.helpers import FNR, FNR_BORN, audit_events, shows

LIST_URL = reverse("patients:list")


def names_shown(response) -> set[str]:
    return {f"{p.given_name} {p.family_name}" for p in response.context["page"].object_list}


@pytest.fixture
def register(clinic_a, clinic_b):
    kari = PatientFactory(
        clinic=clinic_a, given_name="Kari", family_name="Nordmann", national_id=FNR, birth_date=FNR_BORN
    )
    ola = PatientFactory(
        clinic=clinic_a, given_name="Ola", family_name="Nordmann", birth_date=datetime.date(1990, 1, 2)
    )
    per = PatientFactory(clinic=clinic_a, given_name="Per", family_name="Karisen", birth_date=datetime.date(1990, 1, 2))
    berit = PatientFactory(clinic=clinic_b, given_name="Berit", family_name="Nordmann", birth_date=FNR_BORN)
    return {"kari": kari, "ola": ola, "per": per, "berit": berit}


def test_the_list_shows_only_the_active_clinics_patients(client_as, reception, outsider, register):
    mine = client_as(reception).get(LIST_URL)
    theirs = client_as(outsider).get(LIST_URL)

    assert mine.status_code == 200
    assert names_shown(mine) == {"Kari Nordmann", "Ola Nordmann", "Per Karisen"}
    assert "Berit" not in mine.content.decode()
    assert names_shown(theirs) == {"Berit Nordmann"}
    assert "Kari" not in theirs.content.decode()


def test_the_list_shows_national_ids_masked(client_as, physio, register):
    response = client_as(physio).get(LIST_URL)

    html = response.content.decode()
    assert register["kari"].masked_national_id in html
    assert all(p.national_id not in html for p in register.values())


def test_search_by_name_fragments_case_insensitive_and_all_terms(client_as, physio, register):
    client = client_as(physio)

    assert names_shown(client.get(LIST_URL, {"q": "NORDM"})) == {"Kari Nordmann", "Ola Nordmann"}
    assert names_shown(client.get(LIST_URL, {"q": "kari"})) == {"Kari Nordmann", "Per Karisen"}
    assert names_shown(client.get(LIST_URL, {"q": "nord KAR"})) == {"Kari Nordmann"}


def test_search_by_birth_date(client_as, reception, register):
    response = client_as(reception).get(LIST_URL, {"q": "02.01.1990"})

    assert names_shown(response) == {"Ola Nordmann", "Per Karisen"}


def test_search_by_whole_national_id_is_exact(client_as, reception, register):
    client = client_as(reception)

    assert names_shown(client.get(LIST_URL, {"q": FNR})) == {"Kari Nordmann"}
    assert names_shown(client.get(LIST_URL, {"q": "151086 95088"})) == {"Kari Nordmann"}
    assert names_shown(client.get(LIST_URL, {"q": FNR[:-1] + "9"})) == set()


def test_a_search_without_hits_says_so(client_as, reception, register):
    response = client_as(reception).get(LIST_URL, {"q": "Berit"})  # only in the other clinic

    assert names_shown(response) == set()
    assert shows(response, gettext("No patients match the search."))
    assert not audit_events("patients.patient.listed")


def test_an_overlong_search_is_refused_with_a_message(client_as, reception, register):
    response = client_as(reception).get(LIST_URL, {"q": "x" * 101})

    assert response.status_code == 400
    assert shows(response, MaxLengthValidator(100).message % {"limit_value": 100, "show_value": 101})
    assert names_shown(response) == set()  # nothing listed, so nothing logged as seen
    assert not audit_events("patients.patient.listed")


def test_law_j_every_listed_patient_gets_an_audit_row(client_as, doctor, register):
    client_as(doctor).get(LIST_URL, {"q": "nordmann"})

    events = audit_events("patients.patient.listed")
    assert {e.patient for e in events} == {register["kari"], register["ola"]}
    assert {(e.user, e.role, e.clinic, e.detail) for e in events} == {(doctor.user, "doctor", doctor.clinic, "search")}


def test_pagination_shows_the_second_page_and_logs_only_what_is_on_it(client_as, reception, clinic_a):
    patients = [PatientFactory(clinic=clinic_a, given_name="Pasient", family_name=f"Nr{i:02d}") for i in range(30)]

    response = client_as(reception).get(LIST_URL, {"side": 2})

    assert names_shown(response) == {f"Pasient Nr{i:02d}" for i in range(25, 30)}
    assert "Nr24" not in response.content.decode()
    assert shows(response, gettext("Page %(n)s of %(total)s") % {"n": 2, "total": 2})
    assert {e.patient for e in audit_events("patients.patient.listed")} == set(patients[25:])


def test_htmx_search_returns_only_the_results(client_as, physio, register):
    response = client_as(physio).get(LIST_URL, {"q": "ola"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "patients/_results.html"
    assert 'data-testid="patient-results"' in html
    assert "<html" not in html
    assert 'id="id_q"' not in html
    assert names_shown(response) == {"Ola Nordmann"}


def test_the_administrator_may_not_list_patients(client_as, admin, register):
    assert client_as(admin).get(LIST_URL).status_code == 403
    assert not audit_events("patients.patient.listed")


def test_anonymous_is_sent_to_the_login(client, register):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("query", ["", "nr"])
def test_the_list_has_a_fixed_query_budget(client_as, reception, clinic_a, django_assert_max_num_queries, query):
    """As many queries for 5 patients as for 60 (DESIGN.md §5): no query per listed row."""
    client = client_as(reception)
    client.get(LIST_URL)  # warm the session like any later visit
    counts = []
    for total in (5, 60):
        PatientFactory.create_batch(total - len(counts) * 5, clinic=clinic_a, family_name="Nr")
        with django_assert_max_num_queries(12) as queries:
            response = client.get(LIST_URL, {"q": query})
        assert len(response.context["page"].object_list) == min(total, 25)
        counts.append(len(queries))

    assert counts[0] == counts[1]
