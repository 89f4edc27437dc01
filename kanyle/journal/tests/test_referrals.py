"""Referrals (henvisninger): registration (INJ-G1, NAL-8), the worklist, decisions and the referral document.

Every view: happy path, bad input (400, message shown, nothing saved), another clinic's object → 404,
a role without ``can_manage_referrals`` → 403, anonymous → login; and every read of patient data is logged.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.journal.models import Referral, ReferralSource, ReferralStatus
from kanyle.journal.tests.factories import EpisodeFactory, ReferralFactory
from kanyle.patients.tests.factories import PatientFactory

TODAY = datetime.date(2025, 3, 12)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
LIST_URL = reverse("journal:referral-list")
INJ_G1_REQUIRED = "Required for a referral from a GP or another health professional (INJ-G1)."


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(datetime.datetime(2025, 3, 12, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def shows(response, message) -> bool:
    """The (translated) message appears in the page as the browser receives it: escaped where it came from
    a variable (form errors, messages), as written where it came from the template ({% translate %})."""
    html = response.content.decode()
    return escape(str(message)) in html or str(message) in html


def events(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def pdf(name: str = "henvisning Kari Nordmann.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def referral_data(**changes) -> dict:
    """A referral from another health professional, as the browser submits the form."""
    data = {
        "source": ReferralSource.OTHER,
        "referrer_name": "Dr. Ivar Lund",
        "referrer_hpr": "1234567",
        "referrer_practice": "Bergen ortopediske poliklinikk",
        "received_on": "2025-03-10",
        "reason": "Langvarige smerter i høyre skulder. Vurder ultralydveiledet injeksjon.",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def create_url(patient) -> str:
    return reverse("journal:referral-create", kwargs={"patient_id": patient.pk})


def detail_url(referral) -> str:
    return reverse("journal:referral-detail", kwargs={"pk": referral.pk})


def document_url(referral) -> str:
    return reverse("journal:referral-document", kwargs={"pk": referral.pk})


@pytest.fixture
def patient_with_gp(clinic_a, reception):
    return PatientFactory(
        clinic=clinic_a,
        created_by=reception.user,
        given_name="Ola",
        family_name="Fastlegesen",
        gp_name="Dr. Tone Aase",
        gp_hpr_number="7654321",
        gp_practice="Sentrum legekontor",
    )


@pytest.fixture
def referral(patient_a):
    return ReferralFactory(patient=patient_a)


@pytest.fixture
def referral_with_document(patient_a):
    referral = ReferralFactory(patient=patient_a)
    referral.document.save("henvisning.pdf", pdf(), save=True)
    return referral


# Registering a referral -----------------------------------------------------------------------


def test_inj_g1_referral_from_another_health_professional_is_registered_as_received(client_as, physio, patient_a):
    response = client_as(physio).post(create_url(patient_a), referral_data(document=pdf()))

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(referral)
    assert (referral.clinic, referral.patient, referral.created_by) == (physio.clinic, patient_a, physio.user)
    assert referral.source == ReferralSource.OTHER
    assert (referral.referrer_name, referral.referrer_hpr) == ("Dr. Ivar Lund", "1234567")
    assert referral.referrer_practice == "Bergen ortopediske poliklinikk"
    assert referral.received_on == datetime.date(2025, 3, 10)
    assert referral.status == ReferralStatus.RECEIVED
    assert len(referral.document_sha256) == 64
    # The stored name never carries the uploaded name, which held the patient's name.
    assert "Kari" not in referral.document.name
    assert referral.document.read() == PDF


def test_inj_g1_referral_from_the_gp_is_registered_with_status(client_as, doctor, patient_with_gp):
    response = client_as(doctor).post(
        create_url(patient_with_gp),
        referral_data(
            source=ReferralSource.GP,
            referrer_name="Dr. Tone Aase",
            referrer_hpr="765 4321",
            referrer_practice="Sentrum legekontor",
        ),
    )

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.source, referral.status) == (ReferralSource.GP, ReferralStatus.RECEIVED)
    assert referral.referrer_hpr == "7654321"  # typed in groups, stored as digits
    assert not referral.document


def test_inj_g1_the_form_is_prefilled_from_the_registered_gp(client_as, physio, patient_with_gp):
    response = client_as(physio).get(create_url(patient_with_gp))

    form = response.context["form"]
    assert response.status_code == 200
    assert form.initial["source"] == ReferralSource.GP
    assert form.initial["referrer_name"] == "Dr. Tone Aase"
    assert form.initial["referrer_hpr"] == "7654321"
    assert form.initial["referrer_practice"] == "Sentrum legekontor"
    assert form.initial["received_on"] == TODAY
    assert 'value="Dr. Tone Aase"' in response.content.decode()


def test_inj_g1_a_gp_referral_with_empty_referrer_fields_uses_the_registered_gp(client_as, physio, patient_with_gp):
    data = referral_data(source=ReferralSource.GP, referrer_name="", referrer_hpr="", referrer_practice="")

    response = client_as(physio).post(create_url(patient_with_gp), data)

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.referrer_name, referral.referrer_hpr, referral.referrer_practice) == (
        "Dr. Tone Aase",
        "7654321",
        "Sentrum legekontor",
    )


@pytest.mark.parametrize("field", ["referrer_name", "referrer_hpr", "referrer_practice"])
def test_inj_g1_a_referral_from_a_health_professional_names_the_referrer(client_as, physio, patient_a, field):
    response = client_as(physio).post(create_url(patient_a), referral_data(**{field: ""}))

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [gettext(INJ_G1_REQUIRED)]
    assert shows(response, gettext(INJ_G1_REQUIRED))
    assert not Referral.objects.exists()


def test_nal_8_self_referral_needs_no_referrer(client_as, physio, patient_a):
    data = referral_data(source=ReferralSource.SELF, referrer_name="", referrer_hpr="", referrer_practice="")

    response = client_as(physio).post(create_url(patient_a), data)

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.source == ReferralSource.SELF
    assert (referral.referrer_name, referral.referrer_hpr, referral.referrer_practice) == ("", "", "")
    assert referral.status == ReferralStatus.RECEIVED


def test_nal_8_a_self_referral_drops_the_prefilled_gp(client_as, physio, patient_with_gp):
    data = referral_data(source=ReferralSource.SELF, referrer_hpr="not a number")

    response = client_as(physio).post(create_url(patient_with_gp), data)

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.referrer_name, referral.referrer_hpr, referral.referrer_practice) == ("", "", "")


def test_law_j_registering_a_referral_is_logged(client_as, physio, patient_a):
    client_as(physio).post(create_url(patient_a), referral_data())

    referral = Referral.objects.get()
    [event] = events("journal.referral.created")
    assert (event.user, event.role, event.clinic, event.patient) == (physio.user, "physio", physio.clinic, patient_a)
    assert (event.object_type, event.object_id) == ("journal.referral", str(referral.pk))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"received_on": "2025-03-13"}, "received_on", "The received date cannot be in the future."),
        ({"received_on": ""}, "received_on", "Enter the date the referral was received."),
        ({"reason": ""}, "reason", "Enter the reason for the referral."),
        ({"source": ""}, "source", "Choose who referred the patient."),
        ({"referrer_hpr": "0123"}, "referrer_hpr", "An HPR number has 4 to 9 digits and does not start with 0."),
        ({"referrer_name": "<script>"}, "referrer_name", None),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client_as, physio, patient_a, changes, field, message):
    response = client_as(physio).post(create_url(patient_a), referral_data(**changes))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    if message:
        assert shows(response, gettext(message))
    assert not Referral.objects.exists()
    assert not events("journal.referral.created")


def test_an_empty_post_is_refused_with_messages(client_as, physio, patient_a):
    response = client_as(physio).post(create_url(patient_a), {})

    assert response.status_code == 400
    assert shows(response, gettext("Choose who referred the patient."))
    assert not Referral.objects.exists()


def test_the_document_must_really_be_a_pdf(client_as, physio, patient_a):
    fake = SimpleUploadedFile("henvisning.pdf", PNG, content_type="application/pdf")

    response = client_as(physio).post(create_url(patient_a), referral_data(document=fake))

    assert response.status_code == 400
    assert shows(response, gettext("The file's content is not an allowed type. Allowed: %(types)s.") % {"types": "PDF"})
    assert not Referral.objects.exists()


def test_the_document_has_a_size_limit(client_as, physio, patient_a, settings):
    settings.UPLOAD_MAX_BYTES = 40

    response = client_as(physio).post(create_url(patient_a), referral_data(document=pdf()))

    assert response.status_code == 400
    message = gettext("The file is too large (%(size)s). The limit is %(limit)s.") % {
        "size": filesizeformat(len(PDF)),
        "limit": filesizeformat(40),
    }
    assert shows(response, message)
    assert not Referral.objects.exists()


def test_a_patient_of_another_clinic_is_not_found(client_as, outsider, patient_a):
    client = client_as(outsider)

    assert client.get(create_url(patient_a)).status_code == 404
    assert client.post(create_url(patient_a), referral_data()).status_code == 404
    assert not Referral.objects.exists()


# The worklist -----------------------------------------------------------------------------------


def names_on(response) -> list[str]:
    return [r.patient.full_name for r in response.context["page"].object_list]


@pytest.fixture
def worklist(clinic_a, clinic_b, reception):
    def referral(name: str, status: str, days_ago: int, clinic=clinic_a, **extra) -> Referral:
        patient = PatientFactory(clinic=clinic, given_name=name, family_name="Pasient", created_by=reception.user)
        return ReferralFactory(
            patient=patient, status=status, received_on=TODAY - datetime.timedelta(days=days_ago), **extra
        )

    return {
        "received_old": referral("Anna", ReferralStatus.RECEIVED, 9),
        "received_new": referral("Bjørn", ReferralStatus.RECEIVED, 1),
        "accepted": referral("Cecilie", ReferralStatus.ACCEPTED, 5),
        "declined": referral("David", ReferralStatus.DECLINED, 3, decline_reason="Ikke indikasjon."),
        "completed": referral("Eva", ReferralStatus.COMPLETED, 2),
        "self": referral("Frida", ReferralStatus.RECEIVED, 4, self_referral=True),
        "other_clinic": referral("Gunnar", ReferralStatus.RECEIVED, 0, clinic=clinic_b),
    }


def test_inj_g1_the_worklist_shows_open_referrals_newest_first(client_as, physio, worklist):
    response = client_as(physio).get(LIST_URL)

    assert response.status_code == 200
    assert names_on(response) == ["Bjørn Pasient", "Frida Pasient", "Cecilie Pasient", "Anna Pasient"]
    html = response.content.decode()
    assert reverse("patients:detail", kwargs={"pk": worklist["received_new"].patient_id}) in html
    assert detail_url(worklist["accepted"]) in html
    assert "Dr. Tone Aase" in html
    assert escape(str(ReferralSource.SELF.label)) in html
    assert escape(str(ReferralStatus.ACCEPTED.label)) in html
    assert "Gunnar" not in html


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("received", ["Bjørn Pasient", "Frida Pasient", "Anna Pasient"]),
        ("accepted", ["Cecilie Pasient"]),
        ("declined", ["David Pasient"]),
        ("completed", ["Eva Pasient"]),
        ("all", ["Bjørn Pasient", "Eva Pasient", "David Pasient", "Frida Pasient", "Cecilie Pasient", "Anna Pasient"]),
    ],
)
def test_the_worklist_filters_by_status(client_as, doctor, worklist, status, expected):
    response = client_as(doctor).get(LIST_URL, {"status": status})

    assert response.status_code == 200
    assert names_on(response) == expected


def test_an_unknown_status_filter_is_refused_with_a_message(client_as, physio, worklist):
    response = client_as(physio).get(LIST_URL, {"status": "lost"})

    assert response.status_code == 400
    assert response.context["form"].errors["status"]
    assert shows(response, response.context["form"].errors["status"][0])
    assert names_on(response) == []
    assert not events("patients.patient.listed")


def test_another_clinics_worklist_shows_only_its_own(client_as, outsider, worklist):
    response = client_as(outsider).get(LIST_URL)

    assert names_on(response) == ["Gunnar Pasient"]
    assert "Anna" not in response.content.decode()


def test_law_j_every_patient_on_the_worklist_is_logged_as_listed(client_as, physio, worklist):
    second = ReferralFactory(patient=worklist["received_old"].patient, received_on=TODAY)

    client_as(physio).get(LIST_URL)

    listed = events("patients.patient.listed")
    shown = {worklist[k].patient for k in ("received_old", "received_new", "accepted", "self")}
    assert second.patient in shown
    assert len(listed) == len(shown)  # a patient with two referrals on the page: one row
    assert {e.patient for e in listed} == shown
    assert {(e.user, e.role, e.clinic, e.detail) for e in listed} == {
        (physio.user, "physio", physio.clinic, "referrals")
    }


def test_the_worklist_is_paginated_by_25_and_logs_only_the_page(client_as, physio, clinic_a, reception):
    patients = [
        PatientFactory(clinic=clinic_a, created_by=reception.user, given_name="P", family_name=f"Nr{i:02d}")
        for i in range(30)
    ]
    for day, patient in enumerate(patients):
        ReferralFactory(patient=patient, received_on=TODAY - datetime.timedelta(days=day))

    response = client_as(physio).get(LIST_URL, {"side": 2})

    assert names_on(response) == [f"P Nr{i:02d}" for i in range(25, 30)]
    assert shows(response, gettext("Page %(n)s of %(total)s") % {"n": 2, "total": 2})
    assert {e.patient for e in events("patients.patient.listed")} == set(patients[25:])


@pytest.mark.parametrize("size", [3, 30])
def test_the_worklist_has_a_fixed_query_count(
    client_as, physio, clinic_a, reception, size, django_assert_max_num_queries
):
    for day in range(size):
        patient = PatientFactory(clinic=clinic_a, created_by=reception.user)
        ReferralFactory(patient=patient, received_on=TODAY - datetime.timedelta(days=day))
    client = client_as(physio)

    with django_assert_max_num_queries(10):  # session, user, device, membership, 2 page, audit, session save
        response = client.get(LIST_URL)

    assert response.status_code == 200
    assert len(names_on(response)) == min(size, 25)


def test_htmx_gets_only_the_worklist(client_as, physio, worklist):
    response = client_as(physio).get(LIST_URL, {"status": "declined"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.templates[0].name == "journal/_referral_worklist.html"
    assert "<html" not in html
    assert "David" in html


# The referral page and decisions ------------------------------------------------------------------


def test_the_referral_page_shows_the_referral_and_is_logged(client_as, doctor, referral):
    response = client_as(doctor).get(detail_url(referral))

    html = response.content.decode()
    assert response.status_code == 200
    assert escape(referral.reason) in html
    assert referral.referrer_hpr in html
    assert escape(str(ReferralStatus.RECEIVED.label)) in html
    [event] = events("journal.referral.viewed")
    assert (event.user, event.patient, event.object_id) == (doctor.user, referral.patient, str(referral.pk))


def test_inj_g1_accepting_a_referral_records_who_and_when(client_as, physio, referral):
    response = client_as(physio).post(detail_url(referral), {"decision": "accepted"})

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.decided_by == physio.user
    assert referral.decided_at is not None
    [event] = events("journal.referral.decided")
    assert (event.patient, event.detail) == (referral.patient, "accepted")


def test_an_accepted_referral_offers_an_episode_linked_to_it(client_as, physio, referral):
    client = client_as(physio)
    client.post(detail_url(referral), {"decision": "accepted"})

    response = client.get(detail_url(referral))

    link = reverse("journal:episode-create", kwargs={"patient_id": referral.patient_id}) + f"?referral={referral.pk}"
    assert shows(response, gettext("The referral is accepted."))
    assert escape(link) in response.content.decode()


def test_a_received_referral_offers_no_episode_yet(client_as, physio, referral):
    response = client_as(physio).get(detail_url(referral))

    assert "?referral=" not in response.content.decode()


def test_decline_requires_a_reason(client_as, physio, referral):
    response = client_as(physio).post(detail_url(referral), {"decision": "declined", "decline_reason": "  "})

    assert response.status_code == 400
    assert shows(response, gettext("Give the reason for declining the referral."))
    referral.refresh_from_db()
    assert (referral.status, referral.decided_by) == (ReferralStatus.RECEIVED, None)
    assert not events("journal.referral.decided")


def test_decline_with_a_reason(client_as, doctor, referral):
    response = client_as(doctor).post(
        detail_url(referral), {"decision": "declined", "decline_reason": "Ikke indikasjon for injeksjon."}
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (ReferralStatus.DECLINED, "Ikke indikasjon for injeksjon.")


def test_an_accepted_referral_is_completed(client_as, physio, patient_a):
    referral = ReferralFactory(patient=patient_a, status=ReferralStatus.ACCEPTED)

    response = client_as(physio).post(detail_url(referral), {"decision": "completed"})

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED


def test_a_step_the_status_does_not_allow_is_refused(client_as, physio, referral):
    response = client_as(physio).post(detail_url(referral), {"decision": "completed"})

    assert response.status_code == 400
    message = gettext("A referral that is %(current)s cannot be set to %(new)s.") % {
        "current": str(ReferralStatus.RECEIVED.label).lower(),
        "new": str(ReferralStatus.COMPLETED.label).lower(),
    }
    assert shows(response, message)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    assert not events("journal.referral.decided")


def test_a_decided_referral_cannot_be_decided_again(client_as, physio, patient_a):
    referral = ReferralFactory(patient=patient_a, status=ReferralStatus.DECLINED, decline_reason="Ikke indikasjon.")

    response = client_as(physio).post(detail_url(referral), {"decision": "accepted"})

    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert 'data-testid="referral-decision"' not in response.content.decode()


@pytest.mark.parametrize("decision", ["", "deleted"])
def test_an_unknown_decision_is_refused(client_as, physio, referral, decision):
    response = client_as(physio).post(detail_url(referral), {"decision": decision})

    assert response.status_code == 400
    assert response.context["form"].errors["decision"]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED


def test_inj_g4_the_gp_is_informed_even_without_a_referral_from_the_gp(client_as, physio, patient_a):
    from_gp = ReferralFactory(patient=patient_a, source=ReferralSource.GP)
    self_referral = ReferralFactory(patient=patient_a, self_referral=True)
    client = client_as(physio)
    reminder = gettext(
        "The patient's GP is informed of injection treatment even when the referral does not come from the GP (INJ-G4)."
    )

    assert shows(client.get(detail_url(self_referral)), reminder)
    assert not shows(client.get(detail_url(from_gp)), reminder)


def test_the_referral_page_lists_its_episodes(client_as, physio, practitioner_a, patient_a):
    referral = ReferralFactory(patient=patient_a, status=ReferralStatus.ACCEPTED)
    episode = EpisodeFactory(patient=patient_a, responsible=practitioner_a, referral=referral, title="Skulderforløp")

    response = client_as(physio).get(detail_url(referral))

    assert "Skulderforløp" in response.content.decode()
    assert reverse("journal:episode-edit", kwargs={"pk": episode.pk}) in response.content.decode()


def test_another_clinics_referral_is_not_found_and_not_changed(client_as, outsider, referral):
    client = client_as(outsider)

    assert client.get(detail_url(referral)).status_code == 404
    assert client.post(detail_url(referral), {"decision": "accepted"}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    assert not events("journal.referral.viewed")


# The referral document ---------------------------------------------------------------------------


def test_the_document_is_served_inline_uncached_and_logged(client_as, physio, referral_with_document):
    response = client_as(physio).get(document_url(referral_with_document))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF
    [event] = events("journal.referral.document_viewed")
    assert (event.user, event.patient, event.object_id) == (
        physio.user,
        referral_with_document.patient,
        str(referral_with_document.pk),
    )


def test_the_referral_page_links_the_document(client_as, physio, referral_with_document):
    response = client_as(physio).get(detail_url(referral_with_document))

    assert document_url(referral_with_document) in response.content.decode()


def test_a_referral_without_document_has_none_to_serve(client_as, physio, referral):
    assert client_as(physio).get(document_url(referral)).status_code == 404
    assert not events("journal.referral.document_viewed")


def test_another_clinics_document_is_not_found(client_as, outsider, referral_with_document):
    assert client_as(outsider).get(document_url(referral_with_document)).status_code == 404
    assert not events("journal.referral.document_viewed")


def test_the_document_cannot_be_posted_to(client_as, physio, referral_with_document):
    assert client_as(physio).post(document_url(referral_with_document)).status_code == 405


# Access -------------------------------------------------------------------------------------------


def all_urls(referral) -> list[tuple[str, str]]:
    return [
        ("get", create_url(referral.patient)),
        ("post", create_url(referral.patient)),
        ("get", LIST_URL),
        ("get", detail_url(referral)),
        ("post", detail_url(referral)),
        ("get", document_url(referral)),
    ]


@pytest.mark.parametrize("persona", ["reception", "admin"])
def test_roles_without_the_referral_capability_are_refused(client_as, personas, referral_with_document, persona):
    client = client_as(personas[persona])

    for method, url in all_urls(referral_with_document):
        response = getattr(client, method)(url, {"decision": "accepted"} if method == "post" else None)
        assert response.status_code == 403, (method, url)
    referral_with_document.refresh_from_db()
    assert referral_with_document.status == ReferralStatus.RECEIVED
    assert Referral.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="journal.").exists()


def test_anonymous_users_are_sent_to_login(client, referral_with_document):
    login = reverse("accounts:login")

    for method, url in all_urls(referral_with_document):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(login), (method, url)
