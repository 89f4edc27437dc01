"""Procedures library (INJ-V1, INJ-V3, LAW-Q): controlled documents, versions, approval, read receipts.

Also the safe Markdown renderer the procedures are shown with, and the demo clinic's starter set.
"""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext

from conftest import Persona, make_persona
from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.clinics.models import Role
from kanyle.quality import rules
from kanyle.quality.demo_documents import create_demo_documents
from kanyle.quality.markdown import render_markdown
from kanyle.quality.models import Procedure, ProcedureVersion, ReadReceipt, Risk
from kanyle.quality.selectors.documents import clinic_staff, current_versions
from kanyle.quality.services import procedures as services

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
FROZEN = datetime.datetime(2025, 3, 10, 9, 0, tzinfo=datetime.UTC)


def today() -> datetime.date:
    return timezone.localdate()


def actor(persona: Persona) -> Actor:
    return Actor(user=persona.user, clinic=persona.clinic, role=persona.role)


def make_procedure(
    persona: Persona,
    title: str = "Anafylaksiberedskap",
    *,
    content: str = "## Formål\nVær forberedt.",
    approved: bool = True,
    review_on: datetime.date | None = None,
) -> Procedure:
    """A procedure with version 1, approved by the persona (an admin or a doctor) unless told otherwise."""
    procedure = Procedure.objects.create(clinic=persona.clinic, title=title, owner=persona.user)
    ProcedureVersion.objects.create(
        procedure=procedure,
        number=1,
        content=content,
        next_review_on=review_on or today() + 365 * DAY,
        created_by=persona.user,
        approved_by=persona.user if approved else None,
        approved_on=today() - 10 * DAY if approved else None,
    )
    return procedure


def add_version(
    procedure: Procedure, persona: Persona, *, approved: bool, content: str = "Ny tekst"
) -> ProcedureVersion:
    number = procedure.versions.count() + 1
    return ProcedureVersion.objects.create(
        procedure=procedure,
        number=number,
        content=content,
        change_summary=f"Endring {number}",
        next_review_on=today() + 365 * DAY,
        created_by=persona.user,
        approved_by=persona.user if approved else None,
        approved_on=today() if approved else None,
    )


def actions(*codes: str) -> list[str]:
    return list(AuditEvent.objects.filter(action__in=codes).order_by("pk").values_list("action", flat=True))


def assert_shown(response, text: str) -> None:
    assert escape(text) in response.content.decode(), f"{text!r} not shown"


@pytest.fixture
def admin_b(clinic_b) -> Persona:
    return make_persona("admin_b", clinic_b, Role.ADMIN)


def url(name: str, *args) -> str:
    return reverse(f"quality:{name}", args=args)


# --- Safe Markdown (INJ-V1: procedures shown as written, never as code) -------------------------


def test_inj_v1_markdown_renders_headings_lists_emphasis_and_links():
    html = render_markdown(
        "# Formål\nLes **alt** og *merk* deg `adrenalin`.\n\n- én\n- to\n\n1. først\n2. så\n\n"
        "[Lovdata](https://lovdata.no/dokument/SF/forskrift/2016-10-28-1250?a=1&b=2)"
    )

    assert "<h2>Formål</h2>" in html
    assert "<strong>alt</strong>" in html and "<em>merk</em>" in html and "<code>adrenalin</code>" in html
    assert "<ul><li>én</li><li>to</li></ul>" in html
    assert "<ol><li>først</li><li>så</li></ol>" in html
    assert (
        '<a href="https://lovdata.no/dokument/SF/forskrift/2016-10-28-1250?a=1&amp;b=2" '
        'rel="noopener noreferrer nofollow">Lovdata</a>'
    ) in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('x')</script>",
        "Tekst <img src=x onerror=alert(1)> mer",
        '<a href="javascript:alert(1)">klikk</a>',
        "# <iframe src=https://evil.example></iframe>",
        "- <svg onload=alert(1)>",
    ],
)
def test_inj_v1_markdown_never_passes_raw_html(source):
    html = render_markdown(source)

    assert "<script" not in html and "<img" not in html and "<iframe" not in html and "<svg" not in html
    assert "<a href" not in html
    assert "&lt;" in html


