from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kanyle.audit.models import AuditEvent
from kanyle.patients.models import Patient
from kanyle.patients.tests.factories import PatientFactory, synthetic_id
from kanyle.scheduling import services
from kanyle.scheduling.models import Appointment, AppointmentStatus, ClinicSession, DoctorMode
from kanyle.scheduling.tests.conftest import at
from kanyle.staff.models import AgreementHours, MunicipalAgreement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def book(actor, practitioner, kind, start, patient, **kwargs):
    return services.appointment_book(
        actor=actor, practitioner=practitioner, appointment_type=kind, starts_at=start, patient=patient, **kwargs
    )


def test_book_writes_audit_row(reception_actor, practitioner_a, follow_up, patient_a, monday, room):
    a = book(reception_actor, practitioner_a, follow_up, at(monday, 9), patient_a, room=room)
    assert a.status == AppointmentStatus.BOOKED
    assert a.ends_at - a.starts_at == datetime.timedelta(minutes=30)
    event = AuditEvent.objects.get(action="scheduling.appointment.booked")
    assert event.patient == patient_a and event.object_id == str(a.pk)


def test_double_booking_practitioner_refused(reception_actor, practitioner_a, follow_up, patient_a, monday):
    book(reception_actor, practitioner_a, follow_up, at(monday, 9), patient_a)
    with pytest.raises(ValidationError, match="already has an appointment"):
        book(reception_actor, practitioner_a, follow_up, at(monday, 9, 15), patient_a)
    assert Appointment.objects.count() == 1


def test_double_booking_room_refused(reception_actor, practitioner_a, doctor_p, follow_up, patient_a, monday, room):
    book(reception_actor, practitioner_a, follow_up, at(monday, 9), patient_a, room=room)
    with pytest.raises(ValidationError, match="room is already booked"):
        book(reception_actor, doctor_p, follow_up, at(monday, 9, 15), patient_a, room=room)
    assert Appointment.objects.count() == 1


def test_back_to_back_allowed(reception_actor, practitioner_a, follow_up, patient_a, monday, room):
    book(reception_actor, practitioner_a, follow_up, at(monday, 9), patient_a, room=room)
    book(reception_actor, practitioner_a, follow_up, at(monday, 9, 30), patient_a, room=room)
    assert Appointment.objects.count() == 2


def test_booking_in_the_past_refused(reception_actor, practitioner_a, follow_up, patient_a):
    with pytest.raises(ValidationError, match="in the past"):
        book(reception_actor, practitioner_a, follow_up, timezone.now() - datetime.timedelta(hours=1), patient_a)
    assert not Appointment.objects.exists()


def test_end_before_start_refused(reception_actor, practitioner_a, follow_up, patient_a, monday):
    with pytest.raises(ValidationError, match="end after it starts"):
        book(reception_actor, practitioner_a, follow_up, at(monday, 9), patient_a, ends_at=at(monday, 8))
    assert not Appointment.objects.exists()


def test_other_clinics_patient_refused(reception_actor, practitioner_a, follow_up, clinic_b, monday):
    stranger = PatientFactory(clinic=clinic_b)
    with pytest.raises(ValidationError):
        book(reception_actor, practitioner_a, follow_up, at(monday, 9), stranger)


def test_cancel_needs_reason_and_frees_slot(reception_actor, practitioner_a, follow_up, patient_a, monday):
    a = book(reception_actor, practitioner_a, follow_up, at(monday, 9), patient_a)
    with pytest.raises(ValidationError):
        services.appointment_cancel(actor=reception_actor, appointment=a, reason="  ")
    services.appointment_cancel(actor=reception_actor, appointment=a, reason="Sick")
    a.refresh_from_db()
    assert (a.status, a.cancel_reason) == ("cancelled", "Sick")
    assert AuditEvent.objects.filter(action="scheduling.appointment.cancelled", reason="Sick").exists()
    book(reception_actor, practitioner_a, follow_up, at(monday, 9), patient_a)


