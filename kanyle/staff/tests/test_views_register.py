"""A practitioner's page: credentials with evidence (NAL-2, INJ-P1, INJ-P2, INJ-D5), liability cover
(INJ-P4, INJ-D7) and municipal agreements with their weekly hours (INJ-F2)."""

from __future__ import annotations

import datetime
import hashlib
import itertools

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import Role
from kanyle.staff import rules
from kanyle.staff.models import AgreementHours, Credential, CredentialKind, InsuranceCover, MunicipalAgreement, Weekday
from kanyle.staff.tests.factories import (
    AgreementFactory,
    AgreementHoursFactory,
    CredentialFactory,
    InsuranceFactory,
    PractitionerFactory,
)
from kanyle.staff.tests.helpers import assert_shown

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def iso(date: datetime.date) -> str:
    return date.isoformat()


# --- Practitioner page -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 200), ("doctor", 200), ("physio", 403), ("reception", 403), ("outsider", 403)],
)
def test_inj_d5_practitioner_page_is_for_admin_and_doctor(request, client_as, practitioner_a, persona, status):
    response = client_as(request.getfixturevalue(persona)).get(reverse("staff:practitioner", args=[practitioner_a.pk]))

    assert response.status_code == status


@pytest.mark.parametrize("persona", ["admin_b", "doctor_b"])
def test_practitioner_page_of_another_clinic_is_404(request, client_as, practitioner_a, persona):
    response = client_as(request.getfixturevalue(persona)).get(reverse("staff:practitioner", args=[practitioner_a.pk]))

    assert response.status_code == 404


def test_nal_2_practitioner_page_shows_credential_status(client_as, doctor, practitioner_a):
    CredentialFactory(practitioner=practitioner_a, kind=CredentialKind.NEEDLING, expires_on=TODAY() - DAY)
    CredentialFactory(practitioner=practitioner_a, kind=CredentialKind.INJECTION, verified_by=None, verified_at=None)

    response = client_as(doctor).get(reverse("staff:practitioner", args=[practitioner_a.pk]))

    assert {c.kind: status for c, status in response.context["credentials"]} == {
        CredentialKind.NEEDLING: "expired",
        CredentialKind.INJECTION: "unverified",
    }
    assert 'class="status-expired"' in response.content.decode()
    assert 'class="status-unverified"' in response.content.decode()


# --- Credentials -----------------------------------------------------------------------------


def credential_data(**overrides) -> dict:
    data = {
        "kind": CredentialKind.NEEDLING,
        "title": "Nålebehandling trinn 2",
        "issuer": "Norsk Fysioterapeutforbund",
        "issued_on": iso(TODAY() - 30 * DAY),
        "expires_on": iso(TODAY() + 1000 * DAY),
    }
    data.update(overrides)
    return data


def evidence_files(clinic_media) -> list:
    return [path for path in clinic_media.rglob("*") if path.is_file()] if clinic_media.exists() else []


