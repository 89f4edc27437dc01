"""Every write to the calendar: keyword-only, atomic, validated and logged.

Overlaps: on PostgreSQL the exclusion constraints (migration 0002) are the final word and their
IntegrityError becomes a ValidationError; on SQLite the check below runs inside the write
transaction, which SQLite serialises (transaction_mode IMMEDIATE), so it cannot race.
"""

from __future__ import annotations

import datetime
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kanyle.audit.services import Actor, audit_record
from kanyle.patients import national_id as nid
from kanyle.patients.models import Patient
from kanyle.patients.services import patient_create
from kanyle.scheduling import rules
from kanyle.scheduling.models import (
    OCCUPYING,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CalendarFeed,
    ClinicSession,
    Room,
)
from kanyle.staff.models import Practitioner

PRACTITIONER_BUSY = gettext_lazy("The practitioner already has an appointment at this time.")
ROOM_BUSY = gettext_lazy("The room is already booked at this time.")
SLOT_TAKEN = gettext_lazy("This time is no longer free. Please choose another time.")


def _raise(decision) -> None:
    if not decision:
        raise ValidationError(decision.messages)


def _overlapping(appointment: Appointment):
    qs = Appointment.objects.filter(
        status__in=OCCUPYING, starts_at__lt=appointment.ends_at, ends_at__gt=appointment.starts_at
    )
    if appointment.pk:
        qs = qs.exclude(pk=appointment.pk)
    return qs


def _refuse_overlap(appointment: Appointment) -> None:
    if appointment.status not in OCCUPYING:
        return
    others = _overlapping(appointment)
    if others.filter(practitioner_id=appointment.practitioner_id).exists():
        raise ValidationError(PRACTITIONER_BUSY, code="overlap")
    if appointment.room_id and others.filter(room_id=appointment.room_id).exists():
        raise ValidationError(ROOM_BUSY, code="overlap")


def _is_exclusion_violation(error: IntegrityError) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == "23P01" or ("no_" in str(error) and "overlap" in str(error))


# What full_clean() leaves to others here: the related rows are instances the caller resolved within the clinic
# (_same_clinic), and the check constraints are the database's, the one a booking could break (end after start)
# being rules.slot_valid's. Otherwise Django asks the database once per foreign key and per check: 9 queries.
_RELATIONS = tuple(f.name for f in Appointment._meta.concrete_fields if f.is_relation)


def _save(appointment: Appointment) -> None:
    appointment.full_clean(exclude=_RELATIONS, validate_constraints=False)
    _refuse_overlap(appointment)
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        if _is_exclusion_violation(error):
            raise ValidationError(SLOT_TAKEN, code="overlap") from error
        raise


def _check_injection(appointment: Appointment) -> None:
    if not appointment.appointment_type.is_injection:
        return
    if appointment.clinic_session is None:
        appointment.clinic_session = session_for(
            practitioner=appointment.practitioner, starts_at=appointment.starts_at, ends_at=appointment.ends_at
        )
    _raise(
        rules.injection_slot_allowed(
            practitioner=appointment.practitioner,
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            clinic_session=appointment.clinic_session,
        )
    )


def session_for(*, practitioner: Practitioner, starts_at, ends_at) -> ClinicSession | None:
    """The clinic session of this practitioner (as physio or doctor) that contains the time, if any."""
    return (
        ClinicSession.objects.filter(clinic_id=practitioner.clinic_id, starts_at__lte=starts_at, ends_at__gte=ends_at)
        .filter(Q(physio=practitioner) | Q(doctor=practitioner))
        .select_related("doctor", "physio")
        .first()
    )