@pytest.mark.parametrize(
    "link",
    [
        "[klikk](javascript:alert(1))",
        "[klikk](JaVaScRiPt:alert(document.cookie))",
        "[klikk](data:text/html;base64,PHNjcmlwdD4=)",
        "[klikk](vbscript:msgbox)",
        "[klikk](//evil.example/x)",
        '[klikk](https://ok.example/"onmouseover="alert(1))',
    ],
)
def test_inj_v1_markdown_neutralises_unsafe_links(link):
    html = render_markdown(link)

    assert not re.search(r'href="(?!https?://)', html)
    assert 'onmouseover="' not in html
    assert "klikk" in html


# --- List and detail ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["physio", "doctor", "admin", "reception"])
def test_inj_v1_every_role_reads_the_procedures(request, client_as, admin, persona):
    procedure = make_procedure(admin, content="## Formål\nDette er **teksten**.")

    client = client_as(request.getfixturevalue(persona))
    listing = client.get(url("procedure-list"))
    detail = client.get(url("procedure-detail", procedure.pk))

    assert listing.status_code == 200 and procedure.title in listing.content.decode()
    assert detail.status_code == 200
    assert "<strong>teksten</strong>" in detail.content.decode()


def test_inj_v1_procedure_page_shows_script_as_text(client_as, admin, physio):
    procedure = make_procedure(admin, content="Hei <script>alert('x')</script> [a](javascript:alert(1))")

    page = client_as(physio).get(url("procedure-detail", procedure.pk)).content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert 'href="javascript:' not in page


def test_inj_v1_pages_have_no_inline_style_or_script(client_as, admin):
    procedure = make_procedure(admin)
    client = client_as(admin)
    for page_url in (url("procedure-list"), url("procedure-detail", procedure.pk), url("procedure-create")):
        page = client.get(page_url).content.decode()
        assert " style=" not in page and "<style" not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), page_url


