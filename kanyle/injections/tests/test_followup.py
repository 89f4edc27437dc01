"""The doctor's follow-up after the injection (INJ-D2): it is signed and closes the episode; overdue ones
reach the compliance dashboard; the management review counts procedures per performer."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.injections.models import FollowUp, Status
from kanyle.injections.services import reports as services
from kanyle.injections.tests.factories import add_followup, episode_at, ready_world
from kanyle.journal.models import Note
from kanyle.quality.selectors import safety as dashboard

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(doctor, physio, admin, patient_a):
    return ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)


def complete_url(followup: FollowUp) -> str:
    return reverse("injections:followup-complete", kwargs={"pk": followup.pk})


def test_inj_d2_followup_closes_the_episode(client_as, doctor, world):
    ie = episode_at(world, Status.REPORTED)
    followup = ie.followups.get()
    client = client_as(doctor)
    assert client.get(complete_url(followup)).status_code == 200
    notes_before = Note.objects.count()
    response = client.post(complete_url(followup), {"outcome": "better", "outcome_text": "Smertefri ved løft."})
    assert response.status_code == 302
    assert response["Location"] == reverse("injections:episode", kwargs={"pk": ie.pk})
    ie.refresh_from_db()
    followup.refresh_from_db()
    assert ie.status == Status.CLOSED
    assert ie.episode.ended_on == timezone.localdate()
    assert followup.completed_at is not None and followup.outcome == "better"
    # INJ-D8: the doctor's part is a signed journal note in the episode.
    assert Note.objects.count() == notes_before + 1
    assert followup.note.signed_at is not None and followup.note.author == world.doctor
    assert "Smertefri ved løft." in followup.note.assessment
    moves = AuditEvent.objects.filter(action="injections.episode.status", patient=world.patient)
    assert {e.detail for e in moves} >= {Status.FOLLOWED_UP, Status.CLOSED}
    assert AuditEvent.objects.filter(action="injections.followup.completed").count() == 1
    # The episode page shows the outcome.
    page = client.get(reverse("injections:episode", kwargs={"pk": ie.pk}))
    assert gettext("Better") in page.content.decode()


def test_inj_d2_only_doctor_completes_followup(client_as, physio, world):
    ie = episode_at(world, Status.REPORTED)
    followup = ie.followups.get()
    response = client_as(physio).post(complete_url(followup), {"outcome": "better", "outcome_text": "Bra."})
    assert response.status_code == 403
    # The service refuses too, whoever calls it.
    with pytest.raises(ValidationError) as refused:
        services.followup_complete(
            actor=Actor(user=physio.user, clinic=physio.clinic, role=physio.role),
            practitioner=world.physio,
            followup=followup,
            outcome="better",
            outcome_text="Bra.",
        )
    assert any("INJ-D2" in m for m in refused.value.messages)
    followup.refresh_from_db()
    ie.refresh_from_db()
    assert followup.completed_at is None and ie.status == Status.REPORTED


def test_inj_d2_followup_needs_outcome_and_assessment(client_as, doctor, world):
    ie = episode_at(world, Status.REPORTED)
    followup = ie.followups.get()
    notes_before = Note.objects.count()
    response = client_as(doctor).post(complete_url(followup), {"outcome": "", "outcome_text": ""})
    assert response.status_code == 400
    assert Note.objects.count() == notes_before
    followup.refresh_from_db()
    assert followup.completed_at is None


def test_inj_g4_followup_waits_for_the_report_to_the_gp(client_as, doctor, world):
    ie = episode_at(world, Status.OBSERVED)
    followup = ie.followups.get()
    response = client_as(doctor).post(complete_url(followup), {"outcome": "unchanged", "outcome_text": "Uendret."})
    assert response.status_code == 400
    content = response.content.decode()
    assert "INJ-G4" in content
    assert (
        escape(gettext("Make the report to the GP before the follow-up closes the episode: the GP is always informed."))
        in content
    )
    ie.refresh_from_db()
    assert ie.status == Status.OBSERVED


def test_inj_g4_patient_without_gp_followup_still_closes_the_episode(client_as, doctor, world):
    world.patient.has_no_gp, world.patient.gp_name = True, ""
    world.patient.save()
    ie = episode_at(world, Status.OBSERVED)
    followup = ie.followups.get()
    response = client_as(doctor).post(complete_url(followup), {"outcome": "worse", "outcome_text": "Verre."})
    assert response.status_code == 302
    ie.refresh_from_db()
    assert ie.status == Status.CLOSED


def test_inj_d2_a_followup_is_recorded_once(client_as, doctor, world):
    ie = episode_at(world, Status.REPORTED)
    followup = ie.followups.get()
    client = client_as(doctor)
    client.post(complete_url(followup), {"outcome": "better", "outcome_text": "Bra."})
    again = client.post(complete_url(followup), {"outcome": "worse", "outcome_text": "Verre."})
    assert again.status_code == 400
    followup.refresh_from_db()
    assert followup.outcome == "better"


def test_inj_d2_followup_list_shows_overdue_first(client_as, doctor, reception, outsider, world):
    later = episode_at(world, Status.REPORTED).followups.get()
    overdue_ie = episode_at(world, Status.REPORTED)
    overdue = overdue_ie.followups.get()
    today = timezone.localdate()
    FollowUp.objects.filter(pk=overdue.pk).update(
        due_from=today - datetime.timedelta(days=20), due_by=today - datetime.timedelta(days=3)
    )
    response = client_as(doctor).get(reverse("injections:followup-list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert content.index(f'data-testid="followup-{overdue.pk}"') < content.index(f'data-testid="followup-{later.pk}"')
    assert 'data-testid="overdue"' in content
    # One row per patient shown (both follow-ups are the same patient's).
    assert AuditEvent.objects.filter(action="injections.followup.listed", patient=world.patient).count() == 1
    assert client_as(reception).get(reverse("injections:followup-list")).status_code == 403
    assert client_as(outsider).get(reverse("injections:followup-list")).status_code == 403


def test_inj_d2_overdue_followup_on_compliance_dashboard(client_as, admin, world):
    ie = episode_at(world, Status.REPORTED)
    followup = ie.followups.get()
    today = timezone.localdate()
    FollowUp.objects.filter(pk=followup.pk).update(
        due_from=today - datetime.timedelta(days=14), due_by=today - datetime.timedelta(days=1)
    )
    add_followup(ie)  # a second, not yet due: not listed
    items = dashboard.injection_followups_overdue(clinic=world.clinic, at=timezone.now())
    assert len(items) == 1
    assert items[0].rule == "INJ-D2" and items[0].level == "danger"
    assert items[0].url == reverse("injections:followup-complete", kwargs={"pk": followup.pk})
    assert world.patient.family_name not in items[0].text  # the administrator reads this: no patient named
    response = client_as(admin).get(reverse("quality:compliance"))
    assert response.status_code == 200
    assert escape(items[0].text) in response.content.decode()
    # Done: off the dashboard.
    FollowUp.objects.filter(pk=followup.pk).update(completed_at=timezone.now(), outcome="better")
    assert dashboard.injection_followups_overdue(clinic=world.clinic, at=timezone.now()) == []


def test_management_review_counts_injection_procedures_per_performer(world):
    episode_at(world, Status.OBSERVED)
    episode_at(world, Status.REPORTED)
    today = timezone.localdate()
    counts = dashboard.injection_procedures_by_practitioner(
        clinic=world.clinic, start=today - datetime.timedelta(days=30), end=today
    )
    assert counts == {world.physio.pk: 2}
    assert (
        dashboard.injection_procedures_by_practitioner(
            clinic=world.clinic, start=today - datetime.timedelta(days=60), end=today - datetime.timedelta(days=31)
        )
        == {}
    )
