"""Competence, liability cover and agreement hours: the questions later modules ask.

The needle module asks ``credential_valid(..., NEEDLING)`` (NAL-2); the injection readiness
gate asks for MSK ultrasound and procedure competence (INJ-P1), injection training (INJ-P2),
cover including injections (INJ-P4, INJ-D7) and whether a time lies inside municipal
agreement hours (INJ-F2).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.core.decisions import Decision
from kanyle.staff.models import Credential, CredentialKind, InsuranceCover, MunicipalAgreement, Practitioner

# The catalog rule each kind of competence proves.
CREDENTIAL_RULES = {
    CredentialKind.NEEDLING: "NAL-2",
    CredentialKind.MSK_ULTRASOUND: "INJ-P1",
    CredentialKind.US_GUIDED_PROCEDURES: "INJ-P1",
    CredentialKind.INJECTION: "INJ-P2",
    CredentialKind.EMERGENCY_DRILL: "INJ-V4",
}


def _in_period(start: datetime.date | None, end: datetime.date | None, on: datetime.date) -> bool:
    return (start is None or start <= on) and (end is None or on <= end)


def credential_status(credential: Credential, on: datetime.date) -> str:
    """'valid', 'expiring', 'expired', 'unverified' or 'future' for display and rules alike."""
    if credential.verified_at is None:
        return "unverified"
    if credential.issued_on > on:
        return "future"
    if credential.expires_on is not None and credential.expires_on < on:
        return "expired"
    if credential.expires_on is not None and (credential.expires_on - on).days <= settings.KANYLE_EXPIRY_WARNING_DAYS:
        return "expiring"
    return "valid"


def insurance_status(cover: InsuranceCover, on: datetime.date) -> str:
    if cover.valid_from > on:
        return "future"
    if cover.valid_to is not None and cover.valid_to < on:
        return "expired"
    if cover.valid_to is not None and (cover.valid_to - on).days <= settings.KANYLE_EXPIRY_WARNING_DAYS:
        return "expiring"
    return "valid"


def credential_valid(practitioner: Practitioner, kind: str, on: datetime.date) -> Decision:
    """NAL-2 / INJ-P1 / INJ-P2: a verified credential of this kind, in force on the date."""
    # .all() so that a caller's prefetch_related("credentials") is used (the readiness gate asks several kinds).
    credentials: Iterable[Credential] = [c for c in practitioner.credentials.all() if c.kind == kind]
    if any(credential_status(c, on) in ("valid", "expiring") for c in credentials):
        return Decision.allow()
    label = CredentialKind(kind).label
    return Decision.deny(
        CREDENTIAL_RULES.get(kind, "INJ-G2"),
        _("%(name)s has no verified, valid credential for %(kind)s on %(date)s.")
        % {"name": practitioner.user.display_name, "kind": label, "date": on.strftime("%d.%m.%Y")},
    )


def insurance_valid(practitioner: Practitioner, on: datetime.date, *, injections: bool = False) -> Decision:
    """INJ-P4 / INJ-D7: liability cover in force on the date, including injection work if asked."""
    covers = [c for c in practitioner.insurance_covers.all() if _in_period(c.valid_from, c.valid_to, on)]
    if injections:
        covers = [c for c in covers if c.covers_injections]
    if covers:
        return Decision.allow()
    rule = "INJ-D7" if practitioner.profession == "doctor" else "INJ-P4"
    message = (
        _("%(name)s has no liability cover (NPE) that includes injection treatment on %(date)s.")
        if injections
        else _("%(name)s has no liability cover (NPE) on %(date)s.")
    )
    return Decision.deny(rule, message % {"name": practitioner.user.display_name, "date": on.strftime("%d.%m.%Y")})


def within_agreement_hours(practitioner: Practitioner, moment: datetime.datetime) -> bool:
    """True when the local time falls inside the practitioner's agreed municipal opening hours."""
    # Agreements are in Oslo wall-clock time (settings.TIME_ZONE), whatever zone a request activated.
    local = timezone.localtime(moment, timezone.get_default_timezone())
    day = local.date()
    agreements = MunicipalAgreement.objects.filter(practitioner=practitioner).prefetch_related("hours")
    return any(
        _in_period(agreement.valid_from, agreement.valid_to, day)
        and any(h.weekday == local.weekday() and h.start <= local.time() < h.end for h in agreement.hours.all())
        for agreement in agreements
    )


def outside_agreement_hours(practitioner: Practitioner, moment: datetime.datetime) -> Decision:
    """INJ-F2: injection work is private and must lie outside the municipal agreement's hours."""
    if within_agreement_hours(practitioner, moment):
        return Decision.deny(
            "INJ-F2",
            _(
                "%(name)s works under a municipal agreement at this time; injection treatment is private "
                "and must be given outside the agreed opening hours."
            )
            % {"name": practitioner.user.display_name},
        )
    return Decision.allow()
