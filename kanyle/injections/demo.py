"""Demo data for the injection chain in Fjordbyen (organisation 2: the doctor works on site, INJ-O2).

The responsible doctor (lege) has delegated all procedure types to the physiotherapist (fysio), on
site; the drug catalogue has corticosteroid, local anaesthetic, hyaluronic acid, a PRP kit and
adrenaline, with batches (one expired, kept for the recall and the blocked-batch examples). Episodes
stand in every state of the path, plus a withdrawn and a not-indicated one, so each page has something
to show. Lots, names and dates are fictitious.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils import timezone

from kanyle.injections import builders
from kanyle.injections.models import (
    Decision,
    ProcedureType,
    Side,
    Status,
    SupervisionMode,
)
from kanyle.medications.models import DrugCategory, DrugForm
from kanyle.staff.models import Credential, CredentialKind

DAY = datetime.timedelta(days=1)

# (name, ATC, category, form, strength, dose unit, stock unit, [(lot, days to expiry, quantity)])
CATALOGUE = [
    (
        "Triamcinolonacetonid",
        "H02AB08",
        DrugCategory.CORTICOSTEROID,
        DrugForm.SUSPENSION,
        "40 mg/ml",
        "mg",
        "hetteglass 1 ml",
        [("TRI-25A117", 300, 8), ("TRI-24K031", -12, 2)],
    ),
    (
        "Metylprednisolonacetat",
        "H02AB04",
        DrugCategory.CORTICOSTEROID,
        DrugForm.SUSPENSION,
        "40 mg/ml",
        "mg",
        "hetteglass 1 ml",
        [("MPA-2607C", 420, 5)],
    ),
    (
        "Lidokain",
        "N01BB02",
        DrugCategory.LOCAL_ANAESTHETIC,
        DrugForm.SOLUTION,
        "10 mg/ml",
        "ml",
        "ampulle 5 ml",
        [("LID-88213", 500, 20)],
    ),
    (
        "Natriumhyaluronat",
        "M09AX01",
        DrugCategory.HYALURONIC_ACID,
        DrugForm.GEL,
        "20 mg/ml",
        "ml",
        "ferdigfylt sprøyte 3 ml",
        [("HYA-4410", 200, 4)],
    ),
    ("PRP-sett", "B05AX", DrugCategory.PRP, DrugForm.KIT, "1 sett", "unit", "sett", [("PRP-K0921", 150, 6)]),
    (
        "Adrenalin",
        "C01CA24",
        DrugCategory.EMERGENCY,
        DrugForm.SOLUTION,
        "1 mg/ml",
        "mg",
        "ampulle 1 ml",
        [("ADR-24117", 240, 3)],
    ),
]


def _catalogue(clinic: Any, user: Any) -> dict[str, Any]:
    drugs = {}
    for name, atc, category, form, strength, unit, package, lots in CATALOGUE:
        drug = builders.make_drug(
            clinic,
            user,
            name=name,
            atc_code=atc,
            category=category,
            form=form,
            strength=strength,
            dose_unit=unit,
            package_unit=package,
        )
        drugs[name] = (drug, [])
        for lot, days, quantity in lots:
            batch = builders.make_batch(
                drug, user, quantity=quantity, lot_number=lot, expires_on=timezone.localdate() + days * DAY
            )
            drugs[name][1].append(batch)
    return drugs


def create_demo_injections(*, clinic: Any, doctor: Any, physio: Any, patients: list, admin_user: Any) -> None:
    """Catalogue, delegation, availability and one episode per state (patients: at least ten)."""
    today = timezone.localdate()
    if not physio.credentials.filter(kind=CredentialKind.EMERGENCY_DRILL).exists():
        Credential.objects.create(
            clinic=clinic,
            practitioner=physio,
            kind=CredentialKind.EMERGENCY_DRILL,
            title="Anafylaksi og HLR, årlig øvelse",
            issuer="Klinikkens internopplæring",
            issued_on=today - 100 * DAY,
            expires_on=today + 265 * DAY,
            created_by=admin_user,
            verified_by=admin_user,
            verified_at=timezone.now(),
        )
    _earlier_checks(clinic=clinic, doctor=doctor, physio=physio, days_ago=(58, 30))
    drugs = _catalogue(clinic, doctor.user)
    triamcinolone, (fresh_batch, _expired_batch) = drugs["Triamcinolonacetonid"]
    builders.make_delegation(
        doctor,
        physio,
        procedure_types=list(ProcedureType.values),
        supervision_mode=SupervisionMode.ON_SITE,
        instructions=(
            "Injiser bare etter signert rekvisisjon fra meg. Bruk ultralyd i plan, aseptisk teknikk og "
            "observer pasienten i klinikkens observasjonstid. Avbryt og ring meg ved tvil."
        ),
        valid_from=today - 60 * DAY,
        valid_to=today + 300 * DAY,
        signed_at=timezone.now() - 60 * DAY,
    )
    # The doctor is on site all day; the physio injects after the municipal hours (INJ-F2), the doctor any time.
    for offset in range(0, 5):
        day = today + offset * DAY
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(7, 0)))
        builders.make_availability(doctor, starts_at=start, ends_at=start + datetime.timedelta(hours=15))

    shoulder = "Subakromial bursa"
    states = [
        Status.REFERRED,
        Status.EXAMINED,
        Status.ASSESSED,
        Status.CONSENTED,
        Status.ORDERED,
        Status.OBSERVED,
        Status.REPORTED,
        Status.CLOSED,
    ]
    for patient, status in zip(patients, states, strict=False):
        days_ago = {Status.OBSERVED: 8, Status.REPORTED: 28, Status.CLOSED: 53}.get(status, 0)
        ie = builders.start_episode(
            patient,
            doctor,
            physio,
            title="Ultralydveiledet injeksjon, høyre skulder",
            started_on=today - days_ago * DAY,
        )
        _build_to(ie, status, doctor=doctor, physio=physio, drug=triamcinolone, batch=fresh_batch, site=shoulder)

    # Exits: a patient who withdrew consent, and one where injection was not indicated.
    if len(patients) > len(states):
        ie = builders.start_episode(patients[len(states)], doctor, physio, title="Injeksjon kne, venstre side")
        builders.add_exam(ie, physio)
        builders.add_assessment(ie, doctor, target_structure="Kneledd", side=Side.LEFT)
        consent = builders.add_consent(ie, doctor)
        consent.withdrawn_at = timezone.now() - 2 * DAY
        consent.withdrawn_reason = "Pasienten ønsker å prøve trening i tre måneder først."
        consent.withdrawn_recorded_by = doctor.user
        consent.save(update_fields=["withdrawn_at", "withdrawn_reason", "withdrawn_recorded_by"])
        _exit(ie, Status.WITHDRAWN, consent.withdrawn_reason, doctor.user)
    if len(patients) > len(states) + 1:
        ie = builders.start_episode(patients[len(states) + 1], doctor, physio, title="Injeksjon albue, høyre side")
        builders.add_exam(ie, physio)
        builders.add_assessment(
            ie,
            doctor,
            target_structure="Felles ekstensorsene, laterale epikondyl",
            decision=Decision.OTHER_TREATMENT,
            indication="Tendinopati uten bursitt; belastningsstyrt trening er førstevalg.",
        )
        _exit(ie, Status.NOT_INDICATED, "Trening anbefales; ny vurdering om tre måneder ved behov.", doctor.user)


def _earlier_checks(*, clinic: Any, doctor: Any, physio: Any, days_ago: tuple[int, ...]) -> None:
    """The monthly checks before the demo's latest one, so past procedures' gates show them (INJ-V4)."""
    from kanyle.audit.services import Actor
    from kanyle.quality.models import EMERGENCY_KINDS, Equipment, EquipmentCheck, EquipmentKind
    from kanyle.quality.services import equipment as equipment_services

    physio_actor = Actor(user=physio.user, clinic=clinic, role="physio")
    doctor_actor = Actor(user=doctor.user, clinic=clinic, role="doctor")
    for equipment in Equipment.objects.filter(clinic=clinic, kind__in=EMERGENCY_KINDS).prefetch_related("items"):
        for days in days_ago:
            check = equipment_services.check_perform(
                actor=physio_actor,
                equipment=equipment,
                performed_at=timezone.now() - days * DAY,
                answers={line["key"]: (True, "") for line in equipment_services.checklist_for(equipment)},
            )
            if equipment.kind == EquipmentKind.ANAPHYLAXIS_KIT:
                equipment_services.check_countersign(actor=doctor_actor, check=check)
    # In the demo the doctor countersigned each check the same day it was done.
    EquipmentCheck.objects.filter(clinic=clinic, countersigned_at__isnull=False).update(
        countersigned_at=F("performed_at") + datetime.timedelta(hours=2)
    )


def _report(ie: Any, doctor: Any, *, acknowledged: bool) -> None:
    """INJ-G4: the validated Dialogmelding to the GP, marked sent; the older one has the GP's receipt."""
    from kanyle.audit.services import Actor
    from kanyle.injections.services import reports
    from kanyle.interop.apprec import build_apprec

    actor = Actor(user=doctor.user, clinic=ie.clinic, role="doctor")
    report = reports.report_generate(actor, ie)
    report = reports.report_mark_sent(actor, report)
    if acknowledged:
        reports.apprec_import(actor, report, build_apprec(str(report.message_id), receiver_name=ie.clinic.name))


