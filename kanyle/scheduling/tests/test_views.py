from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kanyle.audit.models import AuditEvent
from kanyle.patients.tests.factories import PatientFactory
from kanyle.scheduling.models import Appointment, AppointmentStatus, CalendarFeed, ClinicSession
from kanyle.scheduling.tests.conftest import at
from kanyle.staff.models import AgreementHours, MunicipalAgreement

pytestmark = pytest.mark.django_db


def _make(practitioner, kind, start, patient, **extra):
    return Appointment.objects.create(
        clinic=practitioner.clinic,
        practitioner=practitioner,
        appointment_type=kind,
        patient=patient,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=kind.duration_minutes),
        **extra,
    )


def _week_url(monday, **params):
    query = "&".join(f"{k}={v}" for k, v in {"date": monday.isoformat(), **params}.items())
    return f"{reverse('scheduling:calendar')}?{query}"


def test_week_shows_appointments_sessions_and_agreement_shading(
    client_as, physio, practitioner_a, follow_up, patient_a, session, monday, clinic_a
):
    _make(practitioner_a, follow_up, at(monday, 9), patient_a)
    agreement = MunicipalAgreement.objects.create(
        clinic=clinic_a, practitioner=practitioner_a, municipality="X", percent=50, valid_from=datetime.date(2024, 1, 1)
    )
    AgreementHours.objects.create(agreement=agreement, weekday=0, start=datetime.time(8), end=datetime.time(15))
    response = client_as(physio).get(_week_url(monday))
    assert response.status_code == 200
    html = response.content.decode()
    assert patient_a.full_name in html
    assert 'data-testid="clinic-session"' in html
    assert 'data-testid="agreement-hours"' in html
    # 09:00 is row 2 + 8 quarter-hours; Monday is column 2; 30 minutes span two rows.
    assert "cal-c2 cal-r10 cal-s2" in html
    assert 'fill="#0b5d6b"' in html
    assert AuditEvent.objects.filter(action="scheduling.calendar.listed", patient=patient_a).exists()


def test_day_view_and_room_filter(client_as, reception, practitioner_a, follow_up, patient_a, monday, room):
    _make(practitioner_a, follow_up, at(monday, 9), patient_a, room=room)
    client = client_as(reception)
    assert patient_a.full_name in client.get(_week_url(monday, view="day", all=1)).content.decode()
    assert patient_a.full_name in client.get(_week_url(monday, room=room.pk)).content.decode()


