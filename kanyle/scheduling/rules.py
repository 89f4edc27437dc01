"""Scheduling rules with their catalog IDs.

INJ-O1: injection appointments lie inside a clinic session (klinikktime) where the physiotherapist
and the responsible doctor are booked together. INJ-O2: the doctor is present in that session — on
site, or by video in clinics organised with a doctor by video (INJ-O3). INJ-F2: injection work is
private and lies outside the practitioner's municipal agreement hours. NAL-8: patients book needle
treatment and other online services themselves, without a referral; injections are never online.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from kanyle.core.decisions import Decision
from kanyle.staff.rules import outside_agreement_hours

if TYPE_CHECKING:
    from kanyle.scheduling.models import AppointmentType, ClinicSession
    from kanyle.staff.models import Practitioner


def injection_slot_allowed(
    *,
    practitioner: Practitioner,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    clinic_session: ClinicSession | None,
) -> Decision:
    """INJ-O1, INJ-O2 (INJ-O3) and INJ-F2 for one injection appointment."""
    from kanyle.clinics.models import OrganisationModel
    from kanyle.scheduling.models import DoctorMode

    decision = Decision.allow()
    session = clinic_session
    if (
        session is None
        or practitioner.pk not in (session.physio_id, session.doctor_id)
        or not (session.starts_at <= starts_at and ends_at <= session.ends_at)
    ):
        decision += Decision.deny(
            "INJ-O1",
            _(
                "Injection appointments can only be booked inside a clinic session where the practitioner "
                "works together with the responsible doctor."
            ),
        )
    elif session.doctor_mode != DoctorMode.ON_SITE and not (
        session.doctor_mode == DoctorMode.VIDEO
        and practitioner.clinic.organisation_model == OrganisationModel.DOCTOR_BY_VIDEO
    ):
        decision += Decision.deny(
            "INJ-O2",
            _(
                "Injection appointments need the doctor present in the clinic session; by video only in clinics "
                "organised with a medically responsible doctor by video."
            ),
        )
    # INJ-F2: neither the start nor the last minute may fall inside the agreed opening hours.
    for moment in (starts_at, ends_at - datetime.timedelta(minutes=1)):
        found = outside_agreement_hours(practitioner, moment)
        if not found:
            decision += found
            break
    return decision


def online_booking_allowed(appointment_type: AppointmentType) -> Decision:
    """NAL-8: only active services the clinic opened for online booking; never injections."""
    if not appointment_type.is_active or not appointment_type.bookable_online or appointment_type.is_injection:
        return Decision.deny("NAL-8", _("This service cannot be booked online. Please call the clinic."))
    return Decision.allow()


def slot_valid(*, starts_at: datetime.datetime, ends_at: datetime.datetime, now: datetime.datetime) -> Decision:
    """SCH-1: the end comes after the start; SCH-2: new and moved appointments lie in the future."""
    decision = Decision.allow()
    if ends_at <= starts_at:
        decision += Decision.deny("SCH-1", _("The appointment must end after it starts."))
    if starts_at < now:
        decision += Decision.deny("SCH-2", _("An appointment cannot be booked in the past."))
    return decision
