"""The patient page, revealing the national ID, risk flags (CAVE) and the access log (LAW-J)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor, audit_record
from kanyle.patients.models import RiskFlag, RiskKind
from kanyle.patients.tests.factories import RiskFlagFactory
from kanyle.patients.tests.helpers import audit_events, shows


def url(name: str, obj) -> str:
    return reverse(f"patients:{name}", args=[obj.pk])


@pytest.fixture
def pacemaker(patient_a) -> RiskFlag:
    return RiskFlagFactory(patient=patient_a, kind=RiskKind.PACEMAKER)


# --- the patient page -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["physio", "doctor", "reception"])
def test_law_j_viewing_a_patient_writes_an_audit_row(client_as, personas, patient_a, who):
    persona = personas[who]
    client = client_as(persona)

    client.get(url("detail", patient_a))
    client.get(url("detail", patient_a))

    events = audit_events("patients.patient.viewed", patient=patient_a)
    assert len(events) == 2  # one per view
    assert {(e.user, e.role, e.clinic, e.object_id) for e in events} == {
        (persona.user, who, persona.clinic, str(patient_a.pk))
    }


def test_the_national_id_is_shown_masked(client_as, physio, patient_a):
    response = client_as(physio).get(url("detail", patient_a))

    html = response.content.decode()
    assert response.status_code == 200
    assert patient_a.masked_national_id in html
    assert patient_a.national_id not in html
    assert patient_a.national_id[6:] not in html  # the personal number appears nowhere


def test_reception_sees_demographics_but_no_clinical_content_or_access_log(client_as, reception, patient_a, pacemaker):
    response = client_as(reception).get(url("detail", patient_a))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Kari Nordmann" in html
    assert patient_a.phone in html
    assert patient_a.gp_name in html
    assert 'data-testid="risk-banner"' not in html
    assert "CAVE" not in html
    assert not shows(response, RiskKind.PACEMAKER.label)
    assert 'data-testid="access-log"' not in html
    assert not shows(response, gettext("Who has accessed the record"))
    assert reverse("patients:risk-add", args=[patient_a.pk]) not in html


@pytest.mark.parametrize("who", ["physio", "doctor"])
def test_clinicians_see_the_cave_banner_and_the_access_log(client_as, personas, patient_a, pacemaker, who):
    RiskFlagFactory(patient=patient_a, kind=RiskKind.ALLERGY, detail="Penicillin: urticaria")

    response = client_as(personas[who]).get(url("detail", patient_a))

    html = response.content.decode()
    assert 'data-testid="risk-banner"' in html
    assert shows(response, RiskKind.PACEMAKER.label)
    assert shows(response, f"{RiskKind.ALLERGY.label}: Penicillin: urticaria")
    assert 'data-testid="access-log"' in html
    assert shows(response, gettext("Opened the patient's details"))  # this very visit is already listed


def test_a_resolved_risk_flag_leaves_the_banner_but_stays_in_the_history(client_as, physio, patient_a, pacemaker):
    pacemaker.resolved_by = physio.user
    pacemaker.resolved_at = pacemaker.recorded_at
    pacemaker.save()

    response = client_as(physio).get(url("detail", patient_a))

    banner = response.content.decode().split('data-testid="risk-banner"')[1].split("</section>")[0]
    assert str(RiskKind.PACEMAKER.label) not in banner
    assert shows(response, gettext("No known risk flags."))
    assert shows(response, gettext("No longer current"))
    assert shows(response, RiskKind.PACEMAKER.label)


def test_the_administrator_may_not_open_a_patient(client_as, admin, patient_a):
    assert client_as(admin).get(url("detail", patient_a)).status_code == 403
    assert not audit_events("patients.patient.viewed")


def test_another_clinics_patient_is_404_and_not_logged(client_as, outsider, patient_a):
    response = client_as(outsider).get(url("detail", patient_a))

    assert response.status_code == 404
    assert "Nordmann" not in response.content.decode()
    assert not audit_events("patients.patient.viewed")


def test_an_unknown_patient_is_404(client_as, physio, db):
    assert client_as(physio).get("/pasienter/999999/").status_code == 404


def test_anonymous_is_sent_to_the_login(client, patient_a):
    response = client.get(url("detail", patient_a))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not audit_events("patients.patient.viewed")


def test_the_detail_page_has_a_fixed_query_budget(client_as, physio, doctor, patient_a, django_assert_max_num_queries):
    """Does not grow with more risk flags or a longer access log (DESIGN.md §5)."""
    client = client_as(physio)
    RiskFlagFactory(patient=patient_a)
    audit_record(actor=Actor(user=doctor.user, clinic=doctor.clinic, role="doctor"), action="x", patient=patient_a)
    client.get(url("detail", patient_a))  # warm the session and caches like any later visit

    with django_assert_max_num_queries(13) as few:
        assert client.get(url("detail", patient_a)).status_code == 200

    for kind in (RiskKind.ANTICOAGULANT, RiskKind.PREGNANCY, RiskKind.DIABETES, RiskKind.EPILEPSY):
        RiskFlagFactory(patient=patient_a, kind=kind)
        RiskFlagFactory(patient=patient_a, kind=kind, resolved_by=doctor.user, resolved_at=patient_a.created_at)
    for _ in range(30):
        audit_record(actor=Actor(user=doctor.user, clinic=doctor.clinic, role="doctor"), action="x", patient=patient_a)

    with django_assert_max_num_queries(13) as many:
        assert client.get(url("detail", patient_a)).status_code == 200

    assert len(many) == len(few)


# --- revealing the national ID ---------------------------------------------------------------


def test_reveal_shows_the_full_number_and_is_logged(client_as, physio, patient_a):
    response = client_as(physio).post(url("reveal-id", patient_a), follow=True)

    assert response.redirect_chain == [(url("detail", patient_a), 302)]
    assert shows(response, gettext("National ID: %(number)s") % {"number": patient_a.formatted_national_id})
    [event] = audit_events("patients.national_id.revealed")
    assert (event.user, event.role, event.clinic, event.patient) == (physio.user, "physio", physio.clinic, patient_a)


def test_reveal_with_htmx_returns_only_the_number(client_as, reception, patient_a):
    response = client_as(reception).post(url("reveal-id", patient_a), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.content.decode().strip() == (
        f'<span class="mono" data-testid="national-id">{patient_a.formatted_national_id}</span>'
    )
    assert len(audit_events("patients.national_id.revealed", patient=patient_a, user=reception.user)) == 1


def test_reveal_by_get_is_refused_and_not_logged(client_as, physio, patient_a):
    response = client_as(physio).get(url("reveal-id", patient_a))

    assert response.status_code == 405
    assert patient_a.national_id not in response.content.decode()
    assert not audit_events("patients.national_id.revealed")


def test_reveal_of_another_clinics_patient_is_404(client_as, outsider, patient_a):
    response = client_as(outsider).post(url("reveal-id", patient_a), headers={"HX-Request": "true"})

    assert response.status_code == 404
    assert patient_a.national_id[6:] not in response.content.decode()
    assert not audit_events("patients.national_id.revealed")


def test_the_administrator_may_not_reveal_a_number(client_as, admin, patient_a):
    assert client_as(admin).post(url("reveal-id", patient_a)).status_code == 403
    assert not audit_events("patients.national_id.revealed")


# --- risk flags (CAVE) -----------------------------------------------------------------------


def test_physio_adds_a_risk_flag_and_it_is_logged(client_as, physio, patient_a):
    response = client_as(physio).post(
        url("risk-add", patient_a), {"kind": "anticoagulant", "detail": "Marevan"}, follow=True
    )

    assert response.redirect_chain == [(url("detail", patient_a), 302)]
    assert shows(response, gettext("The risk flag is added."))
    flag = RiskFlag.objects.get()
    assert (flag.patient, flag.clinic, flag.kind, flag.detail, flag.recorded_by) == (
        patient_a,
        physio.clinic,
        "anticoagulant",
        "Marevan",
        physio.user,
    )
    [event] = audit_events("patients.risk_flag.created")
    assert (event.user, event.role, event.patient, event.object_id) == (physio.user, "physio", patient_a, str(flag.pk))
    assert shows(response, f"{RiskKind.ANTICOAGULANT.label}: Marevan")


@pytest.mark.parametrize("kind", ["allergy", "other"])
def test_allergy_or_other_without_details_is_refused_with_a_message(client_as, doctor, patient_a, kind):
    response = client_as(doctor).post(url("risk-add", patient_a), {"kind": kind, "detail": ""}, follow=True)

    expected = gettext("The risk flag was not saved: %(errors)s") % {
        "errors": gettext("Describe the allergy or risk (e.g. the substance and the reaction).")
    }
    assert shows(response, expected)
    assert not RiskFlag.objects.exists()
    assert not audit_events("patients.risk_flag.created")


def test_a_risk_flag_of_an_unknown_kind_or_with_markup_is_refused(client_as, physio, patient_a):
    client = client_as(physio)

    client.post(url("risk-add", patient_a), {"kind": "vampire", "detail": ""})
    response = client.post(
        url("risk-add", patient_a), {"kind": "allergy", "detail": "<img src=x onerror=alert(1)>"}, follow=True
    )

    assert shows(
        response, gettext("Use plain text only: the characters < and > and control characters are not allowed.")
    )
    assert not RiskFlag.objects.exists()


def test_resolving_a_risk_flag_keeps_it_and_is_logged(client_as, doctor, patient_a, pacemaker):
    response = client_as(doctor).post(url("risk-resolve", pacemaker), follow=True)

    assert response.redirect_chain == [(url("detail", patient_a), 302)]
    assert shows(response, gettext("The risk flag is marked as no longer current."))
    pacemaker.refresh_from_db()  # still there: never deleted
    assert (pacemaker.resolved_by, pacemaker.is_active) == (doctor.user, False)
    [event] = audit_events("patients.risk_flag.resolved")
    assert (event.user, event.patient, event.object_id) == (doctor.user, patient_a, str(pacemaker.pk))


def test_reception_may_not_add_or_resolve_risk_flags(client_as, reception, patient_a, pacemaker):
    client = client_as(reception)

    assert client.post(url("risk-add", patient_a), {"kind": "pregnancy"}).status_code == 403
    assert client.post(url("risk-resolve", pacemaker)).status_code == 403
    assert list(RiskFlag.objects.all()) == [pacemaker]
    pacemaker.refresh_from_db()
    assert pacemaker.is_active


def test_risk_flags_of_another_clinics_patient_are_404(client_as, outsider, patient_a, pacemaker):
    client = client_as(outsider)

    assert client.post(url("risk-add", patient_a), {"kind": "pregnancy"}).status_code == 404
    assert client.post(url("risk-resolve", pacemaker)).status_code == 404
    assert list(RiskFlag.objects.all()) == [pacemaker]
    pacemaker.refresh_from_db()
    assert pacemaker.is_active
    assert not AuditEvent.objects.filter(action__startswith="patients.risk_flag.").exists()


def test_risk_flag_changes_need_a_post(client_as, physio, patient_a, pacemaker):
    client = client_as(physio)

    assert client.get(url("risk-add", patient_a)).status_code == 405
    assert client.get(url("risk-resolve", pacemaker)).status_code == 405
    pacemaker.refresh_from_db()
    assert pacemaker.is_active


# --- the access log (LAW-J) ------------------------------------------------------------------


def test_law_j_access_log_lists_who_accessed_the_patient(client_as, physio, doctor, reception, patient_a):
    client_as(reception).get(url("detail", patient_a))
    client_as(doctor).post(url("reveal-id", patient_a))

    response = client_as(physio).get(url("access-log", patient_a))

    assert response.status_code == 200
    assert shows(response, reception.user.display_name)
    assert shows(response, doctor.user.display_name)
    assert shows(response, gettext("Opened the patient's details"))
    assert shows(response, gettext("Showed the full national ID"))
    assert shows(response, gettext("Reception"))
    assert shows(response, gettext("Doctor"))


def test_law_j_reading_the_access_log_is_itself_logged(client_as, doctor, patient_a):
    client_as(doctor).get(url("access-log", patient_a))

    [event] = audit_events("patients.access_log.viewed")
    assert (event.user, event.role, event.clinic, event.patient) == (doctor.user, "doctor", doctor.clinic, patient_a)


def test_the_access_log_shows_only_this_patient(client_as, physio, outsider, patient_a):
    other_clinic = Actor(user=outsider.user, clinic=outsider.clinic, role="physio")
    audit_record(actor=other_clinic, action="patients.patient.viewed", patient=patient_a)

    response = client_as(physio).get(url("access-log", patient_a))

    assert not shows(response, outsider.user.display_name)


@pytest.mark.parametrize("who", ["reception", "admin"])
def test_reception_and_administrator_may_not_read_the_access_log(client_as, personas, patient_a, who):
    assert client_as(personas[who]).get(url("access-log", patient_a)).status_code == 403
    assert not audit_events("patients.access_log.viewed")


def test_the_access_log_of_another_clinics_patient_is_404(client_as, outsider, patient_a):
    assert client_as(outsider).get(url("access-log", patient_a)).status_code == 404
    assert not audit_events("patients.access_log.viewed")


def test_law_j_reading_the_log_does_not_push_earlier_accesses_off_the_page(client_as, physio, reception, patient_a):
    """The page used to be counted before its own reading was logged, so the oldest row fell off."""
    client_as(reception).get(url("detail", patient_a))

    response = client_as(physio).get(url("access-log", patient_a))

    assert [e.action for e in response.context["page"].object_list] == [
        "patients.access_log.viewed",
        "patients.patient.viewed",
    ]
