"""INJ-O1, INJ-O2 (INJ-O3), INJ-F2 and NAL-8 rules, with their boundaries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from kanyle.clinics.models import OrganisationModel
from kanyle.scheduling import rules
from kanyle.scheduling.models import DoctorMode
from kanyle.scheduling.tests.conftest import at
from kanyle.staff.models import AgreementHours, MunicipalAgreement

pytestmark = pytest.mark.django_db


def _agreement(practitioner, weekday, start, end, valid_from=datetime.date(2024, 1, 1)):
    agreement = MunicipalAgreement.objects.create(
        clinic=practitioner.clinic,
        practitioner=practitioner,
        municipality="Fjordbyen",
        percent=60,
        valid_from=valid_from,
    )
    AgreementHours.objects.create(agreement=agreement, weekday=weekday, start=start, end=end)
    return agreement


def _check(practitioner, start, end, session):
    with translation.override("en"):
        return rules.injection_slot_allowed(
            practitioner=practitioner, starts_at=start, ends_at=end, clinic_session=session
        )


def test_inj_o1_inside_session_allowed(practitioner_a, session, monday):
    assert _check(practitioner_a, at(monday, 16), at(monday, 16, 30), session).ok


def test_inj_o1_session_edges_are_inside(practitioner_a, session, monday):
    assert _check(practitioner_a, at(monday, 18, 30), at(monday, 19), session).ok


def test_inj_o1_without_session_refused(practitioner_a, monday):
    decision = _check(practitioner_a, at(monday, 10), at(monday, 10, 30), None)
    assert decision.rules == ["INJ-O1"]
    assert "clinic session" in decision.messages[0]


def test_inj_o1_one_minute_past_session_end_refused(practitioner_a, session, monday):
    assert _check(practitioner_a, at(monday, 18, 31), at(monday, 19, 1), session).rules == ["INJ-O1"]


def test_inj_o1_one_minute_before_session_start_refused(practitioner_a, session, monday):
    assert _check(practitioner_a, at(monday, 15, 59), at(monday, 16, 29), session).rules == ["INJ-O1"]


def test_inj_o1_practitioner_not_in_session_refused(clinic_a, session, monday):
    from kanyle.staff.tests.factories import PractitionerFactory

    other = PractitionerFactory(clinic=clinic_a)
    assert _check(other, at(monday, 16), at(monday, 16, 30), session).rules == ["INJ-O1"]


def test_inj_o2_doctor_by_video_refused_in_on_site_clinic(practitioner_a, session, monday):
    session.doctor_mode = DoctorMode.VIDEO
    decision = _check(practitioner_a, at(monday, 16), at(monday, 16, 30), session)
    assert decision.rules == ["INJ-O2"]


def test_inj_o2_doctor_by_video_allowed_in_o3_clinic(clinic_a, practitioner_a, session, monday):
    clinic_a.organisation_model = OrganisationModel.DOCTOR_BY_VIDEO
    clinic_a.save()
    practitioner_a.refresh_from_db()
    session.doctor_mode = DoctorMode.VIDEO
    assert _check(practitioner_a, at(monday, 16), at(monday, 16, 30), session).ok


def test_inj_o2_doctor_on_site_allowed_in_o1_clinic(clinic_a, practitioner_a, session, monday):
    clinic_a.organisation_model = OrganisationModel.GP_OFFICE
    clinic_a.save()
    practitioner_a.refresh_from_db()
    assert _check(practitioner_a, at(monday, 16), at(monday, 16, 30), session).ok


def test_inj_f2_inside_agreement_hours_refused(practitioner_a, session, monday):
    _agreement(practitioner_a, monday.weekday(), datetime.time(8), datetime.time(17))
    decision = _check(practitioner_a, at(monday, 16), at(monday, 16, 30), session)
    assert decision.rules == ["INJ-F2"]
    assert "municipal agreement" in decision.messages[0]


def test_inj_f2_starting_when_agreement_hours_end_allowed(practitioner_a, session, monday):
    _agreement(practitioner_a, monday.weekday(), datetime.time(8), datetime.time(16))
    assert _check(practitioner_a, at(monday, 16), at(monday, 16, 30), session).ok


def test_inj_f2_one_minute_before_agreement_end_refused(practitioner_a, session, monday):
    _agreement(practitioner_a, monday.weekday(), datetime.time(8), datetime.time(16, 1))
    assert _check(practitioner_a, at(monday, 16), at(monday, 16, 30), session).rules == ["INJ-F2"]


def test_inj_f2_ending_when_agreement_hours_start_allowed(practitioner_a, session, monday):
    _agreement(practitioner_a, monday.weekday(), datetime.time(18, 30), datetime.time(20))
    assert _check(practitioner_a, at(monday, 18), at(monday, 18, 30), session).ok


def test_inj_f2_ending_inside_agreement_hours_refused(practitioner_a, session, monday):
    _agreement(practitioner_a, monday.weekday(), datetime.time(18, 29), datetime.time(20))
    assert _check(practitioner_a, at(monday, 18), at(monday, 18, 30), session).rules == ["INJ-F2"]


def test_inj_f2_other_weekday_and_future_agreement_ignored(practitioner_a, session, monday):
    _agreement(practitioner_a, (monday.weekday() + 1) % 7, datetime.time(8), datetime.time(20))
    _agreement(
        practitioner_a,
        monday.weekday(),
        datetime.time(8),
        datetime.time(20),
        valid_from=monday + datetime.timedelta(days=1),
    )
    assert _check(practitioner_a, at(monday, 16), at(monday, 16, 30), session).ok


def test_inj_f2_and_o1_reported_together(practitioner_a, monday):
    _agreement(practitioner_a, monday.weekday(), datetime.time(8), datetime.time(17))
    assert _check(practitioner_a, at(monday, 10), at(monday, 10, 30), None).rules == ["INJ-O1", "INJ-F2"]


def test_nal_8_online_booking_rules(follow_up, injection):
    assert rules.online_booking_allowed(follow_up).ok
    injection.bookable_online = True
    assert rules.online_booking_allowed(injection).rules == ["NAL-8"]
    follow_up.bookable_online = False
    assert rules.online_booking_allowed(follow_up).rules == ["NAL-8"]


def test_slot_valid_end_before_start_and_past():
    now = timezone.now()
    assert rules.slot_valid(starts_at=now + datetime.timedelta(hours=1), ends_at=now, now=now).rules == ["SCH-1"]
    assert rules.slot_valid(
        starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=1), now=now
    ).rules == ["SCH-2"]
