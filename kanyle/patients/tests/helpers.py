"""Shared helpers for the patient register's tests: identifiers built from first principles,
valid form data, and assertions on what the user sees and what the access log holds."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.html import escape

from kanyle.audit.models import AuditEvent

# The mod-11 weights as published (FACTS.md), written out here on purpose: the tests must not
# trust the module they test to compute the check digits.
WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

# A real-format fødselsnummer (born 15.10.1986) with classic check digits.
FNR = "15108695088"
FNR_BORN = datetime.date(1986, 10, 15)


def with_check_digits(base: str, *, first_remainder: int = 0) -> str | None:
    """Append two check digits to nine digits so that the first weighted sum (including the first
    check digit) leaves ``first_remainder`` mod 11 and the second leaves 0; None if impossible."""
    assert len(base) == 9
    first_sum = sum(w * int(d) for w, d in zip(WEIGHTS_1, base, strict=True))
    for k1 in range(10):
        if (first_sum + k1) % 11 != first_remainder:
            continue
        second_sum = sum(w * int(d) for w, d in zip(WEIGHTS_2, base + str(k1), strict=True))
        for k2 in range(10):
            if (second_sum + k2) % 11 == 0:
                return f"{base}{k1}{k2}"
    return None


def first_valid(prefix: str, *, first_remainder: int = 0, individuals: range = range(100, 500)) -> str:
    """The first number ``prefix`` + individual digits that can carry valid check digits."""
    for individual in individuals:
        number = with_check_digits(f"{prefix}{individual:03d}", first_remainder=first_remainder)
        if number:
            return number
    raise AssertionError(f"no valid number for {prefix}")


def shows(response: Any, message: Any) -> bool:
    """The (translated) message appears in the page as the browser receives it."""
    return escape(str(message)) in response.content.decode()


def form_data(**overrides: Any) -> dict[str, Any]:
    """What a receptionist types for a new patient with a known GP."""
    data = {
        "national_id": FNR,
        "given_name": "Kari",
        "family_name": "Nordmann",
        "birth_date": "",
        "phone": "+47 912 34 567",
        "email": "kari@example.invalid",
        "street_address": "Strandgaten 1",
        "postal_code": "5013",
        "city": "Bergen",
        "preferred_language": "nb",
        "gp_name": "Dr. Tone Aase",
        "gp_hpr_number": "1234567",
        "gp_practice": "Sentrum legekontor",
        "gp_her_id": "12345",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def patient_form_data(patient: Any, **overrides: Any) -> dict[str, Any]:
    """The edit form as the browser submits it unchanged for this patient."""
    data = {
        "national_id": patient.national_id,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date.isoformat(),
        "phone": patient.phone,
        "email": patient.email,
        "street_address": patient.street_address,
        "postal_code": patient.postal_code,
        "city": patient.city,
        "preferred_language": patient.preferred_language,
        "gp_name": patient.gp_name,
        "gp_hpr_number": patient.gp_hpr_number,
        "gp_practice": patient.gp_practice,
        "gp_her_id": patient.gp_her_id,
    }
    if patient.has_no_gp:
        data["has_no_gp"] = "on"
    if patient.needs_interpreter:
        data["needs_interpreter"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def audit_events(action: str, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))
