import factory

from kanyle.accounts.models import User
from kanyle.clinics.models import Clinic, Membership, Role

# Valid organisation numbers (mod 11) for fictitious clinics.
ORG_NUMBERS = ["912345602", "912345610", "912345629", "912345637", "998765404", "998765412", "998765420"]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="no_NO")
    last_name = factory.Faker("last_name", locale="no_NO")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password("correct-horse-battery")


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Testklinikk {n}")
    slug = factory.Sequence(lambda n: f"klinikk-{n}")
    org_number = factory.Iterator(ORG_NUMBERS)
    city = "Bergen"
    postal_code = "5003"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.PHYSIO
