"""Reads of the staff register, always within one clinic."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanyle.accounts.models import User
from kanyle.clinics.models import Membership
from kanyle.staff.models import Credential, InsuranceCover, MunicipalAgreement, Practitioner


def staff_list(*, clinic: Any) -> QuerySet[User]:
    """Everyone with a role in the clinic, with roles and practitioner profile, in two queries."""
    return (
        User.objects.filter(memberships__clinic=clinic)
        .distinct()
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.filter(clinic=clinic), to_attr="clinic_memberships"),
            Prefetch(
                "practitioners", queryset=Practitioner.objects.filter(clinic=clinic), to_attr="clinic_practitioners"
            ),
            # Only a confirmed authenticator counts as two-factor login being set up.
            Prefetch("totpdevice_set", queryset=TOTPDevice.objects.filter(confirmed=True), to_attr="confirmed_devices"),
        )
        .order_by("last_name", "first_name", "username")
    )


def practitioner_detail(*, clinic: Any, pk: int) -> Practitioner:
    return (
        Practitioner.objects.select_related("user")
        .prefetch_related(
            Prefetch("credentials", queryset=Credential.objects.select_related("verified_by")),
            "insurance_covers",
            Prefetch("agreements", queryset=MunicipalAgreement.objects.prefetch_related("hours")),
        )
        .get(clinic=clinic, pk=pk)
    )


@dataclass(frozen=True)
class ExpiryItem:
    practitioner: Practitioner
    label: str
    expires_on: datetime.date
    expired: bool


def expiry_watchlist(*, clinic: Any, on: datetime.date) -> list[ExpiryItem]:
    """Credentials and covers that have expired or soon expire and are not yet replaced by a newer one."""
    horizon = on + datetime.timedelta(days=settings.KANYLE_EXPIRY_WARNING_DAYS)
    latest: dict[tuple, tuple[datetime.date | None, Any, str]] = {}

    def consider(key: tuple, practitioner: Practitioner, label: str, ends: datetime.date | None) -> None:
        current = latest.get(key)
        # No end date beats any end date; otherwise the later end wins.
        if current is None or (current[0] is not None and (ends is None or ends > current[0])):
            latest[key] = (ends, practitioner, label)

    for credential in (
        Credential.objects.filter(clinic=clinic, issued_on__lte=on)
        .exclude(verified_at=None)
        .select_related("practitioner__user")
    ):
        consider(
            (credential.practitioner_id, "credential", credential.kind),
            credential.practitioner,
            credential.get_kind_display(),
            credential.expires_on,
        )
    for cover in InsuranceCover.objects.filter(clinic=clinic, valid_from__lte=on).select_related("practitioner__user"):
        label = f"{cover.insurer} ({_('includes injections')})" if cover.covers_injections else cover.insurer
        # A cover that includes injection work is also ordinary cover (as insurance_valid counts it).
        for includes_injections in {False, cover.covers_injections}:
            consider(
                (cover.practitioner_id, "insurance", includes_injections), cover.practitioner, label, cover.valid_to
            )
    # One cover can be the latest for both keys; list it once.
    unique = {
        (practitioner.pk, label, ends): (ends, practitioner, label) for ends, practitioner, label in latest.values()
    }
    items = [
        ExpiryItem(practitioner, label, ends, ends < on)
        for ends, practitioner, label in unique.values()
        if ends is not None and ends <= horizon
    ]
    return sorted(items, key=lambda item: item.expires_on)
