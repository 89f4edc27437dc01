"""Fill the database with a national-scale, entirely fictitious data set for the benchmark.

    manage.py generate_load_data --patients 1000000          # 1 M patients, 10 M notes, 50 clinics
    manage.py generate_load_data --patients 2000             # CI / laptop size

What it makes, per clinic (``load-c001`` … ``load-c050``): practitioners with users and
memberships (≈300 in all), an administrator and a receptionist, patients with Norwegian names and
synthetic national IDs (month + 80, Skatteetaten's test range; never a real person), referrals,
episodes of care, encounters with journal notes (skewed: most patients 0–10 notes, a few 500+,
mostly signed; about half carry a diagnosis code) and audit rows.

The first patient of every clinic (``Kari Lastesen``) has exactly ``--heavy-notes`` notes (500)
and the clinic's first practitioner (``load-c001-p01``) is responsible for her episode: the
benchmark opens her chart as that practitioner.

Bulk paths: on PostgreSQL every table is streamed with COPY, ids reserved in blocks from the
sequences, foreign-key and immutability triggers off for the loading session only
(``session_replication_role = replica``, the data is consistent by construction), and clinics
are loaded by ``--jobs`` processes in parallel. On SQLite (small sizes only) the same rows go in
with ``executemany``.

Resumable: each clinic is loaded in one transaction that also writes its row in
``kanyle_loadgen_progress``; a run that stops half-way rolls that clinic back, and the next run
skips the clinics already done. A second phase per clinic (``_loadgen_extras``: appointments by COPY,
injection chains through the injection builders) has its own progress table, so a data set made
before that phase existed is completed by running the command again.
"""

from __future__ import annotations

import datetime
import json
import logging
import multiprocessing
import random
import time
import zlib
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.utils import timezone
from stdnum.no import orgnr

from kanyle.accounts.models import User
from kanyle.clinics.models import Clinic, Membership, Role
from kanyle.core.management.commands import _loadgen_extras as extras
from kanyle.journal.models import DiagnosisCode
from kanyle.patients import national_id
from kanyle.staff.models import Practitioner, Profession

PROGRESS_TABLE = "kanyle_loadgen_progress"
RUNS_TABLE = "kanyle_loadgen_run"  # one JSON row per run that loaded data (the benchmark quotes its time)
SLUG_PREFIX = "load-c"
HEAVY_GIVEN, HEAVY_FAMILY = "Kari", "Lastesen"

