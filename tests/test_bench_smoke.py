"""Smoke test of the performance tooling (issue #8): the load generator at a tiny size, then every
benchmark page once in-process. Pins the queries per page (fixed, ≤ 15); no timing assertions."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from kanyle.audit import services as audit_services
from kanyle.audit.models import AuditEvent
from kanyle.core.management.commands import bench
from kanyle.journal.models import Note
from kanyle.patients.models import Patient

# Queries per request, whatever the size of the record (the benchmark reports the same counts).
# The session is written at most once a minute (its last-seen time), so no page pays a session write per request.
EXPECTED_QUERIES = {
    "search_name": 7,
    "search_national_id": 7,
    "chart": 14,
    "timeline_page_2": 14,
    "audit_by_patient": 7,
    "sign_note": 14,
}


def _generate(**sizes) -> None:
    options = {"patients": 60, "clinics": 2, "practitioners": 6, "notes_per_patient": 3, "heavy_notes": 45, "jobs": 1}
    call_command("generate_load_data", **{**options, **sizes}, stdout=io.StringIO())


@pytest.mark.django_db
def test_generator_makes_a_skewed_resumable_data_set():
    _generate()
    assert Patient.objects.filter(clinic__slug__startswith="load-c").count() == 60
    heavy = Patient.objects.filter(clinic__slug="load-c001", family_name="Lastesen").get()
    assert Note.objects.filter(patient=heavy).count() == 45
    assert Note.objects.filter(clinic__slug="load-c001").count() == 90  # 30 patients × 3 notes
    assert Note.objects.filter(signed_at__isnull=False).count() > Note.objects.filter(signed_at__isnull=True).count()
    assert AuditEvent.objects.filter(patient=heavy).exists()
    _generate()  # resumable: the clinics already loaded are skipped
    assert Patient.objects.filter(clinic__slug__startswith="load-c").count() == 60


@pytest.mark.django_db
def test_every_benchmark_page_answers_with_a_fixed_number_of_queries():
    _generate()
    ctx = bench.prepare("load-c001")
    results = bench.load_queries(ctx)
    assert {key: r["status"] for key, r in results.items()} == {
        "search_name": 200,
        "search_national_id": 200,
        "chart": 200,
        "timeline_page_2": 200,
        "audit_by_patient": 200,
        "sign_note": 302,
    }
    assert {key: r["queries"] for key, r in results.items()} == EXPECTED_QUERIES
    assert max(EXPECTED_QUERIES.values()) <= 15
    # A bigger record does not mean more queries (no N+1): the same pages after more notes.
    _generate(patients=90, clinics=3)
    assert bench.load_queries(ctx)["chart"]["queries"] == EXPECTED_QUERIES["chart"]
    if connection.vendor == "postgresql":  # the SQL floor replays the page's own SQL with psycopg
        floor = bench.sql_floor(results["chart"]["sql"], repeats=2)
        assert floor["n"] == 2


def test_audit_can_only_be_switched_off_for_a_benchmark_of_a_load_database(settings, monkeypatch, db):
    assert audit_services._bench_audit_off() is False  # the default, everywhere
    settings.KANYLE_BENCH_DISABLE_AUDIT = True
    monkeypatch.setattr(audit_services, "_BENCH_CHECKED", [])
    with pytest.raises(ImproperlyConfigured):
        audit_services._bench_audit_off()  # no generated load data in this database
