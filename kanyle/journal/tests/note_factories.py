"""Factories for encounters and notes (drafts unless signed=True)."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from kanyle.journal.models import ContactType, Encounter, Note
from kanyle.patients.tests.factories import PatientFactory
from kanyle.staff.tests.factories import PractitionerFactory


class EncounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Encounter

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    contact_type = ContactType.IN_PERSON
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    created_by = factory.SelfAttribute("patient.created_by")


class NoteFactory(factory.django.DjangoModelFactory):
    """A draft note; ``signed=True`` gives a signed one."""

    class Meta:
        model = Note

    class Params:
        signed = factory.Trait(signed_at=factory.LazyFunction(timezone.now))

    encounter = factory.SubFactory(EncounterFactory)
    patient = factory.SelfAttribute("encounter.patient")
    clinic = factory.SelfAttribute("encounter.clinic")
    author = factory.SubFactory(PractitionerFactory, clinic=factory.SelfAttribute("..clinic"))
    reason = "Smerter i høyre skulder ved løft over hodet i seks uker."
    findings = "Smertefull bue 70–120°, positiv Hawkins-Kennedy."
    assessment = "Forenlig med subacromialt smertesyndrom."
    plan = "Øvelser for rotatorcuff, kontroll om to uker."