GIVEN_NAMES = [
    "Anne",
    "Inger",
    "Kari",
    "Marit",
    "Ingrid",
    "Liv",
    "Eva",
    "Berit",
    "Astrid",
    "Bjørg",
    "Hilde",
    "Anna",
    "Solveig",
    "Marianne",
    "Randi",
    "Ida",
    "Nina",
    "Maria",
    "Elisabeth",
    "Kristin",
    "Bente",
    "Heidi",
    "Silje",
    "Hanne",
    "Gunn",
    "Wenche",
    "Tone",
    "Ellen",
    "Camilla",
    "Ragnhild",
    "Emma",
    "Nora",
    "Sofie",
    "Ingeborg",
    "Åse",
    "Sigrid",
    "Synnøve",
    "Tuva",
    "Maja",
    "Thea",
    "Jan",
    "Per",
    "Bjørn",
    "Ole",
    "Lars",
    "Kjell",
    "Knut",
    "Arne",
    "Svein",
    "Hans",
    "Geir",
    "Thomas",
    "Tor",
    "Terje",
    "Morten",
    "Odd",
    "John",
    "Rune",
    "Erik",
    "Trond",
    "Martin",
    "Anders",
    "Andreas",
    "Jon",
    "Rolf",
    "Tore",
    "Harald",
    "Espen",
    "Magnus",
    "Jonas",
    "Henrik",
    "Sindre",
    "Øyvind",
    "Ståle",
    "Håkon",
    "Eirik",
    "Jørgen",
    "Mathias",
    "Emil",
    "Filip",
    "Sander",
    "Aksel",
    "Sverre",
    "Vegard",
    "Ørjan",
    "Torbjørn",
    "Leif",
    "Gunnar",
    "Halvor",
    "Åsmund",
]
FAMILY_NAMES = [
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
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Jakobsen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
    "Solberg",
    "Svendsen",
    "Eide",
    "Knutsen",
    "Martinsen",
    "Paulsen",
    "Bakken",
    "Kristoffersen",
    "Mathisen",
    "Lie",
    "Amundsen",
    "Nguyen",
    "Rasmussen",
    "Ali",
    "Lunde",
    "Solheim",
    "Berge",
    "Moe",
    "Nygård",
    "Bakke",
    "Kristensen",
    "Fredriksen",
    "Holm",
    "Lien",
    "Hauge",
    "Christensen",
    "Andresen",
    "Nielsen",
    "Knudsen",
    "Evensen",
    "Sæther",
    "Aas",
    "Myhre",
    "Hanssen",
    "Ahmed",
    "Haugland",
    "Thomassen",
    "Sivertsen",
    "Simonsen",
    "Danielsen",
    "Berntsen",
    "Sandvik",
    "Rønning",
    "Arnesen",
    "Antonsen",
    "Næss",
    "Vik",
    "Haug",
    "Ellingsen",
    "Thorsen",
    "Edvardsen",
    "Birkeland",
    "Isaksen",
    "Gulbrandsen",
    "Ruud",
    "Aasen",
    "Strøm",
    "Myklebust",
    "Tangen",
    "Ødegård",
    "Eliassen",
    "Helland",
    "Bøe",
    "Jenssen",
    "Aune",
    "Mikkelsen",
    "Tveit",
    "Brekke",
    "Abrahamsen",
    "Madsen",
    "Nordmann",
    "Fjeld",
    "Grøtting",
    "Skogvold",
    "Østby",
    "Årseth",
]
CITIES = (("0150", "Oslo"), ("5003", "Bergen"), ("7010", "Trondheim"), ("9008", "Tromsø"), ("4006", "Stavanger"))
STREETS = ("Storgata", "Kirkeveien", "Skolegata", "Fjordvegen", "Bakkegata", "Parkveien", "Strandgata")
EPISODE_TITLES = ("Skulderplager", "Korsryggsmerter", "Nakkesmerter", "Knesmerter", "Hælspore", "Tennisalbue")
EPISODE_KINDS = ("general", "general", "needling", "injection")
CONTACT_TYPES = ("in_person", "in_person", "in_person", "video", "phone")
REASONS = (
    "Smerter i høyre skulder ved løft over hodehøyde siden tre uker.",
    "Korsryggsmerter etter løft, ingen utstråling til bena.",
    "Kontroll etter forrige behandling; noe bedre, sover bedre om natten.",
    "Nakkesmerter og hodepine etter mye skjermarbeid.",
    "Smerter lateralt i albuen ved grep, verst om morgenen.",
)
FINDINGS = (
    "Nedsatt aktiv fleksjon, smertefull bue 70–120 grader, positiv Hawkins.",
    "Palpasjonsøm paravertebralt L4–L5, negativ Lasègue bilateralt.",
    "Full bevegelighet, lett palpasjonsømhet over muskelfestet.",
    "Redusert rotasjon mot venstre, triggerpunkter i øvre trapezius.",
)
ASSESSMENTS = (
    "Forenlig med subakromialt smertesyndrom.",
    "Uspesifikke korsryggsmerter, god prognose.",
    "Bedring siden forrige konsultasjon; fortsetter opplegget.",
    "Myofascielle smerter i nakke og skulderbue.",
)
INTERVENTIONS = (
    "Øvelsesprogram gjennomgått, manuell behandling av nakke og skulder.",
    "Tørrnåling av triggerpunkter, 4 nåler i 10 minutter.",
    "Veiledning i aktivitet og belastning; tøyeøvelser.",
    "",
)
INFORMATION = (
    "Informert om forventet forløp og råd om aktivitet.",
    "Pasienten samtykket muntlig til behandlingen.",
    "",
)
PLANS = ("Kontroll om to uker.", "Ny time neste uke, progresjon av øvelser.", "Avslutter; tar kontakt ved behov.")
COPY_TABLES = {
    "patients_patient": (
        "id clinic_id national_id id_type given_name family_name birth_date phone email street_address postal_code "
        "city preferred_language needs_interpreter has_no_gp gp_name gp_hpr_number gp_practice gp_her_id "
        "created_at updated_at created_by_id"
    ),
    "journal_referral": (
        "id clinic_id patient_id source referrer_name referrer_hpr referrer_practice reason received_on document "
        "document_sha256 status decline_reason decided_by_id decided_at created_by_id created_at"
    ),
    "journal_episode": (
        "id clinic_id patient_id kind title responsible_id referral_id started_on ended_on goals "
        "created_by_id created_at"
    ),
    "journal_encounter": "id clinic_id patient_id episode_id contact_type occurred_at created_by_id created_at",
    "journal_note": (
        "id clinic_id patient_id encounter_id author_id reason findings assessment interventions information plan "
        "co_author_id signed_at created_at updated_at"
    ),
    "journal_notediagnosis": "note_id code_id position",
    "scheduling_appointment": extras.APPOINTMENT_COLUMNS,
    "audit_auditevent": (
        "created_at clinic_id user_id username user_display role patient_id action object_type object_id detail "
        "reason ip_address flagged"
    ),
}