def _same_clinic(clinic, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.clinic_id != clinic.pk:
            raise ValidationError(_("Everything booked must belong to the same clinic."))


@transaction.atomic
def appointment_book(
    *,
    actor: Actor,
    practitioner: Practitioner,
    appointment_type: AppointmentType,
    starts_at: datetime.datetime,
    patient: Patient,
    room: Room | None = None,
    note: str = "",
    clinic_session: ClinicSession | None = None,
    ends_at: datetime.datetime | None = None,
) -> Appointment:
    """Book an appointment in the actor's clinic (reception or a practitioner)."""
    clinic = actor.clinic
    _same_clinic(clinic, practitioner, appointment_type, patient, room, clinic_session)
    ends_at = ends_at or starts_at + datetime.timedelta(minutes=appointment_type.duration_minutes)
    _raise(rules.slot_valid(starts_at=starts_at, ends_at=ends_at, now=timezone.now()))
    appointment = Appointment(
        clinic=clinic,
        patient=patient,
        practitioner=practitioner,
        room=room,
        appointment_type=appointment_type,
        clinic_session=clinic_session,
        starts_at=starts_at,
        ends_at=ends_at,
        status=AppointmentStatus.BOOKED,
        note=note,
        created_by=actor.user,
    )
    _check_injection(appointment)
    _save(appointment)
    audit_record(
        actor=actor,
        action="scheduling.appointment.booked",
        patient=patient,
        target=appointment,
        detail=f"{appointment_type.kind} {starts_at.isoformat()}",
    )
    return appointment


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("appointment_type", "practitioner__clinic", "clinic_session", "patient")
        .get(pk=appointment.pk)
    )


@transaction.atomic
def appointment_move(
    *,
    actor: Actor,
    appointment: Appointment,
    starts_at: datetime.datetime,
    practitioner: Practitioner | None = None,
    room: Room | None = None,
    keep_room: bool = True,
) -> Appointment:
    """Move to another time (and optionally practitioner/room); the length stays."""
    appointment = _locked(appointment)
    if appointment.status not in (AppointmentStatus.REQUESTED, AppointmentStatus.BOOKED):
        raise ValidationError(_("Only requested or booked appointments can be moved."))
    _same_clinic(appointment.clinic, practitioner, room)
    length = appointment.ends_at - appointment.starts_at
    previous = appointment.starts_at
    appointment.starts_at, appointment.ends_at = starts_at, starts_at + length
    if practitioner is not None:
        appointment.practitioner = practitioner
    if room is not None or not keep_room:
        appointment.room = room
    _raise(rules.slot_valid(starts_at=appointment.starts_at, ends_at=appointment.ends_at, now=timezone.now()))
    appointment.clinic_session = None
    appointment.reminder_sent_at = None
    _check_injection(appointment)
    _save(appointment)
    audit_record(
        actor=actor,
        action="scheduling.appointment.moved",
        patient=appointment.patient,
        target=appointment,
        detail=f"{previous.isoformat()} -> {appointment.starts_at.isoformat()}",
    )
    return appointment


@transaction.atomic
def appointment_cancel(*, actor: Actor, appointment: Appointment, reason: str) -> Appointment:
    appointment = _locked(appointment)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for cancelling.")})
    if appointment.status not in (AppointmentStatus.REQUESTED, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED):
        raise ValidationError(_("This appointment can no longer be cancelled."))
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancel_reason = reason
    appointment.full_clean()
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="scheduling.appointment.cancelled",
        patient=appointment.patient,
        target=appointment,
        reason=reason,
    )
    return appointment


@transaction.atomic
def appointment_no_show(*, actor: Actor, appointment: Appointment) -> Appointment:
    appointment = _locked(appointment)
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED):
        raise ValidationError(_("Only booked appointments can be marked as not attended."))
    if appointment.starts_at > timezone.now():
        raise ValidationError(_("An appointment that has not started yet cannot be marked as not attended."))
    appointment.status = AppointmentStatus.NO_SHOW
    appointment.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="scheduling.appointment.no_show", patient=appointment.patient, target=appointment)
    return appointment


