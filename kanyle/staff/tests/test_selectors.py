"""Reads of the staff register: the expiry watchlist the administrator acts on."""

from __future__ import annotations

import datetime

import pytest

from kanyle.staff import selectors
from kanyle.staff.models import CredentialKind
from kanyle.staff.tests.factories import CredentialFactory, InsuranceFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

ON = datetime.date(2025, 3, 12)
DAY = datetime.timedelta(days=1)


def credential(**kwargs):
    """A verified credential issued well before ON unless told."""
    return CredentialFactory(**{"issued_on": ON - 400 * DAY, **kwargs})


def cover(**kwargs):
    return InsuranceFactory(**{"valid_from": ON - 400 * DAY, **kwargs})


def listed(clinic) -> list[tuple[int, str, datetime.date, bool]]:
    return [
        (item.practitioner.pk, item.label, item.expires_on, item.expired)
        for item in selectors.expiry_watchlist(clinic=clinic, on=ON)
    ]


def test_expiry_watchlist_lists_expired_and_expiring_credentials(practitioner_a, clinic_a):
    credential(practitioner=practitioner_a, kind=CredentialKind.NEEDLING, expires_on=ON - DAY)
    credential(practitioner=practitioner_a, kind=CredentialKind.MSK_ULTRASOUND, expires_on=ON + 30 * DAY)
    credential(practitioner=practitioner_a, kind=CredentialKind.INJECTION, expires_on=ON + 200 * DAY)
    credential(practitioner=practitioner_a, kind=CredentialKind.US_GUIDED_PROCEDURES, expires_on=None)

    assert listed(clinic_a) == [
        (practitioner_a.pk, CredentialKind.NEEDLING.label, ON - DAY, True),
        (practitioner_a.pk, CredentialKind.MSK_ULTRASOUND.label, ON + 30 * DAY, False),
    ]


def test_expiry_watchlist_credential_replaced_by_newer_valid_one_is_not_listed(practitioner_a, clinic_a):
    credential(practitioner=practitioner_a, issued_on=ON - 800 * DAY, expires_on=ON - DAY)
    credential(practitioner=practitioner_a, issued_on=ON - 10 * DAY, expires_on=ON + 700 * DAY)

    assert listed(clinic_a) == []


def test_expiry_watchlist_credential_replaced_by_one_without_expiry_is_not_listed(practitioner_a, clinic_a):
    credential(practitioner=practitioner_a, issued_on=ON - 800 * DAY, expires_on=ON + 10 * DAY)
    credential(practitioner=practitioner_a, issued_on=ON - 10 * DAY, expires_on=None)

    assert listed(clinic_a) == []


def test_expiry_watchlist_credential_of_another_kind_does_not_replace(practitioner_a, clinic_a):
    credential(practitioner=practitioner_a, kind=CredentialKind.NEEDLING, expires_on=ON - DAY)
    credential(practitioner=practitioner_a, kind=CredentialKind.INJECTION, expires_on=None)

    assert listed(clinic_a) == [(practitioner_a.pk, CredentialKind.NEEDLING.label, ON - DAY, True)]


def test_expiry_watchlist_another_practitioners_credential_does_not_replace(practitioner_a, clinic_a):
    credential(practitioner=practitioner_a, expires_on=ON - DAY)
    credential(practitioner=PractitionerFactory(clinic=clinic_a), expires_on=None)

    assert listed(clinic_a) == [(practitioner_a.pk, CredentialKind.NEEDLING.label, ON - DAY, True)]


def test_expiry_watchlist_unverified_credentials_are_not_listed(practitioner_a, clinic_a):
    credential(practitioner=practitioner_a, expires_on=ON + 5 * DAY, verified_by=None, verified_at=None)

    assert listed(clinic_a) == []


def test_expiry_watchlist_unverified_renewal_does_not_replace(practitioner_a, clinic_a):
    # NAL-2: an unverified credential does not count, so the old one still needs attention.
    credential(practitioner=practitioner_a, issued_on=ON - 800 * DAY, expires_on=ON - DAY)
    credential(practitioner=practitioner_a, issued_on=ON - 5 * DAY, expires_on=None, verified_by=None, verified_at=None)

    assert listed(clinic_a) == [(practitioner_a.pk, CredentialKind.NEEDLING.label, ON - DAY, True)]


def test_expiry_watchlist_lists_expired_and_expiring_covers(practitioner_a, doctor_practitioner, clinic_a):
    cover(practitioner=practitioner_a, valid_to=ON + 20 * DAY)
    cover(practitioner=doctor_practitioner, valid_to=ON - DAY, covers_injections=True)

    items = selectors.expiry_watchlist(clinic=clinic_a, on=ON)

    assert [(i.practitioner, i.expires_on, i.expired) for i in items] == [
        (doctor_practitioner, ON - DAY, True),
        (practitioner_a, ON + 20 * DAY, False),
    ]
    assert "Norsk pasientskadeerstatning" in items[1].label


def test_expiry_watchlist_cover_replaced_by_newer_cover_is_not_listed(practitioner_a, clinic_a):
    cover(practitioner=practitioner_a, valid_to=ON - DAY)
    cover(practitioner=practitioner_a, valid_from=ON - DAY, valid_to=ON + 365 * DAY)

    assert listed(clinic_a) == []


def test_inj_p4_expiry_watchlist_ordinary_cover_does_not_replace_injection_cover(practitioner_a, clinic_a):
    cover(practitioner=practitioner_a, valid_to=ON + 10 * DAY)
    injection_cover = cover(practitioner=practitioner_a, valid_to=ON + 10 * DAY, covers_injections=True)
    cover(practitioner=practitioner_a, valid_from=ON, valid_to=None, covers_injections=False)

    items = selectors.expiry_watchlist(clinic=clinic_a, on=ON)

    assert [(i.expires_on, i.expired) for i in items] == [(injection_cover.valid_to, False)]
    assert items[0].label.startswith(injection_cover.insurer)
    assert items[0].label != injection_cover.insurer  # says that it is the cover for injections


def test_expiry_watchlist_shows_only_this_clinic(practitioner_a, practitioner_b, clinic_a, clinic_b):
    credential(practitioner=practitioner_b, expires_on=ON - DAY)
    cover(practitioner=practitioner_b, valid_to=ON + DAY)

    assert listed(clinic_a) == []
    assert len(listed(clinic_b)) == 2


def test_inj_p4_expiry_watchlist_cover_including_injections_renews_ordinary_cover(practitioner_a, clinic_a):
    # The physio moved to a cover that also includes injection work: still covered (insurance_valid).
    cover(practitioner=practitioner_a, valid_to=ON - DAY)
    cover(practitioner=practitioner_a, valid_from=ON - DAY, valid_to=None, covers_injections=True)

    assert listed(clinic_a) == []


def test_inj_p4_expiry_watchlist_lists_an_expiring_injection_cover_once(practitioner_a, clinic_a):
    expiring = cover(practitioner=practitioner_a, valid_to=ON + 10 * DAY, covers_injections=True)

    assert [(item.expires_on, item.expired) for item in selectors.expiry_watchlist(clinic=clinic_a, on=ON)] == [
        (expiring.valid_to, False)
    ]
