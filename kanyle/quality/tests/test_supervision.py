"""Supervision visits (INJ-O3): when the doctor takes part by video, the doctor still visits the clinic,
at least every ``Clinic.supervision_visit_interval_days`` (default 90)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from conftest import Persona, make_persona
from kanyle.audit.models import AuditEvent
from kanyle.clinics.models import OrganisationModel, Role
from kanyle.quality import rules
from kanyle.quality.models import SupervisionVisit
from kanyle.staff.models import Practitioner

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
FROZEN = datetime.datetime(2025, 6, 2, 9, 0, tzinfo=datetime.UTC)
ON = datetime.date(2025, 6, 2)


def url(name: str) -> str:
    return reverse(f"quality:{name}")


def practitioner(persona: Persona) -> Practitioner:
    return Practitioner.objects.get(user=persona.user, clinic=persona.clinic)


def visit(doctor: Persona, visited_on: datetime.date, notes: str = "Gjennomgang av delegeringer") -> SupervisionVisit:
    return SupervisionVisit.objects.create(
        clinic=doctor.clinic, doctor=practitioner(doctor), visited_on=visited_on, notes=notes, recorded_by=doctor.user
    )


def assert_shown(response, text: str) -> None:
    assert escape(text) in response.content.decode(), f"{text!r} not shown"


@pytest.fixture
def video_clinic(clinic_a):
    clinic_a.organisation_model = OrganisationModel.DOCTOR_BY_VIDEO
    clinic_a.save(update_fields=["organisation_model"])
    return clinic_a


@pytest.fixture
def doctor_b(clinic_b) -> Persona:
    return make_persona("doctor_b", clinic_b, Role.DOCTOR)


# --- The rule -------------------------------------------------------------------------------------


def test_inj_o3_visits_are_not_required_outside_the_video_model(clinic_a, doctor):
    assert clinic_a.organisation_model == OrganisationModel.DOCTOR_ON_SITE

    assert rules.supervision_status(clinic=clinic_a, on=ON).ok


def test_inj_o3_video_model_without_any_visit_is_refused(video_clinic, doctor):
    decision = rules.supervision_status(clinic=video_clinic, on=ON)

    assert decision.rules == ["INJ-O3"]
    assert decision.findings[0].message == gettext(
        "No on-site visit by the responsible doctor is recorded. When the doctor takes part by video, "
        "the doctor must also visit the clinic at regular intervals."
    )


@pytest.mark.parametrize(("days_ago", "ok"), [(0, True), (1, True), (89, True), (90, True), (91, False), (400, False)])
def test_inj_o3_last_visit_must_be_within_the_interval(video_clinic, doctor, days_ago, ok):
    visit(doctor, ON - days_ago * DAY)

    assert rules.supervision_status(clinic=video_clinic, on=ON).ok is ok


def test_inj_o3_overdue_message_names_the_dates(video_clinic, doctor):
    visit(doctor, datetime.date(2025, 1, 15))

    decision = rules.supervision_status(clinic=video_clinic, on=ON)

    assert decision.findings[0].rule == "INJ-O3"
    assert "15.01.2025" in decision.findings[0].message and "15.04.2025" in decision.findings[0].message
    assert "90" in decision.findings[0].message


def test_inj_o3_the_interval_is_the_clinics_setting(video_clinic, doctor):
    video_clinic.supervision_visit_interval_days = 30
    video_clinic.save(update_fields=["supervision_visit_interval_days"])
    visit(doctor, ON - 31 * DAY)

    assert not rules.supervision_status(clinic=video_clinic, on=ON).ok
    assert rules.supervision_due_on(clinic=video_clinic, last_visit_on=ON - 31 * DAY) == ON - DAY


def test_inj_o3_only_visits_up_to_the_date_count(video_clinic, doctor):
    visit(doctor, ON + 5 * DAY)  # a visit after the date asked about proves nothing for that date

    assert not rules.supervision_status(clinic=video_clinic, on=ON).ok


def test_inj_o3_a_given_doctor_must_have_visited_personally(video_clinic, doctor, clinic_a):
    other = make_persona("doctor2", clinic_a, Role.DOCTOR)
    visit(other, ON - 10 * DAY)

    assert rules.supervision_status(clinic=video_clinic, on=ON).ok
    assert not rules.supervision_status(clinic=video_clinic, on=ON, doctor=practitioner(doctor)).ok
    assert rules.supervision_status(clinic=video_clinic, on=ON, doctor=practitioner(other)).ok


def test_inj_o3_visits_of_another_clinic_do_not_count(video_clinic, doctor, doctor_b):
    visit(doctor_b, ON - DAY)

    assert not rules.supervision_status(clinic=video_clinic, on=ON).ok


def test_inj_o3_counts_in_the_internal_control_status(video_clinic, doctor):
    assert "INJ-O3" in rules.internal_control_status(clinic=video_clinic, on=ON).rules


# --- Recording a visit ---------------------------------------------------------------------------


def visit_data(doctor: Persona, /, **overrides) -> dict:
    data = {
        "doctor": str(practitioner(doctor).pk),
        "visited_on": (timezone.localdate() - DAY).isoformat(),
        "notes": "Gikk gjennom akuttskrinet og to delegeringer; observerte tre injeksjoner.",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("recorder", ["doctor", "admin"])
def test_inj_o3_admin_or_doctor_records_a_visit(request, client_as, video_clinic, doctor, recorder):
    persona = request.getfixturevalue(recorder)

    response = client_as(persona).post(url("supervision-create"), visit_data(doctor), follow=True)

    assert response.redirect_chain[-1][0] == url("supervision-list")
    assert_shown(response, gettext("The visit is recorded."))
    recorded = SupervisionVisit.objects.get()
    assert (recorded.clinic, recorded.doctor, recorded.recorded_by) == (
        video_clinic,
        practitioner(doctor),
        persona.user,
    )
    assert recorded.visited_on == timezone.localdate() - DAY
    event = AuditEvent.objects.get(action="quality.supervision.recorded")
    assert (event.user, event.object_id) == (persona.user, str(recorded.pk))
    assert rules.supervision_status(clinic=video_clinic, on=timezone.localdate()).ok
    assert response.context["decision"].ok


def test_inj_o3_the_form_suggests_the_doctor_and_today(client_as, doctor):
    form = client_as(doctor).get(url("supervision-create")).context["form"]

    assert form.initial == {"doctor": practitioner(doctor).pk, "visited_on": timezone.localdate()}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"visited_on": "2999-01-01"}, "A visit cannot be recorded before it has taken place."),
        ({"visited_on": "2025-13-40"}, "Enter a valid date."),
        ({"visited_on": ""}, "This field is required."),
        ({"notes": "  "}, "Write what was checked during the visit."),
        ({"doctor": ""}, "This field is required."),
        ({"doctor": "999999"}, "Choose a doctor who works in this clinic."),
    ],
)
def test_inj_o3_bad_visit_input_is_refused_and_nothing_saved(client_as, doctor, overrides, message):
    response = client_as(doctor).post(url("supervision-create"), visit_data(doctor, **overrides))

    assert response.status_code == 400
    assert_shown(response, gettext(message))
    assert not SupervisionVisit.objects.exists()
    assert not AuditEvent.objects.filter(action="quality.supervision.recorded").exists()


def test_inj_o3_only_a_doctor_of_this_clinic_can_be_the_visiting_doctor(client_as, admin, physio, doctor_b):
    for someone in (physio, doctor_b):
        response = client_as(admin).post(url("supervision-create"), visit_data(someone))
        assert response.status_code == 400
        assert_shown(response, gettext("Choose a doctor who works in this clinic."))
    assert not SupervisionVisit.objects.exists()


def test_inj_o3_the_same_visit_is_not_recorded_twice(client_as, doctor):
    client = client_as(doctor)
    client.post(url("supervision-create"), visit_data(doctor))

    response = client.post(url("supervision-create"), visit_data(doctor))

    assert response.status_code == 400
    assert_shown(response, gettext("This doctor's visit on this date is already recorded."))
    assert SupervisionVisit.objects.count() == 1


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["physio", "doctor", "admin", "reception"])
def test_inj_o3_everyone_sees_the_visits(request, client_as, doctor, persona):
    visit(doctor, timezone.localdate() - 3 * DAY, notes="Sjekket hjertestarteren")

    page = client_as(request.getfixturevalue(persona)).get(url("supervision-list"))

    assert page.status_code == 200
    assert "Sjekket hjertestarteren" in page.content.decode()


@pytest.mark.parametrize("persona", ["physio", "reception", "outsider"])
def test_inj_o3_only_admin_and_doctor_record_visits(request, client_as, doctor, persona):
    client = client_as(request.getfixturevalue(persona))

    assert client.get(url("supervision-create")).status_code == 403
    assert client.post(url("supervision-create"), visit_data(doctor)).status_code == 403
    assert not SupervisionVisit.objects.exists()


def test_visits_of_another_clinic_are_invisible(client_as, doctor, doctor_b):
    visit(doctor, timezone.localdate() - DAY, notes="Klinikk A sin hemmelighet")

    page = client_as(doctor_b).get(url("supervision-list")).content.decode()

    assert "Klinikk A sin hemmelighet" not in page


@pytest.mark.parametrize("name", ["supervision-list", "supervision-create"])
def test_anonymous_users_are_sent_to_login_from_visits(client, name):
    response = client.get(url(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- The page, with frozen time -------------------------------------------------------------------


@time_machine.travel(FROZEN, tick=False)
def test_inj_o3_overdue_visit_is_shown_on_the_page(client_as, video_clinic, doctor, physio):
    visit(doctor, datetime.date(2025, 2, 1))

    response = client_as(physio).get(url("supervision-list"))

    assert not response.context["decision"].ok
    assert response.context["due_on"] == datetime.date(2025, 5, 2)
    assert_shown(response, response.context["decision"].messages[0])
    assert_shown(response, gettext("Overdue"))


@time_machine.travel(FROZEN, tick=False)
def test_inj_o3_page_counts_down_to_the_next_visit(client_as, video_clinic, doctor):
    visit(doctor, datetime.date(2025, 5, 1))

    response = client_as(doctor).get(url("supervision-list"))

    assert response.context["decision"].ok
    assert (response.context["due_on"], response.context["days_left"]) == (datetime.date(2025, 7, 30), 58)
    assert_shown(response, gettext("Up to date"))


@time_machine.travel(FROZEN, tick=False)
def test_inj_o3_page_says_visits_are_optional_outside_the_video_model(client_as, clinic_a, doctor):
    response = client_as(doctor).get(url("supervision-list"))

    assert response.context["decision"].ok and not response.context["video_model"]
    assert_shown(response, gettext("Not required"))


def test_supervision_list_has_a_fixed_query_budget(client_as, doctor, admin, django_assert_max_num_queries):
    client = client_as(admin)
    visit(doctor, timezone.localdate() - DAY)
    client.get(url("supervision-list"))

    with django_assert_max_num_queries(10) as few:
        assert client.get(url("supervision-list")).status_code == 200

    for n in range(2, 40):
        visit(doctor, timezone.localdate() - n * DAY)

    with django_assert_max_num_queries(10) as many:
        assert client.get(url("supervision-list")).status_code == 200

    assert len(many) == len(few)