def _advance(actor: Actor, appointment: Appointment, *, allowed: tuple[str, ...], to: str, message: str) -> Appointment:
    appointment = _locked(appointment)
    if appointment.status not in allowed:
        raise ValidationError(message)
    if appointment.starts_at > timezone.now() + datetime.timedelta(minutes=30):
        raise ValidationError(_("The appointment has not started yet."))
    appointment.status = to
    appointment.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=f"scheduling.appointment.{to}", patient=appointment.patient, target=appointment)
    return appointment


@transaction.atomic
def appointment_arrived(*, actor: Actor, appointment: Appointment) -> Appointment:
    """Reception registers that the patient has arrived."""
    return _advance(
        actor,
        appointment,
        allowed=(AppointmentStatus.BOOKED,),
        to=AppointmentStatus.ARRIVED,
        message=_("Only a booked appointment can be registered as arrived."),
    )


@transaction.atomic
def appointment_completed(*, actor: Actor, appointment: Appointment) -> Appointment:
    """The visit took place: from now on it can be charged."""
    return _advance(
        actor,
        appointment,
        allowed=(AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED),
        to=AppointmentStatus.COMPLETED,
        message=_("Only a booked or arrived appointment can be completed."),
    )


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if len(parts) < 2:
        return name.strip(), name.strip()
    return " ".join(parts[:-1]), parts[-1]


@transaction.atomic
def appointment_confirm(*, actor: Actor, appointment: Appointment) -> Appointment:
    """Reception confirms an online request: link to the patient (registering a new one) and book it."""
    appointment = _locked(appointment)
    if appointment.status != AppointmentStatus.REQUESTED:
        raise ValidationError(_("Only requested appointments can be confirmed."))
    patient = appointment.patient
    if patient is None:
        patient = Patient.objects.filter(
            clinic=appointment.clinic, national_id=appointment.requester_national_id
        ).first()
    if patient is None:
        person = nid.parse(appointment.requester_national_id)
        given, family = _split_name(appointment.requester_name)
        patient = patient_create(
            actor=actor,
            patient=Patient(
                national_id=person.number,
                id_type=person.kind,
                birth_date=person.birth_date,
                given_name=given,
                family_name=family,
                phone=appointment.requester_phone,
                email=appointment.requester_email,
            ),
        )
    appointment.patient = patient
    appointment.status = AppointmentStatus.BOOKED
    appointment.full_clean()
    appointment.save(update_fields=["patient", "status", "updated_at"])
    audit_record(actor=actor, action="scheduling.appointment.confirmed", patient=patient, target=appointment)
    return appointment


@transaction.atomic
def appointment_request_online(
    *,
    clinic,
    appointment_type: AppointmentType,
    practitioner: Practitioner,
    starts_at: datetime.datetime,
    name: str,
    national_id: str,
    phone: str,
    email: str,
    ip_address: str | None,
) -> Appointment:
    """NAL-8: a patient's own booking, without login or referral; arrives as 'requested'.

    Never looks up the patient register, so the answer is the same whether the person is known or not.
    """
    _same_clinic(clinic, appointment_type, practitioner)
    _raise(rules.online_booking_allowed(appointment_type))
    person = nid.parse(national_id)
    ends_at = starts_at + datetime.timedelta(minutes=appointment_type.duration_minutes)
    _raise(rules.slot_valid(starts_at=starts_at, ends_at=ends_at, now=timezone.now()))
    appointment = Appointment(
        clinic=clinic,
        practitioner=practitioner,
        appointment_type=appointment_type,
        starts_at=starts_at,
        ends_at=ends_at,
        status=AppointmentStatus.REQUESTED,
        requester_name=name.strip(),
        requester_national_id=person.number,
        requester_phone=phone.strip(),
        requester_email=email.strip(),
    )
    _save(appointment)
    audit_record(
        actor=Actor(user=None, clinic=clinic, role="", ip_address=ip_address),
        action="scheduling.appointment.requested",
        target=appointment,
        detail=f"{appointment_type.kind} {starts_at.isoformat()}",
    )
    return appointment


