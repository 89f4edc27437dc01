"""The access log: append-only in the database, reviewable by the administrator (LAW-J)."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor, audit_record, audit_record_many
from kanyle.patients.tests.factories import PatientFactory

LOG = reverse("audit:log")

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's (CI runs PostgreSQL)"
)


@postgresql_only
def test_law_j_audit_rows_cannot_be_changed_or_deleted_in_the_database(physio, patient_a):
    event = audit_record(
        actor=Actor(user=physio.user, clinic=physio.clinic, role="physio"), action="x.y.z", patient=patient_a
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.get(pk=event.pk).action == "x.y.z"


def test_law_j_admin_reviews_and_filters_the_log(client_as, admin, physio, reception, patient_a):
    physio_client = client_as(physio)
    physio_client.get(reverse("patients:detail", args=[patient_a.pk]))
    other = PatientFactory(clinic=patient_a.clinic, created_by=reception.user, family_name="Annenmann")
    client_as(reception).get(reverse("patients:detail", args=[other.pk]))

    client = client_as(admin)
    page = client.get(LOG, {"patient": patient_a.pk}).content.decode()
    assert "patients.patient.viewed" in page and patient_a.family_name in page
    assert "Annenmann" not in page
    page = client.get(LOG, {"user": "reception", "action": "patients.patient.viewed"}).content.decode()
    assert "Annenmann" in page and patient_a.family_name not in page
    assert AuditEvent.objects.filter(action="audit.log.viewed", user=admin.user).count() == 2


def test_audit_log_date_filter_and_bad_input(client_as, admin, physio, patient_a):
    old = audit_record(
        actor=Actor(user=physio.user, clinic=physio.clinic, role="physio"), action="old.event", patient=patient_a
    )
    # created_at is set on insert; rows are never updated, so build the test row at the right time instead.
    assert old.created_at.date() == timezone.localdate()
    client = client_as(admin)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert "old.event" not in client.get(LOG, {"date_to": yesterday.isoformat()}).content.decode()
    assert "old.event" in client.get(LOG, {"date_from": timezone.localdate().isoformat()}).content.decode()
    response = client.get(LOG, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 400
    assert _("The end date cannot be before the start date.") in response.content.decode()
    assert client.get(LOG, {"patient": "abc"}).status_code == 400


def test_audit_log_only_shows_own_clinic(client_as, admin, outsider, clinic_b):
    audit_record(actor=Actor(user=outsider.user, clinic=clinic_b, role="physio"), action="other.clinic.event")
    assert "other.clinic.event" not in client_as(admin).get(LOG).content.decode()


def test_audit_log_query_count_is_fixed(client_as, admin, physio, reception, django_assert_max_num_queries):
    client = client_as(admin)
    actor = Actor(user=physio.user, clinic=physio.clinic, role="physio")

    def fill(n: int) -> None:
        for _i in range(n):
            patient = PatientFactory(clinic=physio.clinic, created_by=reception.user)
            audit_record(actor=actor, action="patients.patient.viewed", patient=patient)

    fill(3)
    with django_assert_max_num_queries(10):
        client.get(LOG)
    fill(40)
    with django_assert_max_num_queries(10):
        assert client.get(LOG).status_code == 200


def test_law_j_a_list_logs_each_patient_shown_as_one_row_like_a_single_read(physio, patient_a):
    """One statement for many patients (the search, the calendar) writes the very rows single reads would."""
    others = [PatientFactory(clinic=physio.clinic, created_by=physio.user) for _ in range(3)]
    shown = [patient_a, *others]
    actor = Actor(user=physio.user, clinic=physio.clinic, role="physio", ip_address="10.0.0.7")
    fields = (
        "clinic_id",
        "user_id",
        "username",
        "user_display",
        "role",
        "patient_id",
        "action",
        "object_type",
        "object_id",
        "detail",
        "reason",
        "ip_address",
        "flagged",
    )

    audit_record_many(actor=actor, action="patients.patient.listed", patients=iter(shown), detail="search")
    for patient in shown:
        audit_record(actor=actor, action="patients.patient.single", patient=patient, target=patient, detail="search")

    many = AuditEvent.objects.filter(action="patients.patient.listed").order_by("id")
    single = AuditEvent.objects.filter(action="patients.patient.single").order_by("id")
    assert [e.patient_id for e in many] == [p.pk for p in shown]
    for listed, read in zip(many, single, strict=True):
        assert {f: getattr(listed, f) for f in fields} == {
            **{f: getattr(read, f) for f in fields},
            "action": "patients.patient.listed",
        }
        assert abs(listed.created_at - read.created_at) < datetime.timedelta(minutes=1)
    audit_record_many(actor=actor, action="patients.patient.listed", patients=[])
    assert many.count() == len(shown)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the query plan checked is PostgreSQL's")
def test_law_j_a_patients_log_is_read_newest_first_off_its_index_however_long_it_is(admin, patient_a):
    """The planner has only the log's own composite index for a patient: no full sort of a long log."""
    from kanyle.audit.selectors import audit_event_list

    events = audit_event_list(clinic=admin.clinic, filters={"patient": patient_a.pk})[:50]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a near-empty table: otherwise a scan is cheaper
        plan = events.explain()
    assert "audit_clinic_patient_time_id" in plan
    assert "Sort" not in plan  # the index already has the log's order
