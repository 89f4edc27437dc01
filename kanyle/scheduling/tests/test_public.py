"""NAL-8: the public self-booking page — no login, no referral, arrives as 'requested', abuse-proof."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kanyle.audit.models import AuditEvent
from kanyle.patients.tests.factories import synthetic_id
from kanyle.scheduling import selectors
from kanyle.scheduling.models import Appointment, AppointmentStatus
from kanyle.scheduling.views.public import RATE_LIMIT

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(clinic_a):
    return reverse("scheduling:booking", kwargs={"slug": clinic_a.slug})


def _first_slot(client, url, kind):
    response = client.get(f"{url}?service={kind.pk}")
    assert response.status_code == 200
    form = response.context["form"]
    return form.fields["slot"].choices[0][0]


def _data(kind, slot, **overrides):
    return {
        "service": kind.pk,
        "slot": slot,
        "name": "Per Hansen",
        "national_id": synthetic_id(datetime.date(1985, 3, 2)),
        "phone": "91234567",
        "email": "",
        "website": "",
        **overrides,
    }


def test_nal_8_patient_books_without_login(client, url, clinic_a, practitioner_a, follow_up):
    slot = _first_slot(client, url, follow_up)
    response = client.post(url, _data(follow_up, slot))
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:booking-done", kwargs={"slug": clinic_a.slug})
    booked = Appointment.objects.get()
    assert booked.status == AppointmentStatus.REQUESTED and booked.patient is None
    assert booked.requester_name == "Per Hansen" and booked.practitioner == practitioner_a
    assert booked.starts_at > timezone.now()
    event = AuditEvent.objects.get(action="scheduling.appointment.requested")
    assert event.user is None and event.ip_address == "127.0.0.1"
    assert client.get(response["Location"]).status_code == 200


def test_nal_8_injection_not_offered(client, url, follow_up, injection):
    injection.bookable_online = True
    injection.save()
    response = client.get(url)
    assert follow_up.name in response.content.decode()
    assert injection.name not in response.content.decode()
    assert client.get(f"{url}?service={injection.pk}").context["form"] is None


def test_nal_8_invalid_national_id_refused_nothing_saved(client, url, practitioner_a, follow_up):
    slot = _first_slot(client, url, follow_up)
    response = client.post(url, _data(follow_up, slot, national_id="12345678901"))
    assert response.status_code == 400
    assert 'id="id_national_id_error"' in response.content.decode() or response.context["form"].errors["national_id"]
    assert not Appointment.objects.exists()


def test_nal_8_contact_required_and_name_checked(client, url, practitioner_a, follow_up):
    slot = _first_slot(client, url, follow_up)
    assert client.post(url, _data(follow_up, slot, phone="")).status_code == 400
    assert client.post(url, _data(follow_up, slot, name="<script>")).status_code == 400
    assert client.post(url, _data(follow_up, "999-1")).status_code == 400
    assert not Appointment.objects.exists()


def test_nal_8_honeypot_looks_like_success_saves_nothing(client, url, clinic_a, practitioner_a, follow_up):
    slot = _first_slot(client, url, follow_up)
    response = client.post(url, _data(follow_up, slot, website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:booking-done", kwargs={"slug": clinic_a.slug})
    assert not Appointment.objects.exists()


def test_nal_8_flooding_is_rate_limited(client, url, practitioner_a, follow_up):
    slot = _first_slot(client, url, follow_up)
    for _ in range(RATE_LIMIT):
        assert client.post(url, _data(follow_up, slot, national_id="1")).status_code == 400
    response = client.post(url, _data(follow_up, slot))
    assert response.status_code == 429
    assert not Appointment.objects.exists()
    # Another address is not affected.
    assert client.post(url, _data(follow_up, slot), REMOTE_ADDR="10.9.8.7").status_code == 302


def test_nal_8_no_enumeration_of_patients(client, url, practitioner_a, follow_up, patient_a):
    """A known and an unknown national ID get exactly the same answer."""
    slot = _first_slot(client, url, follow_up)
    known = client.post(url, _data(follow_up, slot, national_id=patient_a.national_id))
    second = _first_slot(client, url, follow_up)
    unknown = client.post(url, _data(follow_up, second))
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert patient_a.family_name not in client.get(known["Location"]).content.decode()
    assert Appointment.objects.filter(patient__isnull=True).count() == 2


def test_nal_8_taken_slot_not_offered(client, url, clinic_a, practitioner_a, follow_up):
    slots = selectors.free_slots(clinic=clinic_a, appointment_type=follow_up)
    person, start = slots[0]
    client.post(url, _data(follow_up, f"{person.pk}-{int(start.timestamp())}"))
    assert (person, start) not in selectors.free_slots(clinic=clinic_a, appointment_type=follow_up)
    # Posting the same slot again is refused, not a 500.
    response = client.post(url, _data(follow_up, f"{person.pk}-{int(start.timestamp())}"))
    assert response.status_code == 400
    assert Appointment.objects.count() == 1


def test_nal_8_unknown_clinic_404(client):
    assert client.get(reverse("scheduling:booking", kwargs={"slug": "finnes-ikke"})).status_code == 404
