"""Factories for the record (journal). One class per model; related objects come from the other apps' factories.

A factory builds a valid row in the patient's clinic: pass ``patient=`` (and a practitioner of the same
clinic where one is needed) to place it in a test's clinic.
"""

from __future__ import annotations

import datetime

import factory

from kanyle.journal.models import Episode, EpisodeKind, Referral, ReferralSource, ReferralStatus
from kanyle.patients.tests.factories import PatientFactory
from kanyle.staff.tests.factories import PractitionerFactory


class ReferralFactory(factory.django.DjangoModelFactory):
    """A received referral from the patient's GP, received today, without a document."""

    class Meta:
        model = Referral

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    source = ReferralSource.GP
    referrer_name = "Dr. Tone Aase"
    referrer_hpr = factory.Sequence(lambda n: f"{8100000 + n}")
    referrer_practice = "Sentrum legekontor"
    reason = "Smerter i høyre skulder i tre måneder, spørsmål om ultralydveiledet injeksjon."
    received_on = factory.LazyFunction(datetime.date.today)
    status = ReferralStatus.RECEIVED
    created_by = factory.SelfAttribute("patient.created_by")

    class Params:
        self_referral = factory.Trait(
            source=ReferralSource.SELF, referrer_name="", referrer_hpr="", referrer_practice=""
        )


class EpisodeFactory(factory.django.DjangoModelFactory):
    """An open general physiotherapy course started today, with a responsible practitioner of the patient's clinic."""

    class Meta:
        model = Episode
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    kind = EpisodeKind.GENERAL
    title = "Skuldersmerter høyre side"
    responsible = factory.SubFactory(PractitionerFactory, clinic=factory.SelfAttribute("..clinic"))
    started_on = factory.LazyFunction(datetime.date.today)
    ended_on = None
    goals = "Smertefri overhodeaktivitet innen åtte uker."
    created_by = factory.SelfAttribute("responsible.user")

    @factory.post_generation
    def members(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.members.set(extracted)
