"""The staff rules: competence (NAL-2, INJ-P1, INJ-P2), liability cover (INJ-P4, INJ-D7) and
municipal agreement hours (INJ-F2, NAL-10). Every date and moment is explicit, so no clock is read."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from kanyle.staff import rules
from kanyle.staff.models import CredentialKind, Weekday
from kanyle.staff.tests.factories import (
    AgreementFactory,
    AgreementHoursFactory,
    CredentialFactory,
    InsuranceFactory,
    PractitionerFactory,
)

pytestmark = pytest.mark.django_db

ON = datetime.date(2025, 3, 12)
DAY = datetime.timedelta(days=1)
RULE_FOR_KIND = [
    (CredentialKind.NEEDLING, "NAL-2"),
    (CredentialKind.MSK_ULTRASOUND, "INJ-P1"),
    (CredentialKind.US_GUIDED_PROCEDURES, "INJ-P1"),
    (CredentialKind.INJECTION, "INJ-P2"),
]


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def unverified(**kwargs):
    return CredentialFactory(verified_by=None, verified_at=None, **kwargs)


# --- Competence ------------------------------------------------------------------------------


def test_nal_2_needling_requires_verified_valid_credential(practitioner_a):
    assert rules.credential_valid(practitioner_a, CredentialKind.NEEDLING, ON).rules == ["NAL-2"]

    CredentialFactory(practitioner=practitioner_a, kind=CredentialKind.NEEDLING, issued_on=ON - 100 * DAY)

    assert rules.credential_valid(practitioner_a, CredentialKind.NEEDLING, ON).ok


def test_inj_p1_msk_ultrasound_and_procedure_competence_are_separate(practitioner_a):
    CredentialFactory(practitioner=practitioner_a, kind=CredentialKind.MSK_ULTRASOUND, issued_on=ON - 100 * DAY)

    assert rules.credential_valid(practitioner_a, CredentialKind.MSK_ULTRASOUND, ON).ok
    procedures = rules.credential_valid(practitioner_a, CredentialKind.US_GUIDED_PROCEDURES, ON)
    assert not procedures.ok
    assert procedures.rules == ["INJ-P1"]


def test_inj_p2_injection_training_is_not_proven_by_other_competence(practitioner_a):
    for kind in (CredentialKind.NEEDLING, CredentialKind.MSK_ULTRASOUND, CredentialKind.US_GUIDED_PROCEDURES):
        CredentialFactory(practitioner=practitioner_a, kind=kind, issued_on=ON - 100 * DAY)

    decision = rules.credential_valid(practitioner_a, CredentialKind.INJECTION, ON)

    assert decision.rules == ["INJ-P2"]
    assert practitioner_a.user.display_name in decision.messages[0]
    assert "12.03.2025" in decision.messages[0]


@pytest.mark.parametrize(("kind", "rule"), RULE_FOR_KIND)
def test_credential_valid_counts_a_verified_credential_in_force(practitioner_a, kind, rule):
    CredentialFactory(practitioner=practitioner_a, kind=kind, issued_on=ON - 400 * DAY, expires_on=ON + 400 * DAY)

    assert rules.credential_valid(practitioner_a, kind, ON).ok


@pytest.mark.parametrize(("kind", "rule"), RULE_FOR_KIND)
def test_credential_valid_unverified_does_not_count(practitioner_a, kind, rule):
    unverified(practitioner=practitioner_a, kind=kind, issued_on=ON - 100 * DAY)

    decision = rules.credential_valid(practitioner_a, kind, ON)

    assert not decision.ok
    assert decision.rules == [rule]


@pytest.mark.parametrize(("kind", "rule"), RULE_FOR_KIND)
def test_credential_valid_expired_does_not_count(practitioner_a, kind, rule):
    CredentialFactory(practitioner=practitioner_a, kind=kind, issued_on=ON - 400 * DAY, expires_on=ON - DAY)

    assert rules.credential_valid(practitioner_a, kind, ON).rules == [rule]
    # The expiry date itself is the last day it counts.
    assert rules.credential_valid(practitioner_a, kind, ON - DAY).ok


@pytest.mark.parametrize(("kind", "rule"), RULE_FOR_KIND)
def test_credential_valid_not_yet_issued_does_not_count(practitioner_a, kind, rule):
    CredentialFactory(practitioner=practitioner_a, kind=kind, issued_on=ON + DAY)

    assert rules.credential_valid(practitioner_a, kind, ON).rules == [rule]
    assert rules.credential_valid(practitioner_a, kind, ON + DAY).ok


@pytest.mark.parametrize(("kind", "rule"), RULE_FOR_KIND)
def test_credential_valid_expiring_soon_still_counts(practitioner_a, kind, rule):
    credential = CredentialFactory(
        practitioner=practitioner_a, kind=kind, issued_on=ON - 400 * DAY, expires_on=ON + 5 * DAY
    )

    assert rules.credential_status(credential, ON) == "expiring"
    assert rules.credential_valid(practitioner_a, kind, ON).ok


def test_nal_2_another_practitioners_credential_does_not_count(practitioner_a, clinic_a):
    colleague = PractitionerFactory(clinic=clinic_a)
    CredentialFactory(practitioner=colleague, kind=CredentialKind.NEEDLING, issued_on=ON - 100 * DAY)

    assert rules.credential_valid(practitioner_a, CredentialKind.NEEDLING, ON).rules == ["NAL-2"]


def test_nal_2_an_old_expired_credential_does_not_hide_a_renewed_one(practitioner_a):
    CredentialFactory(practitioner=practitioner_a, issued_on=ON - 800 * DAY, expires_on=ON - 400 * DAY)
    CredentialFactory(practitioner=practitioner_a, issued_on=ON - 400 * DAY, expires_on=ON + 400 * DAY)

    assert rules.credential_valid(practitioner_a, CredentialKind.NEEDLING, ON).ok


@pytest.mark.parametrize(
    ("issued_on", "expires_on", "verified", "status"),
    [
        (ON - 400 * DAY, None, True, "valid"),
        (ON - 400 * DAY, ON + 61 * DAY, True, "valid"),
        (ON - 400 * DAY, ON + 60 * DAY, True, "expiring"),
        (ON - 400 * DAY, ON, True, "expiring"),
        (ON - 400 * DAY, ON - DAY, True, "expired"),
        (ON + DAY, None, True, "future"),
        (ON - 400 * DAY, None, False, "unverified"),
        (ON - 400 * DAY, ON - DAY, False, "unverified"),
    ],
)
def test_credential_status(practitioner_a, issued_on, expires_on, verified, status):
    factory = CredentialFactory if verified else unverified
    credential = factory(practitioner=practitioner_a, issued_on=issued_on, expires_on=expires_on)

    assert rules.credential_status(credential, ON) == status


def test_credential_status_warning_window_follows_the_setting(practitioner_a, settings):
    credential = CredentialFactory(practitioner=practitioner_a, issued_on=ON - 400 * DAY, expires_on=ON + 45 * DAY)
    assert rules.credential_status(credential, ON) == "expiring"

    settings.KANYLE_EXPIRY_WARNING_DAYS = 30

    assert rules.credential_status(credential, ON) == "valid"
    assert rules.credential_status(credential, ON + 15 * DAY) == "expiring"


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "status"),
    [
        (ON - 400 * DAY, None, "valid"),
        (ON - 400 * DAY, ON + 61 * DAY, "valid"),
        (ON - 400 * DAY, ON + 60 * DAY, "expiring"),
        (ON - 400 * DAY, ON, "expiring"),
        (ON - 400 * DAY, ON - DAY, "expired"),
        (ON + DAY, None, "future"),
    ],
)
def test_insurance_status(practitioner_a, valid_from, valid_to, status):
    cover = InsuranceFactory(practitioner=practitioner_a, valid_from=valid_from, valid_to=valid_to)

    assert rules.insurance_status(cover, ON) == status


def test_insurance_status_warning_window_follows_the_setting(practitioner_a, settings):
    cover = InsuranceFactory(practitioner=practitioner_a, valid_from=ON - 400 * DAY, valid_to=ON + 45 * DAY)
    assert rules.insurance_status(cover, ON) == "expiring"

    settings.KANYLE_EXPIRY_WARNING_DAYS = 30

    assert rules.insurance_status(cover, ON) == "valid"


# --- Liability cover -------------------------------------------------------------------------


def test_inj_p4_cover_counts_from_its_first_to_its_last_day(practitioner_a):
    first, last = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    InsuranceFactory(practitioner=practitioner_a, valid_from=first, valid_to=last)

    assert rules.insurance_valid(practitioner_a, first).ok
    assert rules.insurance_valid(practitioner_a, last).ok
    assert rules.insurance_valid(practitioner_a, first - DAY).rules == ["INJ-P4"]
    assert rules.insurance_valid(practitioner_a, last + DAY).rules == ["INJ-P4"]


def test_inj_p4_open_ended_cover_counts_until_ended(practitioner_a):
    InsuranceFactory(practitioner=practitioner_a, valid_from=ON, valid_to=None)

    assert rules.insurance_valid(practitioner_a, ON + 3650 * DAY).ok


def test_inj_p4_no_cover_at_all_is_refused(practitioner_a):
    decision = rules.insurance_valid(practitioner_a, ON)

    assert decision.rules == ["INJ-P4"]
    assert practitioner_a.user.display_name in decision.messages[0]


def test_inj_p4_ordinary_physio_cover_does_not_include_injections(practitioner_a):
    InsuranceFactory(practitioner=practitioner_a, valid_from=ON - 100 * DAY, covers_injections=False)

    assert rules.insurance_valid(practitioner_a, ON).ok
    decision = rules.insurance_valid(practitioner_a, ON, injections=True)
    assert not decision.ok
    assert decision.rules == ["INJ-P4"]


def test_inj_p4_cover_including_injections_counts_for_injections(practitioner_a):
    InsuranceFactory(practitioner=practitioner_a, valid_from=ON - 100 * DAY, covers_injections=True)

    assert rules.insurance_valid(practitioner_a, ON, injections=True).ok
    assert rules.insurance_valid(practitioner_a, ON).ok


def test_inj_p4_expired_injection_cover_does_not_count_even_with_ordinary_cover(practitioner_a):
    InsuranceFactory(practitioner=practitioner_a, valid_from=ON - 400 * DAY, valid_to=None)
    InsuranceFactory(practitioner=practitioner_a, valid_from=ON - 400 * DAY, valid_to=ON - DAY, covers_injections=True)

    assert rules.insurance_valid(practitioner_a, ON, injections=True).rules == ["INJ-P4"]


def test_inj_d7_doctor_needs_cover_including_injections(doctor_practitioner):
    assert rules.insurance_valid(doctor_practitioner, ON, injections=True).rules == ["INJ-D7"]
    InsuranceFactory(practitioner=doctor_practitioner, valid_from=ON - 100 * DAY, covers_injections=False)
    assert rules.insurance_valid(doctor_practitioner, ON, injections=True).rules == ["INJ-D7"]

    InsuranceFactory(practitioner=doctor_practitioner, valid_from=ON - 10 * DAY, covers_injections=True)

    assert rules.insurance_valid(doctor_practitioner, ON, injections=True).ok


# --- Municipal agreement hours ---------------------------------------------------------------

# Mondays to Thursdays 08:00–15:00 Oslo time.
MON_TO_THU = (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY)


@pytest.fixture
def agreement(practitioner_a):
    agreement = AgreementFactory(
        practitioner=practitioner_a, valid_from=datetime.date(2024, 1, 1), valid_to=datetime.date(2025, 12, 31)
    )
    for weekday in MON_TO_THU:
        AgreementHoursFactory(agreement=agreement, weekday=weekday, start=datetime.time(8), end=datetime.time(15))
    return agreement


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        # Winter (CET, UTC+1): Monday 6 January 2025.
        (utc(2025, 1, 6, 7, 0), True),  # 08:00 Oslo
        (utc(2025, 1, 6, 6, 59), False),  # 07:59 Oslo
        (utc(2025, 1, 6, 13, 59), True),  # 14:59 Oslo
        (utc(2025, 1, 6, 14, 0), False),  # 15:00 Oslo
        # Summer (CEST, UTC+2): Monday 2 June 2025.
        (utc(2025, 6, 2, 12, 59), True),  # 14:59 Oslo
        (utc(2025, 6, 2, 13, 0), False),  # 15:00 Oslo
        (utc(2025, 6, 2, 6, 0), True),  # 08:00 Oslo
        (utc(2025, 6, 2, 5, 59), False),  # 07:59 Oslo
        # Thursday is a working day, Friday and Sunday are not.
        (utc(2025, 6, 5, 10, 0), True),
        (utc(2025, 6, 6, 10, 0), False),
        (utc(2025, 6, 8, 10, 0), False),
    ],
)
def test_inj_f2_agreement_hours_are_oslo_wall_clock_time(agreement, practitioner_a, moment, inside):
    assert rules.within_agreement_hours(practitioner_a, moment) is inside
    decision = rules.outside_agreement_hours(practitioner_a, moment)
    assert decision.ok is not inside
    assert decision.rules == (["INJ-F2"] if inside else [])


def test_inj_f2_same_utc_time_is_inside_in_winter_and_outside_in_summer(agreement, practitioner_a):
    # 13:30 UTC is 14:30 in Oslo in winter but 15:30 in summer.
    assert rules.within_agreement_hours(practitioner_a, utc(2025, 1, 6, 13, 30))
    assert not rules.within_agreement_hours(practitioner_a, utc(2025, 6, 2, 13, 30))


def test_inj_f2_inside_agreement_hours_is_refused(agreement, practitioner_a):
    decision = rules.outside_agreement_hours(practitioner_a, utc(2025, 3, 12, 10, 0))  # Wednesday 11:00

    assert not decision.ok
    assert decision.rules == ["INJ-F2"]
    assert practitioner_a.user.display_name in decision.messages[0]


def test_inj_f2_outside_the_agreement_period_is_private(agreement, practitioner_a):
    # Both Mondays at 10:00 Oslo time, before valid_from and after valid_to.
    assert not rules.within_agreement_hours(practitioner_a, utc(2023, 12, 25, 9, 0))
    assert not rules.within_agreement_hours(practitioner_a, utc(2026, 1, 5, 9, 0))
    # The first and the last day of the period count.
    assert rules.within_agreement_hours(practitioner_a, utc(2024, 1, 1, 9, 0))
    assert rules.within_agreement_hours(practitioner_a, utc(2025, 12, 31, 9, 0))


def test_inj_f2_uses_oslo_time_whatever_time_zone_is_active(agreement, practitioner_a):
    # 14:30 UTC on a winter Monday is 15:30 in Oslo: outside the agreement, even if some code
    # has activated another time zone for the request.
    with timezone.override(datetime.UTC):
        assert not rules.within_agreement_hours(practitioner_a, utc(2025, 1, 6, 14, 30))
        assert rules.within_agreement_hours(practitioner_a, utc(2025, 1, 6, 13, 30))


def test_inj_f2_another_practitioners_agreement_does_not_bind(agreement, clinic_a):
    colleague = PractitionerFactory(clinic=clinic_a)

    assert rules.outside_agreement_hours(colleague, utc(2025, 1, 6, 10, 0)).ok


def test_nal_10_without_agreement_every_hour_is_private(practitioner_a):
    for hour in range(24):
        assert rules.outside_agreement_hours(practitioner_a, utc(2025, 1, 6, hour, 0)).ok
