"""The management review (LAW-Q §8–§9): facts assembled for a period, evaluation and decisions, signed PDF."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext
from pypdf import PdfReader

from conftest import make_persona
from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import Role
from kanyle.journal.tests.note_factories import NoteFactory
from kanyle.quality.models import DeviationCategory, ManagementReview
from kanyle.quality.selectors.safety import review_facts
from kanyle.quality.services import deviations as deviation_services
from kanyle.quality.services import review as services
from kanyle.quality.tests.test_equipment import actor_for, preparedness_in_order
from kanyle.staff.models import Practitioner

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 1, 15, 10, 0, tzinfo=datetime.UTC)
START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)


def at(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 12, 0, tzinfo=datetime.UTC)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def history(physio, doctor, patient_a, practitioner_a):
    """Notes and deviations in 2024 (previous period) and 2025 (the period under review)."""
    doctor_practitioner = Practitioner.objects.get(user=doctor.user)
    with time_machine.travel(NOW, tick=False):
        for when in (at(2025, 2, 1), at(2025, 6, 1), at(2025, 11, 30)):
            NoteFactory(encounter__patient=patient_a, encounter__occurred_at=when, author=practitioner_a, signed=True)
        NoteFactory(
            encounter__patient=patient_a, encounter__occurred_at=at(2025, 3, 3), author=doctor_practitioner, signed=True
        )
        NoteFactory(encounter__patient=patient_a, encounter__occurred_at=at(2025, 3, 4), author=practitioner_a)  # draft
        NoteFactory(
            encounter__patient=patient_a, encounter__occurred_at=at(2024, 5, 5), author=practitioner_a, signed=True
        )
        for when, category in (
            (at(2025, 4, 2), DeviationCategory.NEEDLING_SIDE_EFFECT),
            (at(2025, 4, 9), DeviationCategory.NEEDLING_SIDE_EFFECT),
            (at(2025, 9, 9), DeviationCategory.EQUIPMENT),
            (at(2024, 9, 9), DeviationCategory.EQUIPMENT),
        ):
            deviation_services.deviation_report(
                actor=actor_for(physio), category=category, severity="low", occurred_at=when, description="x"
            )


def test_law_q_facts_count_notes_per_practitioner_and_deviations_with_trend(admin, history):
    with time_machine.travel(NOW, tick=False):
        facts = review_facts(clinic=admin.clinic, start=START, end=END, at=timezone.now())

    notes = {row["practitioner"]: row["journal_notes"] for row in facts["activity"]}
    assert notes == {"Physio Testesen": 3, "Doctor Testesen": 1}
    assert facts["activity_counts_needle_sessions"] is False  # the needle module's hook is not wired yet
    deviations = facts["deviations"]
    assert (deviations["total"], deviations["previous_total"]) == (3, 1)
    assert (deviations["adverse_events"], deviations["previous_adverse_events"]) == (2, 0)
    assert {row["category"]: (row["count"], row["previous"]) for row in deviations["by_category"]} == {
        str(DeviationCategory.NEEDLING_SIDE_EFFECT.label): (2, 0),
        str(DeviationCategory.EQUIPMENT.label): (1, 1),
    }
    april = next(row for row in deviations["by_month"] if row["month"] == "2025-04-01")
    assert april == {"month": "2025-04-01", "count": 2, "adverse": 2}
    assert facts["preparedness"]  # nothing registered: not in order


def test_law_q_admin_signs_the_review_and_gets_a_pdf(client_as, admin, physio, doctor, history):
    with time_machine.travel(NOW, tick=False):
        preparedness_in_order(admin, physio, doctor)
        client = client_as(admin)
        page = client.get(reverse("quality:review-create"), {"fra": START.isoformat(), "til": END.isoformat()})
        assert page.status_code == 200 and "Physio Testesen" in page.content.decode()
        response = client.post(
            reverse("quality:review-create"),
            {
                "period_start": START.isoformat(),
                "period_end": END.isoformat(),
                "evaluation": "Nålebehandling gir noen vasovagale reaksjoner.",
                "decisions": "Alle nålebehandlinger gis liggende fra 1. februar.",
            },
        )

    review = ManagementReview.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("quality:review-detail", args=[review.pk])
    assert review.signed_by == admin.user and review.clinic == admin.clinic
    assert review.facts["deviations"]["total"] == 3 and not review.facts["preparedness"]
    with review.pdf.open("rb") as stored:
        content = stored.read()
    assert hashlib.sha256(content).hexdigest() == review.pdf_sha256
    text = pdf_text(content)
    assert "Klinikk A" in text and "liggende fra 1. februar" in text and "Physio Testesen" in text
    event = AuditEvent.objects.get(action="quality.review.signed")
    assert event.object_id == str(review.pk) and event.user == admin.user

    download = client_as(doctor).get(reverse("quality:review-pdf", args=[review.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == content


def test_law_q_signed_facts_stay_as_they_were(client_as, admin, physio, history):
    with time_machine.travel(NOW, tick=False):
        review = services.review_sign(
            actor=actor_for(admin), period_start=START, period_end=END, evaluation="E", decisions="D"
        )
        deviation_services.deviation_report(
            actor=actor_for(physio), category="other", severity="low", occurred_at=at(2025, 10, 1), description="y"
        )
        page = client_as(admin).get(reverse("quality:review-detail", args=[review.pk]))

    assert page.context["facts"]["deviations"]["total"] == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"evaluation": ""}, "Write the evaluation before signing."),
        ({"decisions": ""}, "Write the decisions before signing."),
        ({"period_end": "2026-02-01"}, "The period cannot end in the future."),
        ({"period_start": "2025-12-31", "period_end": "2025-01-01"}, "The period must end after it starts."),
        ({"period_start": "2020-01-01"}, "The period can be at most two years."),
    ],
)
def test_law_q_bad_review_input_is_refused(client_as, admin, data, message):
    posted = {"period_start": START.isoformat(), "period_end": END.isoformat(), "evaluation": "E", "decisions": "D"}
    posted.update(data)
    with time_machine.travel(NOW, tick=False):
        response = client_as(admin).post(reverse("quality:review-create"), posted)

    assert response.status_code == 400
    assert escape(gettext(message)) in response.content.decode()
    assert not ManagementReview.objects.exists()
    assert not AuditEvent.objects.filter(action="quality.review.signed").exists()


@pytest.mark.parametrize(
    ("persona", "create", "read"),
    [("admin", 200, 200), ("doctor", 403, 200), ("physio", 403, 403), ("reception", 403, 403)],
)
def test_law_q_admin_reviews_admin_and_doctor_read(request, client_as, admin, persona, create, read):
    review = services.review_sign(
        actor=actor_for(admin), period_start=START, period_end=END, evaluation="E", decisions="D"
    )
    client = client_as(request.getfixturevalue(persona))
    assert client.get(reverse("quality:review-create")).status_code == create
    assert client.get(reverse("quality:review-list")).status_code == read
    assert client.get(reverse("quality:review-detail", args=[review.pk])).status_code == read
    assert client.get(reverse("quality:review-pdf", args=[review.pk])).status_code == read


def test_review_of_another_clinic_is_404(client_as, admin, clinic_b):
    admin_b = make_persona("admin_b", clinic_b, Role.ADMIN)
    review = services.review_sign(
        actor=actor_for(admin), period_start=START, period_end=END, evaluation="E", decisions="D"
    )
    client = client_as(admin_b)
    assert client.get(reverse("quality:review-detail", args=[review.pk])).status_code == 404
    assert client.get(reverse("quality:review-pdf", args=[review.pk])).status_code == 404
    assert not client.get(reverse("quality:review-list")).context["reviews"]


def test_review_pages_need_login(client, db):
    response = client.get(reverse("quality:review-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_law_q_review_list_query_count_is_fixed(client_as, admin, django_assert_max_num_queries):
    services.review_sign(actor=actor_for(admin), period_start=START, period_end=END, evaluation="E", decisions="D")
    client = client_as(admin)
    with django_assert_max_num_queries(10) as small:
        assert client.get(reverse("quality:review-list")).status_code == 200
    for year in range(2015, 2022):
        ManagementReview.objects.create(
            clinic=admin.clinic,
            period_start=datetime.date(year, 1, 1),
            period_end=datetime.date(year, 12, 31),
            evaluation="E",
            decisions="D",
            signed_by=admin.user,
        )
    with django_assert_max_num_queries(10) as large:
        assert client.get(reverse("quality:review-list")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_law_q_review_form_query_count_is_fixed(client_as, admin, history, django_assert_max_num_queries):
    with time_machine.travel(NOW, tick=False):
        client = client_as(admin)
        with django_assert_max_num_queries(28) as small:
            assert client.get(reverse("quality:review-create")).status_code == 200
        for number in range(10):
            make_persona(f"fysio{number}", admin.clinic, Role.PHYSIO)
        with django_assert_max_num_queries(28) as large:
            assert client.get(reverse("quality:review-create")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
