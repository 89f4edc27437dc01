"""The patient chart: timeline, filters, drafts, treatment relation, query budget (LAW-J)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from kanyle.audit.models import AuditEvent
from kanyle.journal.models import ContactType, Encounter, Note
from kanyle.journal.tests.factories import EpisodeFactory
from kanyle.journal.tests.note_factories import NoteFactory
from kanyle.journal.views.timeline import KEY_PREFIX
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
    """Compared with the rendered notes not yet cached (the worst case); cached, the page needs fewer."""
    author = practitioner(physio)
    client = client_as(physio)
    bulk_notes(patient_a, author, 3, episode=episode, label="Tidlig")
    client.get(chart_url(patient_a))  # the session's once-a-minute activity write is not part of the page
    cache.clear()
    with django_assert_max_num_queries(30) as small:
        assert client.get(chart_url(patient_a)).status_code == 200
    bulk_notes(patient_a, author, 500, episode=episode)
    cache.clear()
    with django_assert_max_num_queries(30) as large:
        response = client.get(chart_url(patient_a))
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert "Funn nr. 499" in response.content.decode()  # the newest first
    assert "Funn nr. 0<" not in response.content.decode()  # the oldest is on a later page
    with django_assert_max_num_queries(30) as cached:
        assert "Funn nr. 499" in client.get(chart_url(patient_a)).content.decode()
    assert len(cached.captured_queries) == len(large.captured_queries) - 1  # the notes' query is not needed
    last_page = client.get(chart_url(patient_a), {"side": 26}).content.decode()
    assert "Funn nr. 0<" in last_page


def test_a_signed_notes_rendered_body_is_cached_and_served_from_the_cache(client_as, physio, patient_a, episode):
    note = NoteFactory(encounter__patient=patient_a, author=practitioner(physio), signed=True, findings="Funn A.")
    client = client_as(physio)
    first = client.get(chart_url(patient_a)).content.decode()
    assert "Funn A." in first
    [key] = [k for k in cache._cache if f"{KEY_PREFIX}:{note.pk}:" in k]
    body = cache.get(key.split(":", 2)[2])
    assert "Funn A." in body
    assert "csrfmiddlewaretoken" not in body and "Write a correction" not in body  # nothing of the viewer's
    cache.set(key.split(":", 2)[2], "<p>served from the cache</p>")
    second = client.get(chart_url(patient_a)).content.decode()
    assert "served from the cache" in second and "Funn A." not in second
    # The viewer's part is still rendered per request around the cached body.
    assert reverse("journal:amendment-create", args=[note.pk]) in second
    assert AuditEvent.objects.filter(action="journal.chart.viewed", patient=patient_a).count() == 2  # every view


def test_an_amendment_shows_at_once_although_the_note_was_cached(client_as, physio, patient_a, episode):
    note = NoteFactory(encounter__patient=patient_a, author=practitioner(physio), signed=True, findings="Funn B.")
    client = client_as(physio)
    client.get(chart_url(patient_a))
    [old_key] = [k.split(":", 2)[2] for k in cache._cache if f"{KEY_PREFIX}:{note.pk}:" in k]
    response = client.post(
        reverse("journal:amendment-create", args=[note.pk]),
        {"reason": "Feil side registrert", "text": "Gjelder venstre side."},
    )
    assert response.status_code == 302
    chart = client.get(chart_url(patient_a)).content.decode()
    assert "Funn B." in chart and "Gjelder venstre side." in chart and "Feil side registrert" in chart
    keys = {k.split(":", 2)[2] for k in cache._cache if f"{KEY_PREFIX}:{note.pk}:" in k}
    assert old_key in keys and len(keys) == 2  # a new key: the old body is never served again


def test_drafts_are_never_cached_and_the_co_authors_button_is_per_viewer(client_as, physio, doctor, patient_a, episode):
    draft = NoteFactory(encounter__patient=patient_a, author=practitioner(physio), findings="Utkast C.")
    shared = NoteFactory(
        encounter__patient=patient_a,
        author=practitioner(physio),
        co_author=practitioner(doctor),
        signed=True,
        findings="Felles D.",
    )
    co_part_url = reverse("journal:co-part", args=[shared.pk])
    as_physio = client_as(physio).get(chart_url(patient_a)).content.decode()
    assert "Utkast C." in as_physio and "Felles D." in as_physio and co_part_url not in as_physio
    assert not [k for k in cache._cache if f"{KEY_PREFIX}:{draft.pk}:" in k]
    as_doctor = client_as(doctor).get(chart_url(patient_a)).content.decode()  # the same cached body
    assert "Felles D." in as_doctor and co_part_url in as_doctor and "Utkast C." not in as_doctor
