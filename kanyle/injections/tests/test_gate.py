"""The readiness gate (DESIGN.md §4): each precondition red on its own, the page with its fix links, the start."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from conftest import make_persona
from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import OrganisationModel, Role
from kanyle.injections.models import Procedure, ProcedureStatus, SupervisionMode
from kanyle.injections.tests.factories import episode_at, make_availability, make_batch, make_drug, ready_world
from kanyle.medications.models import DrugCategory
from kanyle.quality.models import Equipment, SupervisionVisit
from kanyle.staff.tests.factories import AgreementFactory, AgreementHoursFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def world(doctor, physio, admin, patient_a):
    return ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)


def red(gate) -> dict[str, tuple[str, ...]]:
    return {item.key: item.rules for item in gate.red}


# --- Each precondition ---------------------------------------------------------------------------------


def test_inj_p4_physio_ordinary_cover_does_not_count(world):
    world.physio.insurance_covers.update(covers_injections=False)

    assert red(world.gate()) == {"performer_cover": ("INJ-P4",)}


def test_inj_d7_doctor_without_injection_cover_is_red(world):
    world.doctor.insurance_covers.update(covers_injections=False)

    assert red(world.gate()) == {"doctor_cover": ("INJ-D7",)}


def test_inj_p1_physio_without_ultrasound_procedure_competence_is_red(world):
    world.physio.credentials.filter(kind="us_procedures").delete()

    assert red(world.gate()) == {"competence": ("INJ-P1",)}


def test_inj_d6_doctor_not_available_now_is_red(world):
    world.availability.ends_at = timezone.now() - datetime.timedelta(minutes=1)
    world.availability.starts_at = world.availability.ends_at - datetime.timedelta(hours=1)
    world.availability.save()

    assert red(world.gate()) == {"supervision": ("INJ-D6",)}


def test_inj_d6_the_doctor_performing_needs_no_availability(world):
    world.availability.delete()

    gate = world.gate(performer=world.doctor)

    assert gate.ok, red(gate)


def video_model(world) -> None:
    """INJ-O3: the clinic is organised with the doctor taking part by video."""
    for clinic in (world.clinic, world.order.clinic, world.doctor.clinic):
        clinic.organisation_model = OrganisationModel.DOCTOR_BY_VIDEO
    world.clinic.save(update_fields=["organisation_model"])


def test_inj_o3_video_supervision_with_overdue_on_site_visit_is_red(world):
    video_model(world)
    world.delegation.supervision_mode = SupervisionMode.VIDEO
    world.delegation.save()
    world.availability.delete()
    make_availability(world.doctor, mode=SupervisionMode.VIDEO)
    interval = world.clinic.supervision_visit_interval_days

    assert red(world.gate()) == {"supervision": ("INJ-O3",)}

    visit = SupervisionVisit.objects.create(
        clinic=world.clinic,
        doctor=world.doctor,
        visited_on=timezone.localdate() - (interval + 5) * DAY,
        recorded_by=world.doctor.user,
    )
    assert red(world.gate()) == {"supervision": ("INJ-O3",)}

    visit.visited_on = timezone.localdate() - 3 * DAY
    visit.save()
    assert world.gate().ok


def test_inj_o3_a_video_delegation_needs_the_doctor_reachable_at_all(world):
    world.delegation.supervision_mode = SupervisionMode.VIDEO
    world.delegation.save()
    world.availability.delete()

    assert red(world.gate()) == {"supervision": ("INJ-D6",)}


def test_inj_v4_no_emergency_equipment_registered_is_red(world):
    Equipment.objects.filter(clinic=world.clinic).update(is_active=False)

    gate = red(world.gate())

    assert list(gate) == ["emergency"]
    assert set(gate["emergency"]) == {"INJ-V4"}


def test_law_m_expired_batch_is_red(world):
    world.batch.expires_on = timezone.localdate() - DAY
    world.batch.save()

    gate = world.gate()

    assert red(gate) == {"batch": ("LAW-M",)}
    assert world.batch.lot_number in gate.red[0].messages[0]


def test_law_m_empty_batch_is_red(world):
    world.batch.quantity_on_hand = 0
    world.batch.save()

    assert red(world.gate()) == {"batch": ("LAW-M",)}


def test_law_m_batch_of_another_drug_is_red(world):
    other = make_drug(
        world.clinic, world.doctor.user, name="Lidokain", atc_code="N01BB02", category=DrugCategory.LOCAL_ANAESTHETIC
    )

    assert red(world.gate(batch=make_batch(other, world.doctor.user))) == {"batch": ("LAW-M",)}
    assert red(world.gate(batch=None)) == {"batch": ("LAW-M",)}


def test_inj_f2_inside_agreement_hours_is_red(world):
    agreement = AgreementFactory(practitioner=world.physio)
    AgreementHoursFactory(
        agreement=agreement,
        weekday=timezone.localdate().weekday(),
        start=datetime.time(0, 0),
        end=datetime.time(23, 59, 59),
    )

    assert red(world.gate()) == {"agreement_hours": ("INJ-F2",)}


def test_inj_d4_the_order_is_used_up_once_a_procedure_has_started(world):
    Procedure.objects.create(
        clinic=world.clinic,
        episode=world.ie,
        order=world.order,
        performer=world.physio,
        supervising_doctor=world.doctor,
        supervision_mode=SupervisionMode.ON_SITE,
        batch=world.batch,
        gate={},
        status=ProcedureStatus.IN_PROGRESS,
        started_at=timezone.now(),
        observation_minutes=20,
        created_by=world.physio.user,
    )

    assert red(world.gate()) == {"order": ("INJ-D4",)}


# --- The page ------------------------------------------------------------------------------------------


def gate_url(world, **query):
    url = reverse("injections:gate", args=[world.order.pk])
    return url + (f"?batch={query['batch']}" if "batch" in query else "")


def test_gate_page_shows_every_item_green_and_an_enabled_start(world, physio, client_as):
    response = client_as(physio).get(gate_url(world, batch=world.batch.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["gate"].ok
    assert len(response.context["items"]) == 12
    assert gettext("Everything is in order") in html
    assert 'data-testid="start-procedure" disabled' not in html
    assert world.batch.lot_number in html
    assert AuditEvent.objects.filter(action="injections.gate.viewed", patient=world.patient).exists()


def test_gate_page_red_items_link_to_where_they_are_fixed_and_start_is_disabled(world, physio, client_as):
    world.availability.delete()
    world.delegation.delete()
    world.physio.insurance_covers.update(covers_injections=False)
    Equipment.objects.filter(clinic=world.clinic).update(is_active=False)

    response = client_as(physio).get(gate_url(world))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="start-procedure" disabled' in html
    links = {item.key: url for item, url, _texts in response.context["items"] if not item.ok}
    assert links["performer"] == reverse("injections:delegation-list")
    assert links["supervision"] == reverse("injections:availability-list")
    assert links["performer_cover"] == reverse("staff:practitioner", args=[world.physio.pk])
    assert links["emergency"] == reverse("quality:compliance")
    assert "batch" in links  # no batch chosen
    assert "(LAW-H5)" in html and "(INJ-D6)" in html and "(INJ-P4)" in html and "(LAW-M)" in html


def test_gate_start_with_a_red_gate_is_refused_and_creates_nothing(world, physio, client_as):
    world.batch.expires_on = timezone.localdate() - DAY
    world.batch.save()

    response = client_as(physio).post(
        reverse("injections:procedure-start", args=[world.order.pk]), {"batch": world.batch.pk}
    )

    assert response.status_code == 400
    assert "(LAW-M)" in response.content.decode()
    assert Procedure.objects.count() == 0


def test_gate_start_with_a_green_gate_opens_the_procedure(world, physio, client_as):
    response = client_as(physio).post(
        reverse("injections:procedure-start", args=[world.order.pk]), {"batch": world.batch.pk}
    )

    procedure = Procedure.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("injections:procedure", args=[procedure.pk])
    assert procedure.performer == world.physio and procedure.delegation == world.delegation
    assert procedure.supervising_doctor == world.doctor and procedure.supervision_mode == SupervisionMode.ON_SITE
    assert procedure.observation_minutes == world.clinic.injection_observation_minutes
    assert procedure.note is not None and procedure.note.signed_at is None


def test_gate_frozen_into_the_procedure_stays_as_it_was_at_the_start(world, physio, doctor, client_as):
    client_as(physio).post(reverse("injections:procedure-start", args=[world.order.pk]), {"batch": world.batch.pk})
    procedure = Procedure.objects.get()
    # Afterwards the world changes: the delegation is revoked and the doctor leaves.
    client_as(doctor).post(reverse("injections:delegation-revoke", args=[world.delegation.pk]), {"reason": "Avsluttet"})
    world.availability.delete()

    procedure.refresh_from_db()

    assert procedure.gate["ok"] is True
    assert [item["rule"] for item in procedure.gate["items"]] == [
        "INJ-D1",
        "INJ-D2",
        "INJ-D3",
        "INJ-D4",
        "INJ-D5",
        "INJ-P1",
        "INJ-P4",
        "INJ-D7",
        "INJ-D6",
        "INJ-V4",
        "LAW-M",
        "INJ-F2",
    ]
    assert all(item["ok"] for item in procedure.gate["items"])
    assert datetime.datetime.fromisoformat(procedure.gate["at"]) == procedure.started_at
    assert not world.gate().ok  # today's gate is red, the evidence is not


def test_episode_gate_leads_to_the_current_order(world, physio, client_as):
    response = client_as(physio).get(reverse("injections:episode-gate", args=[world.ie.pk]))

    assert response.status_code == 302
    assert response.url == reverse("injections:gate", args=[world.order.pk])


def test_gate_refuses_other_roles_and_clinics(world, reception, outsider, client_as):
    assert client_as(reception).get(gate_url(world)).status_code == 403
    assert client_as(outsider).get(gate_url(world)).status_code == 404
    assert client_as(outsider).post(reverse("injections:procedure-start", args=[world.order.pk])).status_code == 404
    assert Procedure.objects.count() == 0


def test_inj_d5_another_doctor_of_the_clinic_cannot_perform_the_order(world, clinic_a, client_as):
    other = make_persona("doctor2", clinic_a, Role.DOCTOR)
    world.ie.episode.members.add(other.user.practitioners.get())

    response = client_as(other).post(
        reverse("injections:procedure-start", args=[world.order.pk]), {"batch": world.batch.pk}
    )

    assert response.status_code == 400
    assert "(INJ-D5)" in response.content.decode()
    assert Procedure.objects.count() == 0


def test_episode_gate_without_an_order_goes_back_to_the_episode(world, physio, client_as):
    ie = episode_at(world, "consented")

    response = client_as(physio).get(reverse("injections:episode-gate", args=[ie.pk]))

    assert response.status_code == 302
    assert Procedure.objects.count() == 0


def test_gate_assessment_consent_and_order_are_fixed_on_the_episode_page(world, physio, client_as):
    world.assessment.risk_flags_reviewed = False
    world.assessment.save()
    world.consent.withdrawn_at, world.consent.withdrawn_reason = timezone.now(), "Angret"
    world.consent.save()

    response = client_as(physio).get(gate_url(world, batch=world.batch.pk))

    links = {item.key: url for item, url, _texts in response.context["items"] if not item.ok}
    episode = reverse("injections:episode", args=[world.ie.pk])
    assert links == {"contraindications": episode, "consent": episode}
    assert "(LAW-C)" in response.content.decode() and "(INJ-D2)" in response.content.decode()
