"""Create the demo clinics, users (one per role) and fictitious patients; print the logins.

Idempotent: running it again leaves existing demo data as it is and prints the logins again.
Every national ID is synthetic (month + 80, Skatteetaten's test range), so it can never be a
real person's number; demo figures are examples.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanyle.accounts.models import User
from kanyle.billing.demo import create_demo_billing
from kanyle.clinics.models import Clinic, Membership, OrganisationModel, Role
from kanyle.injections.demo import create_demo_injections
from kanyle.journal.demo import create_demo_histories
from kanyle.needling.demo import create_demo_needling
from kanyle.patients import national_id
from kanyle.patients.models import Patient, RiskFlag, RiskKind
from kanyle.quality.demo_documents import create_demo_documents
from kanyle.quality.demo_safety import create_demo_safety
from kanyle.scheduling.demo import create_demo_schedule
from kanyle.staff.models import (
    AgreementHours,
    Credential,
    CredentialKind,
    InsuranceCover,
    MunicipalAgreement,
    Practitioner,
    Profession,
)

DEMO_PASSWORD = "kanyle-demo-2026"

CLINICS = {
    "fjordbyen": {
        "name": "Fjordbyen Fysio og Injeksjon",
        "org_number": "912345602",
        "street_address": "Kaigata 4",
        "postal_code": "5003",
        "city": "Bergen",
        "her_id": "8123456",
        "organisation_model": OrganisationModel.DOCTOR_ON_SITE,
    },
    "nordlys": {
        "name": "Nordlys Helsehus",
        "org_number": "998765404",
        "street_address": "Storgata 20",
        "postal_code": "9008",
        "city": "Tromsø",
        "organisation_model": OrganisationModel.DOCTOR_BY_VIDEO,
    },
}

# username: (first, last, [(clinic, role)], hpr, enrolled)
USERS = {
    "admin": ("Kari", "Nordmo", [("fjordbyen", Role.ADMIN)], "", True),
    "fysio": ("Ingrid", "Haugland", [("fjordbyen", Role.PHYSIO)], "9100101", True),
    "lege": ("Erik", "Sandvik", [("fjordbyen", Role.DOCTOR)], "9100202", True),
    "resepsjon": ("Sofie", "Lunde", [("fjordbyen", Role.RECEPTION)], "", False),
    "flere": ("Anders", "Moe", [("fjordbyen", Role.PHYSIO), ("nordlys", Role.PHYSIO)], "9100303", True),
    "ny.fysio": ("Maria", "Berg", [("fjordbyen", Role.PHYSIO)], "9100404", False),
    "nordlys.fysio": ("Jonas", "Eriksen", [("nordlys", Role.PHYSIO)], "9100505", True),
}

GIVEN = [
    "Ola",
    "Kari",
    "Per",
    "Anne",
    "Lars",
    "Ingrid",
    "Ole",
    "Marit",
    "Jon",
    "Liv",
    "Nils",
    "Hilde",
    "Knut",
    "Silje",
    "Eirik",
    "Ida",
    "Magnus",
    "Nora",
    "Sindre",
    "Thea",
    "Håkon",
    "Åse",
    "Øystein",
    "Solveig",
]
FAMILY = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Dahl",
    "Lie",
    "Bakken",
    "Solberg",
    "Strand",
    "Ødegård",
    "Aasen",
    "Kvamme",
    "Sæther",
    "Vik",
]
STREETS = ["Fjellveien", "Strandgaten", "Skolegata", "Bakkeveien"]
GPS = [
    ("Dr. Tone Aase", "9200111", "Sentrum legekontor", "8200011"),
    ("Dr. Rune Holm", "9200222", "Sandviken legesenter", "8200022"),
    ("Dr. Leila Haddad", "9200333", "Årstad legekontor", ""),
]


def demo_totp_key(username: str) -> str:
    """A fixed key per demo user, so the printed secret stays valid across restarts."""
    return hashlib.sha1(f"kanyle-demo:{username}".encode()).hexdigest()


def totp_secret(hex_key: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")


class Command(BaseCommand):
    help = "Create the demo clinics, users and fictitious patients, and print the demo logins."

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo data must never be loaded into a production database.")
        with transaction.atomic():
            created = self._create()
        self._print_logins(created)

    def _create(self) -> bool:
        if User.objects.filter(username="admin", memberships__clinic__slug="fjordbyen").exists():
            return False
        clinics = {slug: Clinic.objects.create(slug=slug, **data) for slug, data in CLINICS.items()}
        today = timezone.localdate()
        for username, (first, last, roles, hpr, enrolled) in USERS.items():
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{username}@demo.kanyle.invalid",
            )
            for slug, role in roles:
                Membership.objects.create(user=user, clinic=clinics[slug], role=role)
                if role in (Role.PHYSIO, Role.DOCTOR):
                    self._practitioner(user, clinics[slug], role, hpr, today, full=username != "ny.fysio")
            if enrolled:
                TOTPDevice.objects.create(user=user, name="Demo", key=demo_totp_key(username), confirmed=True)
        self._patients(clinics["fjordbyen"], User.objects.get(username="resepsjon"), count=40, seed=1)
        self._patients(clinics["nordlys"], User.objects.get(username="nordlys.fysio"), count=12, seed=2)
        fjordbyen = clinics["fjordbyen"]
        create_demo_histories(
            clinic=fjordbyen,
            patients=list(Patient.objects.filter(clinic=fjordbyen).order_by("id")[:12]),
            physio=Practitioner.objects.get(clinic=fjordbyen, user__username="fysio"),
            doctor=Practitioner.objects.get(clinic=fjordbyen, user__username="lege"),
        )
        users = {u.username: u for u in User.objects.filter(memberships__clinic=fjordbyen).distinct()}
        create_demo_documents(
            clinic=fjordbyen,
            admin_user=users["admin"],
            doctor_user=users["lege"],
            users=[users["fysio"], users["resepsjon"], users["ny.fysio"]],
        )
        create_demo_safety(
            clinic=fjordbyen, admin_user=users["admin"], doctor_user=users["lege"], physio_user=users["fysio"]
        )
        create_demo_needling(
            clinic=fjordbyen,
            physio=Practitioner.objects.get(clinic=fjordbyen, user__username="fysio"),
            patient=Patient.objects.filter(clinic=fjordbyen).exclude(risk_flags__kind="pacemaker").order_by("id")[12],
        )
        create_demo_injections(
            clinic=fjordbyen,
            doctor=Practitioner.objects.get(clinic=fjordbyen, user__username="lege"),
            physio=Practitioner.objects.get(clinic=fjordbyen, user__username="fysio"),
            # Patients without risk flags, past the ones the other demo parts use.
            patients=list(Patient.objects.filter(clinic=fjordbyen, risk_flags__isnull=True).order_by("id")[14:24]),
            admin_user=users["admin"],
        )
        create_demo_billing(clinic=fjordbyen, admin_user=users["admin"])
        create_demo_schedule(
            clinic=fjordbyen,
            physio=Practitioner.objects.get(clinic=fjordbyen, user__username="fysio"),
            doctor=Practitioner.objects.get(clinic=fjordbyen, user__username="lege"),
            patients=list(Patient.objects.filter(clinic=fjordbyen).order_by("id")[:10]),
        )
        return True

    def _practitioner(self, user, clinic, role, hpr, today, *, full: bool) -> None:
        admin_user = User.objects.filter(username="admin").first() or user
        practitioner = Practitioner.objects.create(
            clinic=clinic,
            user=user,
            hpr_number=hpr,
            profession=Profession.DOCTOR if role == Role.DOCTOR else Profession.PHYSIO,
            title="Spesialist i allmennmedisin" if role == Role.DOCTOR else "Spesialist i manuellterapi",
        )
        verified = {"verified_by": admin_user, "verified_at": timezone.now(), "created_by": admin_user}
        years = datetime.timedelta(days=365)
        if role == Role.PHYSIO and full:
            Credential.objects.create(
                clinic=clinic,
                practitioner=practitioner,
                kind=CredentialKind.NEEDLING,
                title="Nålebehandling trinn 1 og 2",
                issuer="Norsk Fysioterapeutforbund",
                issued_on=today - 3 * years,
                **verified,
            )
            Credential.objects.create(
                clinic=clinic,
                practitioner=practitioner,
                kind=CredentialKind.MSK_ULTRASOUND,
                title="Muskel- og skjelettultralyd",
                issuer="Universitetet i Bergen",
                issued_on=today - 2 * years,
                **verified,
            )
            Credential.objects.create(
                clinic=clinic,
                practitioner=practitioner,
                kind=CredentialKind.US_GUIDED_PROCEDURES,
                title="Ultralydveiledede prosedyrer",
                issuer="Norsk Fysioterapeutforbund",
                issued_on=today - years,
                **verified,
            )
            Credential.objects.create(
                clinic=clinic,
                practitioner=practitioner,
                kind=CredentialKind.INJECTION,
                title="Injeksjonskurs",
                issuer="Kurssenter for muskel og skjelett",
                issued_on=today - years,
                expires_on=today + datetime.timedelta(days=30),
                **verified,
            )
            InsuranceCover.objects.create(
                clinic=clinic,
                practitioner=practitioner,
                reference="NPE-2026-1001",
                valid_from=today - 2 * years,
                covers_injections=True,
                created_by=admin_user,
            )
            agreement = MunicipalAgreement.objects.create(
                clinic=clinic,
                practitioner=practitioner,
                municipality=clinic.city,
                percent=60,
                valid_from=today - 4 * years,
            )
            for weekday in range(4):
                AgreementHours.objects.create(
                    agreement=agreement, weekday=weekday, start=datetime.time(8), end=datetime.time(15)
                )
        elif role == Role.DOCTOR:
            InsuranceCover.objects.create(
                clinic=clinic,
                practitioner=practitioner,
                reference="NPE-2026-2002",
                valid_from=today - years,
                covers_injections=True,
                created_by=admin_user,
            )
            Credential.objects.create(
                clinic=clinic,
                practitioner=practitioner,
                kind=CredentialKind.EMERGENCY_DRILL,
                title="Anafylaksi og HLR, årlig øvelse",
                issuer="Klinikkens internopplæring",
                issued_on=today - datetime.timedelta(days=100),
                expires_on=today + datetime.timedelta(days=265),
                **verified,
            )
        else:
            Credential.objects.create(
                clinic=clinic,
                practitioner=practitioner,
                kind=CredentialKind.NEEDLING,
                title="Nålebehandling trinn 1",
                issuer="Norsk Fysioterapeutforbund",
                issued_on=today - datetime.timedelta(days=40),
                created_by=admin_user,
            )
            InsuranceCover.objects.create(
                clinic=clinic,
                practitioner=practitioner,
                reference="NPE-2026-3003",
                valid_from=today - years,
                valid_to=today - datetime.timedelta(days=5),
                created_by=admin_user,
            )

    def _patients(self, clinic, creator, *, count: int, seed: int) -> None:
        rng = random.Random(seed)
        made = 0
        while made < count:
            born = datetime.date(rng.randint(1940, 2012), rng.randint(1, 12), rng.randint(1, 28))
            individual = rng.randint(0, 499) if born.year < 2000 else rng.randint(500, 999)
            number = national_id.generate(born, individual, synthetic=True)
            if number is None or Patient.objects.filter(clinic=clinic, national_id=number).exists():
                continue
            gp = rng.choice([*GPS, None])
            patient = Patient.objects.create(
                clinic=clinic,
                national_id=number,
                id_type=national_id.FNR,
                birth_date=born,
                given_name=rng.choice(GIVEN),
                family_name=rng.choice(FAMILY),
                phone=f"9{rng.randint(1000000, 9999999)}",
                email="",
                street_address=f"{rng.choice(STREETS)} {rng.randint(1, 90)}",
                postal_code=clinic.postal_code,
                city=clinic.city,
                has_no_gp=gp is None and rng.random() < 0.5,
                gp_name=gp[0] if gp else "",
                gp_hpr_number=gp[1] if gp else "",
                gp_practice=gp[2] if gp else "",
                gp_her_id=gp[3] if gp else "",
                created_by=creator,
            )
            if rng.random() < 0.3:
                kind = rng.choice([RiskKind.ANTICOAGULANT, RiskKind.PACEMAKER, RiskKind.DIABETES, RiskKind.ALLERGY])
                RiskFlag.objects.create(
                    clinic=clinic,
                    patient=patient,
                    kind=kind,
                    recorded_by=creator,
                    detail="Penicillin (utslett)" if kind == RiskKind.ALLERGY else "",
                )
            made += 1

    def _print_logins(self, created: bool) -> None:
        out = self.stdout
        out.write("")
        out.write("=" * 78)
        out.write(" Kanyle demo  —  http://127.0.0.1:8000" + ("  (demo data created)" if created else ""))
        out.write("=" * 78)
        out.write(f" Password for every demo user: {DEMO_PASSWORD}")
        out.write(" Two-factor: add the secret to an authenticator app, or print the current code")
        out.write("   with:  make totp USER=<username>")
        out.write("")
        out.write(f" {'username':<15}{'role(s)':<58}{'TOTP secret'}")
        for username, (_first, _last, roles, _hpr, enrolled) in USERS.items():
            role_text = ", ".join(f"{Role(role).label} ({slug})" for slug, role in roles)
            secret = totp_secret(demo_totp_key(username)) if enrolled else "(sets up at first login)"
            out.write(f" {username:<15}{role_text:<58}{secret}")
        out.write("=" * 78)
