"""Risk register (ROS, INJ-V2, LAW-Q): scoring 1–5 × 1–5, measures and residual risk, the matrix picture,
reviews on time."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from conftest import Persona, make_persona
from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.clinics.models import Role
from kanyle.quality import rules
from kanyle.quality.models import Risk
from kanyle.quality.services import risks as services
from kanyle.quality.views.risks import FILLS, build_matrix

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
FROZEN = datetime.datetime(2025, 3, 10, 9, 0, tzinfo=datetime.UTC)


def today() -> datetime.date:
    return timezone.localdate()


def url(name: str, *args) -> str:
    return reverse(f"quality:{name}", args=args)


def make_risk(owner: Persona, hazard: str = "Anafylaksi etter injeksjon", **fields) -> Risk:
    values = {
        "likelihood": 2,
        "consequence": 5,
        "measures": "Akuttskrin, øvelse og observasjon",
        "residual_likelihood": 1,
        "residual_consequence": 5,
        "review_on": today() + 180 * DAY,
    }
    values.update(fields)
    return Risk.objects.create(clinic=owner.clinic, hazard=hazard, owner=owner.user, **values)


def risk_data(persona: Persona, /, **overrides) -> dict:
    data = {
        "hazard": "Pneumothorax ved nålebehandling over brystkassen",
        "description": "Nålen går gjennom lungehinnen.",
        "likelihood": "2",
        "consequence": "5",
        "measures": "Korte nåler, flat vinkel, opplæring i anatomi.",
        "residual_likelihood": "1",
        "residual_consequence": "4",
        "owner": str(persona.user.pk),
        "review_on": (today() + 365 * DAY).isoformat(),
    }
    data.update(overrides)
    return data


def assert_shown(response, text: str) -> None:
    assert escape(text) in response.content.decode(), f"{text!r} not shown"


@pytest.fixture
def admin_b(clinic_b) -> Persona:
    return make_persona("admin_b", clinic_b, Role.ADMIN)


# --- Scoring ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (1, "low"),
        (4, "low"),
        (5, "moderate"),
        (9, "moderate"),
        (10, "high"),
        (12, "high"),
        (15, "critical"),
        (25, "critical"),
    ],
)
def test_inj_v2_risk_level_bands(score, level):
    assert rules.risk_level(score) == level


# --- Creating and reassessing -------------------------------------------------------------------


def test_inj_v2_doctor_adds_a_risk(client_as, doctor):
    response = client_as(doctor).post(url("risk-create"), risk_data(doctor), follow=True)

    risk = Risk.objects.get()
    assert response.redirect_chain[-1][0] == url("risk-detail", risk.pk)
    assert_shown(response, gettext("The risk is added."))
    assert (risk.clinic, risk.owner, risk.score, risk.residual_score, risk.is_active) == (
        doctor.clinic,
        doctor.user,
        10,
        4,
        True,
    )
    event = AuditEvent.objects.get(action="quality.risk.created")
    assert (event.user, event.object_id, event.clinic) == (doctor.user, str(risk.pk), doctor.clinic)


SCORE_MESSAGES = {
    "likelihood": "Likelihood must be a whole number from 1 to 5.",
    "consequence": "Consequence must be a whole number from 1 to 5.",
    "residual_likelihood": "Likelihood after measures must be a whole number from 1 to 5.",
    "residual_consequence": "Consequence after measures must be a whole number from 1 to 5.",
}


@pytest.mark.parametrize("field", list(SCORE_MESSAGES))
@pytest.mark.parametrize("value", ["0", "6", "-1", "2.5", "tre", "", "99999999999999999999"])
def test_inj_v2_scores_outside_1_to_5_are_refused(client_as, admin, field, value):
    response = client_as(admin).post(url("risk-create"), risk_data(admin, **{field: value}))

    assert response.status_code == 400
    assert_shown(response, gettext(SCORE_MESSAGES[field]))
    assert not Risk.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="quality.risk").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"residual_likelihood": "3", "residual_consequence": "5"},
            "The risk after measures cannot be higher than the risk before them.",
        ),
        ({"measures": ""}, "Describe the measures that lower the risk."),
        ({"review_on": "2020-01-01"}, "The next review cannot be in the past."),
        ({"review_on": "i morgen"}, "Enter a valid date."),
        ({"hazard": ""}, "This field is required."),
        ({"hazard": "<script>"}, "Use plain text only: the characters < and > and control characters are not allowed."),
        ({"owner": "999999"}, "Choose an owner with a role in this clinic."),
    ],
)
def test_inj_v2_unsound_assessments_are_refused(client_as, admin, overrides, message):
    response = client_as(admin).post(url("risk-create"), risk_data(admin, **overrides))

    assert response.status_code == 400
    assert_shown(response, gettext(message))
    assert not Risk.objects.exists()


def test_inj_v2_owner_of_another_clinic_is_refused(client_as, admin, outsider):
    response = client_as(admin).post(url("risk-create"), risk_data(admin, owner=str(outsider.user.pk)))

    assert response.status_code == 400
    assert_shown(response, gettext("Choose an owner with a role in this clinic."))
    assert not Risk.objects.exists()


def test_inj_v2_a_risk_accepted_without_measures_is_allowed(client_as, admin):
    data = risk_data(admin, measures="", residual_likelihood="2", residual_consequence="5")

    assert client_as(admin).post(url("risk-create"), data).status_code == 302
    assert Risk.objects.get().residual_score == 10


def test_inj_v2_reassessment_is_saved_and_names_the_changes(client_as, admin, doctor):
    risk = make_risk(admin)
    data = risk_data(
        admin,
        hazard=risk.hazard,
        likelihood="3",
        consequence="5",
        residual_likelihood="1",
        residual_consequence="5",
        owner=str(doctor.user.pk),
        is_active="on",
    )

    response = client_as(doctor).post(url("risk-edit", risk.pk), data, follow=True)

    assert_shown(response, gettext("The risk assessment is saved."))
    risk.refresh_from_db()
    assert (risk.likelihood, risk.owner, risk.review_on) == (3, doctor.user, today() + 365 * DAY)
    detail = AuditEvent.objects.get(action="quality.risk.updated").detail
    assert "likelihood" in detail and "owner" in detail and "review_on" in detail
    assert "residual_likelihood" not in detail


def test_inj_v2_bad_reassessment_changes_nothing(client_as, admin):
    risk = make_risk(admin)

    response = client_as(admin).post(url("risk-edit", risk.pk), risk_data(admin, likelihood="7", is_active="on"))

    assert response.status_code == 400
    assert_shown(response, gettext("Likelihood must be a whole number from 1 to 5."))
    risk.refresh_from_db()
    assert risk.likelihood == 2
    assert not AuditEvent.objects.filter(action="quality.risk.updated").exists()


def test_inj_v2_an_inactive_risk_is_kept_but_left_out_of_the_matrix(client_as, admin):
    risk = make_risk(admin)
    make_risk(admin, "Besvimelse", likelihood=4, consequence=2, residual_likelihood=3, residual_consequence=2)

    client_as(admin).post(url("risk-edit", risk.pk), risk_data(admin, hazard=risk.hazard))  # is_active unchecked

    risk.refresh_from_db()
    assert not risk.is_active
    page = client_as(admin).get(url("risk-list"))
    assert [(row.number, row.risk.hazard, row.review) for row in page.context["rows"]] == [
        (1, "Besvimelse", "ok"),
        (None, risk.hazard, "inactive"),
    ]
    assert [m.text for m in page.context["before"].markers] == ["1"]


def test_services_refuse_another_clinics_risk(admin, outsider):
    risk = make_risk(admin)
    risk.likelihood = 1

    with pytest.raises(PermissionDenied):
        services.risk_update(actor=Actor(user=outsider.user, clinic=outsider.clinic, role="physio"), risk=risk)


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["physio", "doctor", "admin", "reception"])
def test_inj_v2_everyone_reads_the_risk_register(request, client_as, admin, persona):
    risk = make_risk(admin)
    client = client_as(request.getfixturevalue(persona))

    assert client.get(url("risk-list")).status_code == 200
    assert client.get(url("risk-detail", risk.pk)).status_code == 200


@pytest.mark.parametrize("persona", ["physio", "reception", "outsider"])
def test_inj_v2_only_admin_and_doctor_assess_risks(request, client_as, admin, persona):
    risk = make_risk(admin)
    client = client_as(request.getfixturevalue(persona))

    assert client.get(url("risk-create")).status_code == 403
    assert client.post(url("risk-create"), risk_data(admin)).status_code == 403
    assert client.post(url("risk-edit", risk.pk), risk_data(admin, likelihood="5")).status_code == 403
    assert Risk.objects.get().likelihood == 2


def test_risk_of_another_clinic_is_404(client_as, admin, outsider, admin_b):
    risk = make_risk(admin, "Glemt nål")

    assert client_as(outsider).get(url("risk-detail", risk.pk)).status_code == 404
    assert client_as(admin_b).get(url("risk-edit", risk.pk)).status_code == 404
    assert client_as(admin_b).post(url("risk-edit", risk.pk), risk_data(admin_b, likelihood="5")).status_code == 404
    assert "Glemt nål" not in client_as(admin_b).get(url("risk-list")).content.decode()
    assert Risk.objects.get().likelihood == 2


@pytest.mark.parametrize("name", ["risk-list", "risk-create"])
def test_anonymous_users_are_sent_to_login_from_the_register(client, name):
    response = client.get(url(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- The matrix picture --------------------------------------------------------------------------


def test_inj_v2_matrix_places_numbered_risks_before_and_after_measures(admin):
    first = make_risk(admin, likelihood=5, consequence=4, residual_likelihood=2, residual_consequence=4)
    second = make_risk(admin, "Glemt nål", likelihood=1, consequence=1, residual_likelihood=1, residual_consequence=1)

    before = build_matrix([(1, first), (2, second)], residual=False)
    after = build_matrix([(1, first), (2, second)], residual=True)

    cell = {(c.likelihood, c.consequence): c for c in before.cells}
    assert len(before.cells) == 25
    assert (cell[5, 5].fill, cell[1, 1].fill, cell[2, 3].fill, cell[3, 4].fill) == (
        FILLS["critical"],
        FILLS["low"],
        FILLS["moderate"],
        FILLS["high"],
    )

    def where(matrix, text):
        marker = next(m for m in matrix.markers if m.text == text)
        found = [c for c in matrix.cells if c.x < marker.x < c.x + matrix.cell and c.y < marker.y < c.y + matrix.cell]
        return found[0].likelihood, found[0].consequence

    assert (where(before, "1"), where(before, "2")) == ((5, 4), (1, 1))
    assert (where(after, "1"), where(after, "2")) == ((2, 4), (1, 1))


def test_inj_v2_a_crowded_cell_shows_how_many_more(admin):
    risks = [make_risk(admin, f"Fare {n}") for n in range(1, 12)]

    matrix = build_matrix(list(enumerate(risks, start=1)), residual=False)

    assert [m.text for m in matrix.markers] == ["1", "2", "3", "4", "5", "6", "7", "8", "+3"]
    assert "9. Fare 9" in matrix.markers[-1].title and "11. Fare 11" in matrix.markers[-1].title


def test_inj_v2_risk_list_draws_two_matrices_with_a_legend(client_as, admin, physio):
    make_risk(admin)
    make_risk(admin, "Besvimelse", likelihood=4, consequence=2, residual_likelihood=3, residual_consequence=2)

    page = client_as(physio).get(url("risk-list")).content.decode()

    assert page.count("<svg") == 2
    assert 'data-testid="matrix-before"' in page and 'data-testid="matrix-after"' in page
    assert page.count('data-marker="1"') == 2 and page.count('data-marker="2"') == 2
    assert f'fill="{FILLS["critical"]}"' in page
    legend = page.split('data-testid="matrix-legend"')[1].split("</ol>")[0]
    assert 'value="1"' in legend and "Anafylaksi etter injeksjon" in legend and "Besvimelse" in legend
    # The CSP allows no inline style or script: colours are SVG attributes, layout is a static file.
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "quality/quality.css" in page


def test_inj_v2_hazard_names_are_escaped_in_the_picture(client_as, admin):
    Risk.objects.create(  # written past the validators, as a migration or import might
        clinic=admin.clinic,
        hazard='Nål "<script>alert(1)</script>',
        likelihood=2,
        consequence=2,
        residual_likelihood=1,
        residual_consequence=2,
        measures="x",
        owner=admin.user,
        review_on=today() + DAY,
    )

    page = client_as(admin).get(url("risk-list")).content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)" in page


# --- Reviews (LAW-Q §8), with frozen time --------------------------------------------------------


@time_machine.travel(FROZEN, tick=False)
def test_inj_v2_risks_due_for_review_on_a_date(admin):
    on = datetime.date(2025, 3, 10)
    overdue = make_risk(admin, "A", review_on=datetime.date(2025, 2, 1))
    due_today = make_risk(admin, "B", review_on=on)
    in_a_month = make_risk(admin, "C", review_on=datetime.date(2025, 4, 9))
    make_risk(admin, "D", review_on=datetime.date(2025, 1, 1), is_active=False)

    assert rules.risks_due_for_review(clinic=admin.clinic, on=on) == [overdue, due_today]
    assert rules.risks_due_for_review(clinic=admin.clinic, on=on, within_days=30) == [overdue, due_today, in_a_month]
    assert rules.risks_due_for_review(clinic=admin.clinic, on=datetime.date(2025, 1, 31)) == []


@time_machine.travel(FROZEN, tick=False)
def test_law_q_overdue_risk_review_is_flagged(client_as, admin, physio):
    risk = make_risk(admin, review_on=datetime.date(2025, 3, 9))
    make_risk(admin, "Besvimelse", review_on=datetime.date(2025, 3, 30))
    make_risk(admin, "Glemt nål", review_on=datetime.date(2025, 9, 1))

    listing = client_as(physio).get(url("risk-list"))
    detail = client_as(physio).get(url("risk-detail", risk.pk))

    assert {row.risk.hazard: row.review for row in listing.context["rows"]} == {
        risk.hazard: "overdue",
        "Besvimelse": "due",
        "Glemt nål": "ok",
    }
    assert listing.context["due_count"] == 2
    content = listing.content.decode()
    assert 'class="status-expired"' in content and 'class="status-expiring"' in content
    assert_shown(
        detail,
        gettext("The review was due on %(date)s. Reassess the risk and set a new review date.")
        % {"date": "09.03.2025"},
    )


@time_machine.travel(FROZEN, tick=False)
def test_law_q_a_reassessment_sets_a_new_review_date(client_as, admin):
    risk = make_risk(admin, review_on=datetime.date(2025, 3, 1))

    client_as(admin).post(
        url("risk-edit", risk.pk), risk_data(admin, hazard=risk.hazard, review_on="2026-03-10", is_active="on")
    )

    assert rules.risks_due_for_review(clinic=admin.clinic, on=datetime.date(2025, 3, 10)) == []


# --- Query budget ------------------------------------------------------------------------------


def test_risk_list_has_a_fixed_query_budget(client_as, admin, doctor, django_assert_max_num_queries):
    client = client_as(admin)
    make_risk(admin)
    client.get(url("risk-list"))

    with django_assert_max_num_queries(8) as few:
        assert client.get(url("risk-list")).status_code == 200

    for n in range(15):
        make_risk(doctor if n % 2 else admin, f"Fare {n}", likelihood=1 + n % 5, consequence=1 + n % 3)

    with django_assert_max_num_queries(8) as many:
        assert client.get(url("risk-list")).status_code == 200

    assert len(many) == len(few)
