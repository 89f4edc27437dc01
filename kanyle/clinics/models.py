"""Clinics (virksomheter), the tenants of Kanyle, and who works in them in which role."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_her_id, validate_org_number


class OrganisationModel(models.TextChoices):
    """How the clinic organises injection work with a doctor (INJ-O1..O3)."""

    GP_OFFICE = "O1", _("GP office with an attached physiotherapist (INJ-O1)")
    DOCTOR_ON_SITE = "O2", _("Physiotherapy clinic with a medically responsible doctor on site (INJ-O2)")
    DOCTOR_BY_VIDEO = "O3", _("Physiotherapy clinic with a medically responsible doctor by video (INJ-O3)")


class Clinic(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    org_number = models.CharField(_("organisation number"), max_length=9, unique=True, validators=[validate_org_number])
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    her_id = models.CharField(
        _("HER-id"),
        max_length=10,
        blank=True,
        validators=[validate_her_id],
        help_text=_("ID in the Norwegian Health Network's address register (optional)."),
    )
    organisation_model = models.CharField(
        _("organisation of injection work"),
        max_length=2,
        choices=OrganisationModel.choices,
        default=OrganisationModel.DOCTOR_ON_SITE,
    )
    session_timeout_minutes = models.PositiveSmallIntegerField(
        _("log out after inactivity (minutes)"),
        default=settings.KANYLE_DEFAULT_SESSION_TIMEOUT_MINUTES,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    supervision_visit_interval_days = models.PositiveSmallIntegerField(
        _("days between the doctor's on-site visits (video model)"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
    )
    needle_time_limit_minutes = models.PositiveSmallIntegerField(
        _("warn when needles stay in longer than (minutes)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    # Injection work (FACTS.md: no Norwegian figure for the observation period, so it is a setting).
    injection_observation_minutes = models.PositiveSmallIntegerField(
        _("observation after an injection (minutes)"),
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
    )
    injection_followup_weeks_min = models.PositiveSmallIntegerField(
        _("doctor's follow-up after an injection, from (weeks)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
    )
    injection_followup_weeks_max = models.PositiveSmallIntegerField(
        _("doctor's follow-up after an injection, by (weeks)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
    )
    injection_site_limit_per_year = models.PositiveSmallIntegerField(
        _("warn above this many injections in one site per 12 months"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    accepts_self_referrals_for_injection = models.BooleanField(
        _("accept self-referrals for injection treatment"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(session_timeout_minutes__gte=5, session_timeout_minutes__lte=240),
                name="clinic_session_timeout_range",
            ),
            models.CheckConstraint(
                condition=models.Q(injection_followup_weeks_max__gte=models.F("injection_followup_weeks_min")),
                name="clinic_followup_window_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PHYSIO = "physio", _("Physiotherapist")
    DOCTOR = "doctor", _("Doctor")
    ADMIN = "admin", _("Clinic administrator")
    RECEPTION = "reception", _("Reception")


CLINICAL_ROLES = frozenset({Role.PHYSIO, Role.DOCTOR})
# Roles that must log in with a second factor (Normen; Datatilsynet).
TWO_FACTOR_ROLES = frozenset({Role.PHYSIO, Role.DOCTOR, Role.ADMIN})


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        return self.filter(is_active=True, user__is_active=True)


class Membership(models.Model):
    """One person in one clinic in one role; a person may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["clinic__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic", "role"], name="membership_unique_role"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.clinic} · {self.get_role_display()}"
