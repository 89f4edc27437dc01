"""Deviations: anyone reports, the responsible person assesses, decides measures and closes (INJ-V3, INJ-V5,
LAW-Q); side effects arrive automatically from the record (NAL-7)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from conftest import Persona, make_persona
from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.clinics.models import Role
from kanyle.patients.tests.factories import PatientFactory
from kanyle.quality import rules
from kanyle.quality.models import (
    Deviation,
    DeviationCategory,
    DeviationMeasure,
    DeviationStatus,
    MeasureKind,
    Severity,
)
from kanyle.quality.selectors.safety import deviation_statistics
from kanyle.quality.services import deviations as services

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def actor_for(persona: Persona) -> Actor:
    return Actor(user=persona.user, clinic=persona.clinic, role=persona.role)


def local_input(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def report_data(**overrides) -> dict:
    data = {
        "category": DeviationCategory.EQUIPMENT,
        "severity": Severity.MODERATE,
        "occurred_at": local_input(timezone.now() - datetime.timedelta(hours=2)),
        "location": "Behandlingsrom 2",
        "description": "Hjertestarteren sto bak en låst dør.",
        "immediate_action": "Døren låst opp og skilt satt opp.",
    }
    data.update(overrides)
    return data


def report(persona: Persona, **overrides) -> Deviation:
    values = {
        "category": DeviationCategory.OTHER,
        "severity": Severity.LOW,
        "occurred_at": timezone.now() - DAY,
        "description": "Noe gikk galt.",
    }
    values.update(overrides)
    return services.deviation_report(actor=actor_for(persona), **values)


def assessed(persona: Persona, deviation: Deviation, **overrides) -> Deviation:
    values = {"responsible": persona.user, "cause": "Uklar rutine.", "notification_required": False}
    values.update(overrides)
    return services.deviation_assess(actor=actor_for(persona), deviation=deviation, **values)


def add_measure(persona: Persona, deviation: Deviation, **overrides) -> DeviationMeasure:
    values = {
        "kind": MeasureKind.CORRECTIVE,
        "description": "Ny rutine.",
        "owner": persona.user,
        "due_on": timezone.localdate() + 7 * DAY,
    }
    values.update(overrides)
    return services.measure_create(actor=actor_for(persona), deviation=deviation, **values)


def shown(response, message: str) -> bool:
    return escape(message) in response.content.decode()


# --- Reporting -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["physio", "doctor", "admin", "reception"])
def test_inj_v3_anyone_reports_a_deviation(request, client_as, persona):
    who = request.getfixturevalue(persona)

    response = client_as(who).post(reverse("quality:deviation-create"), report_data())

    deviation = Deviation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("quality:deviation-detail", args=[deviation.pk])
    assert (deviation.clinic, deviation.reported_by, deviation.status) == (who.clinic, who.user, "reported")
    assert deviation.location == "Behandlingsrom 2" and not deviation.notification_required
    event = AuditEvent.objects.get(action="quality.deviation.reported")
    assert event.object_id == str(deviation.pk) and event.user == who.user and not event.flagged


def test_inj_v3_report_form_needs_login(client, db):
    response = client.get(reverse("quality:deviation-create"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_inj_v3_a_deviation_in_the_future_is_refused(client_as, physio):
    response = client_as(physio).post(
        reverse("quality:deviation-create"), report_data(occurred_at=local_input(timezone.now() + 2 * DAY))
    )

    assert response.status_code == 400
    assert shown(response, gettext("A deviation is reported after it happened: the time is in the future."))
    assert not Deviation.objects.exists() and not AuditEvent.objects.filter(action__startswith="quality.").exists()


def test_inj_v3_a_report_without_description_is_refused(client_as, physio):
    response = client_as(physio).post(reverse("quality:deviation-create"), report_data(description=""))

    assert response.status_code == 400
    assert not Deviation.objects.exists()


def test_inj_v3_serious_event_flags_the_notification_duty_and_names_the_authority(client_as, physio, admin):
    response = client_as(physio).post(
        reverse("quality:deviation-create"),
        report_data(category=DeviationCategory.INJECTION_REACTION, severity=Severity.CRITICAL),
    )

    deviation = Deviation.objects.get()
    assert response.status_code == 302 and deviation.notification_required
    assert AuditEvent.objects.get(action="quality.deviation.reported").flagged
    page = client_as(admin).get(reverse("quality:deviation-detail", args=[deviation.pk]))
    assert 'data-testid="notification-duty"' in page.content.decode()
    for authority in rules.notification_authorities(category=deviation.category, severity=deviation.severity):
        assert shown(page, authority)
    assert any("Statens helsetilsyn" in a for a in rules.notification_authorities(category="other", severity="serious"))
    assert rules.notification_authorities(category="other", severity="moderate") == []


def test_inj_v3_report_started_from_a_patient_carries_the_patient(client_as, physio, patient_a):
    url = reverse("quality:deviation-create") + f"?pasient={patient_a.pk}"
    assert "Kari Nordmann" in client_as(physio).get(url).content.decode()

    client_as(physio).post(url, report_data())

    deviation = Deviation.objects.get()
    assert deviation.patient == patient_a
    assert AuditEvent.objects.get(action="quality.deviation.reported").patient == patient_a


def test_inj_v3_a_patient_of_another_clinic_is_404(client_as, outsider, patient_a):
    url = reverse("quality:deviation-create") + f"?pasient={patient_a.pk}"
    assert client_as(outsider).post(url, report_data()).status_code == 404
    assert not Deviation.objects.exists()


# --- Deviations arriving from the record (NAL-7) ---------------------------------------------------


def test_nal_7_side_effect_arrives_from_the_record_linked_to_the_patient(physio, patient_a):
    deviation = services.deviation_report(
        actor=actor_for(physio),
        category=DeviationCategory.NEEDLING_SIDE_EFFECT,
        severity=Severity.SERIOUS,
        occurred_at=timezone.now() - datetime.timedelta(minutes=5),
        description="Pneumotoraks mistenkt etter nålebehandling over thorax.",
        patient=patient_a,
        source="needling.sideeffect:12",
    )

    assert deviation.patient == patient_a and deviation.source == "needling.sideeffect:12"
    assert deviation.notification_required and deviation.status == DeviationStatus.REPORTED
    event = AuditEvent.objects.get(action="quality.deviation.reported")
    assert event.patient == patient_a and event.flagged and "needling.sideeffect:12" in event.detail


def test_nal_7_the_same_side_effect_is_reported_once(physio, patient_a):
    first = report(physio, source="injections.reaction:7", patient=patient_a)
    again = report(physio, source="injections.reaction:7", patient=patient_a)

    assert again.pk == first.pk
    assert Deviation.objects.count() == 1
    assert AuditEvent.objects.filter(action="quality.deviation.reported").count() == 1


def test_nal_7_a_patient_of_another_clinic_is_refused(physio, clinic_b, outsider):
    stranger = PatientFactory(clinic=clinic_b, created_by=outsider.user)
    with pytest.raises(ValidationError) as refused:
        report(physio, patient=stranger, source="needling.sideeffect:1")
    assert gettext("The patient does not belong to this clinic.") in refused.value.messages
    assert not Deviation.objects.exists()


def test_nal_7_a_malformed_source_is_refused(physio):
    with pytest.raises(ValidationError):
        report(physio, source="<script>")
    assert not Deviation.objects.exists()


def test_nal_7_clinicians_follow_the_link_to_the_record_admin_sees_no_patient(client_as, physio, admin, patient_a):
    deviation = report(physio, patient=patient_a, source="needling.sideeffect:3")

    clinician = client_as(physio).get(reverse("quality:deviation-detail", args=[deviation.pk])).content.decode()
    assert reverse("journal:chart", args=[patient_a.pk]) in clinician and "Kari Nordmann" in clinician
    assert AuditEvent.objects.filter(action="quality.deviation.viewed", patient=patient_a).count() == 1
    manager = client_as(admin).get(reverse("quality:deviation-detail", args=[deviation.pk])).content.decode()
    assert "Kari Nordmann" not in manager and reverse("journal:chart", args=[patient_a.pk]) not in manager
    assert AuditEvent.objects.filter(action="quality.deviation.viewed").count() == 1


# --- Who sees what ---------------------------------------------------------------------------------


def test_inj_v3_reporters_see_their_own_handlers_see_all(client_as, physio, reception, admin):
    own = report(physio, description="Min egen melding")
    other = report(reception, description="Resepsjonens melding")

    assert client_as(physio).get(reverse("quality:deviation-detail", args=[own.pk])).status_code == 200
    refused = client_as(physio).get(reverse("quality:deviation-detail", args=[other.pk]), follow=True)
    assert refused.redirect_chain == [(reverse("quality:deviation-list"), 302)]
    assert "Resepsjonens melding" not in refused.content.decode()
    listing = client_as(physio).get(reverse("quality:deviation-list"))
    assert [d.pk for d in listing.context["page"]] == [own.pk]
    assert "deviation-chart" not in listing.content.decode()
    manager = client_as(admin).get(reverse("quality:deviation-list"))
    assert {d.pk for d in manager.context["page"]} == {own.pk, other.pk}


def test_inj_v3_deviation_of_another_clinic_is_404(client_as, physio, clinic_b):
    admin_b = make_persona("admin_b", clinic_b, Role.ADMIN)
    deviation = report(physio)
    client = client_as(admin_b)
    assert client.get(reverse("quality:deviation-detail", args=[deviation.pk])).status_code == 404
    assert client.get(reverse("quality:deviation-assess", args=[deviation.pk])).status_code == 404
    assert client.post(reverse("quality:deviation-close", args=[deviation.pk]), {}).status_code == 404
    assert not client.get(reverse("quality:deviation-list")).context["page"].object_list


@pytest.mark.parametrize("persona", ["physio", "reception"])
def test_inj_v3_only_the_management_assesses(request, client_as, physio, persona):
    deviation = report(physio)
    client = client_as(request.getfixturevalue(persona))
    assert client.get(reverse("quality:deviation-assess", args=[deviation.pk])).status_code == 403
    assert client.post(reverse("quality:measure-create", args=[deviation.pk]), {}).status_code == 403
    assert client.post(reverse("quality:deviation-close", args=[deviation.pk]), {}).status_code == 403


# --- Assess, measures, close --------------------------------------------------------------------


def test_inj_v3_assess_decide_measures_and_close(client_as, physio, admin, doctor):
    deviation = report(physio)
    client = client_as(admin)

    response = client.post(
        reverse("quality:deviation-assess", args=[deviation.pk]),
        {"responsible": doctor.user.pk, "cause": "Skapet ble flyttet under oppussing."},
    )
    assert response.status_code == 302
    deviation.refresh_from_db()
    assert deviation.status == DeviationStatus.ASSESSED and deviation.responsible == doctor.user
    assert deviation.assessed_by == admin.user

    due = timezone.localdate() + 14 * DAY
    response = client.post(
        reverse("quality:measure-create", args=[deviation.pk]),
        {
            "measure-kind": MeasureKind.PREVENTIVE,
            "measure-description": "Fast plass merket på veggen.",
            "measure-owner": physio.user.pk,
            "measure-due_on": due.isoformat(),
        },
    )
    assert response.status_code == 302
    measure = DeviationMeasure.objects.get()
    assert (measure.owner, measure.due_on, measure.clinic) == (physio.user, due, admin.clinic)

    refused = client.post(
        reverse("quality:deviation-close", args=[deviation.pk]), {"close-closing_summary": "Fungerer."}
    )
    assert refused.status_code == 400
    assert shown(
        refused,
        gettext("%(count)s measure(s) are not done yet; close the deviation when they are carried out.") % {"count": 1},
    )

    assert client.post(reverse("quality:measure-done", args=[measure.pk])).status_code == 302
    response = client.post(
        reverse("quality:deviation-close", args=[deviation.pk]), {"close-closing_summary": "Ingen nye hendelser."}
    )
    assert response.status_code == 302
    deviation.refresh_from_db()
    assert deviation.status == DeviationStatus.CLOSED and deviation.closed_by == admin.user
    actions = list(
        AuditEvent.objects.filter(action__startswith="quality.").order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "quality.deviation.reported",
        "quality.deviation.assessed",
        "quality.measure.created",
        "quality.measure.done",
        "quality.deviation.closed",
    ]


def test_law_q_closing_a_deviation_without_measures_is_refused(client_as, physio, admin):
    deviation = assessed(admin, report(physio))

    response = client_as(admin).post(
        reverse("quality:deviation-close", args=[deviation.pk]), {"close-closing_summary": "Ferdig."}
    )

    assert response.status_code == 400
    assert shown(
        response, gettext("A deviation cannot be closed without at least one corrective or preventive measure.")
    )
    deviation.refresh_from_db()
    assert deviation.status == DeviationStatus.ASSESSED and deviation.closed_at is None
    assert not AuditEvent.objects.filter(action="quality.deviation.closed").exists()


def test_inj_v3_closing_before_assessment_is_refused(client_as, physio, admin):
    deviation = report(physio)
    response = client_as(admin).post(
        reverse("quality:deviation-close", args=[deviation.pk]), {"close-closing_summary": "Ferdig."}
    )
    assert response.status_code == 400
    assert shown(response, gettext("Assess the cause before closing the deviation."))


def test_inj_v5_closing_needs_an_evaluation(client_as, physio, admin):
    deviation = assessed(admin, report(physio))
    services.measure_done(actor=actor_for(admin), measure=add_measure(admin, deviation))

    response = client_as(admin).post(reverse("quality:deviation-close", args=[deviation.pk]), {})

    assert response.status_code == 400
    assert shown(response, gettext("Write an evaluation of the measures' effect before closing."))
    assert Deviation.objects.get().status == DeviationStatus.ASSESSED


def test_inj_v3_a_notification_duty_must_be_recorded_before_closing(admin, physio):
    deviation = assessed(admin, report(physio, severity=Severity.SERIOUS), notification_required=True)
    services.measure_done(actor=actor_for(admin), measure=add_measure(admin, deviation))

    with pytest.raises(ValidationError) as refused:
        services.deviation_close(actor=actor_for(admin), deviation=deviation, closing_summary="OK")
    assert (
        gettext("The deviation has a notification duty: record the date it was notified before closing.")
        in refused.value.messages
    )

    assessed(admin, deviation, notification_required=True, notified_on=timezone.localdate())
    closed = services.deviation_close(actor=actor_for(admin), deviation=deviation, closing_summary="OK")
    assert closed.status == DeviationStatus.CLOSED


def test_law_q_a_measure_deadline_in_the_past_is_refused(client_as, physio, admin):
    deviation = assessed(admin, report(physio))

    response = client_as(admin).post(
        reverse("quality:measure-create", args=[deviation.pk]),
        {
            "measure-kind": MeasureKind.CORRECTIVE,
            "measure-description": "For sent.",
            "measure-owner": admin.user.pk,
            "measure-due_on": (timezone.localdate() - DAY).isoformat(),
        },
    )

    assert response.status_code == 400
    assert shown(response, gettext("The deadline cannot be in the past."))
    assert not DeviationMeasure.objects.exists()


def test_inj_v3_measures_come_after_the_assessment(admin, physio):
    with pytest.raises(ValidationError) as refused:
        add_measure(admin, report(physio))
    assert gettext("Assess the cause before deciding measures.") in refused.value.messages


def test_inj_v3_measure_owner_must_work_in_the_clinic(client_as, admin, physio, outsider):
    deviation = assessed(admin, report(physio))
    response = client_as(admin).post(
        reverse("quality:measure-create", args=[deviation.pk]),
        {
            "measure-kind": MeasureKind.CORRECTIVE,
            "measure-description": "Tiltak.",
            "measure-owner": outsider.user.pk,
            "measure-due_on": (timezone.localdate() + DAY).isoformat(),
        },
    )
    assert response.status_code == 400
    assert shown(response, gettext("Choose a person with a role in this clinic."))
    assert not DeviationMeasure.objects.exists()


def test_inj_v3_a_closed_deviation_cannot_be_changed(client_as, admin, physio):
    deviation = assessed(admin, report(physio))
    services.measure_done(actor=actor_for(admin), measure=add_measure(admin, deviation))
    services.deviation_close(actor=actor_for(admin), deviation=deviation, closing_summary="OK")

    response = client_as(admin).post(
        reverse("quality:deviation-assess", args=[deviation.pk]),
        {"responsible": admin.user.pk, "cause": "Endret i ettertid"},
    )

    assert response.status_code == 400
    assert shown(response, gettext("The deviation is closed and can no longer be changed."))
    assert Deviation.objects.get().cause == "Uklar rutine."


def test_measure_of_another_clinic_is_404(client_as, admin, physio, clinic_b):
    admin_b = make_persona("admin_b", clinic_b, Role.ADMIN)
    measure = add_measure(admin, assessed(admin, report(physio)))
    assert client_as(admin_b).post(reverse("quality:measure-done", args=[measure.pk])).status_code == 404
    assert DeviationMeasure.objects.get().done_at is None


# --- Statistics and the list -----------------------------------------------------------------------


def test_inj_v5_statistics_per_category_and_month(admin, physio):
    with time_machine.travel(datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC), tick=False):
        report(physio, category=DeviationCategory.NEEDLING_SIDE_EFFECT, occurred_at=timezone.now() - DAY)
        report(physio, category=DeviationCategory.NEEDLING_SIDE_EFFECT, occurred_at=timezone.now() - 2 * DAY)
        report(physio, category=DeviationCategory.EQUIPMENT, occurred_at=timezone.now() - 40 * DAY)
        # 31 March 23:30 UTC is 1 April in Oslo: it counts in April.
        report(
            physio,
            category=DeviationCategory.MEDICATION,
            occurred_at=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC),
        )
        stats = deviation_statistics(clinic=admin.clinic, end=timezone.localdate(), months=3)

    assert stats.months == [datetime.date(2026, 3, 1), datetime.date(2026, 4, 1), datetime.date(2026, 5, 1)]
    assert stats.count(datetime.date(2026, 5, 1), DeviationCategory.NEEDLING_SIDE_EFFECT) == 2
    assert stats.count(datetime.date(2026, 4, 1), DeviationCategory.EQUIPMENT) == 1
    assert stats.count(datetime.date(2026, 4, 1), DeviationCategory.MEDICATION) == 1
    assert stats.total == 4
    assert [value for value, _label in stats.categories] == ["needling", "medication", "equipment"]


def test_inj_v5_chart_is_inline_svg_with_presentation_attributes(client_as, admin, physio):
    report(physio, category=DeviationCategory.NEEDLING_SIDE_EFFECT)
    page = client_as(admin).get(reverse("quality:deviation-list")).content.decode()

    assert 'data-testid="deviation-chart"' in page and "<svg" in page and "<rect" in page
    assert 'fill="#0b5d6b"' in page and " style=" not in page
    partial = client_as(admin).get(reverse("quality:deviation-list"), {"maneder": 6}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert partial.context["chart_months"] == 6


def test_inj_v3_deviation_list_query_count_is_fixed(client_as, admin, physio, django_assert_max_num_queries):
    client = client_as(admin)
    for _number in range(2):
        add_measure(admin, assessed(admin, report(physio)))
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("quality:deviation-list")).status_code == 200
    for number in range(30):
        deviation = report(physio, category=DeviationCategory.choices[number % 8][0])
        if number % 3 == 0:
            add_measure(admin, assessed(admin, deviation))
    with django_assert_max_num_queries(12) as large:
        assert client.get(reverse("quality:deviation-list")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_inj_v3_deviation_detail_query_count_is_fixed(client_as, admin, physio, django_assert_max_num_queries):
    deviation = assessed(admin, report(physio))
    add_measure(admin, deviation)
    client = client_as(admin)
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("quality:deviation-detail", args=[deviation.pk])).status_code == 200
    for _number in range(10):
        add_measure(admin, deviation, owner=physio.user)
    with django_assert_max_num_queries(12) as large:
        assert client.get(reverse("quality:deviation-detail", args=[deviation.pk])).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
