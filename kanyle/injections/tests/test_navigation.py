"""How people find the injection chain: the menu, the referral page and the "I dag" dashboard."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.injections.models import Status
from kanyle.injections.tests.factories import add_followup, episode_at, ready_world, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(doctor, physio, admin, patient_a):
    return ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)


def test_inj_g1_the_referral_page_offers_to_start_an_injection_episode_and_links_the_one_started(
    client_as, doctor, world
):
    referral = world.ie.episode.referral
    page = client_as(doctor).get(reverse("journal:referral-detail", args=[referral.pk])).content.decode()

    assert _("Start an injection episode") in page
    assert reverse("injections:episode-of", args=[world.ie.episode_id]) in page
    response = client_as(doctor).get(reverse("injections:episode-of", args=[world.ie.episode_id]))
    assert response.status_code == 302 and response.url == reverse("injections:episode", args=[world.ie.pk])


def test_the_menu_shows_injections_and_medications_to_clinicians_but_not_to_reception(client_as, physio, reception):
    clinician = client_as(physio).get(reverse("core:home")).content.decode()
    desk = client_as(reception).get(reverse("core:home")).content.decode()

    assert reverse("injections:episode-list") in clinician and reverse("medications:drug-list") in clinician
    assert reverse("injections:episode-list") not in desk and reverse("medications:drug-list") not in desk


def test_inj_d2_the_doctor_sees_due_follow_ups_and_the_next_steps_that_are_theirs(client_as, doctor, world):
    examined = episode_at(world, Status.EXAMINED)
    observed = episode_at(world, Status.OBSERVED)
    observed.followups.all().delete()
    add_followup(observed, due_from=timezone.localdate() - datetime.timedelta(days=3))
    set_status(observed, Status.REPORTED)

    response = client_as(doctor).get(reverse("core:home"))

    work = {(item.episode.pk, str(item.step)) for item in response.context["injection_work"]}
    assert (examined.pk, _("Doctor's assessment")) in work
    assert [f.episode_id for f in response.context["followups"]] == [observed.pk]
    assert reverse("injections:episode", args=[observed.pk]) in response.content.decode()


def test_inj_d5_the_physio_sees_the_ordered_episode_ready_for_the_procedure_and_no_doctor_steps(
    client_as, physio, world
):
    episode_at(world, Status.EXAMINED)

    response = client_as(physio).get(reverse("core:home"))

    work = {(item.episode.pk, str(item.step)) for item in response.context["injection_work"]}
    assert work == {(world.ie.pk, _("Readiness check and procedure"))}
    assert "followups" not in response.context
