"""The patient chart: timeline, filters, drafts, treatment relation, query budget (LAW-J)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kanyle.audit.models import AuditEvent
from kanyle.journal.models import ContactType, Encounter, Note
from kanyle.journal.tests.factories import EpisodeFactory
from kanyle.journal.tests.note_factories import NoteFactory
from kanyle.staff.models import Practitioner


def practitioner(persona) -> Practitioner:
    return Practitioner.objects.get(clinic=persona.clinic, user=persona.user)


@pytest.fixture
def episode(patient_a, physio):
    return EpisodeFactory(patient=patient_a, responsible=practitioner(physio), title="Korsrygg")


def chart_url(patient) -> str:
    return reverse("journal:chart", args=[patient.pk])


def bulk_notes(patient, author, count: int, *, episode=None, label: str = "Funn nr.") -> None:
    """Many signed notes quickly (bulk insert), oldest first."""
    start = timezone.now() - datetime.timedelta(days=count + 1)
    encounters = Encounter.objects.bulk_create(
        Encounter(
            clinic=patient.clinic,
            patient=patient,
            episode=episode,
            contact_type=ContactType.IN_PERSON,
            occurred_at=start + datetime.timedelta(days=i),
            created_by=author.user,
        )
        for i in range(count)
    )
    Note.objects.bulk_create(
        Note(
            clinic=patient.clinic,
            patient=patient,
            encounter=e,
            author=author,
            findings=f"{label} {i}",
            signed_at=timezone.now(),
        )
        for i, e in enumerate(encounters)
    )


def test_law_j_chart_is_audited_and_newest_first(client_as, physio, patient_a, episode):
    author = practitioner(physio)
    NoteFactory(
        encounter__patient=patient_a,
        encounter__occurred_at=timezone.now() - datetime.timedelta(days=3),
        author=author,
        signed=True,
        findings="Eldste funn",
    )
    NoteFactory(
        encounter__patient=patient_a,
        encounter__occurred_at=timezone.now() - datetime.timedelta(days=1),
        author=author,
        signed=True,
        findings="Nyeste funn",
    )
    page = client_as(physio).get(chart_url(patient_a)).content.decode()
    assert page.index("Nyeste funn") < page.index("Eldste funn")
    assert AuditEvent.objects.filter(action="journal.chart.viewed", patient=patient_a, flagged=False).count() == 1


def test_drafts_are_shown_only_to_their_author(client_as, physio, doctor, patient_a, episode):
    NoteFactory(encounter__patient=patient_a, author=practitioner(physio), findings="Uferdig utkast")
    episode.members.add(practitioner(doctor))
    assert "Uferdig utkast" in client_as(physio).get(chart_url(patient_a)).content.decode()
    assert "Uferdig utkast" not in client_as(doctor).get(chart_url(patient_a)).content.decode()


def test_chart_filters_by_episode_practitioner_and_contact_type(client_as, physio, doctor, patient_a, episode):
    other = EpisodeFactory(patient=patient_a, responsible=practitioner(doctor), title="Skulder")
    NoteFactory(
        encounter__patient=patient_a,
        encounter__episode=episode,
        author=practitioner(physio),
        signed=True,
        findings="Ryggnotat",
    )
    NoteFactory(
        encounter__patient=patient_a,
        encounter__episode=other,
        author=practitioner(doctor),
        signed=True,
        findings="Skuldernotat",
        encounter__contact_type=ContactType.VIDEO,
    )
    client = client_as(physio)
    by_episode = client.get(chart_url(patient_a), {"episode": other.pk}).content.decode()
    assert "Skuldernotat" in by_episode and "Ryggnotat" not in by_episode
    by_author = client.get(chart_url(patient_a), {"practitioner": practitioner(physio).pk}).content.decode()
    assert "Ryggnotat" in by_author and "Skuldernotat" not in by_author
    by_type = client.get(chart_url(patient_a), {"contact_type": "video"}).content.decode()
    assert "Skuldernotat" in by_type and "Ryggnotat" not in by_type
    assert client.get(chart_url(patient_a), {"contact_type": "smoke"}).status_code == 400


def test_law_j_chart_without_treatment_relation_asks_for_emergency_access(client_as, doctor, patient_a):
    response = client_as(doctor).get(chart_url(patient_a))
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:emergency-access", args=[patient_a.pk])
    assert not AuditEvent.objects.filter(action="journal.chart.viewed").exists()


def test_writing_in_the_record_creates_the_relation(client_as, doctor, patient_a, physio, episode):
    NoteFactory(encounter__patient=patient_a, author=practitioner(doctor), signed=True)
    assert client_as(doctor).get(chart_url(patient_a)).status_code == 200


def test_chart_is_closed_to_reception_admin_and_other_clinics(client_as, reception, admin, outsider, patient_a):
    assert client_as(reception).get(chart_url(patient_a)).status_code == 403
    assert client_as(admin).get(chart_url(patient_a)).status_code == 403
    assert client_as(outsider).get(chart_url(patient_a)).status_code == 404


def test_chart_query_count_is_fixed_however_long_the_history(
    client_as, physio, patient_a, episode, django_assert_max_num_queries
):
    author = practitioner(physio)
    client = client_as(physio)
    bulk_notes(patient_a, author, 3, episode=episode, label="Tidlig")
    client.get(chart_url(patient_a))  # the session's once-a-minute activity write is not part of the page
    with django_assert_max_num_queries(30) as small:
        assert client.get(chart_url(patient_a)).status_code == 200
    bulk_notes(patient_a, author, 500, episode=episode)
    with django_assert_max_num_queries(30) as large:
        response = client.get(chart_url(patient_a))
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert "Funn nr. 499" in response.content.decode()  # the newest first
    assert "Funn nr. 0<" not in response.content.decode()  # the oldest is on a later page
    last_page = client.get(chart_url(patient_a), {"side": 26}).content.decode()
    assert "Funn nr. 0<" in last_page