@pytest.mark.parametrize("name", ["procedure-list", "procedure-create"])
def test_anonymous_users_are_sent_to_login(client, name):
    response = client.get(url(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_procedure_of_another_clinic_is_404(client_as, admin, outsider, admin_b):
    procedure = make_procedure(admin)
    add_version(procedure, admin, approved=False)

    assert client_as(outsider).get(url("procedure-detail", procedure.pk)).status_code == 404
    assert client_as(outsider).get(url("procedure-version", procedure.pk, 1)).status_code == 404
    assert client_as(outsider).post(url("procedure-read", procedure.pk), {"version": 1}).status_code == 404
    assert client_as(admin_b).get(url("procedure-version-create", procedure.pk)).status_code == 404
    assert client_as(admin_b).post(url("procedure-approve", procedure.pk, 2)).status_code == 404
    assert not ReadReceipt.objects.exists()
    assert procedure.versions.get(number=2).approved_on is None


def test_unknown_version_number_is_404(client_as, admin):
    procedure = make_procedure(admin)

    assert client_as(admin).get(url("procedure-version", procedure.pk, 9)).status_code == 404
    assert client_as(admin).post(url("procedure-approve", procedure.pk, 9)).status_code == 404


@pytest.mark.parametrize("persona", ["physio", "reception", "outsider"])
def test_inj_v3_only_managers_write_and_approve(request, client_as, admin, persona):
    procedure = make_procedure(admin)
    add_version(procedure, admin, approved=False)
    client = client_as(request.getfixturevalue(persona))

    assert client.get(url("procedure-create")).status_code == 403
    assert client.get(url("procedure-version-create", procedure.pk)).status_code == 403
    assert client.post(url("procedure-approve", procedure.pk, 2)).status_code == 403
    assert procedure.versions.get(number=2).approved_on is None


# --- Creating ------------------------------------------------------------------------------------


def procedure_data(**overrides) -> dict:
    data = {
        "title": "Nålebehandling",
        "owner": "",
        "next_review_on": (today() + 365 * DAY).isoformat(),
        "content": "## Formål\nTrygg nålebehandling.",
    }
    data.update(overrides)
    return data


def test_inj_v1_admin_creates_and_approves_a_procedure(client_as, admin):
    response = client_as(admin).post(
        url("procedure-create"), procedure_data(owner=admin.user.pk, approve="on"), follow=True
    )

    procedure = Procedure.objects.get()
    assert response.redirect_chain[-1][0] == url("procedure-detail", procedure.pk)
    assert_shown(response, gettext("The procedure is created and approved."))
    version = procedure.versions.get()
    assert (procedure.clinic, procedure.owner, version.number) == (admin.clinic, admin.user, 1)
    assert (version.approved_by, version.approved_on, version.created_by) == (admin.user, today(), admin.user)
    assert actions("quality.procedure.created", "quality.procedure.version_approved") == [
        "quality.procedure.created",
        "quality.procedure.version_approved",
    ]
    assert rules.unread_procedures(clinic=admin.clinic, users=[admin.user]) == {admin.user: [version]}


def test_inj_v1_a_new_procedure_without_approval_is_a_draft(client_as, doctor):
    client_as(doctor).post(url("procedure-create"), procedure_data(owner=doctor.user.pk))

    version = ProcedureVersion.objects.get()
    assert (version.approved_by, version.approved_on) == (None, None)
    assert not rules.unread_procedures(clinic=doctor.clinic, users=[doctor.user])
    assert actions("quality.procedure.created", "quality.procedure.version_approved") == ["quality.procedure.created"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "Nål <b>"}, "Use plain text only: the characters < and > and control characters are not allowed."),
        ({"title": "anafylaksiberedskap"}, "The clinic already has a procedure with this title."),
        ({"next_review_on": "2020-01-01"}, "The next review must be a date after today."),
        ({"next_review_on": "31.02.2026"}, "Enter a valid date."),
        ({"content": ""}, "This field is required."),
        ({"owner": "999999"}, "Choose an owner with a role in this clinic."),
    ],
)
def test_inj_v1_bad_procedure_input_is_refused_and_nothing_saved(client_as, admin, overrides, message):
    make_procedure(admin)  # "Anafylaksiberedskap" exists already
    before = AuditEvent.objects.count()

    response = client_as(admin).post(url("procedure-create"), procedure_data(**{"owner": admin.user.pk, **overrides}))

    assert response.status_code == 400
    assert_shown(response, gettext(message))
    assert Procedure.objects.count() == 1
    assert AuditEvent.objects.count() == before


def test_inj_v1_owner_must_be_someone_who_manages_procedures(client_as, admin, physio, outsider):
    for owner in (physio.user, outsider.user):
        response = client_as(admin).post(url("procedure-create"), procedure_data(owner=owner.pk))
        assert response.status_code == 400
        assert_shown(response, gettext("Choose an owner with a role in this clinic."))
    assert not Procedure.objects.exists()


# --- Versions: draft → approve; approved versions never change (INJ-V3) ---------------------------


def version_data(**overrides) -> dict:
    data = {
        "content": "## Formål\nNy og bedre tekst.",
        "change_summary": "Dosering for barn lagt til",
        "next_review_on": (today() + 200 * DAY).isoformat(),
    }
    data.update(overrides)
    return data


def test_inj_v3_a_change_is_a_new_draft_and_the_old_version_stays_in_force(client_as, admin, physio):
    procedure = make_procedure(admin, content="Gammel tekst")
    old = procedure.versions.get()

    response = client_as(admin).post(url("procedure-version-create", procedure.pk), version_data(), follow=True)

    draft = procedure.versions.get(number=2)
    assert response.redirect_chain[-1][0] == url("procedure-version", procedure.pk, 2)
    assert (draft.approved_on, draft.change_summary, draft.created_by) == (
        None,
        "Dosering for barn lagt til",
        admin.user,
    )
    old.refresh_from_db()
    assert (old.content, old.approved_by) == ("Gammel tekst", admin.user)
    # Staff still see the approved version until the draft is approved.
    page = client_as(physio).get(url("procedure-detail", procedure.pk)).content.decode()
    assert "Gammel tekst" in page and "Ny og bedre tekst" not in page
    assert actions("quality.procedure.version_created") == ["quality.procedure.version_created"]