@dataclass
class Staff:
    practitioner_id: int
    user_id: int
    username: str
    display: str
    role: str


@dataclass
class ClinicPlan:
    clinic_id: int
    slug: str
    index: int
    patients: int
    notes: int
    practitioners: list[Staff]
    reception: Staff
    seed: int


def note_counts(rng: random.Random, patients: int, total: int, heavy: int) -> list[int]:
    """Notes per patient: most 0–10, about 6 % 20–120, 0.15 % 500–800; the first patient exactly ``heavy``.

    The ordinary patients are then nudged one note at a time until the clinic's total is reached.
    """
    if patients == 0:
        return []
    counts = [heavy]
    for _ in range(patients - 1):
        u = rng.random()
        counts.append(rng.randint(500, 800) if u < 0.0015 else rng.randint(20, 120) if u < 0.06 else rng.randint(0, 10))
    total = max(total, heavy)
    current = sum(counts)
    if patients > 1:
        # Scale the tail first if the draw is far off (small sizes), then nudge.
        if current > total:
            factor = (total - heavy) / max(1, current - heavy)
            counts[1:] = [int(c * factor) for c in counts[1:]]
            current = sum(counts)
        step = 1 if current < total else -1
        while current != total:
            i = rng.randrange(1, patients)
            if step < 0 and counts[i] == 0:
                continue
            counts[i] += step
            current += step
    return counts


