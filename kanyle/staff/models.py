"""The staff register: practitioners (HPR), credentials, NPE cover and municipal agreements."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_hpr_number, validate_plain_text


class Profession(models.TextChoices):
    PHYSIO = "physio", _("Physiotherapist")
    DOCTOR = "doctor", _("Doctor")


class Practitioner(models.Model):
    """A physiotherapist or doctor working in one clinic; the HPR number is required."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="practitioners")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioners")
    profession = models.CharField(_("profession"), max_length=10, choices=Profession.choices)
    hpr_number = models.CharField(_("HPR number"), max_length=9, validators=[validate_hpr_number])
    title = models.CharField(
        _("title"),
        max_length=120,
        blank=True,
        validators=[validate_plain_text],
        help_text=_("E.g. specialist in manual therapy, specialist in general practice."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "user"], name="practitioner_unique_user"),
            models.UniqueConstraint(fields=["clinic", "hpr_number"], name="practitioner_unique_hpr"),
            models.CheckConstraint(condition=Q(profession__in=Profession.values), name="practitioner_profession_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user.display_name} ({self.get_profession_display()})"


class CredentialKind(models.TextChoices):
    NEEDLING = "needling", _("Needle treatment training (NFF)")
    MSK_ULTRASOUND = "msk_ultrasound", _("Musculoskeletal ultrasound")
    US_GUIDED_PROCEDURES = "us_procedures", _("Ultrasound-guided procedures")
    INJECTION = "injection", _("Injection training")
    EMERGENCY_DRILL = "emergency_drill", _("CPR and anaphylaxis drill")
    OTHER = "other", _("Other")


class Credential(models.Model):
    """Documented competence; it counts only once verified, and only until it expires."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="credentials")
    kind = models.CharField(_("kind"), max_length=20, choices=CredentialKind.choices)
    title = models.CharField(_("course or qualification"), max_length=200, validators=[validate_plain_text])
    issuer = models.CharField(_("issued by"), max_length=200, validators=[validate_plain_text])
    issued_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    evidence = models.FileField(_("evidence (PDF or image)"), upload_to="credentials/%Y/", blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    evidence_content_type = models.CharField(max_length=50, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-issued_on"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CredentialKind.values), name="credential_kind_valid"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("issued_on")),
                name="credential_expiry_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True, verified_at__isnull=True)
                | Q(verified_by__isnull=False, verified_at__isnull=False),
                name="credential_verified_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class InsuranceCover(models.Model):
    """Liability cover: registration with Norsk pasientskadeerstatning (NPE) or a private insurer."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="insurance_covers")
    insurer = models.CharField(
        _("insurer"), max_length=200, default="Norsk pasientskadeerstatning (NPE)", validators=[validate_plain_text]
    )
    reference = models.CharField(_("registration or policy number"), max_length=60, validators=[validate_plain_text])
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # INJ-P4: ordinary physiotherapy cover does not include injection work.
    covers_injections = models.BooleanField(_("covers injection treatment"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("insurance cover")
        verbose_name_plural = _("insurance covers")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="insurance_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.reference}"


class MunicipalAgreement(models.Model):
    """Driftsavtale with a municipality; injection work must fall outside its hours (INJ-F2)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="agreements")
    municipality = models.CharField(_("municipality"), max_length=100, validators=[validate_plain_text])
    percent = models.PositiveSmallIntegerField(
        _("agreement size (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("municipal agreement")
        verbose_name_plural = _("municipal agreements")
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=1, percent__lte=100), name="agreement_percent_range"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="agreement_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.percent} %"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AgreementHours(models.Model):
    """One block of agreed opening hours in the week."""

    agreement = models.ForeignKey(MunicipalAgreement, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("agreed opening hours")
        verbose_name_plural = _("agreed opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="agreementhours_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="agreementhours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"
