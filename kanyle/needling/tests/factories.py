"""Factories for needle treatment. ``course_for(patient, practitioner)`` builds a needling episode with an
ICF assessment, an agreed plan with one goal and a screening: everything a first session needs.

``matrix_sample(patient, practitioner)`` gives the objects the role × URL matrix points at.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import factory
from django.utils import timezone

from kanyle.journal.models import EpisodeKind
from kanyle.journal.tests.factories import EpisodeFactory
from kanyle.needling.models import (
    Assessment,
    Caution,
    FollowUp,
    NeedleSite,
    PainType,
    Plan,
    PlanGoal,
    Screening,
    ScreeningItem,
    Session,
    SessionKind,
    SideEffect,
    SideEffectKind,
    SideEffectSeverity,
    SiteState,
    Stimulation,
    Technique,
    TensElectrode,
    TensLoan,
    TensMode,
)
from kanyle.staff.tests.factories import CredentialFactory


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    episode = factory.SubFactory(EpisodeFactory, kind=EpisodeKind.NEEDLING)
    clinic = factory.SelfAttribute("episode.clinic")
    patient = factory.SelfAttribute("episode.patient")
    practitioner = factory.SelfAttribute("episode.responsible")
    body_functions = "Palpasjonsøm triggerpunkt i øvre trapezius, nedsatt rotasjon i nakken."
    activities = "Vansker med å sitte ved PC mer enn en time."
    participation = "Sykemeldt 50 % fra kontorjobb."
    environmental_factors = "Lite tilpasset arbeidsplass."
    personal_factors = "Bekymret for at smertene skal bli varige."
    pain_type = PainType.NOCICEPTIVE
    assessed_at = factory.LazyFunction(timezone.now)
    created_by = factory.SelfAttribute("practitioner.user")


class PlanFactory(factory.django.DjangoModelFactory):
    """An agreed plan: discussed, the patient's view written down, agreed."""

    class Meta:
        model = Plan

    assessment = factory.SubFactory(AssessmentFactory)
    episode = factory.SelfAttribute("assessment.episode")
    clinic = factory.SelfAttribute("assessment.clinic")
    patient = factory.SelfAttribute("assessment.patient")
    practitioner = factory.SelfAttribute("assessment.practitioner")
    indication = "Myofasciale nakkesmerter med aktive triggerpunkter."
    planned_sessions = 6
    exercises = "Tøyning og styrke for nakke og skulder daglig."
    information = "Smertefysiologi og belastningsstyring."
    discussed = True
    patient_view = "Ønsker å prøve nåler, er litt spent på stikket."
    agreed = True
    decided_at = factory.LazyFunction(timezone.now)
    created_by = factory.SelfAttribute("practitioner.user")


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanGoal

    plan = factory.SubFactory(PlanFactory)
    activity = "Sitte ved PC en hel arbeidsdag"
    baseline = 3
    target = 8


def screen(plan: Plan, *, present: dict[str, tuple[str, str]] | None = None, flags=()) -> Screening:
    """A screening of every caution; ``present`` maps caution → (decision, reason)."""
    present = present or {}
    screening = Screening.objects.create(
        clinic=plan.clinic,
        patient=plan.patient,
        plan=plan,
        practitioner=plan.practitioner,
        screened_at=timezone.now(),
        created_by=plan.practitioner.user,
    )
    ScreeningItem.objects.bulk_create(
        ScreeningItem(
            screening=screening,
            caution=caution,
            present=caution in present,
            decision=present.get(caution, ("", ""))[0],
            note=present.get(caution, ("", ""))[1],
        )
        for caution in Caution.values
    )
    screening.risk_flags.set(flags)
    return screening