def test_move_and_refuse_move_onto_other(reception_actor, practitioner_a, follow_up, patient_a, monday):
    a = book(reception_actor, practitioner_a, follow_up, at(monday, 9), patient_a)
    b = book(reception_actor, practitioner_a, follow_up, at(monday, 10), patient_a)
    services.appointment_move(actor=reception_actor, appointment=a, starts_at=at(monday, 11))
    a.refresh_from_db()
    assert a.starts_at == at(monday, 11) and a.ends_at == at(monday, 11, 30)
    with pytest.raises(ValidationError):
        services.appointment_move(actor=reception_actor, appointment=b, starts_at=at(monday, 11, 15))
    b.refresh_from_db()
    assert b.starts_at == at(monday, 10)
    assert AuditEvent.objects.filter(action="scheduling.appointment.moved").count() == 1


def test_no_show_only_after_start(reception_actor, practitioner_a, follow_up, patient_a, monday):
    a = book(reception_actor, practitioner_a, follow_up, at(monday, 9), patient_a)
    with pytest.raises(ValidationError):
        services.appointment_no_show(actor=reception_actor, appointment=a)
    Appointment.objects.filter(pk=a.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2), ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    services.appointment_no_show(actor=reception_actor, appointment=a)
    a.refresh_from_db()
    assert a.status == AppointmentStatus.NO_SHOW
    assert AuditEvent.objects.filter(action="scheduling.appointment.no_show").exists()


def _request(clinic, practitioner, kind, start, national_id):
    return services.appointment_request_online(
        clinic=clinic,
        appointment_type=kind,
        practitioner=practitioner,
        starts_at=start,
        name="Per Olsen Hansen",
        national_id=national_id,
        phone="91234567",
        email="",
        ip_address="10.0.0.1",
    )


def test_nal_8_request_then_confirm_registers_new_patient(clinic_a, reception_actor, practitioner_a, follow_up, monday):
    number = synthetic_id(datetime.date(1980, 5, 17))
    a = _request(clinic_a, practitioner_a, follow_up, at(monday, 9), number)
    assert a.status == AppointmentStatus.REQUESTED and a.patient is None
    event = AuditEvent.objects.get(action="scheduling.appointment.requested")
    assert event.user is None and event.clinic == clinic_a
    services.appointment_confirm(actor=reception_actor, appointment=a)
    a.refresh_from_db()
    assert a.status == AppointmentStatus.BOOKED
    assert (a.patient.given_name, a.patient.family_name, a.patient.national_id) == ("Per Olsen", "Hansen", number)
    assert AuditEvent.objects.filter(action="scheduling.appointment.confirmed").exists()


def test_nal_8_confirm_links_existing_patient(clinic_a, reception_actor, practitioner_a, follow_up, patient_a, monday):
    a = _request(clinic_a, practitioner_a, follow_up, at(monday, 9), patient_a.national_id)
    services.appointment_confirm(actor=reception_actor, appointment=a)
    a.refresh_from_db()
    assert a.patient == patient_a
    assert Patient.objects.count() == 1


def test_nal_8_request_refused_for_injection_and_taken_slot(
    clinic_a, reception_actor, practitioner_a, follow_up, injection, patient_a, monday
):
    injection.bookable_online = True
    injection.save()
    with pytest.raises(ValidationError, match="NAL-8"):
        _request(clinic_a, practitioner_a, injection, at(monday, 16), patient_a.national_id)
    book(reception_actor, practitioner_a, follow_up, at(monday, 9), patient_a)
    with pytest.raises(ValidationError):
        _request(clinic_a, practitioner_a, follow_up, at(monday, 9), patient_a.national_id)
    assert Appointment.objects.count() == 1


def test_nal_8_request_invalid_national_id_refused(clinic_a, practitioner_a, follow_up, monday):
    with pytest.raises(ValidationError):
        _request(clinic_a, practitioner_a, follow_up, at(monday, 9), "12345678901")
    assert not Appointment.objects.exists()


