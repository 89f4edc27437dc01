"""Sessions (NAL-3, NAL-4, NAL-5, NAL-12): needles on the body chart, stimulation, TENS and device loans."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text
from kanyle.needling.bodychart import REGION_CODES, Side, View
from kanyle.needling.models.course import Plan, Screening
from kanyle.needling.models.ranges import (
    DURATION_VALIDATORS,
    FREQUENCY_VALIDATORS,
    INTENSITY_VALIDATORS,
    NEEDLE_GAUGE_MM,
    NEEDLE_LENGTH_MM,
    PAIN_VALIDATORS,
    PULSE_WIDTH_VALIDATORS,
    range_validators,
)


class SessionKind(models.TextChoices):
    NEEDLING = "needling", _("Needle treatment")
    TENS = "tens", _("TENS")


class Sensation(models.TextChoices):
    EXPECTED = "expected", _("Pressure or dull ache (as expected)")
    SHARP = "sharp", _("Sharp pain")
    NONE = "none", _("No particular sensation")


class Session(models.Model):
    """One needle-treatment or TENS session; a draft until signed, when it writes a signed journal note."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="needling_sessions")
    episode = models.ForeignKey("journal.Episode", on_delete=models.PROTECT, related_name="needling_sessions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="sessions")
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="sessions")
    practitioner = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=SessionKind.choices)
    number = models.PositiveSmallIntegerField(_("session number"))
    occurred_at = models.DateTimeField(_("time of the session"))
    # NAL-3: when the needles (or TENS electrodes) went in/on and came out/off.
    inserted_at = models.DateTimeField(_("needles in"), null=True, blank=True)
    removed_at = models.DateTimeField(_("needles out"), null=True, blank=True)
    # NAL-5: it should not hurt.
    sensation = models.CharField(_("the patient's sensation"), max_length=10, choices=Sensation.choices, blank=True)
    pain_during = models.PositiveSmallIntegerField(
        _("pain during treatment (0–10)"), null=True, blank=True, validators=PAIN_VALIDATORS
    )
    response = models.TextField(_("response and comments"), max_length=4000, blank=True)
    note = models.OneToOneField(
        "journal.Note", on_delete=models.PROTECT, null=True, blank=True, related_name="needling_session"
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number", "id"]
        verbose_name = _("needle treatment session")
        verbose_name_plural = _("needle treatment sessions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="session_unique_number"),
            models.CheckConstraint(condition=Q(kind__in=SessionKind.values), name="session_kind"),
            models.CheckConstraint(condition=Q(sensation__in=[*Sensation.values, ""]), name="session_sensation"),
            models.CheckConstraint(
                condition=Q(pain_during__isnull=True) | Q(pain_during__lte=10), name="session_pain_range"
            ),
            models.CheckConstraint(
                condition=Q(inserted_at__isnull=True)
                | Q(removed_at__isnull=True)
                | Q(removed_at__gte=F("inserted_at")),
                name="session_removed_after_inserted",
                violation_error_message=_("The needles cannot come out before they went in: check the times."),
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(note__isnull=False), name="session_signed_has_note"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "signed_at"], name="session_clinic_signed")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} {self.occurred_at:%d.%m.%Y}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def source(self) -> str:
        """How outcome scores and deviations point back at this session."""
        return f"needling.session:{self.pk}"

    @property
    def duration_minutes(self) -> int | None:
        if self.inserted_at is None or self.removed_at is None:
            return None
        return round((self.removed_at - self.inserted_at).total_seconds() / 60)


class Technique(models.TextChoices):
    DRY_NEEDLING = "dry_needling", _("Dry needling")
    TRIGGER_POINT = "trigger_point", _("Trigger point")
    SEGMENTAL = "segmental", _("Segmental")
    ACUPUNCTURE_POINT = "acupuncture_point", _("Acupuncture point")


