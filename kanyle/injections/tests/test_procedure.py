"""The procedure record (LAW-M, INJ-D4, INJ-P3, INJ-P5), the observation and the follow-up, and the start race."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.injections.models import FollowUp, Procedure, ProcedureStatus, Reaction, Status
from kanyle.injections.services import procedure as services
from kanyle.injections.tests.factories import ready_world
from kanyle.journal.models import Attachment
from kanyle.medications.models import MovementKind, StockMovement

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(doctor, physio, admin, patient_a):
    return ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)


def actor_for(persona) -> Actor:
    return Actor(user=persona.user, clinic=persona.clinic, role=persona.role)


@pytest.fixture
def started(world, physio):
    return services.procedure_start(
        actor=actor_for(physio), order=world.order, performer=world.physio, batch=world.batch
    )


def record_data(world, **overrides):
    data = {
        "dose_given": "40",
        "volume_given_ml": "1.0",
        "aseptic_hand_hygiene": "on",
        "aseptic_skin_disinfection": "on",
        "aseptic_sterile_cover": "on",
        "aseptic_no_touch": "on",
        "reaction": Reaction.NONE,
        "procedure_notes": "Nål visualisert i hele forløpet; jevn fordeling i bursa.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def complete_url(procedure):
    return reverse("injections:procedure-complete", args=[procedure.pk])


# --- Recording and completing --------------------------------------------------------------------------


def test_performer_sees_the_order_read_only_and_the_record_form(started, physio, client_as):
    response = client_as(physio).get(reverse("injections:procedure", args=[started.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="procedure-form"' in html and 'data-testid="order-readonly"' in html
    assert 'name="drug"' not in html and 'name="target_structure"' not in html
    assert AuditEvent.objects.filter(action="injections.procedure.viewed", object_id=str(started.pk)).exists()


def test_law_m_completing_takes_the_unit_from_stock_for_the_patient_and_signs_the_note(
    world, started, physio, client_as
):
    before = world.batch.quantity_on_hand

    response = client_as(physio).post(complete_url(started), record_data(world))

    assert response.status_code == 302
    assert response.url == reverse("injections:observation", args=[started.pk])
    started.refresh_from_db()
    world.batch.refresh_from_db()
    world.ie.refresh_from_db()
    assert started.status == ProcedureStatus.OBSERVATION and started.observation_started_at is not None
    assert started.dose_given == Decimal("40")
    assert world.batch.quantity_on_hand == before - 1
    movement = StockMovement.objects.get(kind=MovementKind.ADMINISTERED, procedure=started)
    assert movement.patient == world.patient and movement.batch == world.batch and movement.quantity == 1
    assert world.ie.status == Status.PERFORMED
    note = started.note
    note.refresh_from_db()
    assert note.signed_at is not None and note.author == world.physio
    assert world.batch.lot_number in note.interventions and world.drug.name in note.interventions
    assert world.order.target_structure in note.interventions and world.doctor.user.display_name in note.interventions


def test_law_m_dose_different_from_the_order_is_refused(world, started, physio, client_as):
    response = client_as(physio).post(complete_url(started), record_data(world, dose_given="80"))

    assert response.status_code == 400
    assert "(INJ-D4)" in response.content.decode()
    started.refresh_from_db()
    assert started.status == ProcedureStatus.IN_PROGRESS
    assert not StockMovement.objects.filter(kind=MovementKind.ADMINISTERED).exists()


def test_inj_d4_tampered_order_fields_are_refused(world, started, physio, client_as):
    response = client_as(physio).post(complete_url(started), record_data(world, dose="80", target_structure="Kne"))

    assert response.status_code == 400
    assert "(INJ-D4)" in response.content.decode()
    started.refresh_from_db()
    assert started.status == ProcedureStatus.IN_PROGRESS


def test_aseptic_checklist_must_be_complete(world, started, physio, client_as):
    response = client_as(physio).post(complete_url(started), record_data(world, aseptic_no_touch=None))

    assert response.status_code == 400
    assert escape(gettext("no-touch technique at the site")) in response.content.decode()
    started.refresh_from_db()
    assert started.status == ProcedureStatus.IN_PROGRESS


def test_inj_v4_a_reaction_needs_the_actions_taken(world, started, physio, client_as):
    client = client_as(physio)

    refused = client.post(complete_url(started), record_data(world, reaction=Reaction.ANAPHYLAXIS))

    assert refused.status_code == 400
    assert escape(gettext("Describe the actions taken for the reaction.")) in refused.content.decode()
    ok = client.post(
        complete_url(started),
        record_data(
            world, reaction=Reaction.ANAPHYLAXIS, reaction_actions="Adrenalin i.m. lår, ringte 113", adrenaline_mg="0.5"
        ),
    )
    assert ok.status_code == 302
    started.refresh_from_db()
    assert started.adrenaline_mg == Decimal("0.5")
    assert "Adrenalin i.m. lår" in started.note.interventions


def test_law_m_a_batch_expired_since_the_start_is_refused_at_completion(world, started, physio, client_as):
    world.batch.expires_on = timezone.localdate() - DAY
    world.batch.save()

    response = client_as(physio).post(complete_url(started), record_data(world))

    assert response.status_code == 400
    assert "(LAW-M)" in response.content.decode()
    started.refresh_from_db()
    assert started.status == ProcedureStatus.IN_PROGRESS
    assert not StockMovement.objects.filter(kind=MovementKind.ADMINISTERED).exists()


def test_only_the_performer_records_the_procedure(world, started, doctor, client_as):
    response = client_as(doctor).post(complete_url(started), record_data(world))

    assert response.status_code == 400
    started.refresh_from_db()
    assert started.status == ProcedureStatus.IN_PROGRESS


def test_inj_p5_ultrasound_image_is_kept_on_the_procedure_note(world, started, physio, client_as):
    client = client_as(physio)

    response = client.post(
        reverse("injections:procedure-image", args=[started.pk]),
        {"image": SimpleUploadedFile("us.png", PNG, content_type="image/png"), "title": "Nål i bursa"},
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.encounter == started.note.encounter and attachment.title == "Nål i bursa"

    refused = client.post(
        reverse("injections:procedure-image", args=[started.pk]),
        {"image": SimpleUploadedFile("x.txt", b"hello", content_type="text/plain")},
    )
    assert refused.status_code == 400
    assert Attachment.objects.count() == 1


# --- Stop and decline (INJ-P3) ---------------------------------------------------------------------------


def test_inj_p3_performer_stops_with_a_reason_and_the_episode_stays_ordered(world, started, physio, client_as):
    response = client_as(physio).post(
        reverse("injections:procedure-stop", args=[started.pk]),
        {"decision": "stop", "reason": "Pasienten ble uvel før innstikk."},
    )

    assert response.status_code == 302
    started.refresh_from_db()
    world.ie.refresh_from_db()
    assert started.status == ProcedureStatus.STOPPED and started.stop_reason == "Pasienten ble uvel før innstikk."
    assert started.note.signed_at is not None and "Pasienten ble uvel" in started.note.assessment
    assert world.ie.status == Status.ORDERED
    assert not StockMovement.objects.filter(kind=MovementKind.ADMINISTERED).exists()
    # The order is free again: the doctor decides, and a new start is possible.
    assert world.gate().ok


def test_inj_p3_performer_declines_with_a_reason(world, started, physio, client_as):
    response = client_as(physio).post(
        reverse("injections:procedure-stop", args=[started.pk]),
        {"decision": "decline", "reason": "Usikker anatomi på ultralyd; ønsker legen til stede."},
    )

    assert response.status_code == 302
    started.refresh_from_db()
    assert started.status == ProcedureStatus.DECLINED


def test_inj_p3_stop_without_a_reason_is_refused(world, started, physio, client_as):
    response = client_as(physio).post(reverse("injections:procedure-stop", args=[started.pk]), {"decision": "stop"})

    assert response.status_code == 400
    assert "(INJ-P3)" in response.content.decode()
    started.refresh_from_db()
    assert started.status == ProcedureStatus.IN_PROGRESS and started.note.signed_at is None


def test_inj_p3_only_the_performer_stops(world, started, doctor):
    with pytest.raises(ValidationError) as refused:
        services.procedure_stop(
            actor=actor_for(doctor), practitioner=world.doctor, procedure=started, reason="Jeg overtar"
        )
    assert "(INJ-P3)" in " ".join(refused.value.messages)


# --- Observation and follow-up -----------------------------------------------------------------------------


def test_observation_countdown_early_end_needs_a_reason_then_follow_up_is_scheduled(world, started, physio, client_as):
    client = client_as(physio)
    client.post(complete_url(started), record_data(world))

    page = client.get(reverse("injections:observation", args=[started.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-ends-at=" in html and "injections/observation.js" in html

    refused = client.post(reverse("injections:observation-end", args=[started.pk]), {})
    assert refused.status_code == 400
    assert "(INJ-V4)" in refused.content.decode()
    assert not FollowUp.objects.exists()

    response = client.post(
        reverse("injections:observation-end", args=[started.pk]), {"early_reason": "Overført til legen i mottak."}
    )
    assert response.status_code == 302
    started.refresh_from_db()
    world.ie.refresh_from_db()
    assert started.status == ProcedureStatus.COMPLETED and started.observation_early_reason
    assert world.ie.status == Status.OBSERVED
    followup = FollowUp.objects.get()
    today = timezone.localdate()
    assert followup.doctor == world.doctor
    assert followup.due_from == today + datetime.timedelta(weeks=world.clinic.injection_followup_weeks_min)
    assert followup.due_by == today + datetime.timedelta(weeks=world.clinic.injection_followup_weeks_max)


def test_observation_ends_without_reason_once_the_period_is_over(world, started, physio):
    actor = actor_for(physio)
    services.procedure_complete(
        actor=actor,
        practitioner=world.physio,
        procedure=started,
        dose_given=Decimal("40"),
        volume_given_ml=Decimal("1"),
        aseptic=dict.fromkeys(services.ASEPTIC_FIELDS, True),
        reaction=Reaction.NONE,
    )
    started.refresh_from_db()
    later = started.observation_started_at + datetime.timedelta(minutes=started.observation_minutes + 1)
    with time_machine.travel(later, tick=False):
        services.observation_end(actor=actor, practitioner=world.physio, procedure=started)
    started.refresh_from_db()
    assert started.status == ProcedureStatus.COMPLETED and started.observation_early_reason == ""


# --- The start race ------------------------------------------------------------------------------------------

ATTEMPTS = 6


def _attempt(actor, order, performer, batch, results, barrier=None):
    try:
        if barrier is not None:
            barrier.wait(timeout=10)
        services.procedure_start(actor=actor, order=order, performer=performer, batch=batch)
        results.append("ok")
    except ValidationError:
        results.append("refused")
    except Exception as error:  # reported by the assertion below
        results.append(repr(error))
    finally:
        if barrier is not None:
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_people_pressing_start_at_once_exactly_one_wins(doctor, physio, admin, patient_a):
    if connection.vendor != "postgresql":
        pytest.skip("a real race needs PostgreSQL row locks; SQLite serialises writers")
    world = ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)
    results: list[str] = []
    barrier = threading.Barrier(ATTEMPTS)
    performers = [(actor_for(physio), world.physio), (actor_for(doctor), world.doctor)]
    threads = [
        threading.Thread(
            target=_attempt,
            args=(*performers[i % 2][:1], world.order, performers[i % 2][1], world.batch, results, barrier),
        )
        for i in range(ATTEMPTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["ok"] + ["refused"] * (ATTEMPTS - 1), results
    assert Procedure.objects.filter(order=world.order).count() == 1


def test_the_unique_constraint_refuses_a_start_the_gate_missed(world, started, physio, monkeypatch):
    """The race window: the gate saw nothing; the database still allows only one live procedure per order."""
    from kanyle.injections import rules

    green = rules.readiness_gate(order=None, performer=None, batch=None, at=timezone.now())
    monkeypatch.setattr(rules, "readiness_gate", lambda **kw: type(green)(at=kw["at"], items=()))

    with pytest.raises(ValidationError) as refused:
        services.procedure_start(actor=actor_for(physio), order=world.order, performer=world.physio, batch=world.batch)

    assert "(INJ-D4)" in " ".join(refused.value.messages)
    assert Procedure.objects.count() == 1


def test_episode_page_part_links_the_gate_then_shows_the_procedure(world, physio, client_as):
    from django.template.loader import render_to_string

    before = render_to_string("injections/_episode_procedure.html", {"ie": world.ie})
    assert reverse("injections:episode-gate", args=[world.ie.pk]) in before
    assert gettext("No procedure yet.") in before

    client_as(physio).post(reverse("injections:procedure-start", args=[world.order.pk]), {"batch": world.batch.pk})
    client_as(physio).post(complete_url(Procedure.objects.get()), record_data(world))
    world.ie.refresh_from_db()

    after = render_to_string("injections/_episode_procedure.html", {"ie": world.ie})
    procedure = Procedure.objects.get()
    assert reverse("injections:procedure", args=[procedure.pk]) in after
    assert world.batch.lot_number in after and str(ProcedureStatus.OBSERVATION.label) in after
    assert reverse("injections:episode-gate", args=[world.ie.pk]) not in after
