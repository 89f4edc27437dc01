"""Fixtures for the needle-treatment tests: frozen time, a trained physio and a course ready for sessions."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from kanyle.needling.tests.factories import course_for
from kanyle.staff.tests.factories import CredentialFactory

NOW = datetime.datetime(2025, 3, 12, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    """Time stands still at 12 March 2025, 10:00 in Oslo; ``clock.shift(seconds)`` moves it on."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def trained(practitioner_a):
    """The physio persona with a verified needle-treatment credential (NAL-2)."""
    CredentialFactory(practitioner=practitioner_a, issued_on=datetime.date(2023, 1, 1))
    return practitioner_a


@pytest.fixture
def plan(clock, patient_a, trained):
    """An open needling episode with an ICF assessment, an agreed plan with one goal, and a screening."""
    return course_for(patient_a, trained, credential=False)
