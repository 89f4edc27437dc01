"""Calendars: rooms, appointment types, clinic sessions (klinikktimer) and appointments.

Overlapping bookings for one practitioner or one room are impossible: in PostgreSQL an exclusion
constraint (migration 0002) refuses them; on SQLite the booking service checks inside the write
transaction, which SQLite serialises.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text


class Room(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100, validators=[validate_plain_text])
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="room_unique_name")]

    def __str__(self) -> str:
        return self.name


class ServiceKind(models.TextChoices):
    FIRST = "first", _("First consultation")
    FOLLOW_UP = "follow_up", _("Follow-up")
    NEEDLING = "needling", _("Needle treatment")
    ULTRASOUND = "ultrasound", _("MSK ultrasound")
    INJECTION = "injection", _("Injection")
    VIDEO = "video", _("Video consultation")


class AppointmentType(models.Model):
    """What can be booked: kind, length, colour, and whether patients may book it online."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=ServiceKind.choices)
    name = models.CharField(_("name"), max_length=100, validators=[validate_plain_text])
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    colour = models.CharField(_("colour"), max_length=7, default="#0b5d6b")
    bookable_online = models.BooleanField(_("patients may book online"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("appointment type")
        verbose_name_plural = _("appointment types")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ServiceKind.values), name="appointmenttype_kind"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=240), name="appointmenttype_duration"
            ),
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="appointmenttype_colour"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_injection(self) -> bool:
        return self.kind == ServiceKind.INJECTION


class DoctorMode(models.TextChoices):
    ON_SITE = "on_site", _("Doctor on site")
    VIDEO = "video", _("Doctor by video")


class ClinicSession(models.Model):
    """A block where the responsible doctor and a physiotherapist work together (INJ-O1, INJ-O2, INJ-O3)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    doctor = models.ForeignKey(
        "staff.Practitioner", on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor")
    )
    physio = models.ForeignKey(
        "staff.Practitioner", on_delete=models.PROTECT, related_name="+", verbose_name=_("physiotherapist")
    )
    doctor_mode = models.CharField(_("doctor present"), max_length=8, choices=DoctorMode.choices)
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("room")
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    # Sessions created together as a weekly series share this key, so the series can be shown and ended.
    series = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("clinic session")
        verbose_name_plural = _("clinic sessions")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="clinicsession_end_after_start"),
            models.CheckConstraint(condition=~Q(doctor=F("physio")), name="clinicsession_two_people"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%d.%m.%Y %H:%M}–{self.ends_at:%H:%M}"


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested online")
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Did not attend")


# Statuses that occupy the practitioner's and the room's time (the exclusion constraint's condition).
OCCUPYING = ("requested", "booked", "arrived", "completed")


class Appointment(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("patient"),
    )
    practitioner = models.ForeignKey(
        "staff.Practitioner",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("practitioner"),
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments", verbose_name=_("room")
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    clinic_session = models.ForeignKey(
        ClinicSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("clinic session"),
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    status = models.CharField(
        _("status"), max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    cancel_reason = models.CharField(
        _("reason for cancelling"), max_length=300, blank=True, validators=[validate_plain_text]
    )
    # Administrative note only (reception sees it); clinical content belongs in the record.
    note = models.CharField(_("note"), max_length=300, blank=True, validators=[validate_plain_text])
    # What a patient gave when booking online; linked to a patient when reception confirms.
    requester_name = models.CharField(max_length=200, blank=True, validators=[validate_plain_text])
    requester_national_id = models.CharField(max_length=11, blank=True)
    requester_phone = models.CharField(max_length=20, blank=True)
    requester_email = models.EmailField(blank=True)
    encounter = models.OneToOneField(
        "journal.Encounter", on_delete=models.PROTECT, null=True, blank=True, related_name="appointment"
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_end_after_start"),
            models.CheckConstraint(condition=Q(status__in=AppointmentStatus.values), name="appointment_status"),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="appointment_cancel_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(status="requested") | Q(patient__isnull=False), name="appointment_patient_unless_request"
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "practitioner", "starts_at"], name="appointment_calendar"),
            models.Index(fields=["clinic", "status", "starts_at"], name="appointment_worklist"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%d.%m.%Y %H:%M} {self.appointment_type}"


class CalendarFeed(models.Model):
    """A secret token for a practitioner's iCalendar (.ics) feed; replaced, never shown again after creation."""

    practitioner = models.OneToOneField("staff.Practitioner", on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.practitioner}"
