"""Who may perform and supervise: the doctor's delegations and supervision availability (INJ-D5, INJ-D6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text
from kanyle.injections.models.episode import SupervisionMode


class Delegation(models.Model):
    """INJ-D5, INJ-P2, LAW-H5: a doctor hands named procedure types to a named physio for a period."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    doctor = models.ForeignKey(
        "staff.Practitioner", on_delete=models.PROTECT, related_name="delegations_given", verbose_name=_("doctor")
    )
    physio = models.ForeignKey(
        "staff.Practitioner",
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name=_("physiotherapist"),
    )
    # A list of ProcedureType values (JSON so that it works the same on PostgreSQL and SQLite).
    procedure_types = models.JSONField(_("procedures"))
    supervision_mode = models.CharField(_("supervision"), max_length=10, choices=SupervisionMode.choices)
    instructions = models.TextField(_("instructions"), max_length=4000)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    # What the doctor confirmed in the staff register when signing (credential ids, titles, expiry).
    credentials_snapshot = models.JSONField(default=list, editable=False)
    signed_at = models.DateTimeField(_("signed"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason"), max_length=500, blank=True, validators=[validate_plain_text])
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="delegation_period_valid"),
            models.CheckConstraint(
                condition=Q(supervision_mode__in=SupervisionMode.values), name="delegation_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""), name="delegation_revoke_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doctor} → {self.physio}"


class SupervisionAvailability(models.Model):
    """INJ-D6: the supervising doctor is reachable, on site or by video, in this period."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    doctor = models.ForeignKey(
        "staff.Practitioner", on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor")
    )
    mode = models.CharField(_("supervision"), max_length=10, choices=SupervisionMode.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("supervision availability")
        verbose_name_plural = _("supervision availability")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="availability_period_valid"),
        ]
        indexes = [models.Index(fields=["clinic", "doctor", "starts_at"], name="availability_lookup")]

    def __str__(self) -> str:
        return f"{self.doctor} {self.starts_at:%d.%m.%Y %H:%M}"