@transaction.atomic
def clinic_session_create(
    *,
    actor: Actor,
    doctor: Practitioner,
    physio: Practitioner,
    doctor_mode: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    room: Room | None = None,
    weeks: int = 1,
) -> list[ClinicSession]:
    """A clinic session, or a weekly series of them, booking the doctor and the physio together."""
    clinic = actor.clinic
    _same_clinic(clinic, doctor, physio, room)
    if doctor.profession != "doctor":
        raise ValidationError({"doctor": _("The responsible doctor must be registered as a doctor.")})
    if not 1 <= weeks <= 52:
        raise ValidationError({"weeks": _("A series runs for 1 to 52 weeks.")})
    _raise(rules.slot_valid(starts_at=starts_at, ends_at=ends_at, now=timezone.now()))
    series = uuid.uuid4().hex if weeks > 1 else ""
    created = []
    for week in range(weeks):
        shift = datetime.timedelta(weeks=week)
        # Weekly in local wall-clock time, so a series keeps its hours across daylight saving changes.
        local_start = timezone.localtime(starts_at) + shift
        local_end = timezone.localtime(ends_at) + shift
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(local_start.replace(tzinfo=None), tz)
        end = timezone.make_aware(local_end.replace(tzinfo=None), tz)
        clash = ClinicSession.objects.filter(clinic=clinic, starts_at__lt=end, ends_at__gt=start).filter(
            Q(doctor__in=[doctor, physio]) | Q(physio__in=[doctor, physio])
        )
        if clash.exists():
            raise ValidationError(
                _("The doctor or the physiotherapist already has a clinic session on %(date)s.")
                % {"date": f"{local_start:%d.%m.%Y}"}
            )
        session = ClinicSession(
            clinic=clinic,
            doctor=doctor,
            physio=physio,
            doctor_mode=doctor_mode,
            room=room,
            starts_at=start,
            ends_at=end,
            series=series,
            created_by=actor.user,
        )
        session.full_clean()
        session.save()
        created.append(session)
    audit_record(
        actor=actor,
        action="scheduling.session.created",
        target=created[0],
        detail=f"{weeks} week(s) {doctor_mode}",
    )
    return created


@transaction.atomic
def feed_token_renew(*, actor: Actor, practitioner: Practitioner) -> str:
    """A new secret token for the practitioner's .ics feed; the old link stops working."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(practitioner=practitioner, defaults={"token": token})
    audit_record(actor=actor, action="scheduling.feed.renewed", target=practitioner)
    return token


@transaction.atomic
def reminder_mark_sent(*, appointment: Appointment, channels: str) -> None:
    Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=timezone.now())
    audit_record(
        actor=Actor(user=None, clinic=appointment.clinic),
        action="scheduling.reminder.sent",
        patient=appointment.patient,
        target=appointment,
        detail=channels,
    )


@transaction.atomic
def room_create(*, actor: Actor, name: str) -> Room:
    room = Room(clinic=actor.clinic, name=name.strip())
    room.full_clean()
    room.save()
    audit_record(actor=actor, action="scheduling.room.created", target=room, detail=room.name)
    return room


@transaction.atomic
def appointment_type_save(*, actor: Actor, appointment_type: AppointmentType) -> AppointmentType:
    """Create or change a bookable service; injections are never bookable online (NAL-8, INJ-G1)."""
    appointment_type.clinic = actor.clinic
    if appointment_type.is_injection and appointment_type.bookable_online:
        raise ValidationError({"bookable_online": _("Injections cannot be booked online.")})
    appointment_type.full_clean()
    appointment_type.save()
    audit_record(
        actor=actor, action="scheduling.appointment_type.saved", target=appointment_type, detail=appointment_type.kind
    )
    return appointment_type