def test_inj_o1_injection_booked_inside_session(reception_actor, practitioner_a, injection, patient_a, session, monday):
    a = book(reception_actor, practitioner_a, injection, at(monday, 17), patient_a)
    assert a.clinic_session == session


def test_inj_o1_injection_outside_session_refused(
    reception_actor, practitioner_a, injection, patient_a, session, monday
):
    with pytest.raises(ValidationError, match="INJ-O1"):
        book(reception_actor, practitioner_a, injection, at(monday, 9), patient_a)
    assert not Appointment.objects.exists()


def test_inj_o1_moving_injection_out_of_session_refused(
    reception_actor, practitioner_a, injection, patient_a, session, monday
):
    a = book(reception_actor, practitioner_a, injection, at(monday, 17), patient_a)
    with pytest.raises(ValidationError, match="INJ-O1"):
        services.appointment_move(actor=reception_actor, appointment=a, starts_at=at(monday, 10))
    a.refresh_from_db()
    assert a.starts_at == at(monday, 17)


def test_inj_o2_injection_with_video_doctor_refused(
    reception_actor, practitioner_a, injection, patient_a, session, monday
):
    ClinicSession.objects.filter(pk=session.pk).update(doctor_mode=DoctorMode.VIDEO)
    with pytest.raises(ValidationError, match="INJ-O2"):
        book(reception_actor, practitioner_a, injection, at(monday, 17), patient_a)
    assert not Appointment.objects.exists()


def test_inj_f2_injection_in_agreement_hours_refused(
    clinic_a, reception_actor, practitioner_a, injection, patient_a, session, monday
):
    agreement = MunicipalAgreement.objects.create(
        clinic=clinic_a, practitioner=practitioner_a, municipality="X", percent=50, valid_from=datetime.date(2024, 1, 1)
    )
    AgreementHours.objects.create(
        agreement=agreement, weekday=monday.weekday(), start=datetime.time(8), end=datetime.time(17)
    )
    with pytest.raises(ValidationError, match="INJ-F2"):
        book(reception_actor, practitioner_a, injection, at(monday, 16, 30), patient_a)
    book(reception_actor, practitioner_a, injection, at(monday, 17), patient_a)
    assert Appointment.objects.count() == 1


def test_session_series_weekly(admin_actor, practitioner_a, doctor_p, monday):
    created = services.clinic_session_create(
        actor=admin_actor,
        doctor=doctor_p,
        physio=practitioner_a,
        doctor_mode=DoctorMode.ON_SITE,
        starts_at=at(monday, 16),
        ends_at=at(monday, 19),
        weeks=4,
    )
    assert [timezone.localtime(s.starts_at).hour for s in created] == [16] * 4
    assert [s.starts_at.date() - created[0].starts_at.date() for s in created][-1] == datetime.timedelta(weeks=3)
    assert len({s.series for s in created}) == 1
    assert AuditEvent.objects.filter(action="scheduling.session.created").count() == 1
    with pytest.raises(ValidationError):
        services.clinic_session_create(
            actor=admin_actor,
            doctor=doctor_p,
            physio=practitioner_a,
            doctor_mode=DoctorMode.ON_SITE,
            starts_at=at(monday, 18),
            ends_at=at(monday, 20),
        )


def test_session_needs_a_doctor(admin_actor, practitioner_a, clinic_a, monday):
    from kanyle.staff.tests.factories import PractitionerFactory

    other_physio = PractitionerFactory(clinic=clinic_a)
    with pytest.raises(ValidationError):
        services.clinic_session_create(
            actor=admin_actor,
            doctor=other_physio,
            physio=practitioner_a,
            doctor_mode=DoctorMode.ON_SITE,
            starts_at=at(monday, 16),
            ends_at=at(monday, 19),
        )
    assert not ClinicSession.objects.exists()