def test_nal_2_credential_with_pdf_evidence_is_stored_and_verified(client_as, admin, practitioner_a, settings):
    upload = SimpleUploadedFile("kursbevis.pdf", PDF, content_type="application/pdf")

    response = client_as(admin).post(
        reverse("staff:credential-create", args=[practitioner_a.pk]),
        credential_data(evidence=upload, confirm_verified="on"),
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("staff:practitioner", args=[practitioner_a.pk])
    assert_shown(response, gettext("The credential is registered."))
    credential = Credential.objects.get(practitioner=practitioner_a)
    assert credential.clinic == practitioner_a.clinic
    assert credential.evidence_content_type == "application/pdf"
    assert credential.evidence_sha256 == hashlib.sha256(PDF).hexdigest()
    with credential.evidence.open("rb") as stored:
        assert stored.read() == PDF
    assert credential.verified_by == admin.user
    assert credential.verified_at is not None
    assert credential.created_by == admin.user
    assert set(AuditEvent.objects.filter(object_id=str(credential.pk)).values_list("action", flat=True)) == {
        "staff.credential.created",
        "staff.credential.verified",
    }
    # Confirmed by someone who saw the documentation, so it counts at once.
    assert rules.credential_valid(practitioner_a, CredentialKind.NEEDLING, TODAY()).ok


def test_nal_2_credential_without_confirmation_is_saved_unverified(client_as, admin, practitioner_a):
    response = client_as(admin).post(reverse("staff:credential-create", args=[practitioner_a.pk]), credential_data())

    assert response.status_code == 302
    credential = Credential.objects.get(practitioner=practitioner_a)
    assert (credential.verified_by, credential.verified_at, credential.evidence.name) == (None, None, "")
    assert not rules.credential_valid(practitioner_a, CredentialKind.NEEDLING, TODAY()).ok


def test_credential_evidence_png_is_accepted(client_as, admin, practitioner_a):
    upload = SimpleUploadedFile("bevis.png", PNG, content_type="image/png")

    client_as(admin).post(
        reverse("staff:credential-create", args=[practitioner_a.pk]), credential_data(evidence=upload)
    )

    assert Credential.objects.get(practitioner=practitioner_a).evidence_content_type == "image/png"


def test_credential_evidence_lying_about_its_type_is_refused(client_as, admin, practitioner_a, settings):
    upload = SimpleUploadedFile("kursbevis.pdf", b"This is plain text, not a PDF.", content_type="application/pdf")

    response = client_as(admin).post(
        reverse("staff:credential-create", args=[practitioner_a.pk]), credential_data(evidence=upload)
    )

    assert response.status_code == 400
    assert_shown(
        response,
        gettext("The file's content is not an allowed type. Allowed: %(types)s.") % {"types": "PDF, PNG, JPEG"},
    )
    assert not Credential.objects.exists()
    assert evidence_files(settings.MEDIA_ROOT) == []


def test_credential_evidence_too_large_is_refused(client_as, admin, practitioner_a, settings):
    settings.UPLOAD_MAX_BYTES = 40
    upload = SimpleUploadedFile("kursbevis.pdf", PDF + b"x" * 40, content_type="application/pdf")

    response = client_as(admin).post(
        reverse("staff:credential-create", args=[practitioner_a.pk]), credential_data(evidence=upload)
    )

    assert response.status_code == 400
    assert_shown(
        response,
        gettext("The file is too large (%(size)s). The limit is %(limit)s.")
        % {"size": filesizeformat(upload.size), "limit": filesizeformat(40)},
    )
    assert not Credential.objects.exists()
    assert evidence_files(settings.MEDIA_ROOT) == []


def test_credential_expiry_before_completion_is_refused(client_as, admin, practitioner_a):
    response = client_as(admin).post(
        reverse("staff:credential-create", args=[practitioner_a.pk]),
        credential_data(issued_on=iso(TODAY()), expires_on=iso(TODAY() - DAY), confirm_verified="on"),
    )

    assert response.status_code == 400
    assert_shown(response, gettext("The expiry date cannot be before the completion date."))
    assert not Credential.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="staff.credential").exists()


def test_credential_markup_in_title_is_refused(client_as, admin, practitioner_a):
    response = client_as(admin).post(
        reverse("staff:credential-create", args=[practitioner_a.pk]), credential_data(title="<script>x</script>")
    )

    assert response.status_code == 400
    assert_shown(
        response, gettext("Use plain text only: the characters < and > and control characters are not allowed.")
    )
    assert not Credential.objects.exists()


