"""The services on their own: the guards a view cannot bypass (clinic, time, kind of session, state)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kanyle.audit.services import Actor
from kanyle.journal.tests.note_factories import NoteFactory
from kanyle.needling.models import Assessment, ElectroChannel, NeedleSite, Session, SessionKind, Waveform
from kanyle.needling.services import plans, sessions
from kanyle.needling.tests.factories import AssessmentFactory, SessionFactory, SiteFactory


@pytest.fixture
def actor(physio):
    return Actor(user=physio.user, clinic=physio.clinic, role=physio.role)


def test_nal_3_a_session_cannot_be_recorded_ahead_of_time(actor, plan):
    with pytest.raises(ValidationError):
        sessions.session_create(
            actor=actor,
            practitioner=plan.practitioner,
            plan=plan,
            kind=SessionKind.NEEDLING,
            occurred_at=timezone.now() + datetime.timedelta(hours=2),
        )
    assert not Session.objects.exists()


def test_a_service_never_writes_across_clinics(outsider, plan):
    stranger = Actor(user=outsider.user, clinic=outsider.clinic, role=outsider.role)
    with pytest.raises(ValidationError):
        sessions.session_create(
            actor=stranger, practitioner=plan.practitioner, plan=plan, kind="needling", occurred_at=timezone.now()
        )
    assert not Session.objects.exists()


def test_needles_belong_to_needle_sessions_and_electrodes_to_tens(actor, plan):
    tens = SessionFactory(plan=plan, number=1, kind=SessionKind.TENS)
    with pytest.raises(ValidationError):
        sessions.site_place(
            actor=actor,
            practitioner=plan.practitioner,
            session=tens,
            site=NeedleSite(
                region="calf",
                side="left",
                length_mm=30,
                gauge_mm="0.25",
                technique="dry_needling",
                stimulation="manual",
            ),
        )
    assert not NeedleSite.objects.exists()


def test_nal_4_stimulation_connects_two_needles_of_the_same_session(actor, plan):
    session = SessionFactory(plan=plan, number=1)
    other = SessionFactory(plan=plan, number=2)
    mine = SiteFactory(session=session, number=1)
    theirs = SiteFactory(session=other, number=1)
    channel = ElectroChannel(
        site_a=mine,
        site_b=theirs,
        frequency_hz=2,
        pulse_width_us=200,
        intensity_ma=5,
        waveform=Waveform.BURST,
        duration_minutes=10,
    )
    with pytest.raises(ValidationError):
        sessions.channel_add(actor=actor, practitioner=plan.practitioner, session=session, channel=channel)
    assert not ElectroChannel.objects.exists()


def test_nal_11_no_assessment_in_a_closed_episode(actor, plan):
    plan.episode.ended_on = datetime.date(2025, 3, 12)
    plan.episode.save()
    before = Assessment.objects.count()
    with pytest.raises(ValidationError):
        plans.assessment_create(
            actor=actor,
            practitioner=plan.practitioner,
            episode=plan.episode,
            assessment=AssessmentFactory.build(episode=plan.episode),
        )
    assert Assessment.objects.count() == before


def test_nal_6_a_course_is_not_completed_on_a_future_date(actor, plan):
    session = SessionFactory(plan=plan, number=1)
    note = NoteFactory(encounter__patient=plan.patient, author=plan.practitioner, signed=True)
    Session.objects.filter(pk=session.pk).update(signed_at=timezone.now(), note=note)
    with pytest.raises(ValidationError):
        plans.course_complete(
            actor=actor,
            practitioner=plan.practitioner,
            plan=plan,
            pgic=5,
            pain_now=None,
            psfs={},
            completed_on=datetime.date(2025, 4, 1),
        )
    plan.refresh_from_db()
    assert plan.completed_on is None
