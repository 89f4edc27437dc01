"""The staff services guard their invariants themselves, so the API and commands get the same
protection as the forms."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from kanyle.accounts.models import User
from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.clinics.models import Membership, Role
from kanyle.staff import rules, services
from kanyle.staff.models import Credential, CredentialKind, InsuranceCover, Practitioner
from kanyle.staff.tests.factories import CredentialFactory

pytestmark = pytest.mark.django_db

ON = datetime.date(2025, 3, 12)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def actor(admin) -> Actor:
    return Actor(user=admin.user, clinic=admin.clinic, role=Role.ADMIN)


def test_initial_password_is_long_and_different_each_time():
    passwords = {services.initial_password() for _ in range(50)}

    assert len(passwords) == 50
    assert all(len(p) >= 16 + 3 * 3 for p in passwords)


def test_staff_member_create_with_taken_hpr_leaves_no_user_behind(actor, clinic_a, practitioner_a):
    data = {
        "username": "ny.fysio",
        "first_name": "Ny",
        "last_name": "Fysio",
        "roles": [Role.PHYSIO],
        "hpr_number": practitioner_a.hpr_number,
    }

    with pytest.raises(ValidationError) as error:
        services.staff_member_create(actor=actor, clinic=clinic_a, data=data)

    assert "hpr_number" in error.value.message_dict
    assert not User.objects.filter(username="ny.fysio").exists()
    assert not AuditEvent.objects.filter(action="staff.user.created").exists()


def test_staff_member_create_same_hpr_in_another_clinic_is_allowed(actor, clinic_a, practitioner_b):
    # One person may work in several clinics; the HPR number is unique per clinic only.
    data = {
        "username": "deltid",
        "first_name": "Del",
        "last_name": "Tid",
        "roles": [Role.PHYSIO],
        "hpr_number": practitioner_b.hpr_number,
    }

    user, _password = services.staff_member_create(actor=actor, clinic=clinic_a, data=data)

    assert Practitioner.objects.get(user=user, clinic=clinic_a).hpr_number == practitioner_b.hpr_number


def test_staff_member_update_refuses_removing_own_admin_role(actor, admin, clinic_a):
    data = {"first_name": "Ny", "last_name": "Navn", "roles": [Role.RECEPTION], "hpr_number": ""}

    with pytest.raises(ValidationError):
        services.staff_member_update(actor=actor, clinic=clinic_a, user=admin.user, data=data)

    assert Membership.objects.get(pk=admin.membership.pk).is_active
    assert not Membership.objects.filter(user=admin.user, role=Role.RECEPTION).exists()


def test_credential_create_refuses_expiry_before_completion(actor, practitioner_a):
    credential = Credential(kind=CredentialKind.NEEDLING, title="Kurs", issuer="NFF", issued_on=ON, expires_on=ON - DAY)

    with pytest.raises(ValidationError):
        services.credential_create(actor=actor, practitioner=practitioner_a, credential=credential, verified=True)

    assert not Credential.objects.exists()


def test_nal_2_credential_create_unverified_does_not_count_until_verified(actor, practitioner_a):
    credential = services.credential_create(
        actor=actor,
        practitioner=practitioner_a,
        credential=Credential(kind=CredentialKind.NEEDLING, title="Kurs", issuer="NFF", issued_on=ON - DAY),
        verified=False,
    )
    assert rules.credential_valid(practitioner_a, CredentialKind.NEEDLING, ON).rules == ["NAL-2"]

    services.credential_verify(actor=actor, credential=credential)

    assert rules.credential_valid(practitioner_a, CredentialKind.NEEDLING, ON).ok


def test_inj_d5_credential_verify_keeps_the_first_verifier(actor, doctor, practitioner_a):
    credential = CredentialFactory(practitioner=practitioner_a, issued_on=ON, verified_by=None, verified_at=None)
    doctor_actor = Actor(user=doctor.user, clinic=doctor.clinic, role=Role.DOCTOR)
    first = services.credential_verify(actor=doctor_actor, credential=credential)

    again = services.credential_verify(actor=actor, credential=credential)

    assert (again.verified_by, again.verified_at) == (doctor.user, first.verified_at)


def test_insurance_create_refuses_end_before_start(actor, practitioner_a):
    cover = InsuranceCover(reference="NPE-1", valid_from=ON, valid_to=ON - DAY)

    with pytest.raises(ValidationError):
        services.insurance_create(actor=actor, practitioner=practitioner_a, cover=cover)

    assert not InsuranceCover.objects.exists()
