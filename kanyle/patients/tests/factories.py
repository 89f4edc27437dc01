import datetime
import itertools

import factory

from kanyle.clinics.tests.factories import ClinicFactory, UserFactory
from kanyle.patients import national_id as nid
from kanyle.patients.models import Patient, RiskFlag, RiskKind

_individuals = itertools.count(100)


def synthetic_id(born: datetime.date) -> str:
    """A synthetic (month + 80) national ID with valid check digits for this birth date."""
    while True:
        number = nid.generate(born, next(_individuals) % 500, synthetic=True)
        if number:
            return number


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    birth_date = factory.Faker(
        "date_between", start_date=datetime.date(1940, 1, 1), end_date=datetime.date(1999, 12, 31)
    )
    national_id = factory.LazyAttribute(lambda p: synthetic_id(p.birth_date))
    id_type = nid.FNR
    given_name = factory.Faker("first_name", locale="no_NO")
    family_name = factory.Faker("last_name", locale="no_NO")
    phone = "91234567"
    gp_name = "Dr. Tone Aase"
    created_by = factory.SubFactory(UserFactory)


class RiskFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskFlag

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    kind = RiskKind.PACEMAKER
    recorded_by = factory.SelfAttribute("patient.created_by")
