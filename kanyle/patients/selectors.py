"""Reads of the patient register, always within one clinic."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db import connection
from django.db.models import F, Func, IntegerField, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast

from kanyle.audit.models import AuditEvent
from kanyle.patients import national_id
from kanyle.patients.models import Patient, RiskFlag

_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _as_date(text: str) -> datetime.date | None:
    match = _DATE_RE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        year, month, day = (int(p) for p in text.split("-"))
    else:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def patient_search(*, clinic: Any, query: str) -> QuerySet[Patient]:
    """By whole national ID, by birth date (dd.mm.åååå), or by parts of the name."""
    patients = Patient.objects.for_clinic(clinic)
    query = (query or "").strip()
    if not query:
        return patients
    digits = national_id.compact(query)
    if digits.isdigit() and len(digits) == 11:
        return patients.filter(national_id=digits)
    birth_date = _as_date(query)
    if birth_date:
        return patients.filter(birth_date=birth_date)
    terms = query.split()[:5]
    indexed = [t for t in terms if len(t) >= TRIGRAM] if connection.vendor == "postgresql" else []
    if indexed:
        # The trigram index (migration 0003) starts with the clinic id as an integer: only that index can
        # answer this condition, so the planner cannot pick a scan of the whole clinic instead.
        patients = Patient.objects.alias(clinic_key=Cast("clinic_id", IntegerField())).filter(
            clinic_key=getattr(clinic, "pk", clinic)
        )
    patients = patients.alias(search_name=SEARCH_NAME)
    for term in terms:
        if term in indexed:
            patients = patients.filter(search_name__icontains=term)
        else:
            # Too short for a trigram (or SQLite): checked on the rows the other terms or the clinic give.
            matches = Q()
            for variant in _case_variants(term):
                matches |= Q(given_name__icontains=variant) | Q(family_name__icontains=variant)
            patients = patients.filter(matches)
    return patients


# A term of at least three letters has a trigram the index can look up; shorter ones ("Li", "Å") cannot.
TRIGRAM = 3

# Given and family name as one text, the trigram index's expression (patients/migrations/0003). The space is
# part of the SQL, not a parameter, so the planner sees the very same expression.
SEARCH_NAME = Func(
    F("given_name"), F("family_name"), template="(%(expressions)s)", arg_joiner=" || ' ' || ", output_field=TextField()
)


def _case_variants(term: str) -> set[str]:
    """SQLite (the demo database) folds case for A–Z only; try the usual spellings of Æ, Ø, Å too.

    PostgreSQL folds every letter itself, so there the term is enough.
    """
    if connection.vendor != "sqlite" or term.isascii():
        return {term}
    return {term, term.lower(), term.upper(), term.capitalize()}


def patient_detail(*, clinic: Any, pk: Any) -> Patient:
    return (
        Patient.objects.for_clinic(clinic)
        .prefetch_related(
            Prefetch("risk_flags", queryset=RiskFlag.objects.select_related("recorded_by", "resolved_by"))
        )
        .get(pk=pk)
    )


def patient_access_log(*, clinic: Any, patient: Patient) -> QuerySet[AuditEvent]:
    """Who has seen or changed this patient's data (LAW-J): the patient may ask for this."""
    return AuditEvent.objects.filter(clinic=clinic, patient=patient).order_by("-created_at", "-id")