def _exit(ie: Any, status: str, reason: str, user: Any) -> None:
    ie.status, ie.exit_reason, ie.exit_by = status, reason, user
    ie.save(update_fields=["status", "exit_reason", "exit_by"])
    ie.episode.ended_on = timezone.localdate()
    ie.episode.save(update_fields=["ended_on"])


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _build_to(ie: Any, status: str, *, doctor: Any, physio: Any, drug: Any, batch: Any, site: str) -> None:
    """Walk the episode along the path with believable times; procedures at 16:30, after municipal hours."""
    order_of = [s.value for s in builders.rules.PATH]
    target = order_of.index(status)
    performed = target >= order_of.index(Status.OBSERVED)
    days_ago = {Status.OBSERVED: 0, Status.REPORTED: 20, Status.CLOSED: 45}.get(status, 0)
    procedure_day = timezone.localdate() - days_ago * DAY
    if performed and days_ago == 0 and timezone.localtime() < _at(procedure_day, 17, 30):
        procedure_day -= DAY  # today's afternoon has not come yet: yesterday's
    procedure_at = _at(procedure_day, 16, 30) if performed else timezone.now()
    if target >= order_of.index(Status.EXAMINED):
        builders.add_exam(ie, physio, at=procedure_at - 7 * DAY if performed else None)
    if target >= order_of.index(Status.ASSESSED):
        builders.add_assessment(
            ie, doctor, target_structure=site, signed_at=procedure_at - 7 * DAY + datetime.timedelta(hours=1)
        )
    if target >= order_of.index(Status.CONSENTED):
        builders.add_consent(ie, doctor, given_at=procedure_at - datetime.timedelta(minutes=20))
    if target < order_of.index(Status.ORDERED):
        return
    order = builders.add_order(
        ie,
        doctor,
        drug,
        target_structure=site,
        dose=Decimal("40"),
        signed_at=procedure_at - datetime.timedelta(minutes=10),
    )
    if not performed:
        return
    builders.make_availability(
        doctor,
        starts_at=procedure_at - datetime.timedelta(minutes=30),
        ends_at=procedure_at + datetime.timedelta(hours=2),
    )
    builders.add_procedure(
        ie,
        order,
        physio,
        batch,
        started_at=procedure_at,
        ended_at=procedure_at + datetime.timedelta(minutes=8),
        observation_started_at=procedure_at + datetime.timedelta(minutes=8),
        observation_ended_at=procedure_at + datetime.timedelta(minutes=29),
    )
    due_from, due_by = builders.rules.followup_window(clinic=ie.clinic, on=procedure_day)
    followup = builders.add_followup(ie, due_from=due_from, due_by=due_by)
    if target >= order_of.index(Status.REPORTED):
        _report(ie, doctor, acknowledged=target >= order_of.index(Status.CLOSED))
    if target >= order_of.index(Status.FOLLOWED_UP):
        completed = _at(procedure_day + 35 * DAY, 10)
        followup.completed_at = completed
        followup.outcome = "better"
        followup.outcome_text = "Klart bedre; smertefri bevegelse over hodet. Fortsetter øvelsene."
        followup.note = builders.signed_note(ie, doctor, at=completed, assessment=followup.outcome_text)
        followup.save(update_fields=["completed_at", "outcome", "outcome_text", "note"])
    builders.set_status(ie, status)
