"""Episodes of care (forløp): opening one with a responsible practitioner, changing and closing it.

Every view: happy path, bad input (400, message shown, nothing saved), another clinic's object → 404,
a role without ``can_write_journal`` → 403, anonymous → login; writes and reads are logged (LAW-J).
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext, pgettext

from conftest import make_persona
from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import Role
from kanyle.journal import rules
from kanyle.journal.models import Episode, EpisodeKind, ReferralStatus
from kanyle.journal.tests.factories import EpisodeFactory, ReferralFactory
from kanyle.patients.tests.factories import PatientFactory
from kanyle.staff.models import Practitioner

TODAY = datetime.date(2025, 3, 12)


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(datetime.datetime(2025, 3, 12, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def shows(response, message) -> bool:
    """The (translated) message appears in the page: escaped from a variable, as written from a template."""
    html = response.content.decode()
    return escape(str(message)) in html or str(message) in html


def events(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def practitioner(persona) -> Practitioner:
    return Practitioner.objects.get(user=persona.user, clinic=persona.clinic)


def create_url(patient) -> str:
    return reverse("journal:episode-create", kwargs={"patient_id": patient.pk})


def edit_url(episode) -> str:
    return reverse("journal:episode-edit", kwargs={"pk": episode.pk})


def chart_url(patient) -> str:
    return reverse("journal:chart", kwargs={"patient_id": patient.pk})


def episode_data(lead, **changes) -> dict:
    """A new episode with ``lead`` responsible, as the browser submits the form."""
    data = {
        "kind": EpisodeKind.INJECTION,
        "title": "Ultralydveiledet injeksjon, høyre skulder",
        "responsible": lead.pk,
        "started_on": "2025-03-12",
        "goals": "Smertefri overhodeaktivitet innen seks uker.",
        "referral": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def edit_data(episode, **changes) -> dict:
    """The edit form as the browser submits it unchanged."""
    data = {
        "title": episode.title,
        "goals": episode.goals,
        "members": [m.pk for m in episode.members.all()],
        "ended_on": episode.ended_on.isoformat() if episode.ended_on else "",
    }
    data.update(changes)
    return data


@pytest.fixture
def episode(patient_a, practitioner_a):
    return EpisodeFactory(patient=patient_a, responsible=practitioner_a, started_on=datetime.date(2025, 2, 1))


# Opening an episode --------------------------------------------------------------------------------


def test_the_form_defaults_to_the_users_practitioner_profile_and_today(client_as, doctor, physio, patient_a):
    response = client_as(doctor).get(create_url(patient_a))

    form = response.context["form"]
    assert response.status_code == 200
    assert form.initial["responsible"] == practitioner(doctor)
    assert form.initial["started_on"] == TODAY
    assert set(form.fields["responsible"].queryset) == {practitioner(doctor), practitioner(physio)}


def test_a_doctor_and_a_physio_open_an_injection_episode(client_as, doctor, physio, patient_a):
    data = episode_data(practitioner(doctor), members=[practitioner(physio).pk, practitioner(doctor).pk])

    response = client_as(doctor).post(create_url(patient_a), data)

    assert response.status_code == 302
    assert response["Location"] == chart_url(patient_a)
    episode = Episode.objects.get()
    assert (episode.clinic, episode.patient, episode.created_by) == (doctor.clinic, patient_a, doctor.user)
    assert (episode.kind, episode.responsible) == (EpisodeKind.INJECTION, practitioner(doctor))
    assert episode.started_on == TODAY and episode.is_open
    # The responsible practitioner is not repeated among the members.
    assert list(episode.members.all()) == [practitioner(physio)]
    assert rules.treatment_relation(practitioner=practitioner(physio), patient=patient_a)


def test_law_j_opening_an_episode_is_logged(client_as, physio, patient_a):
    client_as(physio).post(create_url(patient_a), episode_data(practitioner(physio)))

    episode = Episode.objects.get()
    [event] = events("journal.episode.created")
    assert (event.user, event.role, event.patient, event.object_id) == (
        physio.user,
        "physio",
        patient_a,
        str(episode.pk),
    )


def test_inj_g1_an_accepted_referral_prefills_the_episode(client_as, physio, patient_a):
    referral = ReferralFactory(patient=patient_a, status=ReferralStatus.ACCEPTED)
    client = client_as(physio)

    response = client.get(create_url(patient_a), {"referral": referral.pk})
    assert response.context["form"].initial["referral"] == referral.pk
    assert f'<option value="{referral.pk}" selected>' in response.content.decode()

    client.post(create_url(patient_a), episode_data(practitioner(physio), referral=referral.pk))
    assert Episode.objects.get().referral == referral


@pytest.mark.parametrize("value", ["other-patient", "not-a-number", "declined"])
def test_only_this_patients_open_referrals_are_offered(client_as, physio, patient_a, clinic_a, value):
    other = ReferralFactory(patient=PatientFactory(clinic=clinic_a))
    declined = ReferralFactory(patient=patient_a, status=ReferralStatus.DECLINED, decline_reason="Ikke indikasjon.")
    referral_id = {"other-patient": other.pk, "not-a-number": "x1", "declined": declined.pk}[value]
    client = client_as(physio)

    get = client.get(create_url(patient_a), {"referral": referral_id})
    post = client.post(create_url(patient_a), episode_data(practitioner(physio), referral=referral_id))

    assert get.status_code == 200
    assert "referral" not in get.context["form"].initial
    assert post.status_code == 400
    assert post.context["form"].errors["referral"]
    assert not Episode.objects.exists()


def test_the_responsible_practitioner_must_work_in_the_clinic(client_as, physio, outsider, patient_a):
    response = client_as(physio).post(create_url(patient_a), episode_data(practitioner(outsider)))

    assert response.status_code == 400
    assert response.context["form"].errors["responsible"]
    assert not Episode.objects.exists()


def test_a_practitioner_who_has_left_the_clinic_is_not_offered(client_as, physio, clinic_a, patient_a):
    former = make_persona("former", clinic_a, Role.PHYSIO)
    former.membership.is_active = False
    former.membership.save()

    response = client_as(physio).post(create_url(patient_a), episode_data(practitioner(former)))

    assert response.status_code == 400
    assert practitioner(former) not in response.context["form"].fields["responsible"].queryset
    assert not Episode.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": ""}, "kind", "Choose the kind of episode."),
        ({"title": ""}, "title", "Give the episode a title."),
        ({"responsible": ""}, "responsible", "Choose the responsible practitioner."),
        ({"started_on": ""}, "started_on", "Enter the start date."),
        ({"title": "<b>Skulder</b>"}, "title", None),
        ({"kind": "surgery"}, "kind", None),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client_as, physio, patient_a, changes, field, message):
    response = client_as(physio).post(create_url(patient_a), episode_data(practitioner(physio), **changes))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    if message:
        assert shows(response, gettext(message))
    assert not Episode.objects.exists()
    assert not events("journal.episode.created")


def test_an_empty_post_is_refused_with_messages(client_as, physio, patient_a):
    response = client_as(physio).post(create_url(patient_a), {})

    assert response.status_code == 400
    assert shows(response, gettext("Give the episode a title."))
    assert not Episode.objects.exists()


def test_another_clinics_patient_is_not_found(client_as, outsider, patient_a):
    client = client_as(outsider)

    assert client.get(create_url(patient_a)).status_code == 404
    assert client.post(create_url(patient_a), episode_data(practitioner(outsider))).status_code == 404
    assert not Episode.objects.exists()


# Changing and closing an episode ------------------------------------------------------------------


def test_the_episode_page_shows_it_and_is_logged(client_as, physio, episode):
    response = client_as(physio).get(edit_url(episode))

    assert response.status_code == 200
    assert escape(episode.goals) in response.content.decode()
    [event] = events("journal.episode.viewed")
    assert (event.user, event.patient, event.object_id) == (physio.user, episode.patient, str(episode.pk))


def test_goals_title_and_members_are_changed(client_as, physio, doctor, episode):
    data = edit_data(episode, title="Skulder og nakke", goals="Nye mål.", members=[practitioner(doctor).pk])

    response = client_as(physio).post(edit_url(episode), data)

    assert response.status_code == 302
    assert response["Location"] == chart_url(episode.patient)
    episode.refresh_from_db()
    assert (episode.title, episode.goals) == ("Skulder og nakke", "Nye mål.")
    assert list(episode.members.all()) == [practitioner(doctor)]
    assert episode.is_open


def test_law_j_a_change_is_logged_with_what_changed(client_as, physio, doctor, episode):
    client_as(physio).post(edit_url(episode), edit_data(episode, goals="Nye mål.", members=[practitioner(doctor).pk]))

    [event] = events("journal.episode.updated")
    assert (event.user, event.patient, event.detail) == (physio.user, episode.patient, "goals, members")


def test_an_end_date_closes_the_episode(client_as, physio, episode):
    response = client_as(physio).post(edit_url(episode), edit_data(episode, ended_on="2025-03-11"))

    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.ended_on == datetime.date(2025, 3, 11)
    assert not episode.is_open
    follow = client_as(physio).get(edit_url(episode))
    assert shows(follow, pgettext("episode of care", "Closed"))


def test_closing_says_so(client_as, physio, episode):
    client = client_as(physio)
    client.post(edit_url(episode), edit_data(episode, ended_on="2025-03-12"))

    response = client.get(edit_url(episode))

    assert shows(response, gettext("The episode of care is closed."))


@pytest.mark.parametrize(
    ("ended_on", "message"),
    [
        ("2025-01-31", gettext("The end date cannot be before the start date (%(date)s).") % {"date": "01.02.2025"}),
        ("2025-03-13", gettext("The end date cannot be in the future.")),
        ("31.31.2025", None),
    ],
)
def test_a_bad_end_date_is_refused_and_nothing_changes(client_as, physio, episode, ended_on, message):
    response = client_as(physio).post(edit_url(episode), edit_data(episode, ended_on=ended_on, goals="Endret."))

    assert response.status_code == 400
    assert response.context["form"].errors["ended_on"]
    if message:
        assert shows(response, message)
    episode.refresh_from_db()
    assert (episode.ended_on, episode.goals) == (None, "Smertefri overhodeaktivitet innen åtte uker.")
    assert not events("journal.episode.updated")


def test_an_empty_title_is_refused(client_as, physio, episode):
    response = client_as(physio).post(edit_url(episode), edit_data(episode, title=""))

    assert response.status_code == 400
    assert shows(response, gettext("Give the episode a title."))
    episode.refresh_from_db()
    assert episode.title == "Skuldersmerter høyre side"


def test_a_member_from_another_clinic_is_refused(client_as, physio, outsider, episode):
    response = client_as(physio).post(edit_url(episode), edit_data(episode, members=[practitioner(outsider).pk]))

    assert response.status_code == 400
    assert response.context["form"].errors["members"]
    assert not episode.members.exists()


def test_saving_without_changes_writes_nothing(client_as, physio, episode):
    response = client_as(physio).post(edit_url(episode), edit_data(episode))

    assert response.status_code == 302
    assert not events("journal.episode.updated")


def test_law_j_a_practitioner_without_treatment_relation_must_break_the_glass(client_as, doctor, episode):
    response = client_as(doctor).get(edit_url(episode))

    assert response.status_code == 302
    assert response["Location"] == reverse("journal:emergency-access", kwargs={"patient_id": episode.patient_id})
    assert client_as(doctor).post(edit_url(episode), edit_data(episode, goals="Endret.")).status_code == 302
    episode.refresh_from_db()
    assert episode.goals == "Smertefri overhodeaktivitet innen åtte uker."
    assert not events("journal.episode.viewed")


def test_a_member_may_change_the_episode(client_as, doctor, episode):
    episode.members.set([practitioner(doctor)])

    response = client_as(doctor).post(edit_url(episode), edit_data(episode, goals="Doktorens mål."))

    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.goals == "Doktorens mål."


def test_another_clinics_episode_is_not_found(client_as, outsider, episode):
    client = client_as(outsider)

    assert client.get(edit_url(episode)).status_code == 404
    assert client.post(edit_url(episode), edit_data(episode, goals="Endret.")).status_code == 404
    episode.refresh_from_db()
    assert episode.goals == "Smertefri overhodeaktivitet innen åtte uker."


# Access -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["reception", "admin"])
def test_roles_without_the_journal_capability_are_refused(client_as, personas, episode, persona):
    client = client_as(personas[persona])
    data = episode_data(episode.responsible)

    assert client.get(create_url(episode.patient)).status_code == 403
    assert client.post(create_url(episode.patient), data).status_code == 403
    assert client.get(edit_url(episode)).status_code == 403
    assert client.post(edit_url(episode), edit_data(episode, goals="Endret.")).status_code == 403
    assert Episode.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="journal.").exists()


def test_anonymous_users_are_sent_to_login(client, episode):
    login = reverse("accounts:login")

    for url in (create_url(episode.patient), edit_url(episode)):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302
            assert response["Location"].startswith(login)
