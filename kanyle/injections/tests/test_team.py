"""Delegations (INJ-D5, INJ-P1, INJ-P2, LAW-H5, INJ-O3) and supervision availability (INJ-D6), through the pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from conftest import make_persona
from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import OrganisationModel, Role
from kanyle.injections.models import Delegation, ProcedureType, SupervisionAvailability, SupervisionMode
from kanyle.injections.tests.factories import make_delegation, practitioner_of, ready_world
from kanyle.staff.models import CredentialKind

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def world(doctor, physio, admin, patient_a):
    return ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)


def delegation_data(world, **overrides):
    today = timezone.localdate()
    data = {
        "physio": world.physio.pk,
        "procedure_types": [ProcedureType.CORTICOSTEROID, ProcedureType.ASPIRATION],
        "supervision_mode": SupervisionMode.ON_SITE,
        "instructions": "Ring meg før du starter; følg prosedyren for skulderinjeksjon.",
        "valid_from": today.isoformat(),
        "valid_to": (today + 90 * DAY).isoformat(),
        "credentials_checked": "on",
    }
    data.update(overrides)
    return data


def gate_item(world, key, **kwargs):
    return next(item for item in world.gate(**kwargs).items if item.key == key)


# --- Delegations -------------------------------------------------------------------------------------


def test_inj_d5_physio_without_delegation_is_refused_at_the_gate(world):
    world.delegation.delete()

    item = gate_item(world, "performer")

    assert not item.ok
    assert item.rules == ("LAW-H5",)
    assert world.physio.user.display_name in item.messages[0]


def test_inj_d5_after_revoke_the_delegation_stops_counting_at_once(world, doctor, client_as):
    assert gate_item(world, "performer").ok

    response = client_as(doctor).post(
        reverse("injections:delegation-revoke", args=[world.delegation.pk]), {"reason": "Ny opplæring trengs"}
    )

    assert response.status_code == 302
    world.delegation.refresh_from_db()
    assert world.delegation.revoked_at is not None and world.delegation.revoked_reason == "Ny opplæring trengs"
    assert not gate_item(world, "performer").ok
    assert AuditEvent.objects.filter(action="injections.delegation.revoked").count() == 1


def test_law_h5_only_the_delegating_doctor_revokes(world, clinic_a, client_as):
    other = make_persona("doctor2", clinic_a, Role.DOCTOR)

    response = client_as(other).post(
        reverse("injections:delegation-revoke", args=[world.delegation.pk]), {"reason": "Uenig"}
    )

    assert response.status_code == 400
    assert escape(gettext("Only the doctor who gave the delegation can revoke it.")) in response.content.decode()
    world.delegation.refresh_from_db()
    assert world.delegation.revoked_at is None


def test_law_h5_revoke_needs_a_reason(world, doctor, client_as):
    response = client_as(doctor).post(reverse("injections:delegation-revoke", args=[world.delegation.pk]), {})

    assert response.status_code == 400
    world.delegation.refresh_from_db()
    assert world.delegation.revoked_at is None


def test_law_h5_a_physio_cannot_delegate_or_revoke(world, physio, client_as):
    client = client_as(physio)
    count = Delegation.objects.count()

    assert client.get(reverse("injections:delegation-create")).status_code == 403
    assert client.post(reverse("injections:delegation-create"), delegation_data(world)).status_code == 403
    assert (
        client.post(reverse("injections:delegation-revoke", args=[world.delegation.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert Delegation.objects.count() == count


def test_law_h5_doctor_signs_a_delegation_resting_on_the_checked_credentials(world, doctor, client_as):
    client = client_as(doctor)
    page = client.get(reverse("injections:delegation-create"))
    assert page.status_code == 200
    assert gettext("Credentials in the staff register") in page.content.decode()
    assert gettext("Injection training") in page.content.decode()

    response = client.post(reverse("injections:delegation-create"), delegation_data(world))

    assert response.status_code == 302
    delegation = Delegation.objects.latest("signed_at")
    assert delegation.doctor == world.doctor and delegation.physio == world.physio
    assert delegation.procedure_types == [ProcedureType.CORTICOSTEROID, ProcedureType.ASPIRATION]
    assert delegation.signed_at is not None
    kinds = sorted(c["kind"] for c in delegation.credentials_snapshot)
    assert kinds == sorted(
        [CredentialKind.MSK_ULTRASOUND, CredentialKind.US_GUIDED_PROCEDURES, CredentialKind.INJECTION]
    )
    assert all(c["verified_at"] and c["issuer"] and c["issued_on"] for c in delegation.credentials_snapshot)


def test_law_h5_credentials_must_be_checked_before_signing(world, doctor, client_as):
    count = Delegation.objects.count()
    data = delegation_data(world)
    del data["credentials_checked"]

    response = client_as(doctor).post(reverse("injections:delegation-create"), data)

    assert response.status_code == 400
    assert "(LAW-H5)" in response.content.decode()
    assert Delegation.objects.count() == count


def test_inj_p2_no_injection_training_refuses_drug_delegation_but_allows_aspiration(world, doctor, client_as):
    world.physio.credentials.filter(kind=CredentialKind.INJECTION).delete()
    client = client_as(doctor)
    count = Delegation.objects.count()

    refused = client.post(reverse("injections:delegation-create"), delegation_data(world))

    assert refused.status_code == 400
    assert "(INJ-P2)" in refused.content.decode()
    assert Delegation.objects.count() == count

    allowed = client.post(
        reverse("injections:delegation-create"), delegation_data(world, procedure_types=[ProcedureType.ASPIRATION])
    )

    assert allowed.status_code == 302
    delegation = Delegation.objects.latest("signed_at")
    assert delegation.procedure_types == [ProcedureType.ASPIRATION]
    assert CredentialKind.INJECTION not in [c["kind"] for c in delegation.credentials_snapshot]


def test_inj_p2_physio_without_injection_training_fails_the_gate_for_a_drug(world):
    world.physio.credentials.filter(kind=CredentialKind.INJECTION).delete()

    item = gate_item(world, "competence")

    assert not item.ok and item.rules == ("INJ-P2",)


def test_inj_p1_no_ultrasound_competence_refuses_the_delegation(world, doctor, client_as):
    world.physio.credentials.filter(kind=CredentialKind.US_GUIDED_PROCEDURES).delete()
    count = Delegation.objects.count()

    response = client_as(doctor).post(
        reverse("injections:delegation-create"), delegation_data(world, procedure_types=[ProcedureType.ASPIRATION])
    )

    assert response.status_code == 400
    assert "(INJ-P1)" in response.content.decode()
    assert Delegation.objects.count() == count


def test_inj_o3_video_delegation_only_in_clinics_with_the_doctor_by_video(world, doctor, client_as):
    count = Delegation.objects.count()

    response = client_as(doctor).post(
        reverse("injections:delegation-create"), delegation_data(world, supervision_mode=SupervisionMode.VIDEO)
    )

    assert response.status_code == 400
    assert "(INJ-O3)" in response.content.decode()
    assert Delegation.objects.count() == count

    world.clinic.organisation_model = OrganisationModel.DOCTOR_BY_VIDEO
    world.clinic.save(update_fields=["organisation_model"])
    response = client_as(doctor).post(
        reverse("injections:delegation-create"), delegation_data(world, supervision_mode=SupervisionMode.VIDEO)
    )
    assert response.status_code == 302


def test_inj_d5_list_shows_active_future_expired_and_revoked_to_every_clinician(world, physio, client_as):
    today = timezone.localdate()
    make_delegation(world.doctor, world.physio, valid_from=today + 10 * DAY, valid_to=today + 20 * DAY)
    make_delegation(world.doctor, world.physio, valid_from=today - 20 * DAY, valid_to=today - 10 * DAY)
    make_delegation(world.doctor, world.physio, revoked_at=timezone.now(), revoked_reason="Sluttet")

    response = client_as(physio).get(reverse("injections:delegation-list"))

    assert response.status_code == 200
    groups = {key: len(rows) for key, _title, rows in response.context["groups"]}
    assert groups == {"active": 1, "future": 1, "expired": 1, "revoked": 1}
    assert "Sluttet" in response.content.decode()


def test_delegation_pages_refuse_other_roles_and_other_clinics(world, reception, outsider, client_as):
    assert client_as(reception).get(reverse("injections:delegation-list")).status_code == 403
    outsider_doctor = make_persona("doctorb", outsider.clinic, Role.DOCTOR)
    response = client_as(outsider_doctor).post(
        reverse("injections:delegation-revoke", args=[world.delegation.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    world.delegation.refresh_from_db()
    assert world.delegation.revoked_at is None


def test_inj_d5_a_physio_of_another_clinic_cannot_be_chosen(world, doctor, outsider, client_as):
    count = Delegation.objects.count()

    response = client_as(doctor).post(
        reverse("injections:delegation-create"), delegation_data(world, physio=practitioner_of(outsider).pk)
    )

    assert response.status_code == 400
    assert Delegation.objects.count() == count


# --- Availability --------------------------------------------------------------------------------------


def local(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_inj_d6_doctor_not_available_is_red(world):
    world.availability.delete()

    item = gate_item(world, "supervision")

    assert not item.ok and item.rules == ("INJ-D6",)


def test_inj_d6_doctor_marks_a_period_and_the_gate_turns_green(world, doctor, client_as):
    world.availability.delete()
    now = timezone.now()

    response = client_as(doctor).post(
        reverse("injections:availability-create"),
        {
            "mode": SupervisionMode.ON_SITE,
            "starts_at": local(now - 5 * 60 * datetime.timedelta(seconds=1)),
            "ends_at": local(now + datetime.timedelta(hours=2)),
        },
    )

    assert response.status_code == 302
    assert gate_item(world, "supervision").ok


def test_inj_d6_end_before_start_is_refused(world, doctor, client_as):
    count = SupervisionAvailability.objects.count()
    now = timezone.now()

    response = client_as(doctor).post(
        reverse("injections:availability-create"),
        {"mode": SupervisionMode.ON_SITE, "starts_at": local(now + datetime.timedelta(hours=2)), "ends_at": local(now)},
    )

    assert response.status_code == 400
    assert escape(gettext("The end must be after the start.")) in response.content.decode()
    assert SupervisionAvailability.objects.count() == count


def test_inj_d6_video_availability_only_in_o3(world, doctor, client_as):
    count = SupervisionAvailability.objects.count()

    response = client_as(doctor).post(
        reverse("injections:availability-now"), {"hours": 2, "mode": SupervisionMode.VIDEO}
    )

    assert response.status_code == 400
    assert "(INJ-O3)" in response.content.decode()
    assert SupervisionAvailability.objects.count() == count


def test_inj_d6_available_now_for_n_hours_and_cancel(world, doctor, physio, client_as):
    world.availability.delete()
    client = client_as(doctor)

    response = client.post(reverse("injections:availability-now"), {"hours": 3, "mode": SupervisionMode.ON_SITE})

    assert response.status_code == 302
    period = SupervisionAvailability.objects.get()
    assert period.ends_at - period.starts_at == datetime.timedelta(hours=3)
    assert gate_item(world, "supervision").ok
    listing = client_as(physio).get(reverse("injections:availability-list"))
    assert listing.status_code == 200
    assert gettext("Available now") in listing.content.decode()

    response = client.post(reverse("injections:availability-cancel", args=[period.pk]))

    assert response.status_code == 302
    assert not gate_item(world, "supervision").ok


def test_inj_d6_only_the_doctor_marks_and_cancels_own_availability(world, physio, clinic_a, client_as):
    count = SupervisionAvailability.objects.count()
    assert (
        client_as(physio).post(reverse("injections:availability-now"), {"hours": 2, "mode": "on_site"}).status_code
        == 403
    )
    other = make_persona("doctor2", clinic_a, Role.DOCTOR)
    response = client_as(other).post(reverse("injections:availability-cancel", args=[world.availability.pk]))
    assert response.status_code == 400
    world.availability.refresh_from_db()
    assert world.availability.cancelled_at is None
    assert SupervisionAvailability.objects.count() == count