def test_week_view_query_count_is_fixed(
    client_as, physio, practitioner_a, follow_up, clinic_a, reception, monday, room
):
    client = client_as(physio)
    url = _week_url(monday, all=1)
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    for i in range(3):
        _make(
            practitioner_a,
            follow_up,
            at(monday + datetime.timedelta(days=i), 9),
            PatientFactory(clinic=clinic_a, created_by=reception.user),
            room=room,
        )
    small = count()
    for i in range(15):
        _make(
            practitioner_a,
            follow_up,
            at(monday + datetime.timedelta(days=i % 5), 10 + i // 5),
            PatientFactory(clinic=clinic_a, created_by=reception.user),
            room=room,
        )
    assert count() == small


def test_create_appointment_by_national_id(client_as, reception, practitioner_a, follow_up, patient_a, monday):
    response = client_as(reception).post(
        reverse("scheduling:appointment-create"),
        {
            "patient_id": patient_a.national_id,
            "appointment_type": follow_up.pk,
            "practitioner": practitioner_a.pk,
            "date": monday.isoformat(),
            "time": "09:00",
        },
    )
    assert response.status_code == 302
    assert Appointment.objects.get().patient == patient_a


@pytest.mark.parametrize(
    ("date_offset", "time"),
    [
        (0, "09:15"),  # double booking
        (-30, "09:00"),  # in the past
    ],
)
def test_bad_bookings_refused_without_saving(
    client_as, reception, practitioner_a, follow_up, patient_a, monday, date_offset, time
):
    _make(practitioner_a, follow_up, at(monday, 9), patient_a)
    response = client_as(reception).post(
        reverse("scheduling:appointment-create"),
        {
            "patient_id": patient_a.national_id,
            "appointment_type": follow_up.pk,
            "practitioner": practitioner_a.pk,
            "date": (monday + datetime.timedelta(days=date_offset)).isoformat(),
            "time": time,
        },
    )
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert Appointment.objects.count() == 1


def test_injection_outside_session_refused_in_view(client_as, reception, practitioner_a, injection, patient_a, monday):
    response = client_as(reception).post(
        reverse("scheduling:appointment-create"),
        {
            "patient_id": patient_a.national_id,
            "appointment_type": injection.pk,
            "practitioner": practitioner_a.pk,
            "date": monday.isoformat(),
            "time": "09:00",
        },
    )
    assert response.status_code == 400
    assert "INJ-O1" in response.content.decode()
    assert not Appointment.objects.exists()


def test_unknown_patient_refused(client_as, reception, practitioner_a, follow_up, monday):
    response = client_as(reception).post(
        reverse("scheduling:appointment-create"),
        {
            "patient_id": "01018012345",
            "appointment_type": follow_up.pk,
            "practitioner": practitioner_a.pk,
            "date": monday.isoformat(),
            "time": "09:00",
        },
    )
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_move_cancel_and_confirm_views(client_as, reception, practitioner_a, follow_up, patient_a, monday):
    a = _make(practitioner_a, follow_up, at(monday, 9), patient_a)
    client = client_as(reception)
    page = client.get(reverse("scheduling:appointment", args=[a.pk])).content.decode()
    assert f'value="{monday.isoformat()}"' in page and 'value="09:00"' in page
    response = client.post(
        reverse("scheduling:appointment-move", args=[a.pk]),
        {"practitioner": practitioner_a.pk, "date": monday.isoformat(), "time": "13:00"},
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert timezone.localtime(a.starts_at).hour == 13
    bad = client.post(
        reverse("scheduling:appointment-move", args=[a.pk]),
        {"practitioner": practitioner_a.pk, "date": "2020-01-01", "time": "13:00"},
    )
    assert bad.status_code == 400
    assert client.post(reverse("scheduling:appointment-cancel", args=[a.pk]), {"reason": ""}).status_code == 400
    assert client.post(reverse("scheduling:appointment-cancel", args=[a.pk]), {"reason": "Syk"}).status_code == 302
    a.refresh_from_db()
    assert a.status == AppointmentStatus.CANCELLED

    request = Appointment.objects.create(
        clinic=a.clinic,
        practitioner=practitioner_a,
        appointment_type=follow_up,
        starts_at=at(monday, 15),
        ends_at=at(monday, 15, 30),
        status=AppointmentStatus.REQUESTED,
        requester_name="Kari Nordmann",
        requester_national_id=patient_a.national_id,
        requester_phone="91234567",
    )
    assert request.requester_name in client.get(reverse("scheduling:requests")).content.decode()
    detail = client.get(reverse("scheduling:appointment", args=[request.pk])).content.decode()
    assert 'data-testid="registered-match"' in detail and patient_a.full_name in detail
    client.post(reverse("scheduling:appointment-confirm", args=[request.pk]))
    request.refresh_from_db()
    assert (request.status, request.patient) == (AppointmentStatus.BOOKED, patient_a)


def test_no_show_of_future_appointment_gives_message_not_500(
    client_as, reception, practitioner_a, follow_up, patient_a, monday
):
    a = _make(practitioner_a, follow_up, at(monday, 9), patient_a)
    response = client_as(reception).post(reverse("scheduling:appointment-no-show", args=[a.pk]), follow=True)
    assert response.status_code == 200
    a.refresh_from_db()
    assert a.status == AppointmentStatus.BOOKED


def test_other_clinic_gets_404(client_as, outsider, practitioner_a, follow_up, patient_a, monday):
    a = _make(practitioner_a, follow_up, at(monday, 9), patient_a)
    client = client_as(outsider)
    assert client.get(reverse("scheduling:appointment", args=[a.pk])).status_code == 404
    assert client.post(reverse("scheduling:appointment-cancel", args=[a.pk]), {"reason": "x"}).status_code == 404
    assert client.get(_week_url(monday, practitioner=practitioner_a.pk)).status_code == 404
    a.refresh_from_db()
    assert a.status == AppointmentStatus.BOOKED


def test_access_by_role(client_as, admin, reception, physio, monday):
    assert client_as(admin).get(reverse("scheduling:appointment-create")).status_code == 403
    assert client_as(reception).get(reverse("scheduling:session-create")).status_code == 403
    assert client_as(admin).get(reverse("scheduling:session-create")).status_code == 200
    assert client_as(physio).get(reverse("scheduling:calendar")).status_code == 200


def test_session_create_view(client_as, admin, practitioner_a, doctor_p, monday):
    client = client_as(admin)
    data = {
        "doctor": doctor_p.pk,
        "physio": practitioner_a.pk,
        "doctor_mode": "on_site",
        "date": monday.isoformat(),
        "time": "16:00",
        "end_time": "19:00",
        "weeks": 3,
    }
    assert client.post(reverse("scheduling:session-create"), data).status_code == 302
    assert ClinicSession.objects.count() == 3
    assert client.post(reverse("scheduling:session-create"), {**data, "end_time": "15:00"}).status_code == 400
    assert client.post(reverse("scheduling:session-create"), data).status_code == 400  # clashes with the series
    assert ClinicSession.objects.count() == 3


def test_feed_token_and_ics(client, client_as, physio, reception, practitioner_a, follow_up, patient_a, monday):
    _make(practitioner_a, follow_up, at(monday, 9), patient_a)
    assert client_as(reception).get(reverse("scheduling:feed-settings")).status_code == 200
    assert client_as(reception).post(reverse("scheduling:feed-settings")).status_code == 200
    assert not CalendarFeed.objects.exists()
    response = client_as(physio).post(reverse("scheduling:feed-settings"))
    token = CalendarFeed.objects.get(practitioner=practitioner_a).token
    assert token in response.content.decode()
    assert AuditEvent.objects.filter(action="scheduling.feed.renewed").exists()
    ics = client.get(reverse("scheduling:feed", kwargs={"token": token}))
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "BEGIN:VEVENT" in body and "SUMMARY:Oppfølging" in body
    assert patient_a.family_name not in body
    assert client.get(reverse("scheduling:feed", kwargs={"token": "x" * 43})).status_code == 404


@pytest.mark.parametrize(
    "query", ["date=2026-02-30", "date=nonsense", "practitioner=abc", "room=999999", "view=day&date="]
)
def test_calendar_bad_parameters_no_500(client_as, physio, query):
    response = client_as(physio).get(f"{reverse('scheduling:calendar')}?{query}")
    assert response.status_code in (200, 404)


def test_setup_rooms_and_types(client_as, admin, physio, clinic_a, outsider):
    from kanyle.scheduling.models import AppointmentType, Room

    client = client_as(admin)
    assert client.get(reverse("scheduling:setup")).status_code == 200
    assert client.post(reverse("scheduling:setup"), {"form": "room", "room-name": "Rom 9"}).status_code == 302
    assert Room.objects.filter(clinic=clinic_a, name="Rom 9").exists()
    data = {
        "form": "type",
        "type-name": "Nål",
        "type-kind": "needling",
        "type-duration_minutes": 45,
        "type-colour": "#123456",
        "type-bookable_online": "on",
        "type-is_active": "on",
    }
    assert client.post(reverse("scheduling:setup"), data).status_code == 302
    kind = AppointmentType.objects.get(name="Nål")
    assert (kind.clinic, kind.duration_minutes, kind.colour) == (clinic_a, 45, "#123456")
    assert AuditEvent.objects.filter(action="scheduling.appointment_type.saved").exists()
    bad = {**data, "type-name": "Inj", "type-kind": "injection"}
    assert client.post(reverse("scheduling:setup"), bad).status_code == 400
    assert client.post(reverse("scheduling:setup"), {**data, "type-colour": "red"}).status_code == 400
    assert client.post(reverse("scheduling:setup"), {**data, "type-duration_minutes": 1}).status_code == 400
    assert not AppointmentType.objects.filter(name="Inj").exists()
    edit = reverse("scheduling:type-edit", args=[kind.pk])
    assert (
        client.post(
            edit, {**{k[5:]: v for k, v in data.items() if k.startswith("type-")}, "duration_minutes": 60}
        ).status_code
        == 302
    )
    kind.refresh_from_db()
    assert kind.duration_minutes == 60
    assert client_as(physio).get(reverse("scheduling:setup")).status_code == 403
    assert client_as(outsider).get(edit).status_code in (403, 404)


def test_clinic_day_view_has_a_column_per_practitioner(
    client_as, reception, practitioner_a, doctor_p, follow_up, patient_a, monday, clinic_a
):
    other = PatientFactory(clinic=clinic_a, created_by=reception.user)
    _make(practitioner_a, follow_up, at(monday, 9), patient_a)
    _make(doctor_p, follow_up, at(monday, 9), other)
    html = client_as(reception).get(_week_url(monday, view="day", all=1)).content.decode()
    assert "cal-cols-2" in html
    assert html.count("cal-r10 cal-s2") == 2
    assert "cal-c2 cal-r10" in html and "cal-c3 cal-r10" in html
    assert doctor_p.user.display_name in html and practitioner_a.user.display_name in html


def test_reception_registers_arrival_and_completion_and_can_then_charge(
    client_as, reception, admin, practitioner_a, follow_up, patient_a
):
    start = timezone.now() - datetime.timedelta(minutes=10)
    a = _make(practitioner_a, follow_up, start, patient_a)
    client = client_as(reception)
    assert client_as(admin).post(reverse("scheduling:appointment-arrived", args=[a.pk])).status_code == 403
    client.post(reverse("scheduling:appointment-arrived", args=[a.pk]))
    a.refresh_from_db()
    assert a.status == AppointmentStatus.ARRIVED
    page = client.post(reverse("scheduling:appointment-completed", args=[a.pk]), follow=True).content.decode()
    a.refresh_from_db()
    assert a.status == AppointmentStatus.COMPLETED
    assert reverse("billing:visit-charge", args=[a.pk]) in page
    codes = set(AuditEvent.objects.filter(patient=patient_a).values_list("action", flat=True))
    assert {"scheduling.appointment.arrived", "scheduling.appointment.completed"} <= codes


def test_a_visit_cannot_be_completed_before_it_starts_or_after_cancelling(
    client_as, reception, practitioner_a, follow_up, patient_a, monday
):
    future = _make(practitioner_a, follow_up, timezone.now() + datetime.timedelta(days=2), patient_a)
    client = client_as(reception)
    client.post(reverse("scheduling:appointment-completed", args=[future.pk]))
    future.refresh_from_db()
    assert future.status == AppointmentStatus.BOOKED
    past = _make(
        practitioner_a,
        follow_up,
        timezone.now() - datetime.timedelta(hours=3),
        patient_a,
        status=AppointmentStatus.CANCELLED,
        cancel_reason="Syk",
    )
    response = client.post(reverse("scheduling:appointment-completed", args=[past.pk]), follow=True)
    past.refresh_from_db()
    assert past.status == AppointmentStatus.CANCELLED
    assert response.status_code == 200
