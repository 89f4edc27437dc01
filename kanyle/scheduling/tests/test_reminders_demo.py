from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kanyle.scheduling import sms
from kanyle.scheduling.demo import create_demo_schedule
from kanyle.scheduling.models import Appointment, AppointmentStatus, AppointmentType, ClinicSession

pytestmark = pytest.mark.django_db


def test_reminders_sent_once(practitioner_a, follow_up, patient_a, settings):
    settings.KANYLE_SMS_BACKEND = "kanyle.scheduling.sms.ConsoleBackend"
    sms.ConsoleBackend.outbox.clear()
    patient_a.email = "kari@example.com"
    patient_a.save()
    soon = timezone.now() + datetime.timedelta(hours=5)
    later = timezone.now() + datetime.timedelta(hours=50)
    a = Appointment.objects.create(
        clinic=practitioner_a.clinic,
        practitioner=practitioner_a,
        appointment_type=follow_up,
        patient=patient_a,
        starts_at=soon,
        ends_at=soon + datetime.timedelta(minutes=30),
    )
    Appointment.objects.create(
        clinic=practitioner_a.clinic,
        practitioner=practitioner_a,
        appointment_type=follow_up,
        patient=patient_a,
        starts_at=later,
        ends_at=later + datetime.timedelta(minutes=30),
    )
    out = StringIO()
    call_command("send_reminders", "--hours", "24", stdout=out)
    assert "1 reminder(s) sent." in out.getvalue()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kari@example.com"]
    assert sms.ConsoleBackend.outbox[-1][0] == "91234567"
    a.refresh_from_db()
    assert a.reminder_sent_at is not None
    call_command("send_reminders", "--hours", "24", stdout=StringIO())
    assert len(mail.outbox) == 1


def test_sms_backend_is_pluggable(settings):
    settings.KANYLE_SMS_BACKEND = "kanyle.scheduling.sms.ConsoleBackend"
    assert isinstance(sms.get_backend(), sms.ConsoleBackend)
    del settings.KANYLE_SMS_BACKEND
    assert isinstance(sms.get_backend(), sms.ConsoleBackend)


def test_demo_schedule(clinic_a, practitioner_a, doctor, patient_a):
    from kanyle.staff.models import Practitioner

    doctor_p = Practitioner.objects.get(user=doctor.user)
    result = create_demo_schedule(clinic=clinic_a, physio=practitioner_a, doctor=doctor_p, patients=[patient_a])
    assert AppointmentType.objects.filter(clinic=clinic_a, kind="injection", bookable_online=False).exists()
    assert ClinicSession.objects.filter(clinic=clinic_a).count() == 8
    assert Appointment.objects.filter(status=AppointmentStatus.REQUESTED).count() == 1
    assert len(result["appointments"]) >= 6
    # Running twice does not fail.
    create_demo_schedule(clinic=clinic_a, physio=practitioner_a, doctor=doctor_p, patients=[patient_a])
