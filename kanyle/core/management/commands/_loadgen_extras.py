"""The second phase of generate_load_data: appointments and injection chains, per clinic, resumable.

- **Appointments** (COPY, like the first phase): every weekday from ``APPOINTMENT_PAST_DAYS`` ago (fewer
  for small clinics) to
  ``APPOINTMENT_FUTURE_DAYS`` ahead, each practitioner's 30-minute slots from 08:00 to 16:00 (Oslo
  time) are booked at ``FILL`` with a random patient of the clinic. Slots lie on one grid per
  practitioner, so the exclusion constraint against double booking (which COPY does not bypass)
  holds by construction. Past ones are completed, not attended or cancelled (with a reason); future
  ones booked.
- **Injection chains** (``--injection-share`` of the patients, default 1 in 500): the clinic's doctor
  delegates to each physiotherapist (one Delegation per pair), a drug with a large batch and the
  clinic's consent text, then per chosen patient a referral, an injection episode, ultrasound exam,
  assessment, consent and drug order, each with its signed note, and for most a completed procedure
  whose ``gate`` is the real readiness rule's evidence. These go through
  ``kanyle.injections.builders`` (the chain the demo and tests use) because a consistent chain
  spans fourteen tables with JSON and many-to-many rows: row by row, so the share is kept small.
  Every tenth chain stops at "ordered", waiting at the readiness gate (the benchmark opens one).

A clinic's second phase is one transaction that also writes its row in ``EXTRAS_TABLE``.
"""

from __future__ import annotations

import datetime
import random
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

APPOINTMENT_TABLE = "scheduling_appointment"
APPOINTMENT_COLUMNS = (
    "id clinic_id patient_id practitioner_id appointment_type_id starts_at ends_at status cancel_reason note "
    "requester_name requester_national_id requester_phone requester_email created_by_id created_at updated_at"
)
EXTRAS_TABLE = "kanyle_loadgen_extras"
APPOINTMENT_PAST_DAYS = 120
APPOINTMENT_FUTURE_DAYS = 28
SLOTS_PER_DAY = 16  # 08:00–16:00 in 30-minute slots
FILL = 0.7


def ensure_extras_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {EXTRAS_TABLE} ("
            "clinic_slug varchar(60) PRIMARY KEY, appointments integer NOT NULL, injection_episodes integer NOT NULL, "
            "seconds double precision NOT NULL, done_at varchar(40) NOT NULL)"
        )


def done_extras() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT clinic_slug FROM {EXTRAS_TABLE}")  # noqa: S608
        return {r[0] for r in cursor.fetchall()}


def appointment_types(clinic_id: int) -> list[int]:
    """The generated clinic's bookable types (30 minutes each, so the slots make one grid)."""
    from kanyle.scheduling.models import AppointmentType, ServiceKind

    ids = []
    for kind, name in ((ServiceKind.FOLLOW_UP, "Oppfølging"), (ServiceKind.FIRST, "Førstegangskonsultasjon")):
        kind_type, _created = AppointmentType.objects.get_or_create(
            clinic_id=clinic_id, kind=kind, name=name, defaults={"duration_minutes": 30}
        )
        ids.append(kind_type.pk)
    return ids


def appointment_rows(plan, *, patient_ids: list[int], type_ids: list[int], now: datetime.datetime, first_id: int):
    """The clinic's appointments (tuples of strings for COPY), ids from ``first_id``."""
    from kanyle.core.management.commands.generate_load_data import _ts

    rng = random.Random(plan.seed * 31 + 7)
    tz = ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(tz).date()
    # A shorter past for small clinics (CI sizes): about one past booking per patient, at least a week.
    past_days = min(APPOINTMENT_PAST_DAYS, max(7, plan.patients // 150))
    rows = []
    for offset in range(-past_days, APPOINTMENT_FUTURE_DAYS + 1):
        day = today + datetime.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        opening = datetime.datetime.combine(day, datetime.time(8, 0), tz)
        for staff in plan.practitioners:
            for slot in range(SLOTS_PER_DAY):
                if rng.random() >= FILL:
                    continue
                starts = (opening + datetime.timedelta(minutes=30 * slot)).astimezone(datetime.UTC)
                ends = starts + datetime.timedelta(minutes=30)
                status, reason = "booked", ""
                if starts < now:
                    u = rng.random()
                    status = "completed" if u < 0.85 else "no_show" if u < 0.9 else "cancelled"
                    reason = "Pasienten meldte forfall." if status == "cancelled" else ""
                created = _ts(starts - datetime.timedelta(days=rng.randint(1, 40)))
                rows.append(
                    (
                        str(first_id + len(rows)), str(plan.clinic_id), str(rng.choice(patient_ids)),
                        str(staff.practitioner_id), str(rng.choice(type_ids)), _ts(starts), _ts(ends), status, reason,
                        "", "", "", "", "", str(plan.reception.user_id), created, created,
                    )
                )  # fmt: skip
    return rows


def injection_chains(plan, *, patient_ids: list[int], share: float) -> int:
    """Delegations, a drug with its batch, and ``share`` of the patients in an injection chain (builders)."""
    from kanyle.injections import builders
    from kanyle.injections.models import Delegation
    from kanyle.patients.models import Patient
    from kanyle.staff.models import Practitioner

    doctors = [s for s in plan.practitioners if s.role == "doctor"]
    physios = [s for s in plan.practitioners if s.role == "physio"]
    if not doctors or not physios or share <= 0:
        return 0
    rng = random.Random(plan.seed * 17 + 3)
    people = {p.pk: p for p in Practitioner.objects.filter(clinic_id=plan.clinic_id).select_related("user", "clinic")}
    doctor = people[doctors[0].practitioner_id]
    for staff in physios:
        if not Delegation.objects.filter(doctor=doctor, physio_id=staff.practitioner_id).exists():
            builders.make_delegation(doctor, people[staff.practitioner_id])
    drug = builders.make_drug(doctor.clinic, doctor.user)
    batch = builders.make_batch(drug, doctor.user, quantity=100_000, lot_number=f"LOAD-{plan.clinic_id}")
    builders.consent_text(doctor.clinic, doctor.user)
    count = max(1, round(len(patient_ids) * share))
    # The clinic's first patients after the heavy one, so the benchmark finds a chain in every clinic.
    chosen = list(Patient.objects.filter(pk__in=patient_ids[1 : count + 1]).select_related("clinic").order_by("pk"))
    for k, patient in enumerate(chosen):
        physio = people[(physios[0] if k == 0 else rng.choice(physios)).practitioner_id]
        ie = builders.start_episode(patient, doctor, physio)
        builders.add_exam(ie, physio)
        builders.add_assessment(ie, doctor)
        if k % 10 == 3:
            continue  # assessed, waiting for consent
        builders.add_consent(ie, doctor)
        if k % 10 == 2:
            continue  # consented, waiting for the order
        order = builders.add_order(ie, doctor, drug)
        if k % 10 == 0:
            continue  # ordered: waiting at the readiness gate
        builders.add_procedure(ie, order, physio, batch)  # takes one from the batch and refreshes it
    return len(chosen)