class Sink:
    """Writes rows to one table: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, table: str):
        self.table = table
        self.columns = COPY_TABLES[table].split()
        self.rows = 0

    def write(self, rows) -> None:
        cols = ", ".join(self.columns)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {self.table} ({cols}) FROM STDIN") as copy:
                    buffer = []
                    for row in rows:
                        buffer.append("\t".join("\\N" if v is None else v for v in row))
                        if len(buffer) >= 5000:
                            copy.write("\n".join(buffer) + "\n")
                            self.rows += len(buffer)
                            buffer = []
                    if buffer:
                        copy.write("\n".join(buffer) + "\n")
                        self.rows += len(buffer)
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            sql = f"INSERT INTO {self.table} ({cols}) VALUES ({marks})"  # noqa: S608  (fixed table/columns)
            batch = []
            with connection.cursor() as cursor:
                for row in rows:
                    batch.append([_sqlite_value(v) for v in row])
                    if len(batch) >= 2000:
                        cursor.executemany(sql, batch)
                        self.rows += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    self.rows += len(batch)


def _sqlite_value(value):
    if value == "t":
        return True
    if value == "f":
        return False
    return value


def _reserve_ids(table: str, count: int) -> int:
    """A block of ``count`` fresh primary keys for ``table``; returns the first."""
    if count <= 0:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A session lock held only while reserving (not the clinic's whole transaction).
            # Sequences are not transactional: a failed clinic leaves a gap in the ids, never a clash.
            key = zlib.crc32(table.encode()) & 0x7FFFFFFF
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
            try:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                seq = cursor.fetchone()[0]
                cursor.execute("SELECT nextval(%s)", [seq])
                first = cursor.fetchone()[0]
                cursor.execute("SELECT setval(%s, %s)", [seq, first + count - 1])
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            return first
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0] + 1


def _ts(value: datetime.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S+00")


def _national_ids(rng: random.Random, count: int) -> list[tuple[str, datetime.date]]:
    seen: set[str] = set()
    out = []
    while len(out) < count:
        born = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(0, 32500))
        low, high = (0, 499) if born.year < 2000 else (500, 999)
        number = national_id.generate(born, rng.randint(low, high), synthetic=True)
        if number and number not in seen:
            seen.add(number)
            out.append((number, born))
    return out


def _load_clinic(plan: ClinicPlan, heavy: int, now: datetime.datetime) -> dict[str, int]:
    rng = random.Random(plan.seed)
    counts = note_counts(rng, plan.patients, plan.notes, heavy)
    ids = _national_ids(rng, plan.patients)
    pracs = plan.practitioners
    lead = pracs[0]
    written: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM journal_diagnosiscode ORDER BY system, code")
        codes = [str(r[0]) for r in cursor.fetchall()] or []
    codes = codes[:: max(1, len(codes) // 300)] if codes else []

    first_patient = _reserve_ids("patients_patient", plan.patients)
    reception = str(plan.reception.user_id)

    def patients():
        for i, (number, born) in enumerate(ids):
            given = HEAVY_GIVEN if i == 0 else rng.choice(GIVEN_NAMES)
            if i and rng.random() < 0.12:
                given = f"{given} {rng.choice(GIVEN_NAMES)}"
            family = HEAVY_FAMILY if i == 0 else rng.choice(FAMILY_NAMES)
            if i and rng.random() < 0.08:
                family = f"{rng.choice(FAMILY_NAMES)} {family}"
            postal, city = rng.choice(CITIES)
            created = _ts(now - datetime.timedelta(days=rng.randrange(30, 3650)))
            no_gp = rng.random() < 0.03
            yield (
                str(first_patient + i), str(plan.clinic_id), number, "fnr", given, family, born.isoformat(),
                f"9{rng.randrange(10**7):07d}", "", f"{rng.choice(STREETS)} {rng.randint(1, 120)}", postal, city,
                "nb", "f", "t" if no_gp else "f", "" if no_gp else f"Lege {rng.choice(FAMILY_NAMES)}", "", "", "",
                created, created, reception,
            )  # fmt: skip

    sink = Sink("patients_patient")
    sink.write(patients())
    written["patients"] = sink.rows

    treated = [i for i, c in enumerate(counts) if c > 0]
    referred = [i for i in treated if i == 0 or rng.random() < 0.3]
    first_ref = _reserve_ids("journal_referral", len(referred))
    referral_of = {i: first_ref + k for k, i in enumerate(referred)}

    def referrals():
        for i in referred:
            received = (now - datetime.timedelta(days=rng.randrange(1, 1500))).date().isoformat()
            yield (
                str(referral_of[i]), str(plan.clinic_id), str(first_patient + i), "gp",
                f"Lege {rng.choice(FAMILY_NAMES)}",
                "", "", "Utredning og behandling av muskel- og skjelettplager.", received, "", "", "accepted", "",
                str(lead.user_id), _ts(now), reception, _ts(now),
            )  # fmt: skip

    sink = Sink("journal_referral")
    sink.write(referrals())
    written["referrals"] = sink.rows

    first_episode = _reserve_ids("journal_episode", len(treated))
    episode_of = {i: first_episode + k for k, i in enumerate(treated)}
    responsible_of = {i: (lead if i == 0 else rng.choice(pracs)) for i in treated}

    def episodes():
        for i in treated:
            started = (now - datetime.timedelta(days=rng.randrange(400, 3000))).date().isoformat()
            staff = responsible_of[i]
            ref = referral_of.get(i)
            yield (
                str(episode_of[i]), str(plan.clinic_id), str(first_patient + i), rng.choice(EPISODE_KINDS),
                rng.choice(EPISODE_TITLES), str(staff.practitioner_id), str(ref) if ref else None, started, None,
                "Smertefri i hverdagen.", str(staff.user_id), _ts(now),
            )  # fmt: skip

    sink = Sink("journal_episode")
    sink.write(episodes())
    written["episodes"] = sink.rows

    total_notes = sum(counts)
    first_encounter = _reserve_ids("journal_encounter", total_notes)
    first_note = _reserve_ids("journal_note", total_notes)
    # One plan per note: (patient index, author, occurred); encounters and notes share it.
    note_plan: list[tuple[int, Staff, datetime.datetime]] = []
    for i in treated:
        span = 3000 if counts[i] > 50 else 700
        for _ in range(counts[i]):
            author = responsible_of[i] if rng.random() < 0.7 else rng.choice(pracs)
            occurred = now - datetime.timedelta(minutes=rng.randrange(60, span * 1440))
            note_plan.append((i, author, occurred))

    def encounters():
        for k, (i, author, occurred) in enumerate(note_plan):
            yield (
                str(first_encounter + k), str(plan.clinic_id), str(first_patient + i), str(episode_of[i]),
                CONTACT_TYPES[k % 5], _ts(occurred), str(author.user_id), _ts(occurred),
            )  # fmt: skip

    sink = Sink("journal_encounter")
    sink.write(encounters())
    written["encounters"] = sink.rows

    signed_flags = []

    def notes():
        for k, (i, author, occurred) in enumerate(note_plan):
            signed = occurred + datetime.timedelta(minutes=45)
            is_signed = (k % 37) != 5 or i == 0
            signed_flags.append(is_signed)
            stamp = _ts(occurred)
            yield (
                str(first_note + k), str(plan.clinic_id), str(first_patient + i), str(first_encounter + k),
                str(author.practitioner_id), REASONS[k % 5], FINDINGS[k % 4], ASSESSMENTS[k % 4],
                INTERVENTIONS[k % 4], INFORMATION[k % 3], PLANS[k % 3], None,
                _ts(signed) if is_signed else None, stamp, _ts(signed) if is_signed else stamp,
            )  # fmt: skip

    sink = Sink("journal_note")
    sink.write(notes())
    written["notes"] = sink.rows

    def diagnoses():
        if not codes:
            return
        for k in range(total_notes):
            if k % 2 == 0:
                yield (str(first_note + k), codes[(k * 7) % len(codes)], "0")

    sink = Sink("journal_notediagnosis")
    sink.write(diagnoses())
    written["diagnoses"] = sink.rows

    def audit():
        rec = plan.reception
        for i in range(plan.patients):
            yield (
                _ts(now - datetime.timedelta(days=3650 - i % 3000)), str(plan.clinic_id), str(rec.user_id),
                rec.username, rec.display, rec.role, str(first_patient + i), "patients.patient.created",
                "patients.patient", str(first_patient + i), "", "", "10.0.0.1", "f",
            )  # fmt: skip
        for k, (i, author, occurred) in enumerate(note_plan):
            if i != 0 and k % 4:
                continue
            stamp = _ts(occurred + datetime.timedelta(minutes=45))
            for action, obj, oid in (
                ("journal.chart.viewed", "patients.patient", first_patient + i),
                ("journal.note.signed", "journal.note", first_note + k),
            ):
                yield (
                    stamp, str(plan.clinic_id), str(author.user_id), author.username, author.display, author.role,
                    str(first_patient + i), action, obj, str(oid), "", "", "10.0.0.2", "f",
                )  # fmt: skip

    sink = Sink("audit_auditevent")
    sink.write(audit())
    written["audit"] = sink.rows
    return written


def _ensure_progress_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} ("
            "clinic_slug varchar(60) PRIMARY KEY, patients integer NOT NULL, notes integer NOT NULL, "
            "seconds double precision NOT NULL, done_at varchar(40) NOT NULL)"
        )


def _ensure_runs_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {RUNS_TABLE} (id integer PRIMARY KEY"
            + (" GENERATED BY DEFAULT AS IDENTITY" if connection.vendor == "postgresql" else " AUTOINCREMENT")
            + ", record text NOT NULL)"
        )


def _done_clinics() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT clinic_slug FROM {PROGRESS_TABLE}")  # noqa: S608
        return {r[0] for r in cursor.fetchall()}


def _org_number(index: int) -> str:
    """A fictitious organisation number with a valid mod-11 check digit (weights 3 2 7 6 5 4 3 2)."""
    base = 80000000 + index * 7
    while True:
        digits = str(base)
        remainder = sum(w * int(d) for w, d in zip((3, 2, 7, 6, 5, 4, 3, 2), digits, strict=True)) % 11
        check = (11 - remainder) % 11
        if check != 10 and orgnr.is_valid(digits + str(check)):
            return digits + str(check)
        base += 1


def setup_clinics(clinics: int, practitioners: int) -> list[tuple[Clinic, list[Staff], Staff]]:
    """Clinics, users, memberships and practitioners (idempotent: found by slug and username)."""
    out = []
    per_clinic = max(1, practitioners // clinics)
    extra = practitioners - per_clinic * clinics if practitioners > per_clinic * clinics else 0
    rng = random.Random(7)
    used_orgs = set(Clinic.objects.values_list("org_number", flat=True))
    for c in range(1, clinics + 1):
        slug = f"{SLUG_PREFIX}{c:03d}"
        clinic = Clinic.objects.filter(slug=slug).first()
        if clinic is None:
            org, bump = _org_number(c), 0
            while org in used_orgs:
                bump += 1
                org = _org_number(c + 1000 * bump)
            used_orgs.add(org)
            clinic = Clinic.objects.create(
                name=f"Lastklinikk {c:03d}", slug=slug, org_number=org, city=CITIES[c % len(CITIES)][1]
            )
        staff = []
        n = per_clinic + (1 if c <= extra else 0)
        for p in range(1, n + 1):
            username = f"{slug}-p{p:02d}"
            role = Role.DOCTOR if p == n and n > 2 else Role.PHYSIO
            user = _user(username, rng)
            Membership.objects.get_or_create(user=user, clinic=clinic, role=role)
            practitioner, _created = Practitioner.objects.get_or_create(
                clinic=clinic,
                user=user,
                defaults={"profession": Profession(role.value), "hpr_number": str(1000000 + c * 100 + p)},
            )
            staff.append(Staff(practitioner.pk, user.pk, username, user.display_name, role.value))
        for username, role in ((f"{slug}-admin", Role.ADMIN), (f"{slug}-resepsjon", Role.RECEPTION)):
            user = _user(username, rng)
            Membership.objects.get_or_create(user=user, clinic=clinic, role=role)
        reception = User.objects.get(username=f"{slug}-resepsjon")
        out.append((clinic, staff, Staff(0, reception.pk, reception.username, reception.display_name, "reception")))
    return out


def _user(username: str, rng: random.Random) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=rng.choice(GIVEN_NAMES), last_name=rng.choice(FAMILY_NAMES))
        user.set_unusable_password()  # load users never log in with a password; the benchmark builds sessions
        user.save()
    return user


def _bulk_load_settings() -> None:
    """Within the loading transaction (PostgreSQL): no per-row FK and trigger checks, no wait for the WAL flush."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                # Consistent by construction: skip per-row FK and trigger checks while loading.
                cursor.execute("SET LOCAL session_replication_role = replica")
        except Exception:  # not a superuser: load with the per-row checks on
            logging.getLogger(__name__).info("Loading with per-row checks (not a superuser).")
        cursor.execute("SET LOCAL synchronous_commit = off")