def test_inj_v3_approving_the_draft_puts_it_in_force_and_keeps_history(client_as, admin, doctor, physio):
    procedure = make_procedure(admin, content="Gammel tekst")
    add_version(procedure, admin, approved=False, content="Ny tekst")

    response = client_as(doctor).post(url("procedure-approve", procedure.pk, 2), follow=True)

    assert response.redirect_chain[-1][0] == url("procedure-detail", procedure.pk)
    assert_shown(
        response,
        gettext("Version %(number)s is approved and now in force. All staff must confirm they have read it.")
        % {"number": 2},
    )
    v1, v2 = procedure.versions.order_by("number")
    assert (v2.approved_by, v2.approved_on) == (doctor.user, today())
    assert v1.content == "Gammel tekst" and v1.approved_on is not None
    page = client_as(physio).get(url("procedure-detail", procedure.pk)).content.decode()
    assert "Ny tekst" in page
    old_page = client_as(physio).get(url("procedure-version", procedure.pk, 1)).content.decode()
    assert "Gammel tekst" in old_page and 'data-testid="superseded-banner"' in old_page
    assert actions("quality.procedure.version_approved") == ["quality.procedure.version_approved"]


def test_inj_v3_saving_again_changes_the_open_draft_not_a_new_number(client_as, admin):
    procedure = make_procedure(admin)
    client = client_as(admin)
    client.post(url("procedure-version-create", procedure.pk), version_data(content="Utkast 1"))
    client.post(url("procedure-version-create", procedure.pk), version_data(content="Utkast 2"))

    assert list(procedure.versions.order_by("number").values_list("number", "content")) == [
        (1, "## Formål\nVær forberedt."),
        (2, "Utkast 2"),
    ]
    assert actions("quality.procedure.version_created", "quality.procedure.draft_updated") == [
        "quality.procedure.version_created",
        "quality.procedure.draft_updated",
    ]


def test_inj_v3_version_form_needs_a_change_summary(client_as, admin):
    procedure = make_procedure(admin)

    response = client_as(admin).post(url("procedure-version-create", procedure.pk), version_data(change_summary=""))

    assert response.status_code == 400
    assert_shown(response, gettext("Describe what changed in this version."))
    assert procedure.versions.count() == 1


def test_inj_v3_an_approved_version_is_never_edited(admin, doctor):
    procedure = make_procedure(admin)
    v2 = services.procedure_draft_save(
        actor=actor(admin), procedure=procedure, content="To", change_summary="x", next_review_on=today() + 9 * DAY
    )
    services.procedure_version_approve(actor=actor(doctor), version=v2)

    with pytest.raises(ValidationError) as refused:
        services.procedure_version_approve(actor=actor(admin), version=v2)
    assert gettext("This version is already approved. A change needs a new version.") in refused.value.messages

    v3 = services.procedure_draft_save(
        actor=actor(admin), procedure=procedure, content="Tre", change_summary="y", next_review_on=today() + 9 * DAY
    )
    v2.refresh_from_db()
    assert (v3.number, v2.content, v2.approved_by) == (3, "To", doctor.user)


def test_inj_v3_an_older_draft_cannot_be_approved_over_a_newer_version(admin):
    procedure = make_procedure(admin)
    stale = add_version(procedure, admin, approved=False)
    add_version(procedure, admin, approved=True)

    with pytest.raises(ValidationError):
        services.procedure_version_approve(actor=actor(admin), version=stale)


