"""People and roles: the staff list, creating and editing staff members, resetting two-factor login."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanyle.accounts.models import User
from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import Membership, Role
from kanyle.staff.models import Practitioner, Profession
from kanyle.staff.tests.helpers import assert_shown

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[int, int, int, int]:
    """Counts of everything a staff form may write; equal before and after means nothing was saved."""
    return (
        User.objects.count(),
        Membership.objects.count(),
        Practitioner.objects.count(),
        AuditEvent.objects.count(),
    )


def new_person(**overrides) -> dict:
    data = {
        "first_name": "Ingrid",
        "last_name": "Fjellheim",
        "username": "ingrid.fjellheim",
        "email": "ingrid@example.invalid",
        "roles": [Role.PHYSIO],
        "hpr_number": "4567891",
        "title": "Spesialist i manuellterapi",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Staff list ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("doctor", 200), ("physio", 403), ("reception", 403), ("outsider", 403)],
)
def test_inj_d5_staff_list_is_for_admin_and_doctor(request, client_as, persona, status):
    response = client_as(request.getfixturevalue(persona)).get(reverse("staff:list"))

    assert response.status_code == status


def test_staff_list_shows_this_clinics_people_only(client_as, personas):
    response = client_as(personas["admin"]).get(reverse("staff:list"))

    people = {person.username for person in response.context["people"]}
    assert people == {"physio", "doctor", "admin", "reception"}
    assert "outsider" not in response.content.decode()


def test_staff_list_edit_buttons_only_for_admin(client_as, physio, admin, doctor):
    edit_url = reverse("staff:edit", args=[physio.user.pk])

    assert edit_url in client_as(admin).get(reverse("staff:list")).content.decode()
    assert edit_url not in client_as(doctor).get(reverse("staff:list")).content.decode()


def test_staff_list_two_factor_column_counts_only_confirmed_devices(client_as, admin, physio, reception):
    # Reception has started but not finished setting up an authenticator; the physio has two phones.
    TOTPDevice.objects.filter(user=reception.user).update(confirmed=False)
    TOTPDevice.objects.create(user=physio.user, name="second phone", confirmed=True)

    response = client_as(admin).get(reverse("staff:list"))

    rows = {
        row.split('class="mono">')[1].split("<")[0]: row
        for row in response.content.decode().split("<tr>")
        if 'class="mono">' in row
    }
    not_set_up, active = f'muted">{gettext("Not set up")}<', f'ok">{gettext("Active")}<'
    assert (rows["reception"].count(not_set_up), rows["reception"].count(active)) == (1, 0)
    assert (rows["physio"].count(not_set_up), rows["physio"].count(active)) == (0, 1)


# --- Create ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("doctor", 403), ("physio", 403), ("reception", 403), ("outsider", 403)],
)
def test_staff_create_is_for_admin_only(request, client_as, persona, status):
    client = client_as(request.getfixturevalue(persona))

    assert client.get(reverse("staff:create")).status_code == status
    if status == 403:
        before = snapshot()
        assert client.post(reverse("staff:create"), new_person()).status_code == 403
        assert snapshot() == before


def test_staff_create_physio_with_hpr_and_one_time_password(client_as, admin, clinic_a):
    response = client_as(admin).post(reverse("staff:create"), new_person())

    assert response.status_code == 200
    user = User.objects.get(username="ingrid.fjellheim")
    assert (user.first_name, user.last_name, user.email) == ("Ingrid", "Fjellheim", "ingrid@example.invalid")
    assert list(Membership.objects.filter(user=user).values_list("clinic", "role", "is_active")) == [
        (clinic_a.pk, Role.PHYSIO, True)
    ]
    practitioner = Practitioner.objects.get(user=user)
    assert (practitioner.clinic, practitioner.profession, practitioner.hpr_number, practitioner.title) == (
        clinic_a,
        Profession.PHYSIO,
        "4567891",
        "Spesialist i manuellterapi",
    )
    # The one-time password is on the page, works for login and is stored only as a hash.
    password = response.context["password"]
    assert f'data-testid="new-password">{password}<' in response.content.decode()
    login_request = RequestFactory().post("/logg-inn/")
    assert authenticate(login_request, username="ingrid.fjellheim", password=password) == user
    assert password not in user.password
    # Audited as who did what, in which clinic; the password is never logged.
    events = AuditEvent.objects.filter(object_id=str(user.pk), object_type="accounts.user")
    assert set(events.values_list("action", flat=True)) == {"staff.user.created", "clinics.membership.created"}
    assert all(e.user == admin.user and e.clinic == clinic_a and e.role == Role.ADMIN for e in events)
    assert not AuditEvent.objects.filter(detail__contains=password).exists()


def test_staff_create_password_is_shown_only_once(client_as, admin):
    client = client_as(admin)
    password = client.post(reverse("staff:create"), new_person()).context["password"]
    user = User.objects.get(username="ingrid.fjellheim")

    for url in (reverse("staff:list"), reverse("staff:edit", args=[user.pk])):
        assert password not in client.get(url).content.decode()


def test_staff_create_doctor_gets_doctor_practitioner(client_as, admin):
    response = client_as(admin).post(reverse("staff:create"), new_person(roles=[Role.DOCTOR], hpr_number="7654321"))

    assert response.status_code == 200
    practitioner = Practitioner.objects.get(user__username="ingrid.fjellheim")
    assert (practitioner.profession, practitioner.hpr_number) == (Profession.DOCTOR, "7654321")


def test_staff_create_reception_needs_no_hpr_and_gets_no_practitioner(client_as, admin):
    response = client_as(admin).post(reverse("staff:create"), new_person(roles=[Role.RECEPTION], hpr_number=""))

    assert response.status_code == 200
    user = User.objects.get(username="ingrid.fjellheim")
    assert list(user.memberships.values_list("role", flat=True)) == [Role.RECEPTION]
    assert not Practitioner.objects.filter(user=user).exists()


def test_staff_create_with_several_roles(client_as, admin):
    client_as(admin).post(reverse("staff:create"), new_person(roles=[Role.PHYSIO, Role.ADMIN]))

    user = User.objects.get(username="ingrid.fjellheim")
    assert set(user.memberships.values_list("role", flat=True)) == {Role.PHYSIO, Role.ADMIN}
    assert AuditEvent.objects.filter(action="clinics.membership.created", object_id=str(user.pk)).count() == 2


def test_staff_create_hpr_typed_with_spaces_is_stored_without_them(client_as, admin):
    response = client_as(admin).post(reverse("staff:create"), new_person(hpr_number="456 78 91"))

    assert response.status_code == 200
    assert Practitioner.objects.get(user__username="ingrid.fjellheim").hpr_number == "4567891"


HPR_MESSAGE = "An HPR number has 4 to 9 digits and does not start with 0."


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"username": "physio"}, "The username is taken. Choose another.", id="username-taken"),
        pytest.param({"username": "PHYSIO"}, None, id="username-taken-other-case"),
        pytest.param(
            {"username": "ingrid fjellheim"},
            "Use 3–150 lowercase letters a–z, digits, dots, hyphens or underscores.",
            id="username-space",
        ),
        pytest.param(
            {"username": "øyvind"},
            "Use 3–150 lowercase letters a–z, digits, dots, hyphens or underscores.",
            id="username-non-ascii",
        ),
        pytest.param(
            {"username": "ab"},
            "Use 3–150 lowercase letters a–z, digits, dots, hyphens or underscores.",
            id="username-short",
        ),
        pytest.param(
            {"hpr_number": ""}, "Physiotherapists and doctors must have an HPR number.", id="physio-without-hpr"
        ),
        pytest.param(
            {"roles": [Role.DOCTOR], "hpr_number": ""},
            "Physiotherapists and doctors must have an HPR number.",
            id="doctor-without-hpr",
        ),
        pytest.param({"hpr_number": "45a7891"}, HPR_MESSAGE, id="hpr-letters"),
        pytest.param({"hpr_number": "123"}, HPR_MESSAGE, id="hpr-too-short"),
        pytest.param({"hpr_number": "0456789"}, HPR_MESSAGE, id="hpr-leading-zero"),
        pytest.param(
            {"roles": [Role.PHYSIO, Role.DOCTOR]},
            "A person is either a physiotherapist or a doctor in one clinic, not both.",
            id="physio-and-doctor",
        ),
        pytest.param({"roles": None}, "Choose at least one role.", id="no-role"),
        pytest.param(
            {"first_name": "<script>alert(1)</script>"},
            "Use plain text only: the characters < and > and control characters are not allowed.",
            id="script-in-name",
        ),
        pytest.param(
            {"title": "Dr. <b>"},
            "Use plain text only: the characters < and > and control characters are not allowed.",
            id="markup-in-title",
        ),
    ],
)
def test_staff_create_bad_input_is_refused_and_nothing_saved(client_as, admin, physio, overrides, message):
    before = snapshot()

    response = client_as(admin).post(reverse("staff:create"), new_person(**overrides))

    assert response.status_code == 400
    if message:
        assert_shown(response, gettext(message))
    assert snapshot() == before
    assert "<script>alert" not in response.content.decode()


def test_staff_create_hpr_already_in_the_clinic_is_refused_and_nothing_saved(client_as, admin, practitioner_a):
    before = snapshot()

    response = client_as(admin).post(reverse("staff:create"), new_person(hpr_number=practitioner_a.hpr_number))

    assert response.status_code == 400
    assert_shown(
        response,
        gettext("Another practitioner in this clinic already has HPR number %(hpr)s.")
        % {"hpr": practitioner_a.hpr_number},
    )
    assert snapshot() == before


# --- Edit ------------------------------------------------------------------------------------


def edit_data(persona, **overrides) -> dict:
    user = persona.user
    practitioner = Practitioner.objects.filter(user=user).first()
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "roles": [persona.role],
        "hpr_number": practitioner.hpr_number if practitioner else "",
        "title": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_staff_edit_shows_current_values(client_as, admin, physio, practitioner_a):
    response = client_as(admin).get(reverse("staff:edit", args=[physio.user.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["roles"] == [Role.PHYSIO]
    assert form.initial["hpr_number"] == practitioner_a.hpr_number


@pytest.mark.parametrize("persona", ["doctor", "physio", "reception", "outsider"])
def test_staff_edit_is_for_admin_only(request, client_as, physio, persona):
    client = client_as(request.getfixturevalue(persona))
    url = reverse("staff:edit", args=[physio.user.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, edit_data(physio, roles=[Role.RECEPTION])).status_code == 403
    assert Membership.objects.get(pk=physio.membership.pk).is_active


def test_staff_edit_removed_role_is_deactivated_not_deleted(client_as, admin, physio, clinic_a):
    url = reverse("staff:edit", args=[physio.user.pk])

    response = client_as(admin).post(url, edit_data(physio, roles=[Role.RECEPTION], last_name="Nyheim"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("staff:list")
    assert_shown(response, gettext("Saved."))
    roles = dict(Membership.objects.filter(user=physio.user, clinic=clinic_a).values_list("role", "is_active"))
    assert roles == {Role.PHYSIO: False, Role.RECEPTION: True}
    assert User.objects.get(pk=physio.user.pk).last_name == "Nyheim"
    assert AuditEvent.objects.filter(
        action="clinics.membership.updated", object_id=str(physio.user.pk), detail="physio: inactive"
    ).exists()


def test_staff_edit_role_given_back_reuses_the_membership(client_as, admin, physio, clinic_a):
    client = client_as(admin)
    url = reverse("staff:edit", args=[physio.user.pk])
    client.post(url, edit_data(physio, roles=[Role.RECEPTION]))

    client.post(url, edit_data(physio, roles=[Role.PHYSIO]))

    roles = list(Membership.objects.filter(user=physio.user, clinic=clinic_a).values_list("role", "is_active"))
    assert sorted(roles) == [(Role.PHYSIO, True), (Role.RECEPTION, False)]


def test_staff_edit_deactivated_person_cannot_work_in_the_clinic(client_as, admin, physio):
    client_as(admin).post(reverse("staff:edit", args=[physio.user.pk]), edit_data(physio, roles=[Role.RECEPTION]))

    # The physio's session was bound to the physio membership, which no longer counts.
    response = client_as(physio).get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("clinics:choose"))


def test_staff_edit_admin_cannot_remove_own_admin_role(client_as, admin, clinic_a):
    before = snapshot()

    response = client_as(admin).post(
        reverse("staff:edit", args=[admin.user.pk]), edit_data(admin, roles=[Role.RECEPTION], first_name="Endret")
    )

    assert response.status_code == 400
    assert_shown(response, gettext("You cannot remove your own administrator role."))
    assert snapshot() == before
    assert Membership.objects.get(pk=admin.membership.pk).is_active
    assert User.objects.get(pk=admin.user.pk).first_name == admin.user.first_name


def test_staff_edit_admin_may_add_a_role_to_themselves(client_as, admin):
    response = client_as(admin).post(
        reverse("staff:edit", args=[admin.user.pk]), edit_data(admin, roles=[Role.ADMIN, Role.RECEPTION])
    )

    assert response.status_code == 302
    assert set(admin.user.memberships.filter(is_active=True).values_list("role", flat=True)) == {
        Role.ADMIN,
        Role.RECEPTION,
    }


def test_staff_edit_bad_input_is_refused_and_nothing_saved(client_as, admin, physio):
    before = snapshot()

    response = client_as(admin).post(
        reverse("staff:edit", args=[physio.user.pk]), edit_data(physio, last_name="<img src=x>", roles=[])
    )

    assert response.status_code == 400
    assert_shown(response, gettext("Choose at least one role."))
    assert_shown(
        response, gettext("Use plain text only: the characters < and > and control characters are not allowed.")
    )
    assert snapshot() == before
    assert User.objects.get(pk=physio.user.pk).last_name == "Testesen"


def test_staff_edit_hpr_of_a_colleague_is_refused_and_nothing_saved(client_as, admin, physio, doctor):
    doctor_hpr = Practitioner.objects.get(user=doctor.user).hpr_number
    before = snapshot()

    response = client_as(admin).post(
        reverse("staff:edit", args=[physio.user.pk]), edit_data(physio, hpr_number=doctor_hpr, last_name="Nyheim")
    )

    assert response.status_code == 400
    assert_shown(
        response,
        gettext("Another practitioner in this clinic already has HPR number %(hpr)s.") % {"hpr": doctor_hpr},
    )
    assert snapshot() == before
    assert User.objects.get(pk=physio.user.pk).last_name == "Testesen"


def test_staff_edit_another_clinics_user_is_404(client_as, admin, outsider):
    client = client_as(admin)
    url = reverse("staff:edit", args=[outsider.user.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, edit_data(outsider, first_name="Kapret")).status_code == 404
    assert User.objects.get(pk=outsider.user.pk).first_name == "Outsider"


def test_staff_edit_unknown_user_is_404(client_as, admin):
    assert client_as(admin).get(reverse("staff:edit", args=[999999])).status_code == 404


# --- Two-factor reset ------------------------------------------------------------------------


def test_totp_reset_removes_devices_and_writes_flagged_audit_row(client_as, admin, physio, clinic_a):
    TOTPDevice.objects.create(user=physio.user, name="old phone", confirmed=False)

    response = client_as(admin).post(reverse("staff:totp-reset", args=[physio.user.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("staff:edit", args=[physio.user.pk])
    assert_shown(
        response,
        gettext("The authenticator is removed. %(name)s sets up a new one at the next login.")
        % {"name": physio.user.display_name},
    )
    assert not TOTPDevice.objects.filter(user=physio.user).exists()
    event = AuditEvent.objects.get(action="auth.totp.reset")
    assert (event.user, event.clinic, event.object_id, event.flagged) == (
        admin.user,
        clinic_a,
        str(physio.user.pk),
        True,
    )


def test_totp_reset_get_is_not_allowed(client_as, admin, physio):
    response = client_as(admin).get(reverse("staff:totp-reset", args=[physio.user.pk]))

    assert response.status_code == 405
    assert TOTPDevice.objects.filter(user=physio.user).exists()


@pytest.mark.parametrize("persona", ["doctor", "physio", "reception"])
def test_totp_reset_is_for_admin_only(request, client_as, admin, persona):
    response = client_as(request.getfixturevalue(persona)).post(reverse("staff:totp-reset", args=[admin.user.pk]))

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=admin.user).exists()
    assert not AuditEvent.objects.filter(action="auth.totp.reset").exists()


def test_totp_reset_another_clinics_user_is_404(client_as, admin, outsider):
    response = client_as(admin).post(reverse("staff:totp-reset", args=[outsider.user.pk]))

    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=outsider.user).exists()
    assert not AuditEvent.objects.filter(action="auth.totp.reset").exists()