class Stimulation(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ELECTRICAL = "electrical", _("Electrical")


class SiteState(models.TextChoices):
    IN = "in", _("In")
    REMOVED = "removed", _("Removed")
    LOST = "lost", _("Missing")


class NeedleSite(models.Model):
    """One needle: where it went, which needle, how, and whether it has come out again (NAL-3)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="sites")
    number = models.PositiveSmallIntegerField(_("needle number"))
    region = models.CharField(_("muscle or region"), max_length=40, choices=[(c, c) for c in REGION_CODES])
    side = models.CharField(_("side"), max_length=5, choices=Side.choices)
    view = models.CharField(max_length=5, choices=View.choices)
    x = models.PositiveSmallIntegerField()
    y = models.PositiveSmallIntegerField()
    length_mm = models.PositiveSmallIntegerField(
        _("needle length (mm)"),
        validators=range_validators(*NEEDLE_LENGTH_MM, _("A needle is between 5 and 150 mm long.")),
    )
    gauge_mm = models.DecimalField(
        _("needle diameter (mm)"),
        max_digits=3,
        decimal_places=2,
        validators=range_validators(
            *(Decimal(v) for v in NEEDLE_GAUGE_MM),
            _("A needle's diameter is between 0.12 and 0.40 mm."),
        ),
    )
    depth_mm = models.PositiveSmallIntegerField(
        _("depth (mm)"),
        null=True,
        blank=True,
        validators=range_validators(1, 150, _("The depth must be between 1 and 150 mm.")),
    )
    technique = models.CharField(_("technique"), max_length=20, choices=Technique.choices)
    stimulation = models.CharField(_("stimulation"), max_length=10, choices=Stimulation.choices)
    state = models.CharField(_("state"), max_length=8, choices=SiteState.choices, default=SiteState.IN)
    inserted_at = models.DateTimeField(_("inserted"))
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    # A missing needle is a serious side effect and a deviation (NAL-7); the session may then be signed.
    side_effect = models.ForeignKey(
        "needling.SideEffect", on_delete=models.PROTECT, null=True, blank=True, related_name="lost_needles"
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("needle site")
        verbose_name_plural = _("needle sites")
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="site_unique_number"),
            models.CheckConstraint(condition=Q(region__in=REGION_CODES), name="site_region"),
            models.CheckConstraint(condition=Q(side__in=Side.values, view__in=View.values), name="site_side_view"),
            models.CheckConstraint(condition=Q(state__in=SiteState.values), name="site_state"),
            models.CheckConstraint(condition=Q(length_mm__gte=5, length_mm__lte=150), name="site_length_range"),
            models.CheckConstraint(
                condition=Q(depth_mm__isnull=True) | Q(depth_mm__lte=F("length_mm")),
                name="site_depth_within_needle",
                violation_error_message=_("The depth cannot be more than the needle's length."),
            ),
            models.CheckConstraint(
                condition=~Q(state="removed") | Q(removed_at__isnull=False), name="site_removed_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(state="lost") | Q(side_effect__isnull=False), name="site_lost_has_side_effect"
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | Q(removed_at__gte=F("inserted_at")), name="site_removed_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.region_label}, {self.get_side_display().lower()}"

    @property
    def region_label(self) -> str:
        from kanyle.needling.bodychart import region_label

        return region_label(self.region)


class Waveform(models.TextChoices):
    CONTINUOUS = "continuous", _("Continuous")
    DENSE_DISPERSE = "dense_disperse", _("Dense-disperse (alternating)")
    BURST = "burst", _("Burst")
    INTERMITTENT = "intermittent", _("Intermittent")


class ElectroChannel(models.Model):
    """Electrical stimulation through a pair of needles, with its parameters (NAL-4)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="channels")
    site_a = models.ForeignKey(NeedleSite, on_delete=models.PROTECT, related_name="+", verbose_name=_("needle"))
    site_b = models.ForeignKey(NeedleSite, on_delete=models.PROTECT, related_name="+", verbose_name=_("paired with"))
    frequency_hz = models.PositiveSmallIntegerField(_("frequency (Hz)"), validators=FREQUENCY_VALIDATORS)
    pulse_width_us = models.PositiveSmallIntegerField(_("pulse width (µs)"), validators=PULSE_WIDTH_VALIDATORS)
    intensity_ma = models.DecimalField(
        _("intensity (mA)"), max_digits=4, decimal_places=1, validators=INTENSITY_VALIDATORS
    )
    waveform = models.CharField(_("waveform"), max_length=15, choices=Waveform.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), validators=DURATION_VALIDATORS)

    class Meta:
        ordering = ["id"]
        verbose_name = _("electrical stimulation")
        verbose_name_plural = _("electrical stimulation")
        constraints = [
            models.CheckConstraint(
                condition=~Q(site_a=F("site_b")),
                name="channel_two_needles",
                violation_error_message=_("Connect two different needles."),
            ),
            models.CheckConstraint(condition=Q(frequency_hz__gte=1, frequency_hz__lte=200), name="channel_frequency"),
            models.CheckConstraint(
                condition=Q(pulse_width_us__gte=20, pulse_width_us__lte=1000), name="channel_pulse_width"
            ),
            models.CheckConstraint(condition=Q(intensity_ma__gte=0, intensity_ma__lte=80), name="channel_intensity"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=120), name="channel_duration"
            ),
            models.CheckConstraint(condition=Q(waveform__in=Waveform.values), name="channel_waveform"),
        ]

    def __str__(self) -> str:
        return f"{self.site_a.number}–{self.site_b.number}: {self.frequency_hz} Hz, {self.intensity_ma} mA"