def test_inj_v3_only_someone_who_manages_procedures_may_approve(admin, physio):
    procedure = make_procedure(admin, approved=False)
    draft = procedure.versions.get()

    with pytest.raises(ValidationError) as refused:
        services.procedure_version_approve(actor=actor(physio), version=draft)

    assert gettext("Only the clinic's administrator or a doctor may approve procedures.") in refused.value.messages
    draft.refresh_from_db()
    assert draft.approved_on is None
    assert not actions("quality.procedure.version_approved")


def test_inj_v3_version_numbers_follow_each_other(admin):
    procedure = make_procedure(admin)
    numbers = []
    for text in ("to", "tre", "fire"):
        version = services.procedure_draft_save(
            actor=actor(admin), procedure=procedure, content=text, change_summary=text, next_review_on=today() + DAY
        )
        services.procedure_version_approve(actor=actor(admin), version=version)
        numbers.append(version.number)

    assert numbers == [2, 3, 4]
    assert rules.procedures_due_for_review(clinic=admin.clinic, on=today() + DAY)[0].number == 4


def test_services_refuse_another_clinics_procedure(admin, outsider):
    procedure = make_procedure(admin)

    with pytest.raises(Exception, match="another clinic"):
        services.procedure_draft_save(
            actor=actor(outsider), procedure=procedure, content="x", change_summary="x", next_review_on=today() + DAY
        )


# --- Read receipts (INJ-V3) ------------------------------------------------------------------


def test_inj_v3_staff_confirm_reading_the_version_in_force(client_as, admin, physio):
    procedure = make_procedure(admin)
    version = procedure.versions.get()
    client = client_as(physio)

    response = client.post(url("procedure-read", procedure.pk), {"version": version.pk}, follow=True)
    client.post(url("procedure-read", procedure.pk), {"version": version.pk})  # a double click

    assert response.redirect_chain[-1][0] == url("procedure-detail", procedure.pk)
    assert_shown(
        response,
        gettext("Thank you. You have confirmed reading version %(number)s of “%(title)s”.")
        % {"number": 1, "title": procedure.title},
    )
    assert list(ReadReceipt.objects.values_list("version", "user")) == [(version.pk, physio.user.pk)]
    assert actions("quality.procedure.read") == ["quality.procedure.read"]
    assert physio.user not in rules.unread_procedures(clinic=admin.clinic, users=[physio.user])
    page = client.get(url("procedure-detail", procedure.pk)).content.decode()
    assert 'name="version"' not in page  # confirmed: no button any more


def test_inj_v3_reading_an_old_version_does_not_count_for_the_new_one(client_as, admin, physio):
    procedure = make_procedure(admin)
    v1 = procedure.versions.get()
    ReadReceipt.objects.create(version=v1, user=physio.user)
    v2 = add_version(procedure, admin, approved=True)

    assert rules.unread_procedures(clinic=admin.clinic, users=[physio.user]) == {physio.user: [v2]}

    response = client_as(physio).post(url("procedure-read", procedure.pk), {"version": v1.pk}, follow=True)

    assert_shown(
        response,
        gettext("Version %(number)s is no longer in force: read version %(current)s and confirm that one.")
        % {"number": 1, "current": 2},
    )
    assert not ReadReceipt.objects.filter(version=v2).exists()
    assert not actions("quality.procedure.read")


def test_inj_v3_a_draft_cannot_be_confirmed_as_read(client_as, admin, physio):
    procedure = make_procedure(admin, approved=False)

    response = client_as(physio).post(
        url("procedure-read", procedure.pk), {"version": procedure.versions.get().pk}, follow=True
    )

    assert_shown(response, gettext("This procedure has no approved version to confirm yet."))
    assert not ReadReceipt.objects.exists()


@pytest.mark.parametrize("data", [{}, {"version": "abc"}, {"version": "999999"}])
def test_inj_v3_read_confirmation_without_a_valid_version_changes_nothing(client_as, admin, physio, data):
    procedure = make_procedure(admin)

    response = client_as(physio).post(url("procedure-read", procedure.pk), data, follow=True)

    assert_shown(response, gettext("Open the procedure and confirm the version you have read."))
    assert not ReadReceipt.objects.exists()


