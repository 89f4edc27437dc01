"""The compliance dashboard and its daily e-mail digest: everything that needs attention, each with its fix
(INJ-V4 emergency preparedness, INJ-V3 deviations and measures, LAW-Q, LAW-J unsigned notes, INJ-P4 cover)."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from conftest import make_persona
from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import OrganisationModel, Role
from kanyle.journal.tests.note_factories import NoteFactory
from kanyle.quality.demo_safety import create_demo_safety
from kanyle.quality.models import (
    Deviation,
    DeviationStatus,
    DigestDelivery,
    Equipment,
    EquipmentItem,
    EquipmentKind,
    ItemComponent,
    MeasureKind,
    Severity,
)
from kanyle.quality.rules import emergency_preparedness
from kanyle.quality.selectors.safety import compliance_overview
from kanyle.quality.services import deviations as deviation_services
from kanyle.quality.services import equipment as equipment_services
from kanyle.quality.tests.test_equipment import (
    actor_for,
    add_item,
    check,
    emergency_setup,
    preparedness_in_order,
)
from kanyle.staff.models import CredentialKind, Practitioner
from kanyle.staff.tests.factories import CredentialFactory, InsuranceFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
URL = "quality:compliance"


def dashboard(client):
    response = client.get(reverse(URL))
    assert response.status_code == 200
    return response


def section(response, key: str):
    return next(s for s in response.context["overview"].sections if s.key == key)


def status_badge(response) -> str:
    content = response.content.decode()
    start = content.index('data-testid="preparedness-status"')
    return content[content.rindex("<span", 0, start) : content.index("</span>", start)]


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [("admin", 200), ("doctor", 200), ("physio", 403), ("reception", 403)])
def test_inj_v4_dashboard_is_for_admin_and_doctor(request, client_as, persona, status):
    assert client_as(request.getfixturevalue(persona)).get(reverse(URL)).status_code == status


def test_dashboard_needs_login(client, db):
    response = client.get(reverse(URL))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_dashboard_of_another_clinic_shows_nothing_of_clinic_a(client_as, admin, physio, doctor, clinic_b):
    preparedness_in_order(admin, physio, doctor)
    deviation_services.deviation_report(
        actor=actor_for(physio), category="other", severity="low", occurred_at=timezone.now(), description="Hemmelig"
    )
    admin_b = make_persona("admin_b", clinic_b, Role.ADMIN)

    response = dashboard(client_as(admin_b))

    content = response.content.decode()
    assert "Anafylaksiskrin" not in content and "Hjertestarter" not in content
    assert "badge-danger" in status_badge(response)  # clinic B has nothing registered


# --- Emergency preparedness ------------------------------------------------------------------------


def test_inj_v4_preparedness_turns_green_only_when_checked_countersigned_and_in_date(client_as, admin, physio, doctor):
    with time_machine.travel(START, tick=False) as traveller:
        assert "badge-danger" in status_badge(dashboard(client_as(doctor)))
        aed, kit, adrenaline = emergency_setup(admin, adrenaline_expires=datetime.date(2026, 3, 20))
        check(actor_for(physio), aed)
        kit_check = check(actor_for(physio), kit)
        response = dashboard(client_as(doctor))
        assert "badge-danger" in status_badge(response)
        [finding] = response.context["overview"].preparedness
        assert finding.url == reverse("quality:check-detail", args=[kit_check.pk])
        equipment_services.check_countersign(actor=actor_for(doctor), check=kit_check)
        assert "badge-ok" in status_badge(dashboard(client_as(doctor)))

        traveller.move_to(datetime.datetime(2026, 3, 21, 9, 0, tzinfo=datetime.UTC))  # adrenaline out of date
        response = dashboard(client_as(doctor))
        assert "badge-danger" in status_badge(response)
        [finding] = response.context["overview"].preparedness
        assert finding.url == reverse("quality:item-edit", args=[adrenaline.pk])


def test_inj_v4_checks_due_soon_and_overdue_are_listed(client_as, admin, physio, doctor):
    with time_machine.travel(START, tick=False) as traveller:
        preparedness_in_order(admin, physio, doctor)
        ultrasound = equipment_services.equipment_create(
            actor=actor_for(admin),
            equipment=Equipment(kind=EquipmentKind.ULTRASOUND, name="Ultralyd", check_interval_days=90),
        )
        check(actor_for(physio), ultrasound)
        traveller.shift(25 * DAY)
        due = section(dashboard(client_as(admin)), "checks")
        assert {item.level for item in due.items} == {"warn"} and len(due.items) == 2  # AED and kit due soon
        traveller.shift(70 * DAY)
        response = dashboard(client_as(admin))

    overdue = section(response, "checks")
    assert [item.text for item in overdue.items] == [
        gettext("%(equipment)s: the check was due on %(due)s.") % {"equipment": "Ultralyd", "due": "31.05.2026"}
    ]
    assert overdue.items[0].url == reverse("quality:check-create", args=[ultrasound.pk])
    assert len(response.context["overview"].preparedness) == 2  # AED and kit overdue, shown as preparedness


def test_inj_v4_expiring_and_expired_items_are_listed(client_as, admin, physio, doctor):
    preparedness_in_order(admin, physio, doctor)
    tens = equipment_services.equipment_create(
        actor=actor_for(admin), equipment=Equipment(kind=EquipmentKind.TENS, name="TENS")
    )
    old = add_item(
        actor_for(admin), tens, ItemComponent.OTHER, name="Elektroder", expires_on=timezone.localdate() - DAY
    )
    kit = Equipment.objects.get(kind=EquipmentKind.ANAPHYLAXIS_KIT)
    soon = add_item(
        actor_for(admin), kit, ItemComponent.ANTIHISTAMINE, name="Cetirizin", expires_on=timezone.localdate() + 10 * DAY
    )

    items = section(dashboard(client_as(doctor)), "items")

    assert {(item.url, item.level) for item in items.items} == {
        (reverse("quality:item-edit", args=[old.pk]), "danger"),
        (reverse("quality:item-edit", args=[soon.pk]), "warn"),
    }


def test_inj_v4_missing_or_lapsed_emergency_drill_is_listed(client_as, admin, physio, doctor, practitioner_a):
    doctor_practitioner = Practitioner.objects.get(user=doctor.user)
    CredentialFactory(
        practitioner=doctor_practitioner,
        kind=CredentialKind.EMERGENCY_DRILL,
        issued_on=timezone.localdate() - 350 * DAY,
    )

    drills = section(dashboard(client_as(admin)), "drills")

    by_url = {item.url: item for item in drills.items}
    assert by_url[reverse("staff:practitioner", args=[practitioner_a.pk])].level == "danger"  # never drilled
    assert by_url[reverse("staff:practitioner", args=[doctor_practitioner.pk])].level == "warn"  # lapses in 15 days


def test_inj_p4_credentials_and_cover_expiring_within_30_days(client_as, admin, practitioner_a):
    InsuranceFactory(practitioner=practitioner_a, valid_to=timezone.localdate() + 20 * DAY, insurer="NPE")
    CredentialFactory(practitioner=practitioner_a, kind=CredentialKind.INJECTION, expires_on=timezone.localdate() - DAY)
    CredentialFactory(
        practitioner=practitioner_a, kind=CredentialKind.NEEDLING, expires_on=timezone.localdate() + 50 * DAY
    )

    credentials = section(dashboard(client_as(admin)), "credentials")

    assert sorted(item.level for item in credentials.items) == ["danger", "warn"]  # 50 days away is not listed
    assert all(item.url == reverse("staff:practitioner", args=[practitioner_a.pk]) for item in credentials.items)


def test_inj_v3_overdue_measures_and_unassessed_deviations_are_listed(client_as, admin, physio):
    with time_machine.travel(START, tick=False) as traveller:
        actor = actor_for(admin)
        waiting = deviation_services.deviation_report(
            actor=actor_for(physio),
            category="other",
            severity=Severity.SERIOUS,
            occurred_at=timezone.now(),
            description="Alvorlig",
        )
        handled = deviation_services.deviation_report(
            actor=actor_for(physio), category="other", severity="low", occurred_at=timezone.now(), description="x"
        )
        handled = deviation_services.deviation_assess(
            actor=actor, deviation=handled, responsible=admin.user, cause="y", notification_required=False
        )
        deviation_services.measure_create(
            actor=actor,
            deviation=handled,
            kind=MeasureKind.CORRECTIVE,
            description="Tiltak",
            owner=physio.user,
            due_on=timezone.localdate() + 3 * DAY,
        )
        assert len(section(dashboard(client_as(admin)), "deviations").items) == 1
        traveller.shift(4 * DAY)
        deviations = section(dashboard(client_as(admin)), "deviations")

    assert [item.url for item in deviations.items] == [
        reverse("quality:deviation-detail", args=[handled.pk]),
        reverse("quality:deviation-detail", args=[waiting.pk]),
    ]
    assert all(item.level == "danger" for item in deviations.items)
    assert "Alvorlig" not in " ".join(item.text for item in deviations.items)  # no deviation text on the overview


def test_law_j_notes_unsigned_after_24_hours_are_listed_without_the_patient(
    client_as, doctor, admin, patient_a, practitioner_a
):
    doctor_practitioner = Practitioner.objects.get(user=doctor.user)
    with time_machine.travel(START, tick=False) as traveller:
        own = NoteFactory(encounter__patient=patient_a, author=doctor_practitioner)
        NoteFactory(encounter__patient=patient_a, author=practitioner_a)
        NoteFactory(encounter__patient=patient_a, author=practitioner_a, signed=True)
        traveller.shift(datetime.timedelta(hours=23))
        assert not section(dashboard(client_as(doctor)), "notes").items
        traveller.shift(datetime.timedelta(hours=2))
        response = dashboard(client_as(doctor))
        admin_view = dashboard(client_as(admin))

    notes = section(response, "notes")
    assert len(notes.items) == 2
    assert {item.url for item in notes.items} == {reverse("journal:note-edit", args=[own.pk]), ""}
    assert not any(item.url for item in section(admin_view, "notes").items)
    assert "Nordmann" not in response.content.decode() and "Nordmann" not in admin_view.content.decode()


def test_inj_o3_supervision_visit_overdue_is_listed(client_as, admin, clinic_a):
    clinic_a.organisation_model = OrganisationModel.DOCTOR_BY_VIDEO
    clinic_a.save()

    supervision = section(dashboard(client_as(admin)), "supervision")

    assert supervision.items and supervision.items[0].rule == "INJ-O3"


def test_dashboard_query_count_is_fixed(
    client_as, admin, physio, doctor, patient_a, practitioner_a, django_assert_max_num_queries
):
    preparedness_in_order(admin, physio, doctor)
    client = client_as(admin)
    with django_assert_max_num_queries(20) as small:
        dashboard(client)
    for number in range(12):
        unit = equipment_services.equipment_create(
            actor=actor_for(admin), equipment=Equipment(kind=EquipmentKind.TENS, name=f"TENS {number}")
        )
        add_item(actor_for(admin), unit, ItemComponent.OTHER, name="Elektroder", expires_on=timezone.localdate())
        deviation = deviation_services.deviation_report(
            actor=actor_for(physio), category="other", severity="low", occurred_at=timezone.now(), description="x"
        )
        deviation_services.deviation_assess(
            actor=actor_for(admin), deviation=deviation, responsible=admin.user, cause="c", notification_required=False
        )
        deviation_services.measure_create(
            actor=actor_for(admin),
            deviation=deviation,
            kind="corrective",
            description="m",
            owner=physio.user,
            due_on=timezone.localdate(),
        )
        colleague = make_persona(f"fysio{number}", admin.clinic, Role.PHYSIO)
        CredentialFactory(
            practitioner=Practitioner.objects.get(user=colleague.user),
            kind=CredentialKind.EMERGENCY_DRILL,
            issued_on=timezone.localdate() - 360 * DAY,
        )
        NoteFactory(encounter__patient=patient_a, author=practitioner_a, created_at=timezone.now())
    with time_machine.travel(timezone.now() + 2 * DAY, tick=False):
        client = client_as(admin)
        with django_assert_max_num_queries(20) as large:
            dashboard(client)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_compliance_overview_counts_everything(admin, physio, doctor):
    emergency_setup(admin)
    overview = compliance_overview(clinic=admin.clinic, at=timezone.now())
    assert not overview.preparedness_ok
    assert overview.total >= len(overview.preparedness) == 2


# --- The daily digest ------------------------------------------------------------------------------


def run_digest(*args: str) -> str:
    out = io.StringIO()
    call_command("compliance_digest", *args, stdout=out)
    return out.getvalue()


def test_inj_v4_digest_mails_admins_and_doctors_once_a_day(admin, doctor, physio, reception, patient_a):
    deviation_services.deviation_report(
        actor=actor_for(physio),
        category="needling",
        severity="serious",
        occurred_at=timezone.now(),
        description="Svimmel etter behandling",
        patient=patient_a,
    )
    with time_machine.travel(START, tick=False) as traveller:
        output = run_digest("--base-url", "https://kanyle.example.no/")
        assert "2 sent" in output
        assert sorted(message.to[0] for message in mail.outbox) == sorted([admin.user.email, doctor.user.email])
        body = mail.outbox[0].body
        assert "https://kanyle.example.no" + reverse(URL) in body
        assert "Nordmann" not in body and "Svimmel" not in body  # no patient, no deviation text in e-mail
        assert "&amp;" not in body and "&#x27;" not in body  # plain text, not HTML-escaped
        assert "1 sent" not in run_digest() and len(mail.outbox) == 2  # idempotent the same day
        traveller.shift(DAY)
        run_digest()
    assert len(mail.outbox) == 4
    assert DigestDelivery.objects.count() == 4
    assert AuditEvent.objects.filter(action="quality.digest.sent").count() == 4


def test_digest_is_bounded_and_has_a_dry_run(admin, physio):
    for number in range(15):
        equipment_services.equipment_create(
            actor=actor_for(admin), equipment=Equipment(kind=EquipmentKind.TENS, name=f"TENS {number}")
        )

    dry = run_digest("--dry-run", "--limit", "3")
    assert admin.user.email in dry and not mail.outbox and not DigestDelivery.objects.exists()

    run_digest("--limit", "3")
    body = mail.outbox[0].body
    assert body.count("- TENS") == 3
    assert "12" in body  # "… and 12 more"


def test_digest_skips_a_clinic_with_nothing_to_report_and_other_clinics_people(admin, physio, doctor, outsider):
    preparedness_in_order(admin, physio, doctor)
    for practitioner in Practitioner.objects.filter(clinic=admin.clinic):
        CredentialFactory(
            practitioner=practitioner, kind=CredentialKind.EMERGENCY_DRILL, issued_on=timezone.localdate()
        )

    run_digest("--clinic", admin.clinic.slug)

    assert not mail.outbox
    run_digest()
    assert all(message.to[0] != outsider.user.email for message in mail.outbox)


# --- Demo data ---------------------------------------------------------------------------------------


def test_inj_v4_demo_safety_data_is_in_order_and_loads_once(admin, doctor, physio):
    users = {"admin_user": admin.user, "doctor_user": doctor.user, "physio_user": physio.user}
    create_demo_safety(clinic=admin.clinic, **users)
    create_demo_safety(clinic=admin.clinic, **users)

    assert emergency_preparedness(clinic=admin.clinic, at=timezone.now())
    assert sorted(Equipment.objects.filter(clinic=admin.clinic).values_list("kind", flat=True)) == [
        EquipmentKind.AED,
        EquipmentKind.ANAPHYLAXIS_KIT,
        EquipmentKind.ULTRASOUND,
    ]
    adrenaline = EquipmentItem.objects.filter(component=ItemComponent.ADRENALINE)
    assert adrenaline.count() == 2 and all(item.lot_number and item.expires_on for item in adrenaline)
    closed, open_one = Deviation.objects.order_by("occurred_at")
    assert closed.status == DeviationStatus.CLOSED and closed.measures.filter(done_at__isnull=False).count() == 2
    assert open_one.status == DeviationStatus.REPORTED