class TensMode(models.TextChoices):
    CONVENTIONAL = "conventional", _("Conventional (high frequency, low intensity)")
    ACUPUNCTURE_LIKE = "acupuncture_like", _("Acupuncture-like (low frequency, higher intensity)")
    BURST = "burst", _("Burst")
    MODULATED = "modulated", _("Modulated")


class TensSetting(models.Model):
    """The parameters of a TENS session (NAL-12)."""

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="tens")
    mode = models.CharField(_("mode"), max_length=20, choices=TensMode.choices)
    frequency_hz = models.PositiveSmallIntegerField(_("frequency (Hz)"), validators=FREQUENCY_VALIDATORS)
    pulse_width_us = models.PositiveSmallIntegerField(_("pulse width (µs)"), validators=PULSE_WIDTH_VALIDATORS)
    intensity_ma = models.DecimalField(
        _("intensity (mA)"), max_digits=4, decimal_places=1, validators=INTENSITY_VALIDATORS
    )
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), validators=DURATION_VALIDATORS)

    class Meta:
        verbose_name = _("TENS parameters")
        verbose_name_plural = _("TENS parameters")
        constraints = [
            models.CheckConstraint(condition=Q(mode__in=TensMode.values), name="tens_mode"),
            models.CheckConstraint(condition=Q(frequency_hz__gte=1, frequency_hz__lte=200), name="tens_frequency"),
            models.CheckConstraint(
                condition=Q(pulse_width_us__gte=20, pulse_width_us__lte=1000), name="tens_pulse_width"
            ),
            models.CheckConstraint(condition=Q(intensity_ma__gte=0, intensity_ma__lte=80), name="tens_intensity"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=120), name="tens_duration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.frequency_hz} Hz"


class TensElectrode(models.Model):
    """Where a TENS electrode was placed on the body chart (NAL-12)."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="electrodes")
    number = models.PositiveSmallIntegerField(_("electrode number"))
    region = models.CharField(_("muscle or region"), max_length=40, choices=[(c, c) for c in REGION_CODES])
    side = models.CharField(_("side"), max_length=5, choices=Side.choices)
    view = models.CharField(max_length=5, choices=View.choices)
    x = models.PositiveSmallIntegerField()
    y = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["number"]
        verbose_name = _("TENS electrode")
        verbose_name_plural = _("TENS electrodes")
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="electrode_unique_number"),
            models.CheckConstraint(condition=Q(region__in=REGION_CODES), name="electrode_region"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.region_label}, {self.get_side_display().lower()}"

    @property
    def region_label(self) -> str:
        from kanyle.needling.bodychart import region_label

        return region_label(self.region)


class TensLoan(models.Model):
    """A TENS device lent to the patient for home use, with the date it is due back (NAL-12)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="loans")
    device = models.CharField(_("device"), max_length=120, validators=[validate_plain_text])
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True, validators=[validate_plain_text])
    mode = models.CharField(_("mode for home use"), max_length=20, choices=TensMode.choices)
    instructions = models.TextField(_("instructions given"), max_length=2000, blank=True)
    lent_on = models.DateField(_("lent"))
    due_on = models.DateField(_("return date"))
    returned_on = models.DateField(_("returned"), null=True, blank=True)
    lent_by = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["returned_on", "due_on"]
        verbose_name = _("TENS device loan")
        verbose_name_plural = _("TENS device loans")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("lent_on")),
                name="loan_due_after_lent",
                violation_error_message=_("The return date cannot be before the loan starts."),
            ),
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=F("lent_on")),
                name="loan_returned_after",
                violation_error_message=_("The return date must lie between the day it was lent and today."),
            ),
            models.CheckConstraint(condition=Q(mode__in=TensMode.values), name="loan_mode"),
        ]

    def __str__(self) -> str:
        return f"{self.device} {self.lent_on:%d.%m.%Y}"
