"""Break the glass (LAW-J): no treatment relation → a stated reason, a time limit, a flagged log row and a review."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from conftest import make_persona
from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.clinics.models import Role
from kanyle.journal import rules, services
from kanyle.journal.models import ContactType, EmergencyAccess, Encounter, Episode, EpisodeKind, Note
from kanyle.patients.tests.factories import PatientFactory

REASON = "Pasienten er akutt dårlig på venterommet, fastlegen ikke tilgjengelig."
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def actor_for(persona) -> Actor:
    return Actor(user=persona.user, clinic=persona.clinic, role=persona.role)


def practitioner_of(persona):
    return persona.user.practitioners.get(clinic=persona.clinic)


def shows(response, message: str) -> bool:
    return escape(str(message)) in response.content.decode()


def form_url(patient) -> str:
    return reverse("journal:emergency-access", args=[patient.pk])


def chart_url(patient) -> str:
    return reverse("journal:chart", args=[patient.pk])


def export_url(patient) -> str:
    return reverse("journal:export", args=[patient.pk])


def decide(persona, patient, now=None):
    return rules.chart_access(
        user=persona.user, practitioner=practitioner_of(persona), patient=patient, now=now or timezone.now()
    )


# --- the rule ---------------------------------------------------------------------------------------


def test_law_j_without_treatment_relation_the_chart_is_closed(physio, patient_a):
    decision = decide(physio, patient_a)

    assert not decision
    assert decision.rules == ["LAW-J"]


def test_law_j_a_practitioner_on_an_episode_has_a_treatment_relation(physio, doctor, practitioner_a, patient_a):
    episode = Episode.objects.create(
        clinic=physio.clinic,
        patient=patient_a,
        kind=EpisodeKind.INJECTION,
        title="Skulder",
        responsible=practitioner_a,
        started_on=datetime.date(2026, 1, 5),
        created_by=physio.user,
    )
    assert decide(physio, patient_a)  # responsible
    assert not decide(doctor, patient_a)

    episode.members.add(practitioner_of(doctor))
    assert decide(doctor, patient_a)  # member


def test_law_j_the_author_of_a_note_has_a_treatment_relation(physio, practitioner_a, patient_a):
    services.note_create(
        actor=actor_for(physio),
        practitioner=practitioner_a,
        patient=patient_a,
        encounter=Encounter(contact_type=ContactType.PHONE, occurred_at=timezone.now()),
        note=Note(reason="Telefonkonsultasjon."),
        diagnoses=[],
    )

    assert decide(physio, patient_a)


def test_law_j_emergency_access_opens_the_chart_and_expires(settings, physio, patient_a):
    with time_machine.travel(START, tick=False) as traveller:
        services.emergency_access_grant(actor=actor_for(physio), patient=patient_a, reason=REASON)
        assert decide(physio, patient_a)

        traveller.shift(datetime.timedelta(minutes=settings.KANYLE_EMERGENCY_ACCESS_MINUTES - 1))
        assert decide(physio, patient_a)

        traveller.shift(datetime.timedelta(minutes=1))
        assert not decide(physio, patient_a)  # expired exactly at the end of the period


def test_law_j_emergency_access_is_for_one_user_and_one_patient(physio, doctor, reception, patient_a, clinic_a):
    other_patient = PatientFactory(clinic=clinic_a, created_by=reception.user)
    services.emergency_access_grant(actor=actor_for(physio), patient=patient_a, reason=REASON)

    assert decide(physio, patient_a)
    assert not decide(doctor, patient_a)
    assert not decide(physio, other_patient)


# --- the form ----------------------------------------------------------------------------------------


def test_law_j_export_without_relation_goes_to_the_emergency_form(client_as, physio, patient_a):
    response = client_as(physio).get(export_url(patient_a))

    assert response.status_code == 302
    assert response["Location"] == form_url(patient_a)


def test_law_j_the_form_explains_why_a_reason_is_needed(client_as, physio, patient_a, settings):
    response = client_as(physio).get(form_url(patient_a))

    assert response.status_code == 200
    assert shows(response, gettext("You have no treatment relation with this patient."))
    assert shows(response, patient_a.full_name)
    assert f"{settings.KANYLE_EMERGENCY_ACCESS_MINUTES} " in response.content.decode()
    assert not EmergencyAccess.objects.exists()
    event = AuditEvent.objects.get(action="journal.emergency_access.prompted")
    assert (event.user, event.patient, event.flagged) == (physio.user, patient_a, False)


def test_law_j_a_stated_reason_grants_flagged_time_limited_access(client_as, physio, patient_a, settings):
    client = client_as(physio)
    with time_machine.travel(START, tick=False):
        response = client.post(form_url(patient_a), {"reason": f"  {REASON}  "})

        assert response.status_code == 302
        assert response["Location"] == chart_url(patient_a)
        access = EmergencyAccess.objects.get()
        assert (access.user, access.patient, access.clinic, access.reason) == (
            physio.user,
            patient_a,
            physio.clinic,
            REASON,
        )
        assert access.expires_at == START + datetime.timedelta(minutes=settings.KANYLE_EMERGENCY_ACCESS_MINUTES)
        event = AuditEvent.objects.get(action="journal.emergency_access.granted")
        assert (event.user, event.patient, event.flagged, event.reason) == (physio.user, patient_a, True, REASON)
        assert client.get(export_url(patient_a)).status_code == 200  # the record is open now


def test_law_j_after_expiry_the_user_must_break_the_glass_again(client_as, physio, patient_a, settings):
    with time_machine.travel(START, tick=False) as traveller:
        client_as(physio).post(form_url(patient_a), {"reason": REASON})

        traveller.shift(datetime.timedelta(minutes=settings.KANYLE_EMERGENCY_ACCESS_MINUTES, seconds=1))
        response = client_as(physio).get(export_url(patient_a))  # a fresh login: the old session has timed out

    assert response.status_code == 302
    assert response["Location"] == form_url(patient_a)


TOO_SHORT = "Describe the reason for emergency access in at least 10 characters."


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("Akutt", TOO_SHORT),
        ("ni tegn !", TOO_SHORT),
    ],
)
def test_law_j_a_missing_or_too_short_reason_is_refused(client_as, physio, patient_a, reason, message):
    response = client_as(physio).post(form_url(patient_a), {"reason": reason})

    assert response.status_code == 400
    assert shows(response, gettext(message))
    assert not EmergencyAccess.objects.exists()
    assert not AuditEvent.objects.filter(action="journal.emergency_access.granted").exists()


def test_a_reason_with_markup_is_refused(client_as, physio, patient_a):
    response = client_as(physio).post(form_url(patient_a), {"reason": "<script>alert(1)</script> akutt"})

    assert response.status_code == 400
    assert shows(
        response, gettext("Use plain text only: the characters < and > and control characters are not allowed.")
    )
    assert not EmergencyAccess.objects.exists()


def test_with_a_treatment_relation_the_form_sends_to_the_chart(client_as, physio, practitioner_a, patient_a):
    Episode.objects.create(
        clinic=physio.clinic,
        patient=patient_a,
        kind=EpisodeKind.GENERAL,
        title="Rygg",
        responsible=practitioner_a,
        started_on=datetime.date(2026, 1, 5),
        created_by=physio.user,
    )
    client = client_as(physio)

    assert client.get(form_url(patient_a))["Location"] == chart_url(patient_a)
    assert client.post(form_url(patient_a), {"reason": REASON})["Location"] == chart_url(patient_a)
    assert not EmergencyAccess.objects.exists()


def test_with_an_active_access_the_form_sends_to_the_chart(client_as, physio, patient_a):
    services.emergency_access_grant(actor=actor_for(physio), patient=patient_a, reason=REASON)

    response = client_as(physio).post(form_url(patient_a), {"reason": REASON})

    assert response["Location"] == chart_url(patient_a)
    assert EmergencyAccess.objects.count() == 1


@pytest.mark.parametrize("who", ["reception", "admin"])
def test_roles_without_journal_access_cannot_break_the_glass(client_as, personas, patient_a, who):
    client = client_as(personas[who])

    assert client.get(form_url(patient_a)).status_code == 403
    assert client.post(form_url(patient_a), {"reason": REASON}).status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_another_clinics_patient_is_not_found(client_as, outsider, patient_a):
    client = client_as(outsider)

    assert client.get(form_url(patient_a)).status_code == 404
    assert client.post(form_url(patient_a), {"reason": REASON}).status_code == 404
    assert not EmergencyAccess.objects.exists()


# --- the administrator's review --------------------------------------------------------------------------


def test_law_j_the_admin_review_lists_every_emergency_access(client_as, admin, physio, doctor, patient_a, clinic_a):
    with time_machine.travel(START, tick=False) as traveller:
        services.emergency_access_grant(actor=actor_for(doctor), patient=patient_a, reason="Gammel tilgang, utløpt nå.")
        traveller.shift(datetime.timedelta(days=1))
        services.emergency_access_grant(actor=actor_for(physio), patient=patient_a, reason=REASON)

        response = client_as(admin).get(reverse("journal:emergency-review"))

    assert response.status_code == 200
    html = response.content.decode()
    assert shows(response, REASON) and shows(response, "Gammel tilgang, utløpt nå.")
    assert html.index(escape(REASON)) < html.index(escape("Gammel tilgang"))  # newest first
    assert shows(response, patient_a.full_name)
    assert shows(response, physio.user.display_name) and shows(response, doctor.user.display_name)
    assert shows(response, gettext("Active")) and shows(response, gettext("Expired"))
    assert f"{reverse('audit:log')}?patient={patient_a.pk}" in html
    assert "02.03.2026" in html  # Norwegian date format
    assert AuditEvent.objects.filter(action="journal.emergency_access.reviewed", patient=patient_a).count() == 1


def test_the_review_shows_only_the_clinics_own_accesses(client_as, clinic_b, outsider, physio, patient_a):
    services.emergency_access_grant(actor=actor_for(physio), patient=patient_a, reason=REASON)
    admin_b = make_persona("admin-b", clinic_b, Role.ADMIN)

    response = client_as(admin_b).get(reverse("journal:emergency-review"))

    assert response.status_code == 200
    assert not shows(response, REASON) and "Nordmann" not in response.content.decode()
    assert shows(response, gettext("No emergency accesses."))


@pytest.mark.parametrize("who", ["physio", "doctor", "reception"])
def test_only_the_administrator_reviews_emergency_access(client_as, personas, who):
    assert client_as(personas[who]).get(reverse("journal:emergency-review")).status_code == 403
