"""Choosing the clinic to work in, and the clinic profile (INJ-O1..O3)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from conftest import login, make_persona
from kanyle.audit.models import AuditEvent
from kanyle.clinics.middleware import SESSION_MEMBERSHIP
from kanyle.clinics.models import Clinic, Membership, OrganisationModel, Role
from kanyle.clinics.tests.factories import MembershipFactory
from kanyle.patients.tests.factories import PatientFactory

CHOOSE = reverse("clinics:choose")
PLAIN_TEXT = "Use plain text only: the characters < and > and control characters are not allowed."
PROFILE = reverse("clinics:profile")


def _two_clinic_user(clinic_a, clinic_b):
    persona = make_persona("flere", clinic_a, Role.PHYSIO)
    other = MembershipFactory(user=persona.user, clinic=clinic_b, role=Role.PHYSIO)
    client = login(Client(), persona)
    session = client.session
    del session[SESSION_MEMBERSHIP]
    session.save()
    return persona, other, client


def test_user_in_two_clinics_chooses_and_everything_is_scoped(clinic_a, clinic_b, reception):
    _persona, other, client = _two_clinic_user(clinic_a, clinic_b)
    PatientFactory(clinic=clinic_a, family_name="Alfheim", created_by=reception.user)
    PatientFactory(clinic=clinic_b, family_name="Bjerkvik", created_by=reception.user)
    page = client.get(CHOOSE).content.decode()
    assert clinic_a.name in page and clinic_b.name in page
    response = client.post(CHOOSE, {"membership": other.pk}, follow=True)
    assert clinic_b.name in response.content.decode()  # shown on every page
    patients = client.get(reverse("patients:list")).content.decode()
    assert "Bjerkvik" in patients and "Alfheim" not in patients
    assert AuditEvent.objects.filter(action="clinics.clinic.selected", clinic=clinic_b).exists()


def test_choosing_a_membership_of_someone_else_is_refused(clinic_a, clinic_b, outsider):
    _persona, _other, client = _two_clinic_user(clinic_a, clinic_b)
    for bad in (outsider.membership.pk, "abc", 999999):
        response = client.post(CHOOSE, {"membership": bad})
        assert response.status_code == 400
        assert _("Unknown clinic: choose one of the clinics listed.") in response.content.decode()
        assert SESSION_MEMBERSHIP not in client.session


def test_deactivated_membership_takes_effect_at_once(physio):
    client = login(Client(), physio)
    assert client.get(reverse("patients:list")).status_code == 200
    Membership.objects.filter(pk=physio.membership.pk).update(is_active=False)
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302 and response["Location"].startswith(CHOOSE)
    message = _("Your user has no active role in any clinic. Ask your clinic administrator for access.")
    assert message in client.get(CHOOSE).content.decode()


def test_single_membership_is_chosen_automatically(client, physio):
    client.force_login(physio.user, backend="django.contrib.auth.backends.ModelBackend")
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = physio.device.persistent_id
    session.save()
    response = client.get(CHOOSE)
    assert response.status_code == 302 and client.session[SESSION_MEMBERSHIP] == physio.membership.pk


def _profile_data(clinic: Clinic, **changes) -> dict:
    data = {
        "name": clinic.name,
        "org_number": clinic.org_number,
        "street_address": "Kaigata 4",
        "postal_code": "5003",
        "city": "Bergen",
        "her_id": "",
        "organisation_model": OrganisationModel.DOCTOR_BY_VIDEO,
        "session_timeout_minutes": 20,
        "supervision_visit_interval_days": 90,
        "needle_time_limit_minutes": 20,
        "injection_observation_minutes": 20,
        "injection_followup_weeks_min": 4,
        "injection_followup_weeks_max": 6,
        "injection_site_limit_per_year": 3,
    }
    data.update(changes)
    return data


def test_inj_o3_admin_sets_organisation_model_and_timeout(client_as, admin):
    client = client_as(admin)
    response = client.post(PROFILE, _profile_data(admin.clinic, org_number="998 765 412"))
    assert response.status_code == 302
    clinic = Clinic.objects.get(pk=admin.clinic.pk)
    assert clinic.organisation_model == OrganisationModel.DOCTOR_BY_VIDEO
    assert clinic.org_number == "998765412" and clinic.session_timeout_minutes == 20
    event = AuditEvent.objects.get(action="clinics.clinic.updated")
    assert "organisation_model" in event.detail


def test_clinic_profile_bad_input_changes_nothing(client_as, admin):
    client = client_as(admin)
    before = Clinic.objects.get(pk=admin.clinic.pk)
    cases = [
        (
            {"org_number": "912345603"},
            _("%(value)s is not a valid organisation number (9 digits with a valid check digit).")
            % {"value": "912345603"},
        ),
        ({"name": "<script>alert(1)</script>"}, PLAIN_TEXT),
        ({"name": ""}, _("This field is required.")),
        ({"name": "x" * 201}, "200"),
        ({"postal_code": "50A3"}, _("A Norwegian postal code has four digits.")),
        ({"her_id": "12ab"}, _("A HER-id is a number of up to 10 digits.")),
        ({"session_timeout_minutes": 1}, "5"),
        ({"session_timeout_minutes": 10000}, "240"),
        ({"organisation_model": "O9"}, "O9"),
    ]
    for change, message in cases:
        response = client.post(PROFILE, _profile_data(admin.clinic, **change))
        assert response.status_code == 400, change
        assert escape(_(message)) in response.content.decode(), change
    after = Clinic.objects.get(pk=admin.clinic.pk)
    assert (after.name, after.org_number, after.session_timeout_minutes) == (
        before.name,
        before.org_number,
        before.session_timeout_minutes,
    )
    assert not AuditEvent.objects.filter(action="clinics.clinic.updated").exists()


def test_org_number_must_be_unique(client_as, admin, clinic_b):
    response = client_as(admin).post(PROFILE, _profile_data(admin.clinic, org_number=clinic_b.org_number))
    assert response.status_code == 400
    assert Clinic.objects.get(pk=admin.clinic.pk).org_number != clinic_b.org_number


def test_inj_d2_admin_sets_observation_and_follow_up_window_and_a_reversed_window_is_refused(client_as, admin):
    client = client_as(admin)
    data = _profile_data(admin.clinic, injection_observation_minutes=30, injection_followup_weeks_min=3)
    assert client.post(PROFILE, data).status_code == 302
    clinic = Clinic.objects.get(pk=admin.clinic.pk)
    assert (clinic.injection_observation_minutes, clinic.injection_followup_weeks_min) == (30, 3)

    response = client.post(PROFILE, _profile_data(admin.clinic, injection_followup_weeks_min=8))

    assert response.status_code == 400
    assert escape(_("The follow-up must be due by a week at or after its first week.")) in response.content.decode()
    assert Clinic.objects.get(pk=admin.clinic.pk).injection_followup_weeks_min == 3
