import datetime

import factory

from kanyle.clinics.tests.factories import ClinicFactory, UserFactory
from kanyle.staff.models import (
    AgreementHours,
    Credential,
    CredentialKind,
    InsuranceCover,
    MunicipalAgreement,
    Practitioner,
    Profession,
    Weekday,
)


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner

    clinic = factory.SubFactory(ClinicFactory)
    user = factory.SubFactory(UserFactory)
    profession = Profession.PHYSIO
    hpr_number = factory.Sequence(lambda n: f"{9000000 + n}")


class CredentialFactory(factory.django.DjangoModelFactory):
    """A verified credential, valid from a year ago and without expiry unless told."""

    class Meta:
        model = Credential

    practitioner = factory.SubFactory(PractitionerFactory)
    clinic = factory.SelfAttribute("practitioner.clinic")
    kind = CredentialKind.NEEDLING
    title = "Nålebehandling trinn 1"
    issuer = "Norsk Fysioterapeutforbund"
    issued_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=365))
    expires_on = None
    created_by = factory.SelfAttribute("practitioner.user")
    verified_by = factory.SelfAttribute("practitioner.user")
    verified_at = factory.Faker("date_time", tzinfo=datetime.UTC)


class InsuranceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsuranceCover

    practitioner = factory.SubFactory(PractitionerFactory)
    clinic = factory.SelfAttribute("practitioner.clinic")
    reference = factory.Sequence(lambda n: f"NPE-{n:05d}")
    valid_from = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=365))
    valid_to = None
    covers_injections = False
    created_by = factory.SelfAttribute("practitioner.user")


class AgreementFactory(factory.django.DjangoModelFactory):
    """A municipal agreement (driftsavtale) in force from a year ago, without end, without hours."""

    class Meta:
        model = MunicipalAgreement

    practitioner = factory.SubFactory(PractitionerFactory)
    clinic = factory.SelfAttribute("practitioner.clinic")
    municipality = "Bergen"
    percent = 50
    valid_from = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=365))
    valid_to = None


class AgreementHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementHours

    agreement = factory.SubFactory(AgreementFactory)
    weekday = Weekday.MONDAY
    start = datetime.time(8, 0)
    end = datetime.time(15, 0)
