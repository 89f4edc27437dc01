"""Writes to the patient register: validated, atomic, logged (LAW-J), never destructive."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from kanyle.audit.services import Actor
from kanyle.patients import services
from kanyle.patients.models import Patient, RiskFlag, RiskKind
from kanyle.patients.tests.factories import RiskFlagFactory
from kanyle.patients.tests.helpers import FNR, FNR_BORN, audit_events

DUPLICATE = "A patient with this national ID is already registered in the clinic."


def actor_for(persona) -> Actor:
    return Actor(user=persona.user, clinic=persona.clinic, role=persona.role, ip_address="10.0.0.7")


def new_patient(**fields) -> Patient:
    values = {
        "national_id": FNR,
        "id_type": "fnr",
        "given_name": "Kari",
        "family_name": "Nordmann",
        "birth_date": FNR_BORN,
        "gp_name": "Dr. Tone Aase",
    }
    values.update(fields)
    return Patient(**values)


def test_patient_create_registers_in_the_actors_clinic_and_logs_it(reception, clinic_b):
    patient = services.patient_create(actor=actor_for(reception), patient=new_patient(clinic=clinic_b))

    patient.refresh_from_db()
    assert (patient.clinic, patient.created_by) == (reception.clinic, reception.user)
    [event] = audit_events("patients.patient.created")
    assert (event.user, event.role, event.clinic, event.patient) == (
        reception.user,
        "reception",
        reception.clinic,
        patient,
    )
    assert event.ip_address == "10.0.0.7"


def test_patient_create_twice_with_the_same_number_refuses_the_second(reception):
    services.patient_create(actor=actor_for(reception), patient=new_patient())

    with pytest.raises(ValidationError) as info:
        services.patient_create(actor=actor_for(reception), patient=new_patient(given_name="Kari Anne"))

    assert gettext(DUPLICATE) in info.value.messages
    assert Patient.objects.count() == 1
    assert len(audit_events("patients.patient.created")) == 1


def test_patient_create_race_is_decided_by_the_database_constraint(reception, monkeypatch):
    """Two receptionists at once: both pass validation before either has saved. The unique
    constraint then refuses the second with the same message, not an IntegrityError (a 500), and
    the surrounding transaction stays usable (on PostgreSQL an aborted transaction would not)."""
    services.patient_create(actor=actor_for(reception), patient=new_patient())
    # The second request validated while the first was not yet committed: it saw no duplicate.
    monkeypatch.setattr(Patient, "validate_constraints", lambda self, exclude=None: None)

    with pytest.raises(ValidationError) as info:
        services.patient_create(actor=actor_for(reception), patient=new_patient(given_name="Kari Anne"))

    assert info.value.message_dict == {"national_id": [gettext(DUPLICATE)]}
    assert list(Patient.objects.values_list("given_name", flat=True)) == ["Kari"]
    assert len(audit_events("patients.patient.created")) == 1


def test_the_same_number_may_be_registered_in_another_clinic(reception, outsider):
    services.patient_create(actor=actor_for(reception), patient=new_patient())
    services.patient_create(actor=actor_for(outsider), patient=new_patient())

    assert sorted(Patient.objects.values_list("clinic__name", flat=True)) == ["Klinikk A", "Klinikk B"]


def test_patient_create_refuses_invalid_data_and_saves_nothing(reception):
    with pytest.raises(ValidationError) as info:
        services.patient_create(actor=actor_for(reception), patient=new_patient(given_name="<b>Kari</b>"))

    assert "given_name" in info.value.message_dict
    assert not Patient.objects.exists()
    assert not audit_events("patients.patient.created")


def test_inj_g4_database_refuses_no_gp_together_with_a_gp_name(reception):
    with pytest.raises(ValidationError):
        services.patient_create(actor=actor_for(reception), patient=new_patient(has_no_gp=True))

    assert not Patient.objects.exists()


def test_patient_update_logs_changed_field_names_not_values(physio, patient_a):
    patient_a.phone = "40000001"
    services.patient_update(actor=actor_for(physio), patient=patient_a, changed=["phone"])

    [event] = audit_events("patients.patient.updated")
    assert (event.patient, event.user, event.detail) == (patient_a, physio.user, "phone")
    patient_a.refresh_from_db()
    assert patient_a.phone == "40000001"


def test_national_id_reveal_returns_the_formatted_number_and_logs_it(doctor, patient_a):
    number = services.national_id_reveal(actor=actor_for(doctor), patient=patient_a)

    assert number == f"{patient_a.national_id[:6]} {patient_a.national_id[6:]}"
    [event] = audit_events("patients.national_id.revealed")
    assert (event.patient, event.user, event.role) == (patient_a, doctor.user, "doctor")


def test_risk_flag_add_sets_clinic_patient_and_author_and_logs_it(physio, patient_a, clinic_b):
    flag = services.risk_flag_add(
        actor=actor_for(physio), patient=patient_a, flag=RiskFlag(kind=RiskKind.PACEMAKER, clinic=clinic_b)
    )

    flag.refresh_from_db()
    assert (flag.clinic, flag.patient, flag.recorded_by) == (patient_a.clinic, patient_a, physio.user)
    [event] = audit_events("patients.risk_flag.created")
    assert (event.patient, event.object_id, event.detail) == (patient_a, str(flag.pk), "pacemaker")


@pytest.mark.parametrize("kind", [RiskKind.ALLERGY, RiskKind.OTHER])
def test_risk_flag_add_refuses_allergy_or_other_without_details(physio, patient_a, kind):
    with pytest.raises(ValidationError):
        services.risk_flag_add(actor=actor_for(physio), patient=patient_a, flag=RiskFlag(kind=kind))

    assert not RiskFlag.objects.exists()
    assert not audit_events("patients.risk_flag.created")


def test_risk_flag_resolve_keeps_the_flag_and_logs_once(doctor, patient_a):
    flag = RiskFlagFactory(patient=patient_a)

    services.risk_flag_resolve(actor=actor_for(doctor), flag=flag)
    services.risk_flag_resolve(actor=actor_for(doctor), flag=flag)  # a double click changes nothing more

    flag.refresh_from_db()
    assert flag.resolved_by == doctor.user
    assert flag.resolved_at is not None
    assert not flag.is_active
    assert RiskFlag.objects.filter(pk=flag.pk).exists()
    assert len(audit_events("patients.risk_flag.resolved", patient=patient_a)) == 1