def test_inj_v3_read_only_by_post(client_as, admin, physio):
    procedure = make_procedure(admin)

    assert client_as(physio).get(url("procedure-read", procedure.pk)).status_code == 405


def test_inj_v3_unread_procedures_lists_who_has_not_read_what(admin, doctor, physio, reception):
    first = make_procedure(admin, "Anafylaksiberedskap").versions.get()
    second = make_procedure(admin, "Avvikshåndtering").versions.get()
    make_procedure(admin, "Utkast", approved=False)
    ReadReceipt.objects.create(version=first, user=physio.user)
    ReadReceipt.objects.create(version=first, user=doctor.user)
    ReadReceipt.objects.create(version=second, user=doctor.user)

    unread = rules.unread_procedures(clinic=admin.clinic, users=clinic_staff(clinic=admin.clinic))

    assert unread == {admin.user: [first, second], physio.user: [second], reception.user: [first, second]}


def test_inj_v3_managers_see_who_has_not_read(client_as, admin, physio, doctor):
    procedure = make_procedure(admin)
    ReadReceipt.objects.create(version=procedure.versions.get(), user=doctor.user)

    listing = client_as(admin).get(url("procedure-list"))
    detail = client_as(admin).get(url("procedure-detail", procedure.pk))

    assert [user for user, _versions in listing.context["unread"]] == [admin.user, physio.user]
    assert 'data-testid="unread-overview"' in listing.content.decode()
    assert {reader.user: reader.read_at is not None for reader in detail.context["readers"]} == {
        admin.user: False,
        doctor.user: True,
        physio.user: False,
    }
    # Staff without the right to manage see only their own status.
    physio_page = client_as(physio).get(url("procedure-list")).content.decode()
    assert 'data-testid="unread-overview"' not in physio_page
    assert 'data-testid="my-unread"' in physio_page


# --- Reviews (LAW-Q §8, INJ-V3), with frozen time -------------------------------------------


@time_machine.travel(FROZEN, tick=False)
def test_inj_v3_procedures_due_for_review_on_a_date(admin):
    on = datetime.date(2025, 3, 10)
    overdue = make_procedure(admin, "A", review_on=datetime.date(2025, 3, 9)).versions.get()
    due_today = make_procedure(admin, "B", review_on=on).versions.get()
    next_week = make_procedure(admin, "C", review_on=datetime.date(2025, 3, 17)).versions.get()
    make_procedure(admin, "D", review_on=datetime.date(2025, 3, 9), approved=False)  # a draft is not in force
    replaced = make_procedure(admin, "E", review_on=datetime.date(2025, 1, 1))
    add_version(replaced, admin, approved=True)  # the version in force is reviewed next year

    assert rules.procedures_due_for_review(clinic=admin.clinic, on=on) == [overdue, due_today]
    assert rules.procedures_due_for_review(clinic=admin.clinic, on=on, within_days=7) == [
        overdue,
        due_today,
        next_week,
    ]
    assert [rules.review_status(v.next_review_on, on) for v in (overdue, due_today, next_week)] == [
        "overdue",
        "due",
        "due",
    ]
    assert rules.review_status(datetime.date(2025, 6, 1), on) == "ok"


@time_machine.travel(FROZEN, tick=False)
def test_law_q_an_overdue_review_is_flagged_on_the_list_and_the_procedure(client_as, admin, physio):
    procedure = make_procedure(admin, review_on=datetime.date(2025, 3, 1))

    listing = client_as(physio).get(url("procedure-list")).content.decode()
    detail = client_as(physio).get(url("procedure-detail", procedure.pk))

    assert 'class="status-expired"' in listing
    assert detail.context["review"] == "overdue"
    assert_shown(
        detail,
        gettext("The review was due on %(date)s. Review the procedure and approve a new version (LAW-Q).")
        % {"date": date_format(datetime.date(2025, 3, 1), "SHORT_DATE_FORMAT")},
    )