def _run_clinic(args) -> tuple[str, dict[str, int], float]:
    plan, heavy, now = args
    started = time.monotonic()
    with transaction.atomic():
        _bulk_load_settings()
        written = _load_clinic(plan, heavy, now)
        seconds = time.monotonic() - started
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PROGRESS_TABLE} (clinic_slug, patients, notes, seconds, done_at) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s)",
                [plan.slug, written["patients"], written["notes"], seconds, timezone.now().isoformat()],
            )
    return plan.slug, written, seconds


def _run_extras(args) -> tuple[str, dict[str, int], float]:
    """The clinic's second phase (appointments, injection chains; see _loadgen_extras) in one transaction."""
    plan, share, now = args
    started = time.monotonic()
    with transaction.atomic():
        _bulk_load_settings()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM patients_patient WHERE clinic_id = %s ORDER BY id", [plan.clinic_id])
            patient_ids = [r[0] for r in cursor.fetchall()]
        rows = extras.appointment_rows(
            plan, patient_ids=patient_ids, type_ids=extras.appointment_types(plan.clinic_id), now=now, first_id=0
        )
        first = _reserve_ids(extras.APPOINTMENT_TABLE, len(rows))
        sink = Sink(extras.APPOINTMENT_TABLE)
        sink.write((str(first + int(row[0])), *row[1:]) for row in rows)
        chains = extras.injection_chains(plan, patient_ids=patient_ids, share=share)
        seconds = time.monotonic() - started
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {extras.EXTRAS_TABLE} (clinic_slug, appointments, injection_episodes, seconds, done_at) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s)",
                [plan.slug, sink.rows, chains, seconds, timezone.now().isoformat()],
            )
    return plan.slug, {"appointments": sink.rows, "injection_episodes": chains}, seconds