@pytest.mark.parametrize("persona", ["doctor", "physio", "reception", "outsider"])
def test_credential_create_is_for_admin_only(request, client_as, practitioner_a, persona):
    client = client_as(request.getfixturevalue(persona))
    url = reverse("staff:credential-create", args=[practitioner_a.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, credential_data(confirm_verified="on")).status_code == 403
    assert not Credential.objects.exists()


def test_credential_create_for_another_clinics_practitioner_is_404(client_as, admin, practitioner_b):
    client = client_as(admin)
    url = reverse("staff:credential-create", args=[practitioner_b.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, credential_data(confirm_verified="on")).status_code == 404
    assert not Credential.objects.exists()


# --- Evidence download -----------------------------------------------------------------------


@pytest.fixture
def credential_with_evidence(practitioner_a):
    return CredentialFactory(
        practitioner=practitioner_a,
        evidence=ContentFile(PDF, name="kursbevis.pdf"),
        evidence_content_type="application/pdf",
        evidence_sha256=hashlib.sha256(PDF).hexdigest(),
    )


@pytest.mark.parametrize("persona", ["admin", "doctor"])
def test_credential_evidence_is_served_privately_and_audited(request, client_as, credential_with_evidence, persona):
    viewer = request.getfixturevalue(persona)

    response = client_as(viewer).get(reverse("staff:credential-evidence", args=[credential_with_evidence.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # the test client closes the file at the end
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("inline;")
    event = AuditEvent.objects.get(action="staff.credential.evidence_viewed")
    assert (event.user, event.role, event.object_id) == (viewer.user, viewer.role, str(credential_with_evidence.pk))


@pytest.mark.parametrize(("persona", "status"), [("physio", 403), ("reception", 403), ("outsider", 403)])
def test_credential_evidence_refused_without_capability(request, client_as, credential_with_evidence, persona, status):
    response = client_as(request.getfixturevalue(persona)).get(
        reverse("staff:credential-evidence", args=[credential_with_evidence.pk])
    )

    assert response.status_code == status
    assert not AuditEvent.objects.filter(action="staff.credential.evidence_viewed").exists()


@pytest.mark.parametrize("persona", ["admin_b", "doctor_b"])
def test_credential_evidence_of_another_clinic_is_404(request, client_as, credential_with_evidence, persona):
    response = client_as(request.getfixturevalue(persona)).get(
        reverse("staff:credential-evidence", args=[credential_with_evidence.pk])
    )

    assert response.status_code == 404
    assert PDF not in response.content
    assert not AuditEvent.objects.filter(action="staff.credential.evidence_viewed").exists()


def test_credential_without_evidence_is_404(client_as, admin, practitioner_a):
    credential = CredentialFactory(practitioner=practitioner_a)

    assert client_as(admin).get(reverse("staff:credential-evidence", args=[credential.pk])).status_code == 404


# --- Verification ----------------------------------------------------------------------------


@pytest.fixture
def unverified_credential(practitioner_a, admin):
    return CredentialFactory(
        practitioner=practitioner_a,
        kind=CredentialKind.INJECTION,
        issued_on=TODAY() - 30 * DAY,
        created_by=admin.user,
        verified_by=None,
        verified_at=None,
    )


def test_inj_d5_doctor_verifies_the_delegates_credential(client_as, doctor, practitioner_a, unverified_credential):
    assert rules.credential_valid(practitioner_a, CredentialKind.INJECTION, TODAY()).rules == ["INJ-P2"]

    response = client_as(doctor).post(reverse("staff:credential-verify", args=[unverified_credential.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("staff:practitioner", args=[practitioner_a.pk])
    assert_shown(response, gettext("The credential is verified."))
    unverified_credential.refresh_from_db()
    assert unverified_credential.verified_by == doctor.user
    assert unverified_credential.verified_at is not None
    event = AuditEvent.objects.get(action="staff.credential.verified")
    assert (event.user, event.role) == (doctor.user, Role.DOCTOR)
    assert rules.credential_valid(practitioner_a, CredentialKind.INJECTION, TODAY()).ok


def test_inj_p2_admin_verifies_a_credential(client_as, admin, practitioner_a, unverified_credential):
    response = client_as(admin).post(reverse("staff:credential-verify", args=[unverified_credential.pk]))

    assert response.status_code == 302
    unverified_credential.refresh_from_db()
    assert unverified_credential.verified_by == admin.user


def test_credential_verified_twice_keeps_the_first_verifier(client_as, doctor, admin, unverified_credential):
    client_as(doctor).post(reverse("staff:credential-verify", args=[unverified_credential.pk]))
    unverified_credential.refresh_from_db()
    first_verified_at = unverified_credential.verified_at

    response = client_as(admin).post(reverse("staff:credential-verify", args=[unverified_credential.pk]))

    assert response.status_code == 302
    unverified_credential.refresh_from_db()
    assert (unverified_credential.verified_by, unverified_credential.verified_at) == (doctor.user, first_verified_at)
    assert AuditEvent.objects.filter(action="staff.credential.verified").count() == 1


@pytest.mark.parametrize("persona", ["physio", "reception", "outsider"])
def test_credential_verify_refused_without_capability(request, client_as, unverified_credential, persona):
    response = client_as(request.getfixturevalue(persona)).post(
        reverse("staff:credential-verify", args=[unverified_credential.pk])
    )

    assert response.status_code == 403
    unverified_credential.refresh_from_db()
    assert unverified_credential.verified_at is None


@pytest.mark.parametrize("persona", ["admin_b", "doctor_b"])
def test_credential_verify_of_another_clinic_is_404(request, client_as, unverified_credential, persona):
    response = client_as(request.getfixturevalue(persona)).post(
        reverse("staff:credential-verify", args=[unverified_credential.pk])
    )

    assert response.status_code == 404
    unverified_credential.refresh_from_db()
    assert unverified_credential.verified_at is None


def test_credential_verify_get_is_not_allowed(client_as, doctor, unverified_credential):
    response = client_as(doctor).get(reverse("staff:credential-verify", args=[unverified_credential.pk]))

    assert response.status_code == 405
    unverified_credential.refresh_from_db()
    assert unverified_credential.verified_at is None


# --- Liability cover -------------------------------------------------------------------------


def insurance_data(**overrides) -> dict:
    data = {
        "insurer": "Norsk pasientskadeerstatning (NPE)",
        "reference": "NPE-2025-118",
        "valid_from": iso(TODAY() - 10 * DAY),
        "valid_to": iso(TODAY() + 355 * DAY),
        "covers_injections": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_inj_p4_insurance_create_with_injection_cover(client_as, admin, practitioner_a):
    assert rules.insurance_valid(practitioner_a, TODAY(), injections=True).rules == ["INJ-P4"]

    response = client_as(admin).post(
        reverse("staff:insurance-create", args=[practitioner_a.pk]), insurance_data(), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("staff:practitioner", args=[practitioner_a.pk])
    assert_shown(response, gettext("The insurance cover is registered."))
    cover = InsuranceCover.objects.get(practitioner=practitioner_a)
    assert (cover.clinic, cover.reference, cover.covers_injections, cover.created_by) == (
        practitioner_a.clinic,
        "NPE-2025-118",
        True,
        admin.user,
    )
    assert AuditEvent.objects.filter(action="staff.insurance.created", object_id=str(cover.pk)).exists()
    assert rules.insurance_valid(practitioner_a, TODAY(), injections=True).ok


def test_inj_p4_insurance_create_ordinary_cover_does_not_include_injections(client_as, admin, practitioner_a):
    client_as(admin).post(
        reverse("staff:insurance-create", args=[practitioner_a.pk]), insurance_data(covers_injections=None)
    )

    assert InsuranceCover.objects.get(practitioner=practitioner_a).covers_injections is False
    assert rules.insurance_valid(practitioner_a, TODAY()).ok
    assert rules.insurance_valid(practitioner_a, TODAY(), injections=True).rules == ["INJ-P4"]


def test_insurance_create_end_before_start_is_refused(client_as, admin, practitioner_a):
    response = client_as(admin).post(
        reverse("staff:insurance-create", args=[practitioner_a.pk]),
        insurance_data(valid_from=iso(TODAY()), valid_to=iso(TODAY() - DAY)),
    )

    assert response.status_code == 400
    assert_shown(response, gettext("The end date cannot be before the start date."))
    assert not InsuranceCover.objects.exists()


@pytest.mark.parametrize("persona", ["doctor", "physio", "reception", "outsider"])
def test_insurance_create_is_for_admin_only(request, client_as, practitioner_a, persona):
    client = client_as(request.getfixturevalue(persona))
    url = reverse("staff:insurance-create", args=[practitioner_a.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, insurance_data()).status_code == 403
    assert not InsuranceCover.objects.exists()


def test_insurance_create_for_another_clinics_practitioner_is_404(client_as, admin, practitioner_b):
    response = client_as(admin).post(reverse("staff:insurance-create", args=[practitioner_b.pk]), insurance_data())

    assert response.status_code == 404
    assert not InsuranceCover.objects.exists()


# --- Municipal agreement ---------------------------------------------------------------------


def agreement_data(blocks: list[tuple], existing: int = 0, extra: int = 2, **overrides) -> dict:
    """POST data for the agreement form and its hours formset (prefix ``hours``).

    ``blocks`` are (weekday, start, end) or (id, weekday, start, end, delete) for existing rows.
    """
    data = {
        "municipality": "Bergen",
        "percent": "60",
        "valid_from": iso(TODAY() - 10 * DAY),
        "valid_to": "",
        "hours-TOTAL_FORMS": str(len(blocks) + extra),
        "hours-INITIAL_FORMS": str(existing),
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
    }
    for index, block in enumerate(blocks):
        if len(block) == 5:
            pk, weekday, start, end, delete = block
            data[f"hours-{index}-id"] = str(pk)
            if delete:
                data[f"hours-{index}-DELETE"] = "on"
        else:
            weekday, start, end = block
        data[f"hours-{index}-weekday"] = str(weekday)
        data[f"hours-{index}-start"] = start
        data[f"hours-{index}-end"] = end
    for index in range(len(blocks), len(blocks) + extra):
        data.update({f"hours-{index}-weekday": "", f"hours-{index}-start": "", f"hours-{index}-end": ""})
    data.update(overrides)
    return data


def hours_of(agreement) -> list[tuple]:
    return [(h.weekday, h.start, h.end) for h in agreement.hours.order_by("weekday", "start")]


def test_inj_f2_agreement_create_with_hours(client_as, admin, practitioner_a):
    blocks = [
        (Weekday.MONDAY, "08:00", "15:00"),
        (Weekday.MONDAY, "15:00", "16:00"),
        (Weekday.THURSDAY, "08:00", "12:00"),
    ]

    response = client_as(admin).post(
        reverse("staff:agreement-create", args=[practitioner_a.pk]), agreement_data(blocks), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("staff:practitioner", args=[practitioner_a.pk])
    assert_shown(response, gettext("The municipal agreement is saved."))
    agreement = MunicipalAgreement.objects.get(practitioner=practitioner_a)
    assert (agreement.clinic, agreement.municipality, agreement.percent) == (practitioner_a.clinic, "Bergen", 60)
    assert hours_of(agreement) == [
        (Weekday.MONDAY, datetime.time(8), datetime.time(15)),
        (Weekday.MONDAY, datetime.time(15), datetime.time(16)),
        (Weekday.THURSDAY, datetime.time(8), datetime.time(12)),
    ]
    assert AuditEvent.objects.filter(action="staff.agreement.created", object_id=str(agreement.pk)).exists()


@pytest.mark.parametrize(
    ("blocks", "overrides", "message"),
    [
        pytest.param(
            [(Weekday.MONDAY, "08:00", "15:00"), (Weekday.MONDAY, "14:00", "18:00")],
            {},
            "Two blocks of opening hours overlap on the same weekday.",
            id="overlapping-blocks",
        ),
        pytest.param(
            [(Weekday.MONDAY, "08:00", "16:00"), (Weekday.MONDAY, "09:00", "10:00")],
            {},
            "Two blocks of opening hours overlap on the same weekday.",
            id="block-inside-block",
        ),
        pytest.param(
            [(Weekday.TUESDAY, "15:00", "08:00")], {}, "The end time must be after the start time.", id="hours-reversed"
        ),
        pytest.param(
            [(Weekday.TUESDAY, "08:00", "08:00")], {}, "The end time must be after the start time.", id="hours-empty"
        ),
        pytest.param(
            [(Weekday.TUESDAY, "08:00", "15:00")],
            {"valid_from": iso(datetime.date(2025, 6, 1)), "valid_to": iso(datetime.date(2025, 5, 31))},
            "The end date cannot be before the start date.",
            id="period-reversed",
        ),
        pytest.param(
            [(Weekday.TUESDAY, "08:00", "15:00")],
            {"municipality": "<b>Bergen</b>"},
            "Use plain text only: the characters < and > and control characters are not allowed.",
            id="markup-in-municipality",
        ),
    ],
)
def test_inj_f2_agreement_bad_input_is_refused_and_nothing_saved(
    client_as, admin, practitioner_a, blocks, overrides, message
):
    response = client_as(admin).post(
        reverse("staff:agreement-create", args=[practitioner_a.pk]), agreement_data(blocks, **overrides)
    )

    assert response.status_code == 400
    assert_shown(response, gettext(message))
    assert not MunicipalAgreement.objects.exists()
    assert not AgreementHours.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="staff.agreement").exists()


@pytest.mark.parametrize("percent", ["0", "101"])
def test_agreement_percent_outside_1_to_100_is_refused(client_as, admin, practitioner_a, percent):
    response = client_as(admin).post(
        reverse("staff:agreement-create", args=[practitioner_a.pk]),
        agreement_data([(Weekday.MONDAY, "08:00", "15:00")], percent=percent),
    )

    assert response.status_code == 400
    assert "percent" in response.context["form"].errors
    assert not MunicipalAgreement.objects.exists()


def test_inj_f2_agreement_edit_changes_and_removes_hours(client_as, admin, practitioner_a):
    agreement = AgreementFactory(practitioner=practitioner_a, municipality="Bergen", percent=50)
    monday = AgreementHoursFactory(agreement=agreement, weekday=Weekday.MONDAY)
    friday = AgreementHoursFactory(agreement=agreement, weekday=Weekday.FRIDAY)
    blocks = [
        (monday.pk, Weekday.MONDAY, "09:00", "13:00", False),
        (friday.pk, Weekday.FRIDAY, "08:00", "15:00", True),
        (Weekday.WEDNESDAY, "10:00", "14:00"),
    ]

    response = client_as(admin).post(
        reverse("staff:agreement-edit", args=[agreement.pk]),
        agreement_data(blocks, existing=2, percent="80", valid_from=iso(agreement.valid_from)),
    )

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.percent == 80
    assert hours_of(agreement) == [
        (Weekday.MONDAY, datetime.time(9), datetime.time(13)),
        (Weekday.WEDNESDAY, datetime.time(10), datetime.time(14)),
    ]
    assert AuditEvent.objects.filter(action="staff.agreement.hours_changed", object_id=str(agreement.pk)).exists()


def test_inj_f2_agreement_edit_page_shows_existing_hours(client_as, admin, practitioner_a):
    agreement = AgreementFactory(practitioner=practitioner_a)
    AgreementHoursFactory(agreement=agreement, weekday=Weekday.TUESDAY, start=datetime.time(9, 30))

    response = client_as(admin).get(reverse("staff:agreement-edit", args=[agreement.pk]))

    assert response.status_code == 200
    assert 'value="09:30"' in response.content.decode()


def test_agreement_of_another_clinic_is_404(client_as, admin, practitioner_b):
    agreement = AgreementFactory(practitioner=practitioner_b, percent=50)
    client = client_as(admin)
    url = reverse("staff:agreement-edit", args=[agreement.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, agreement_data([(Weekday.MONDAY, "08:00", "15:00")], percent="80")).status_code == 404
    agreement.refresh_from_db()
    assert agreement.percent == 50
    assert not agreement.hours.exists()


def test_agreement_create_for_another_clinics_practitioner_is_404(client_as, admin, practitioner_b):
    response = client_as(admin).post(
        reverse("staff:agreement-create", args=[practitioner_b.pk]),
        agreement_data([(Weekday.MONDAY, "08:00", "15:00")]),
    )

    assert response.status_code == 404
    assert not MunicipalAgreement.objects.exists()


@pytest.mark.parametrize("persona", ["doctor", "physio", "reception", "outsider"])
def test_agreement_forms_are_for_admin_only(request, client_as, practitioner_a, persona):
    agreement = AgreementFactory(practitioner=practitioner_a, percent=50)
    client = client_as(request.getfixturevalue(persona))
    data = agreement_data([(Weekday.MONDAY, "08:00", "15:00")], percent="80")

    assert client.get(reverse("staff:agreement-create", args=[practitioner_a.pk])).status_code == 403
    assert client.post(reverse("staff:agreement-create", args=[practitioner_a.pk]), data).status_code == 403
    assert client.post(reverse("staff:agreement-edit", args=[agreement.pk]), data).status_code == 403
    assert list(MunicipalAgreement.objects.values_list("percent", flat=True)) == [50]


# --- Query budget ----------------------------------------------------------------------------

STAFF_LIST_QUERIES = 13  # session, user, device, membership, watchlist 2, people 4, session save 3
PRACTITIONER_PAGE_QUERIES = 12  # session, user, device, membership, page 5, session save 3


EXTRA_NUMBERS = itertools.count()


def add_staff(clinic, count: int) -> None:
    """People with roles, practitioner profiles, devices and expiring credentials and covers."""
    from conftest import make_persona

    for _ in range(count):
        persona = make_persona(f"extra{next(EXTRA_NUMBERS)}", clinic, Role.PHYSIO)
        practitioner = persona.user.practitioners.get()
        CredentialFactory(practitioner=practitioner, expires_on=TODAY() + 10 * DAY)
        InsuranceFactory(practitioner=practitioner, valid_to=TODAY() - DAY)


def test_staff_list_query_count_does_not_grow(client_as, admin, clinic_a, django_assert_max_num_queries):
    client = client_as(admin)
    client.get(reverse("staff:list"))  # warm up the session
    add_staff(clinic_a, 1)
    with django_assert_max_num_queries(STAFF_LIST_QUERIES):
        small = client.get(reverse("staff:list"))

    add_staff(clinic_a, 8)
    with django_assert_max_num_queries(STAFF_LIST_QUERIES):
        large = client.get(reverse("staff:list"))

    assert len(large.context["people"]) == len(small.context["people"]) + 8
    assert len(large.context["expiry_items"]) == len(small.context["expiry_items"]) + 16


def add_register_entries(practitioner, verifier, count: int) -> None:
    for _ in range(count):
        CredentialFactory(practitioner=practitioner, verified_by=verifier)
        CredentialFactory(
            practitioner=practitioner,
            kind=CredentialKind.INJECTION,
            evidence=ContentFile(PDF, name="bevis.pdf"),
            verified_by=None,
            verified_at=None,
        )
        InsuranceFactory(practitioner=practitioner)
        agreement = AgreementFactory(practitioner=practitioner)
        AgreementHoursFactory(agreement=agreement, weekday=Weekday.MONDAY)
        AgreementHoursFactory(agreement=agreement, weekday=Weekday.TUESDAY)


def test_practitioner_page_query_count_does_not_grow(
    client_as, doctor, admin, practitioner_a, django_assert_max_num_queries
):
    client = client_as(doctor)
    url = reverse("staff:practitioner", args=[practitioner_a.pk])
    client.get(url)
    add_register_entries(practitioner_a, admin.user, 1)
    with django_assert_max_num_queries(PRACTITIONER_PAGE_QUERIES):
        small = client.get(url)

    add_register_entries(practitioner_a, doctor.user, 6)
    with django_assert_max_num_queries(PRACTITIONER_PAGE_QUERIES):
        large = client.get(url)

    assert len(large.context["credentials"]) == len(small.context["credentials"]) + 12
    assert large.content.decode().count(gettext("Verify")) > small.content.decode().count(gettext("Verify"))


def test_inj_d5_nobody_verifies_their_own_credential(client_as, doctor):
    own = CredentialFactory(
        practitioner=doctor.user.practitioners.get(clinic=doctor.clinic), verified_by=None, verified_at=None
    )
    response = client_as(doctor).post(reverse("staff:credential-verify", args=[own.pk]), follow=True)
    own.refresh_from_db()
    assert own.verified_at is None
    message = gettext("You cannot verify your own credential: another administrator or doctor must.")
    assert escape(message) in response.content.decode()
    assert not AuditEvent.objects.filter(action="staff.credential.verified").exists()


def test_inj_d5_admin_who_is_also_a_physio_cannot_confirm_own_credential(client_as, admin):
    practitioner = PractitionerFactory(clinic=admin.clinic, user=admin.user)
    response = client_as(admin).post(
        reverse("staff:credential-create", args=[practitioner.pk]),
        {
            "kind": "needling",
            "title": "Nålebehandling",
            "issuer": "NFF",
            "issued_on": "2025-01-10",
            "confirm_verified": "on",
        },
    )
    assert response.status_code == 400
    assert not practitioner.credentials.exists()