@time_machine.travel(FROZEN, tick=False)
def test_inj_v1_internal_control_status(admin, doctor):
    on = datetime.date(2025, 3, 10)
    status = rules.internal_control_status(clinic=admin.clinic, on=on)
    assert set(status.rules) == {"INJ-V1", "INJ-V2"}

    make_procedure(admin, review_on=datetime.date(2025, 3, 1))
    Risk.objects.create(
        clinic=admin.clinic,
        hazard="Besvimelse",
        likelihood=3,
        consequence=2,
        residual_likelihood=2,
        residual_consequence=2,
        measures="Liggende behandling",
        owner=doctor.user,
        review_on=datetime.date(2025, 12, 1),
    )
    status = rules.internal_control_status(clinic=admin.clinic, on=on)
    assert status.rules == ["INJ-V3"]


# --- Query budget ------------------------------------------------------------------------------


def test_procedure_list_has_a_fixed_query_budget(client_as, admin, doctor, physio, django_assert_max_num_queries):
    client = client_as(admin)
    make_procedure(admin, "P0")
    client.get(url("procedure-list"))

    with django_assert_max_num_queries(14) as few:
        assert client.get(url("procedure-list")).status_code == 200

    for index in range(1, 8):
        procedure = make_procedure(admin, f"P{index}")
        add_version(procedure, doctor, approved=index % 2 == 0)
        ReadReceipt.objects.create(version=procedure.versions.order_by("number").first(), user=physio.user)
    for index in range(5):
        make_persona(f"extra{index}", admin.clinic, Role.RECEPTION)

    with django_assert_max_num_queries(14) as many:
        assert client.get(url("procedure-list")).status_code == 200

    assert len(many) == len(few)


def test_procedure_detail_has_a_fixed_query_budget(client_as, admin, doctor, django_assert_max_num_queries):
    client = client_as(admin)
    procedure = make_procedure(admin)
    client.get(url("procedure-detail", procedure.pk))

    with django_assert_max_num_queries(14) as few:
        assert client.get(url("procedure-detail", procedure.pk)).status_code == 200

    for _ in range(6):
        add_version(procedure, doctor, approved=True)
    add_version(procedure, doctor, approved=False)
    for index in range(5):
        make_persona(f"extra{index}", admin.clinic, Role.PHYSIO)

    with django_assert_max_num_queries(14) as many:
        assert client.get(url("procedure-detail", procedure.pk)).status_code == 200

    assert len(many) == len(few)


# --- Demo starter set --------------------------------------------------------------------------


def test_inj_v1_demo_clinic_gets_a_starter_set(admin, doctor, physio, reception):
    create_demo_documents(
        clinic=admin.clinic, admin_user=admin.user, doctor_user=doctor.user, users=[physio.user, reception.user]
    )
    create_demo_documents(  # idempotent
        clinic=admin.clinic, admin_user=admin.user, doctor_user=doctor.user, users=[physio.user, reception.user]
    )

    current = list(current_versions(clinic=admin.clinic))
    titles = set(Procedure.objects.filter(clinic=admin.clinic).values_list("title", flat=True))
    assert titles == {
        "Injeksjonsbehandling",
        "Anafylaksiberedskap",
        "Legemiddelhåndtering",
        "Nålebehandling",
        "Avvikshåndtering",
    }
    assert len(current) == 5
    assert ProcedureVersion.objects.filter(procedure__clinic=admin.clinic, approved_on__isnull=True).count() == 0
    assert Procedure.objects.get(title="Anafylaksiberedskap").versions.count() == 2
    unread = rules.unread_procedures(clinic=admin.clinic, users=[physio.user, reception.user])
    assert physio.user not in unread and len(unread[reception.user]) == 5 - len(range(0, 5, 2))
    assert Risk.objects.filter(clinic=admin.clinic).count() == 7
    for risk in Risk.objects.filter(clinic=admin.clinic):
        assert risk.residual_score <= risk.score and risk.measures
    for version in ProcedureVersion.objects.filter(procedure__clinic=admin.clinic):
        html = render_markdown(version.content)
        assert "<h2>" in html and "<script" not in html
