"""Demo data for emergency preparedness and deviations: an AED and an anaphylaxis kit with the contents
from FACTS.md, checked recently and countersigned (preparedness in order), an ultrasound machine,
and two deviations (one closed with its measures, one open). Lots and dates are fictitious examples.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from kanyle.audit.services import Actor
from kanyle.clinics.models import Role
from kanyle.quality.models import (
    Deviation,
    DeviationCategory,
    Equipment,
    EquipmentItem,
    EquipmentKind,
    ItemComponent,
    MeasureKind,
    Severity,
)
from kanyle.quality.services import deviations as deviation_services
from kanyle.quality.services import equipment as equipment_services

DAY = datetime.timedelta(days=1)

# (component, name, quantity, lot, days until expiry or None)
KIT_CONTENTS = [
    (ItemComponent.ADRENALINE, "Adrenalin 1 mg/ml, ampuller", 3, "ADR-24117", 240),
    (ItemComponent.ADRENALINE, "Adrenalin autoinjektor 0,3 mg", 2, "EPI-3091B", 190),
    (ItemComponent.SYRINGES, "Sprøyter 1 ml og kanyler (i.m.)", 6, "", None),
    (ItemComponent.BETA2_AGONIST, "Salbutamol inhalasjonsaerosol", 1, "SAL-5521", 300),
    (ItemComponent.ANTIHISTAMINE, "Cetirizin 10 mg tabletter", 10, "CET-1180", 400),
    (ItemComponent.GLUCOCORTICOID, "Prednisolon 5 mg tabletter", 10, "PRD-7702", 365),
    (ItemComponent.OXYGEN, "Oksygen med reservoarmaske", 1, "", None),
    (ItemComponent.BAG_VALVE_MASK, "Bag-ventil-maske, voksen", 1, "", None),
    (ItemComponent.AIRWAY, "Svelgtuber, str. 2–4", 3, "", None),
    (ItemComponent.SUCTION, "Manuell sug", 1, "", None),
    (ItemComponent.IV_KIT, "Venekanyler og NaCl 9 mg/ml 500 ml", 2, "NAC-0931", 500),
    (ItemComponent.STETHOSCOPE, "Stetoskop", 1, "", None),
    (ItemComponent.BP_CUFF, "Blodtrykksmansjett", 1, "", None),
    (ItemComponent.PULSE_OXIMETER, "Pulsoksymeter", 1, "", None),
]
AED_CONTENTS = [
    (ItemComponent.AED_PADS, "Elektroder, voksen", 2, "PAD-6612", 420),
    (ItemComponent.AED_BATTERY, "Batteri", 1, "BAT-2209", 900),
]


def _items(actor: Actor, equipment: Equipment, contents: list, today: datetime.date) -> None:
    for component, name, quantity, lot, days in contents:
        equipment_services.item_save(
            actor=actor,
            equipment=equipment,
            item=EquipmentItem(
                component=component,
                name=name,
                quantity=quantity,
                lot_number=lot,
                expires_on=today + days * DAY if days is not None else None,
            ),
        )


def _all_in_order(equipment: Equipment) -> dict[str, tuple[bool, str]]:
    return {line["key"]: (True, "") for line in equipment_services.checklist_for(equipment)}


def create_demo_safety(*, clinic: Any, admin_user: Any, doctor_user: Any, physio_user: Any) -> None:
    """Emergency equipment in order (checked and countersigned), an ultrasound machine and two deviations."""
    if Equipment.objects.filter(clinic=clinic).exists():
        return
    now = timezone.now()
    today = timezone.localdate(now)
    admin = Actor(user=admin_user, clinic=clinic, role=Role.ADMIN)
    doctor = Actor(user=doctor_user, clinic=clinic, role=Role.DOCTOR)
    physio = Actor(user=physio_user, clinic=clinic, role=Role.PHYSIO)

    aed = equipment_services.equipment_create(
        actor=admin,
        equipment=Equipment(
            kind=EquipmentKind.AED,
            name="Hjertestarter",
            location="Resepsjonen, ved inngangen",
            serial_number="AED-DEMO-0042",
            check_interval_days=30,
        ),
    )
    _items(admin, aed, AED_CONTENTS, today)
    kit = equipment_services.equipment_create(
        actor=admin,
        equipment=Equipment(
            kind=EquipmentKind.ANAPHYLAXIS_KIT,
            name="Anafylaksiskrin",
            location="Behandlingsrom 2 (injeksjonsrommet)",
            check_interval_days=30,
        ),
    )
    _items(admin, kit, KIT_CONTENTS, today)
    ultrasound = equipment_services.equipment_create(
        actor=admin,
        equipment=Equipment(
            kind=EquipmentKind.ULTRASOUND,
            name="Ultralydapparat",
            location="Behandlingsrom 2",
            serial_number="US-DEMO-7781",
            check_interval_days=90,
        ),
    )

    checked_at = now - 6 * DAY
    for equipment in (aed, kit, ultrasound):
        equipment = Equipment.objects.prefetch_related("items").get(pk=equipment.pk)
        check = equipment_services.check_perform(
            actor=physio, equipment=equipment, performed_at=checked_at, answers=_all_in_order(equipment)
        )
        if equipment.kind == EquipmentKind.ANAPHYLAXIS_KIT:
            equipment_services.check_countersign(actor=doctor, check=check)

    # A needle side effect, handled and closed with its measures.
    closed = deviation_services.deviation_report(
        actor=physio,
        category=DeviationCategory.NEEDLING_SIDE_EFFECT,
        severity=Severity.LOW,
        occurred_at=now - 40 * DAY,
        location="Behandlingsrom 1",
        description="Pasienten ble svimmel og kvalm etter nålebehandling i sittende stilling. Ingen besvimelse.",
        immediate_action="Lagt ned med hevede bein, vann, observert i 20 minutter til symptomfri.",
    )
    closed = deviation_services.deviation_assess(
        actor=admin,
        deviation=closed,
        responsible=admin_user,
        cause="Behandling i sittende stilling hos en pasient som ikke hadde spist siden morgenen.",
        notification_required=False,
    )
    measures = [
        deviation_services.measure_create(
            actor=admin,
            deviation=closed,
            kind=MeasureKind.CORRECTIVE,
            description="Nålebehandling gis liggende; spør om pasienten har spist.",
            owner=physio_user,
            due_on=today,
        ),
        deviation_services.measure_create(
            actor=admin,
            deviation=closed,
            kind=MeasureKind.PREVENTIVE,
            description="Prosedyren for nålebehandling oppdatert med vasovagal reaksjon og leiring.",
            owner=admin_user,
            due_on=today + 14 * DAY,
        ),
    ]
    for measure in measures:
        deviation_services.measure_done(actor=admin, measure=measure)
    deviation_services.deviation_close(
        actor=admin,
        deviation=Deviation.objects.get(pk=closed.pk),
        closing_summary="Ingen nye tilfeller siden endringen; tiltakene virker.",
    )

    # An open one, waiting for assessment.
    deviation_services.deviation_report(
        actor=physio,
        category=DeviationCategory.DOCUMENTATION,
        severity=Severity.MODERATE,
        occurred_at=now - 2 * DAY,
        location="Resepsjonen",
        description="Henvisning skannet inn på feil pasient; oppdaget og flyttet samme dag.",
        immediate_action="Dokumentet flyttet til riktig journal; feilen meldt til daglig leder.",
    )
