"""The patient register: identity, contact, GP (fastlege) and structured risk flags (CAVE)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_her_id, validate_hpr_number, validate_plain_text
from kanyle.patients import national_id


class Language(models.TextChoices):
    NB = "nb", _("Norwegian (bokmål)")
    NN = "nn", _("Norwegian (nynorsk)")
    SE = "se", _("Northern Sami")
    EN = "en", _("English")
    OTHER = "other", _("Other language")


class IdType(models.TextChoices):
    FNR = national_id.FNR, _("National identity number")
    DNR = national_id.DNR, _("D number")
    HNR = national_id.HNR, _("H number")
    FHNR = national_id.FHNR, _("FH number")


class PatientQuerySet(models.QuerySet):
    def for_clinic(self, clinic) -> PatientQuerySet:
        return self.filter(clinic=clinic)


class Patient(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="patients")
    national_id = models.CharField(_("national ID"), max_length=11)
    id_type = models.CharField(_("type of ID"), max_length=4, choices=IdType.choices)
    given_name = models.CharField(_("given name(s)"), max_length=100, validators=[validate_plain_text])
    family_name = models.CharField(_("family name"), max_length=100, validators=[validate_plain_text])
    birth_date = models.DateField(_("date of birth"))
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True, validators=[validate_plain_text])
    postal_code = models.CharField(_("postal code"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True, validators=[validate_plain_text])
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.NB
    )
    needs_interpreter = models.BooleanField(_("needs an interpreter"), default=False)
    # INJ-G4: the GP is always informed, so the GP must be known or explicitly "none".
    has_no_gp = models.BooleanField(_("has no GP (fastlege)"), default=False)
    gp_name = models.CharField(_("GP's name"), max_length=200, blank=True, validators=[validate_plain_text])
    gp_hpr_number = models.CharField(_("GP's HPR number"), max_length=9, blank=True, validators=[validate_hpr_number])
    gp_practice = models.CharField(_("GP's practice"), max_length=200, blank=True, validators=[validate_plain_text])
    gp_her_id = models.CharField(_("GP practice HER-id"), max_length=10, blank=True, validators=[validate_her_id])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "national_id"],
                name="patient_unique_national_id",
                violation_error_message=_("A patient with this national ID is already registered in the clinic."),
            ),
            models.CheckConstraint(condition=models.Q(id_type__in=IdType.values), name="patient_id_type_valid"),
            models.CheckConstraint(
                condition=~(models.Q(has_no_gp=True) & ~models.Q(gp_name="")), name="patient_gp_or_none"
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "family_name", "given_name"], name="patient_clinic_name"),
            models.Index(fields=["clinic", "birth_date"], name="patient_clinic_birth"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def masked_national_id(self) -> str:
        return national_id.mask(self.national_id)

    @property
    def formatted_national_id(self) -> str:
        return national_id.format_id(self.national_id)

    def age(self, on: datetime.date | None = None) -> int:
        on = on or datetime.date.today()
        born = self.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    @property
    def gp_known(self) -> bool:
        """INJ-G4: the GP is recorded, or it is recorded that there is none."""
        return self.has_no_gp or bool(self.gp_name)


class RiskKind(models.TextChoices):
    ALLERGY = "allergy", _("Allergy")
    ANTICOAGULANT = "anticoagulant", _("Anticoagulant treatment")
    PACEMAKER = "pacemaker", _("Pacemaker or ICD")
    PREGNANCY = "pregnancy", _("Pregnancy")
    DIABETES = "diabetes", _("Diabetes")
    BLEEDING = "bleeding", _("Bleeding disorder")
    IMMUNOSUPPRESSION = "immunosuppression", _("Immunosuppression")
    LYMPHOEDEMA = "lymphoedema", _("Lymphoedema")
    EPILEPSY = "epilepsy", _("Epilepsy")
    METAL_ALLERGY = "metal_allergy", _("Metal allergy")
    NEEDLE_PHOBIA = "needle_phobia", _("Needle phobia")
    OTHER = "other", _("Other")


class RiskFlag(models.Model):
    """A structured warning (CAVE) that treatment rules read, e.g. pacemaker blocks electrical stimulation."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="risk_flags")
    kind = models.CharField(_("kind"), max_length=20, choices=RiskKind.choices)
    detail = models.CharField(_("details"), max_length=300, blank=True, validators=[validate_plain_text])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["resolved_at", "kind", "-recorded_at"]
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=RiskKind.values), name="riskflag_kind_valid"),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["allergy", "other"]) | ~models.Q(detail=""),
                name="riskflag_detail_for_allergy_other",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.detail}" if self.detail else self.get_kind_display()

    @property
    def is_active(self) -> bool:
        return self.resolved_at is None