class SessionFactory(factory.django.DjangoModelFactory):
    """A draft needle session of a plan (screen the plan first and pass ``screening``)."""

    class Meta:
        model = Session

    plan = factory.SubFactory(PlanFactory)
    clinic = factory.SelfAttribute("plan.clinic")
    patient = factory.SelfAttribute("plan.patient")
    episode = factory.SelfAttribute("plan.episode")
    practitioner = factory.SelfAttribute("plan.practitioner")
    screening = factory.LazyAttribute(lambda o: o.plan.screenings.order_by("-screened_at").first() or screen(o.plan))
    kind = SessionKind.NEEDLING
    number = factory.Sequence(lambda n: n + 1)
    occurred_at = factory.LazyFunction(timezone.now)
    created_by = factory.SelfAttribute("practitioner.user")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NeedleSite

    session = factory.SubFactory(SessionFactory)
    number = factory.Sequence(lambda n: n + 1)
    region = "upper_trapezius"
    side = "right"
    view = "back"
    x = 124
    y = 80
    length_mm = 30
    gauge_mm = "0.25"
    technique = Technique.DRY_NEEDLING
    stimulation = Stimulation.MANUAL
    state = SiteState.IN
    inserted_at = factory.LazyFunction(timezone.now)


def course_for(patient: Any, practitioner: Any, *, credential: bool = True, screened: bool = True) -> Plan:
    """A needle-treatment episode with assessment, an agreed plan with one goal and (by default) a screening."""
    if credential:
        CredentialFactory(practitioner=practitioner)
    episode = EpisodeFactory(patient=patient, responsible=practitioner, kind=EpisodeKind.NEEDLING, title="Nakkesmerter")
    assessment = AssessmentFactory(episode=episode, practitioner=practitioner)
    plan = PlanFactory(assessment=assessment)
    GoalFactory(plan=plan)
    if screened:
        screen(plan)
    return plan


@dataclass
class MatrixSample:
    episode_id: int
    plan_id: int
    session_id: int
    site_id: int
    channel_id: int
    electrode_id: int
    follow_up_id: int
    loan_id: int
    clinic_slug: str
    practitioner_id: int


def matrix_sample(patient: Any, practitioner: Any, *, text: str = "Sentinelius") -> MatrixSample:
    """Objects of one clinic for the role × URL matrix: a course with a draft session, a side effect, a loan.

    ``text`` goes into the free text of the course so a test can see that no other clinic sees it.
    """
    from kanyle.needling.models import ElectroChannel, Waveform

    plan = course_for(patient, practitioner, credential=False)
    plan.indication = text
    plan.save(update_fields=["indication"])
    session = SessionFactory(plan=plan, number=1)
    site = SiteFactory(session=session, number=1)
    other = SiteFactory(session=session, number=2, side="left", x=76)
    channel = ElectroChannel.objects.create(
        session=session,
        site_a=site,
        site_b=other,
        frequency_hz=2,
        pulse_width_us=200,
        intensity_ma="5.0",
        waveform=Waveform.CONTINUOUS,
        duration_minutes=15,
    )
    tens = SessionFactory(plan=plan, number=2, kind=SessionKind.TENS)
    electrode = TensElectrode.objects.create(
        session=tens, number=1, region="calf", side="left", view="back", x=117, y=366
    )
    effect = SideEffect.objects.create(
        clinic=plan.clinic,
        patient=patient,
        session=session,
        kind=SideEffectKind.BRUISING,
        severity=SideEffectSeverity.LOW,
        occurred_at=timezone.now(),
        description=text,
        recorded_by=practitioner,
        created_by=practitioner.user,
    )
    follow_up = FollowUp.objects.create(
        clinic=plan.clinic,
        patient=patient,
        side_effect=effect,
        assigned_to=practitioner,
        task=text,
        due_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    loan = TensLoan.objects.create(
        clinic=plan.clinic,
        patient=patient,
        plan=plan,
        device=text,
        mode=TensMode.CONVENTIONAL,
        lent_on=timezone.localdate(),
        due_on=timezone.localdate() + datetime.timedelta(days=14),
        lent_by=practitioner,
        created_by=practitioner.user,
    )
    return MatrixSample(
        episode_id=plan.episode_id,
        plan_id=plan.pk,
        session_id=session.pk,
        site_id=site.pk,
        channel_id=channel.pk,
        electrode_id=electrode.pk,
        follow_up_id=follow_up.pk,
        loan_id=loan.pk,
        clinic_slug=plan.clinic.slug,
        practitioner_id=practitioner.pk,
    )
