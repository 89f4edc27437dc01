"""Equipment and checks, and the one answer to "is emergency preparedness in order at time T?" (INJ-V4)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from conftest import Persona, make_persona
from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.clinics.models import Role
from kanyle.quality import rules
from kanyle.quality.models import (
    Deviation,
    DeviationCategory,
    Equipment,
    EquipmentCheck,
    EquipmentItem,
    EquipmentKind,
    ItemComponent,
)
from kanyle.quality.rules.safety import REQUIRED_KIT_CONTENTS
from kanyle.quality.services import equipment as services
from kanyle.staff.models import CredentialKind, Practitioner
from kanyle.staff.tests.factories import CredentialFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def actor_for(persona: Persona) -> Actor:
    return Actor(user=persona.user, clinic=persona.clinic, role=persona.role)


def add_item(actor: Actor, equipment: Equipment, component: str, *, name: str = "", expires_on=None, lot: str = ""):
    if component in rules.MEDICINE_COMPONENTS:
        lot = lot or "LOT-1"
        expires_on = expires_on or timezone.localdate() + 365 * DAY
    return services.item_save(
        actor=actor,
        equipment=equipment,
        item=EquipmentItem(
            component=component, name=name or str(ItemComponent(component).label), lot_number=lot, expires_on=expires_on
        ),
    )


def all_ok(equipment: Equipment) -> dict:
    equipment = Equipment.objects.prefetch_related("items").get(pk=equipment.pk)
    return {line["key"]: (True, "") for line in services.checklist_for(equipment)}


def check(actor: Actor, equipment: Equipment, *, at=None, answers=None) -> EquipmentCheck:
    equipment = Equipment.objects.prefetch_related("items").get(pk=equipment.pk)
    return services.check_perform(
        actor=actor,
        equipment=equipment,
        performed_at=at or timezone.now(),
        answers=answers if answers is not None else all_ok(equipment),
    )


def emergency_setup(admin: Persona, *, adrenaline_expires=None) -> tuple[Equipment, Equipment, EquipmentItem]:
    """An AED and a complete anaphylaxis kit (FACTS.md contents), registered but not yet checked."""
    actor = actor_for(admin)
    aed = services.equipment_create(actor=actor, equipment=Equipment(kind=EquipmentKind.AED, name="Hjertestarter"))
    kit = services.equipment_create(
        actor=actor, equipment=Equipment(kind=EquipmentKind.ANAPHYLAXIS_KIT, name="Anafylaksiskrin")
    )
    adrenaline = add_item(actor, kit, ItemComponent.ADRENALINE, name="Adrenalin 1 mg/ml", expires_on=adrenaline_expires)
    for component in REQUIRED_KIT_CONTENTS:
        if component != ItemComponent.ADRENALINE:
            add_item(actor, kit, component)
    return aed, kit, adrenaline


def preparedness_in_order(admin: Persona, physio: Persona, doctor: Persona, **kwargs):
    aed, kit, adrenaline = emergency_setup(admin, **kwargs)
    check(actor_for(physio), aed)
    kit_check = check(actor_for(physio), kit)
    services.check_countersign(actor=actor_for(doctor), check=kit_check)
    return aed, kit, adrenaline


# --- The rule -----------------------------------------------------------------------------------


def test_inj_v4_nothing_registered_names_both_pieces_of_equipment(clinic_a):
    decision = rules.emergency_preparedness(clinic=clinic_a, at=timezone.now())

    assert not decision
    assert decision.rules == ["INJ-V4", "INJ-V4"]
    assert [f.message for f in decision.findings] == [
        gettext("No defibrillator (AED) is registered."),
        gettext("No anaphylaxis kit is registered."),
    ]


def test_inj_v4_kit_without_adrenaline_is_not_in_order(admin, physio, doctor):
    _aed, _kit, adrenaline = preparedness_in_order(admin, physio, doctor)
    adrenaline.is_active = False
    services.item_save(actor=actor_for(admin), item=adrenaline)

    decision = rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())

    assert [f.message for f in decision.findings] == [
        gettext("%(equipment)s: nothing of the kind “%(item)s” is registered.")
        % {"equipment": "Anafylaksiskrin", "item": ItemComponent.ADRENALINE.label}
    ]


def test_inj_v4_green_only_when_checked_countersigned_and_in_date(admin, physio, doctor):
    with time_machine.travel(START, tick=False):
        aed, kit, _adrenaline = emergency_setup(admin)
        assert {f.message for f in rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now()).findings} == {
            gettext("%(equipment)s has never been checked.") % {"equipment": "Hjertestarter"},
            gettext("%(equipment)s has never been checked.") % {"equipment": "Anafylaksiskrin"},
        }
        check(actor_for(physio), aed)
        kit_check = check(actor_for(physio), kit)
        decision = rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())
        not_countersigned = gettext("%(equipment)s: the last check is not countersigned by the responsible doctor.")
        assert decision.messages == [f"{not_countersigned % {'equipment': 'Anafylaksiskrin'}} (INJ-V4)"]
        services.check_countersign(actor=actor_for(doctor), check=kit_check)
        assert rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())


def test_inj_v4_checks_become_overdue_after_their_interval(admin, physio, doctor):
    with time_machine.travel(START, tick=False) as traveller:
        preparedness_in_order(admin, physio, doctor)
        traveller.shift(30 * DAY)
        assert rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())
        traveller.shift(datetime.timedelta(minutes=1))
        decision = rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())

    assert not decision
    assert len(decision.findings) == 2
    overdue = gettext("%(equipment)s: the last check was on %(last)s; the next was due on %(due)s.")
    assert sorted(decision.messages) == sorted(
        f"{overdue % {'equipment': name, 'last': '02.03.2026', 'due': '01.04.2026'}} (INJ-V4)"
        for name in ("Hjertestarter", "Anafylaksiskrin")
    )


def test_inj_v4_expired_adrenaline_makes_preparedness_fail_the_day_after_expiry(admin, physio, doctor):
    with time_machine.travel(START, tick=False) as traveller:
        preparedness_in_order(admin, physio, doctor, adrenaline_expires=datetime.date(2026, 3, 10))
        traveller.move_to(datetime.datetime(2026, 3, 10, 22, 59, tzinfo=datetime.UTC))  # 23:59 in Oslo
        assert rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())
        traveller.move_to(datetime.datetime(2026, 3, 10, 23, 1, tzinfo=datetime.UTC))  # 00:01 on the 11th
        decision = rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())

    expired = gettext("%(equipment)s: %(item)s%(lot)s expired on %(date)s.") % {
        "equipment": "Anafylaksiskrin",
        "item": "Adrenalin 1 mg/ml",
        "lot": f" ({gettext('lot')} LOT-1)",
        "date": "10.03.2026",
    }
    assert decision.messages == [f"{expired} (INJ-V4)"]


def test_inj_v4_answer_at_an_earlier_time_ignores_later_checks(admin, physio, doctor):
    with time_machine.travel(START, tick=False):
        preparedness_in_order(admin, physio, doctor)

    assert not rules.emergency_preparedness(clinic=admin.clinic, at=START - DAY)
    assert rules.emergency_preparedness(clinic=admin.clinic, at=START + DAY)


def test_inj_v4_a_check_that_finds_faults_is_not_in_order_and_becomes_a_deviation(admin, physio, doctor):
    aed, _kit, _adrenaline = preparedness_in_order(admin, physio, doctor)
    answers = all_ok(aed)
    answers["point-3"] = (False, "Batteriet viser rødt")

    failed = check(actor_for(physio), aed, answers=answers)

    assert not failed.all_ok
    decision = rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())
    not_in_order = gettext("%(equipment)s: the last check found something not in order.")
    assert decision.messages == [f"{not_in_order % {'equipment': 'Hjertestarter'}} (INJ-V4)"]
    deviation = Deviation.objects.get(source=f"quality.check:{failed.pk}")
    assert deviation.category == DeviationCategory.EQUIPMENT
    assert "Batteriet viser rødt" in deviation.description


def test_inj_v4_a_doctors_own_kit_check_needs_no_countersignature(admin, physio, doctor):
    aed, kit, _adrenaline = emergency_setup(admin)
    check(actor_for(physio), aed)
    check(actor_for(doctor), kit)

    assert rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())


def test_inj_v4_oxygen_may_be_its_own_equipment(admin, physio, doctor):
    _aed, kit, _adrenaline = preparedness_in_order(admin, physio, doctor)
    oxygen_item = kit.items.get(component=ItemComponent.OXYGEN)
    oxygen_item.is_active = False
    services.item_save(actor=actor_for(admin), item=oxygen_item)
    assert not rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())

    services.equipment_create(
        actor=actor_for(admin), equipment=Equipment(kind=EquipmentKind.OXYGEN, name="Oksygenkolbe")
    )

    assert rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())


def test_inj_v4_preparedness_of_another_clinic_does_not_count(admin, physio, doctor, clinic_b):
    preparedness_in_order(admin, physio, doctor)

    assert not rules.emergency_preparedness(clinic=clinic_b, at=timezone.now())


def test_inj_v4_emergency_preparedness_runs_a_fixed_number_of_queries(
    admin, physio, doctor, django_assert_max_num_queries
):
    preparedness_in_order(admin, physio, doctor)
    with django_assert_max_num_queries(3):
        assert rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now())


# --- Competence with the equipment ------------------------------------------------------------------


def test_inj_v4_yearly_drill_is_checked_for_the_delegated_physio(admin, physio, doctor, practitioner_a):
    preparedness_in_order(admin, physio, doctor)
    with time_machine.travel(START, tick=False) as traveller:
        credential = CredentialFactory(
            practitioner=practitioner_a, kind=CredentialKind.EMERGENCY_DRILL, issued_on=datetime.date(2026, 3, 1)
        )
        practitioner = Practitioner.objects.get(pk=practitioner_a.pk)
        assert rules.emergency_drill_valid(practitioner=practitioner, at=timezone.now())
        traveller.move_to(datetime.datetime(2027, 3, 2, 12, 0, tzinfo=datetime.UTC))  # a year and a day later
        decision = rules.emergency_drill_valid(practitioner=practitioner, at=timezone.now())
    assert decision.rules == ["INJ-V4"]
    assert "Physio Testesen" in decision.messages[0]
    credential.verified_at = None
    credential.verified_by = None
    credential.save()
    assert not rules.emergency_drill_valid(
        practitioner=Practitioner.objects.get(pk=practitioner_a.pk),
        at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC),
    )


def test_inj_v4_emergency_preparedness_also_checks_the_people_it_is_given(admin, physio, doctor, practitioner_a):
    preparedness_in_order(admin, physio, doctor)
    decision = rules.emergency_preparedness(clinic=admin.clinic, at=timezone.now(), practitioners=[practitioner_a])
    assert decision.rules == ["INJ-V4"]

    CredentialFactory(practitioner=practitioner_a, kind=CredentialKind.EMERGENCY_DRILL, issued_on=timezone.localdate())
    assert rules.emergency_preparedness(
        clinic=admin.clinic, at=timezone.now(), practitioners=[Practitioner.objects.get(pk=practitioner_a.pk)]
    )


# --- Registering equipment and items ------------------------------------------------------------------


def test_inj_v4_admin_registers_the_defibrillator(client_as, admin):
    response = client_as(admin).post(
        reverse("quality:equipment-create"),
        {"kind": EquipmentKind.AED, "name": "Hjertestarter", "location": "Resepsjonen", "check_interval_days": 30},
    )

    equipment = Equipment.objects.get(clinic=admin.clinic)
    assert response.status_code == 302 and response["Location"] == reverse(
        "quality:equipment-detail", args=[equipment.pk]
    )
    assert equipment.check_interval_days == 30
    assert AuditEvent.objects.get(object_id=str(equipment.pk), object_type="quality.equipment").action == (
        "quality.equipment.created"
    )


@pytest.mark.parametrize(("persona", "status"), [("physio", 403), ("reception", 403), ("doctor", 200)])
def test_inj_v4_only_admin_and_doctor_register_equipment(request, client_as, persona, status):
    response = client_as(request.getfixturevalue(persona)).get(reverse("quality:equipment-create"))
    assert response.status_code == status


def test_equipment_pages_need_login(client, admin):
    equipment = services.equipment_create(actor=actor_for(admin), equipment=Equipment(kind="aed", name="AED"))
    for url in (reverse("quality:equipment-list"), reverse("quality:equipment-detail", args=[equipment.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_inj_v4_adrenaline_without_lot_and_expiry_is_refused(client_as, admin):
    kit = services.equipment_create(
        actor=actor_for(admin), equipment=Equipment(kind=EquipmentKind.ANAPHYLAXIS_KIT, name="Skrin")
    )

    response = client_as(admin).post(
        reverse("quality:item-create", args=[kit.pk]),
        {"component": ItemComponent.ADRENALINE, "name": "Adrenalin 1 mg/ml", "quantity": 2},
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert escape(gettext("Drugs and fluids are registered with their lot number.")) in content
    assert escape(gettext("Drugs and fluids are registered with their expiry date.")) in content
    assert not EquipmentItem.objects.exists()


def test_inj_v4_replacing_an_expired_item_records_the_new_lot(client_as, admin):
    _aed, _kit, adrenaline = emergency_setup(admin, adrenaline_expires=timezone.localdate() - DAY)
    new_expiry = timezone.localdate() + 300 * DAY

    response = client_as(admin).post(
        reverse("quality:item-edit", args=[adrenaline.pk]),
        {
            "component": ItemComponent.ADRENALINE,
            "name": "Adrenalin 1 mg/ml",
            "quantity": 3,
            "lot_number": "NY-778",
            "expires_on": new_expiry.isoformat(),
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    adrenaline.refresh_from_db()
    assert (adrenaline.lot_number, adrenaline.expires_on) == ("NY-778", new_expiry)
    assert AuditEvent.objects.filter(action="quality.item.updated", object_id=str(adrenaline.pk)).count() == 1


# --- Performing a check ----------------------------------------------------------------------------


def check_data(equipment: Equipment, *, when: datetime.datetime | None = None, skip: tuple = ()) -> dict:
    when = timezone.localtime(when or timezone.now())
    data = {"performed_at": when.strftime("%Y-%m-%dT%H:%M"), "notes": ""}
    for key in all_ok(equipment):
        if key not in skip:
            data[f"ok_{key}"] = "on"
    return data


def test_inj_v4_physio_performs_and_signs_a_check(client_as, admin, physio):
    _aed, kit, _adrenaline = emergency_setup(admin)

    response = client_as(physio).post(reverse("quality:check-create", args=[kit.pk]), check_data(kit))

    saved = EquipmentCheck.objects.get(equipment=kit)
    assert response.status_code == 302 and response["Location"] == reverse("quality:check-detail", args=[saved.pk])
    assert saved.all_ok and saved.performed_by == physio.user and saved.performed_by_role == Role.PHYSIO
    assert saved.clinic == admin.clinic
    lines = {line["item"]: line for line in saved.checklist}
    assert lines["Adrenalin 1 mg/ml"]["lot"] == "LOT-1" and lines["Adrenalin 1 mg/ml"]["ok"] is True
    assert AuditEvent.objects.filter(action="quality.check.performed", object_id=str(saved.pk)).count() == 1


def test_inj_v4_a_check_signed_for_the_future_is_refused(client_as, admin, physio):
    aed, _kit, _adrenaline = emergency_setup(admin)

    response = client_as(physio).post(
        reverse("quality:check-create", args=[aed.pk]), check_data(aed, when=timezone.now() + 2 * DAY)
    )

    assert response.status_code == 400
    assert escape(gettext("A check cannot be signed for a time in the future.")) in response.content.decode()
    assert not EquipmentCheck.objects.exists()
    assert not AuditEvent.objects.filter(action="quality.check.performed").exists()


def test_inj_v4_an_expired_item_marked_in_order_is_refused(client_as, admin, physio):
    _aed, kit, _adrenaline = emergency_setup(admin, adrenaline_expires=timezone.localdate() - DAY)

    response = client_as(physio).post(reverse("quality:check-create", args=[kit.pk]), check_data(kit))

    assert response.status_code == 400
    expected = gettext(
        "%(item)s expired on %(date)s and cannot be marked as in order. Replace it, or mark it as not in order."
    ) % {"item": "Adrenalin 1 mg/ml", "date": (timezone.localdate() - DAY).strftime("%d.%m.%Y")}
    assert escape(expected) in response.content.decode()
    assert not EquipmentCheck.objects.exists()
    assert not Deviation.objects.exists()


def test_inj_v4_an_expired_item_marked_not_in_order_is_signed_as_a_fault(client_as, admin, physio):
    _aed, kit, adrenaline = emergency_setup(admin, adrenaline_expires=timezone.localdate() - DAY)

    response = client_as(physio).post(
        reverse("quality:check-create", args=[kit.pk]), check_data(kit, skip=(f"item-{adrenaline.pk}",))
    )

    assert response.status_code == 302
    assert not EquipmentCheck.objects.get(equipment=kit).all_ok
    assert Deviation.objects.filter(category=DeviationCategory.EQUIPMENT).count() == 1


def test_check_form_of_another_clinic_is_404(client_as, admin, outsider):
    aed, _kit, _adrenaline = emergency_setup(admin)
    assert client_as(outsider).get(reverse("quality:check-create", args=[aed.pk])).status_code == 404
    assert client_as(outsider).get(reverse("quality:equipment-detail", args=[aed.pk])).status_code == 404


def test_reception_cannot_check_equipment(client_as, admin, reception):
    aed, _kit, _adrenaline = emergency_setup(admin)
    assert client_as(reception).get(reverse("quality:check-create", args=[aed.pk])).status_code == 403


# --- Countersigning ---------------------------------------------------------------------------------


def test_inj_v4_doctor_countersigns_the_kit_check(client_as, admin, physio, doctor):
    _aed, kit, _adrenaline = emergency_setup(admin)
    kit_check = check(actor_for(physio), kit)

    response = client_as(doctor).post(reverse("quality:check-countersign", args=[kit_check.pk]))

    assert response.status_code == 302
    kit_check.refresh_from_db()
    assert kit_check.countersigned_by == doctor.user and kit_check.countersigned_at is not None
    assert AuditEvent.objects.filter(action="quality.check.countersigned", object_id=str(kit_check.pk)).count() == 1


def test_inj_v4_countersigning_your_own_check_is_refused(client_as, admin, doctor):
    _aed, kit, _adrenaline = emergency_setup(admin)
    own = check(actor_for(doctor), kit)

    response = client_as(doctor).post(reverse("quality:check-countersign", args=[own.pk]))

    assert response.status_code == 400
    expected = gettext(
        "You cannot countersign your own check. A check you performed as a doctor already counts as the doctor's check."
    )
    assert escape(expected) in response.content.decode()
    own.refresh_from_db()
    assert own.countersigned_by is None
    assert not AuditEvent.objects.filter(action="quality.check.countersigned").exists()


def test_inj_v4_countersigning_twice_is_refused(client_as, admin, physio, doctor):
    second_doctor = make_persona("lege2", admin.clinic, Role.DOCTOR)
    _aed, kit, _adrenaline = emergency_setup(admin)
    kit_check = check(actor_for(physio), kit)
    services.check_countersign(actor=actor_for(doctor), check=kit_check)

    response = client_as(second_doctor).post(reverse("quality:check-countersign", args=[kit_check.pk]))

    assert response.status_code == 400
    assert escape(gettext("This check is already countersigned.")) in response.content.decode()
    kit_check.refresh_from_db()
    assert kit_check.countersigned_by == doctor.user


def test_inj_v4_only_kit_checks_are_countersigned(client_as, admin, physio, doctor):
    aed, _kit, _adrenaline = emergency_setup(admin)
    aed_check = check(actor_for(physio), aed)

    response = client_as(doctor).post(reverse("quality:check-countersign", args=[aed_check.pk]))

    assert response.status_code == 400
    assert escape(gettext("Only checks of the anaphylaxis kit are countersigned.")) in response.content.decode()


@pytest.mark.parametrize("persona", ["physio", "admin", "reception"])
def test_inj_v4_only_a_doctor_countersigns(request, client_as, admin, physio, persona):
    _aed, kit, _adrenaline = emergency_setup(admin)
    kit_check = check(actor_for(physio), kit)

    response = client_as(request.getfixturevalue(persona)).post(
        reverse("quality:check-countersign", args=[kit_check.pk])
    )

    assert response.status_code == 403
    kit_check.refresh_from_db()
    assert kit_check.countersigned_by is None


def test_countersigning_a_check_of_another_clinic_is_404(client_as, admin, physio, clinic_b):
    doctor_b = make_persona("doctor_b", clinic_b, Role.DOCTOR)
    _aed, kit, _adrenaline = emergency_setup(admin)
    kit_check = check(actor_for(physio), kit)

    response = client_as(doctor_b).post(reverse("quality:check-countersign", args=[kit_check.pk]))

    assert response.status_code == 404
    kit_check.refresh_from_db()
    assert kit_check.countersigned_by is None


def test_the_database_refuses_a_countersignature_by_the_checker(admin, physio):
    from django.db import IntegrityError, transaction

    _aed, kit, _adrenaline = emergency_setup(admin)
    kit_check = check(actor_for(physio), kit)
    with pytest.raises(IntegrityError), transaction.atomic():
        EquipmentCheck.objects.filter(pk=kit_check.pk).update(
            countersigned_by=physio.user, countersigned_at=timezone.now()
        )


# --- Pages ------------------------------------------------------------------------------------------


def test_inj_v4_equipment_list_shows_preparedness(client_as, admin, physio, doctor):
    emergency_setup(admin)
    page = client_as(physio).get(reverse("quality:equipment-list")).content.decode()
    assert 'data-testid="preparedness-status">' in page and "badge-danger" in page


def test_inj_v4_equipment_list_query_count_is_fixed(client_as, admin, physio, doctor, django_assert_max_num_queries):
    client = client_as(doctor)
    preparedness_in_order(admin, physio, doctor)
    with django_assert_max_num_queries(15) as small:
        assert client.get(reverse("quality:equipment-list")).status_code == 200
    for number in range(15):
        unit = services.equipment_create(
            actor=actor_for(admin), equipment=Equipment(kind=EquipmentKind.TENS, name=f"TENS {number}")
        )
        add_item(actor_for(admin), unit, ItemComponent.OTHER, name="Elektroder", expires_on=timezone.localdate())
        check(actor_for(physio), unit)
    with django_assert_max_num_queries(15) as large:
        assert client.get(reverse("quality:equipment-list")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_inj_v4_equipment_detail_and_check_detail(client_as, admin, physio, doctor):
    _aed, kit, _adrenaline = emergency_setup(admin)
    kit_check = check(actor_for(physio), kit)

    detail = client_as(doctor).get(reverse("quality:equipment-detail", args=[kit.pk])).content.decode()
    assert "Adrenalin 1 mg/ml" in detail and 'data-testid="countersign"' in detail
    own = client_as(physio).get(reverse("quality:check-detail", args=[kit_check.pk])).content.decode()
    assert 'data-testid="countersign"' not in own  # only a doctor is offered the button
