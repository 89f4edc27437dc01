"""Reads of the patient register: search within one clinic, the chart, the access log."""

from __future__ import annotations

import datetime

import pytest

from kanyle.audit.services import Actor, audit_record
from kanyle.patients import selectors
from kanyle.patients.models import Patient
from kanyle.patients.tests.factories import PatientFactory, RiskFlagFactory
from kanyle.patients.tests.helpers import FNR, FNR_BORN


@pytest.fixture
def register(clinic_a, clinic_b):
    """Three patients in clinic A and a namesake in clinic B."""
    return {
        "kari": PatientFactory(
            clinic=clinic_a, given_name="Kari", family_name="Nordmann", national_id=FNR, birth_date=FNR_BORN
        ),
        "ola": PatientFactory(
            clinic=clinic_a, given_name="Ola", family_name="Nordmann", birth_date=datetime.date(1990, 1, 2)
        ),
        "per": PatientFactory(
            clinic=clinic_a, given_name="Per", family_name="Karisen", birth_date=datetime.date(1990, 1, 2)
        ),
        "kari_b": PatientFactory(
            clinic=clinic_b, given_name="Kari", family_name="Nordmann", national_id=FNR, birth_date=FNR_BORN
        ),
    }


def found(clinic, query: str) -> set[str]:
    return {f"{p.given_name} {p.family_name}" for p in selectors.patient_search(clinic=clinic, query=query)}


def test_empty_search_lists_only_the_clinics_patients(register, clinic_a, clinic_b):
    assert found(clinic_a, "") == {"Kari Nordmann", "Ola Nordmann", "Per Karisen"}
    assert found(clinic_b, "  ") == {"Kari Nordmann"}
    assert list(selectors.patient_search(clinic=clinic_b, query="")) == [register["kari_b"]]


def test_search_by_name_fragment_is_case_insensitive(register, clinic_a):
    assert found(clinic_a, "NORDM") == {"Kari Nordmann", "Ola Nordmann"}
    assert found(clinic_a, "kari") == {"Kari Nordmann", "Per Karisen"}  # given or family name


def test_search_with_several_terms_needs_all_of_them(register, clinic_a):
    assert found(clinic_a, "kari nord") == {"Kari Nordmann"}
    assert found(clinic_a, "nord KARI") == {"Kari Nordmann"}
    assert found(clinic_a, "kari hansen") == set()


def test_search_folds_case_of_norwegian_letters(clinic_a):
    PatientFactory(clinic=clinic_a, given_name="Åse", family_name="Østby")
    PatientFactory(clinic=clinic_a, given_name="Ørjan", family_name="Ødegård")

    assert found(clinic_a, "østBY åSE") == {"Åse Østby"}
    assert found(clinic_a, "ødegård") == {"Ørjan Ødegård"}
    assert found(clinic_a, "ØRJAN") == {"Ørjan Ødegård"}


def test_search_by_birth_date(register, clinic_a):
    assert found(clinic_a, "02.01.1990") == {"Ola Nordmann", "Per Karisen"}
    assert found(clinic_a, "2.1.1990") == {"Ola Nordmann", "Per Karisen"}
    assert found(clinic_a, "1990-01-02") == {"Ola Nordmann", "Per Karisen"}
    assert found(clinic_a, "31.02.1990") == set()  # not a date: searched as a name, finds nothing


def test_search_by_whole_national_id_is_exact_and_within_the_clinic(register, clinic_a):
    assert list(selectors.patient_search(clinic=clinic_a, query=FNR)) == [register["kari"]]
    assert list(selectors.patient_search(clinic=clinic_a, query="151086 95088")) == [register["kari"]]
    assert found(clinic_a, FNR[:10]) == set()  # part of a number finds nothing
    assert found(clinic_a, register["ola"].national_id) == {"Ola Nordmann"}


def test_patient_detail_is_scoped_to_the_clinic(register, clinic_a, clinic_b):
    assert selectors.patient_detail(clinic=clinic_a, pk=register["kari"].pk) == register["kari"]
    with pytest.raises(Patient.DoesNotExist):
        selectors.patient_detail(clinic=clinic_b, pk=register["kari"].pk)


def test_patient_detail_loads_risk_flags_with_their_authors_in_a_fixed_number_of_queries(
    patient_a, physio, django_assert_num_queries
):
    for _ in range(5):
        RiskFlagFactory(patient=patient_a, resolved_by=physio.user)

    with django_assert_num_queries(2):  # the patient, then the flags with both users joined
        patient = selectors.patient_detail(clinic=patient_a.clinic, pk=patient_a.pk)
        names = [(f.recorded_by.username, f.resolved_by.username) for f in patient.risk_flags.all()]

    assert names == [("reception", "physio")] * 5


def test_patient_access_log_holds_only_this_patient_in_this_clinic_newest_first(patient_a, physio, doctor, outsider):
    other = PatientFactory(clinic=patient_a.clinic)
    first = audit_record(
        actor=Actor(user=physio.user, clinic=physio.clinic, role="physio"), action="a", patient=patient_a
    )
    audit_record(actor=Actor(user=physio.user, clinic=physio.clinic, role="physio"), action="b", patient=other)
    audit_record(actor=Actor(user=outsider.user, clinic=outsider.clinic, role="physio"), action="c", patient=patient_a)
    last = audit_record(
        actor=Actor(user=doctor.user, clinic=doctor.clinic, role="doctor"), action="d", patient=patient_a
    )

    log = list(selectors.patient_access_log(clinic=patient_a.clinic, patient=patient_a))

    assert log == [last, first]