def _worker_init() -> None:
    # Each process opens its own connection (the parent's was closed before the fork).
    connections.close_all()


class Command(BaseCommand):
    help = "Generate a large fictitious multi-clinic data set for the performance benchmark (resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=1_000_000)
        parser.add_argument("--clinics", type=int, default=50)
        parser.add_argument("--practitioners", type=int, default=300)
        parser.add_argument("--notes-per-patient", type=float, default=10.0, help="average notes per patient")
        parser.add_argument("--heavy-notes", type=int, default=500, help="notes of each clinic's first patient")
        parser.add_argument("--jobs", type=int, default=2, help="clinics loaded in parallel (PostgreSQL)")
        parser.add_argument("--seed", type=int, default=20261123)
        parser.add_argument(
            "--injection-share", type=float, default=0.002, help="share of patients with an injection chain"
        )

    def handle(self, *args, **opts):
        if opts["patients"] < opts["clinics"]:
            raise CommandError("--patients must be at least --clinics.")
        if DiagnosisCode.objects.count() == 0:
            self.stderr.write("No diagnosis codes loaded: notes get no diagnoses.")
        started = time.monotonic()
        now = timezone.now().replace(microsecond=0)
        _ensure_progress_table()
        _ensure_runs_table()
        extras.ensure_extras_table()
        setup = setup_clinics(opts["clinics"], opts["practitioners"])
        done, done_extras = _done_clinics(), extras.done_extras()
        per_clinic, rest = divmod(opts["patients"], opts["clinics"])
        every = []
        for index, (clinic, staff, reception) in enumerate(setup):
            patients = per_clinic + (1 if index < rest else 0)
            notes = round(patients * opts["notes_per_patient"])
            every.append(
                ClinicPlan(clinic.pk, clinic.slug, index, patients, notes, staff, reception, opts["seed"] + index)
            )
        plans = [plan for plan in every if plan.slug not in done]
        extra_plans = [plan for plan in every if plan.slug not in done_extras]
        self.stdout.write(
            f"{len(setup)} clinics ({len(done)} already loaded, {len(done_extras)} with appointments and "
            f"injections), {len(plans)} to load, set-up {time.monotonic() - started:.1f} s"
        )
        jobs = opts["jobs"] if connection.vendor == "postgresql" else 1
        work = [(plan, opts["heavy_notes"], now) for plan in plans]
        totals: dict[str, int] = {}

        def report(result):
            slug, written, seconds = result
            for key, value in written.items():
                totals[key] = totals.get(key, 0) + value
            self.stdout.write(
                f"  {slug}: {written['patients']} patients, {written['notes']} notes, {written['audit']} audit rows "
                f"in {seconds:.1f} s"
            )

        def report_extras(result):
            slug, written, seconds = result
            for key, value in written.items():
                totals[key] = totals.get(key, 0) + value
            self.stdout.write(
                f"  {slug}: {written['appointments']} appointments, {written['injection_episodes']} injection "
                f"episodes in {seconds:.1f} s"
            )

        extra_work = [(plan, opts["injection_share"], now) for plan in extra_plans]
        for function, items, show in ((_run_clinic, work, report), (_run_extras, extra_work, report_extras)):
            if jobs > 1 and len(items) > 1:
                connections.close_all()
                with multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_init) as pool:
                    for result in pool.imap_unordered(function, items):
                        show(result)
            else:
                for item in items:
                    show(function(item))
        loaded_any = bool(plans or extra_plans)
        if connection.vendor == "postgresql" and loaded_any:
            analyse = time.monotonic()
            with connection.cursor() as cursor:
                for table in (
                    *COPY_TABLES,
                    "staff_practitioner",
                    "clinics_membership",
                    "accounts_user",
                    "injections_injectionepisode",
                    "injections_drugorder",
                    "injections_procedure",
                ):
                    cursor.execute(f"ANALYZE {table}")
            self.stdout.write(f"ANALYZE in {time.monotonic() - analyse:.1f} s")
        summary = ", ".join(f"{value} {key}" for key, value in totals.items())
        if loaded_any:  # the benchmark report quotes the wall time of the run that loaded the data
            record = {
                "patients": opts["patients"],
                "clinics_loaded": len(plans),
                "clinics_given_appointments_and_injections": len(extra_plans),
                "clinics_already_loaded": len(done),
                "jobs": jobs,
                "seconds": round(time.monotonic() - started, 1),
                "finished": timezone.now().isoformat(timespec="seconds"),
                "totals": totals,
            }
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {RUNS_TABLE} (record) VALUES (%s)", [json.dumps(record)])  # noqa: S608
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s: {summary or 'nothing new'}"))
