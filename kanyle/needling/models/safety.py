"""Side effects and their follow-up (NAL-7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text
from kanyle.needling.models.sessions import Session


class SideEffectKind(models.TextChoices):
    BLEEDING = "bleeding", _("Bleeding")
    BRUISING = "bruising", _("Bruising")
    SORENESS = "soreness", _("Soreness after needling")
    DROWSINESS = "drowsiness", _("Drowsiness")
    VASOVAGAL = "vasovagal", _("Vasovagal reaction or fainting")
    NAUSEA = "nausea", _("Nausea")
    INFECTION = "infection", _("Infection")
    NERVE_IRRITATION = "nerve_irritation", _("Nerve irritation")
    PNEUMOTHORAX = "pneumothorax", _("Suspected pneumothorax")
    FORGOTTEN_NEEDLE = "forgotten_needle", _("Forgotten or missing needle")
    OTHER = "other", _("Other")


class SideEffectSeverity(models.TextChoices):
    # The same scale as deviations (quality.Severity), so a serious one is reported as it was recorded.
    LOW = "low", _("Minor")
    MODERATE = "moderate", _("Moderate")
    SERIOUS = "serious", _("Serious")
    CRITICAL = "critical", _("Critical")


SERIOUS_SEVERITIES = (SideEffectSeverity.SERIOUS, SideEffectSeverity.CRITICAL)


class SideEffect(models.Model):
    """A side effect during or after a session; a serious one is also a deviation in internal control (NAL-7)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="side_effects")
    kind = models.CharField(_("side effect"), max_length=20, choices=SideEffectKind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=SideEffectSeverity.choices)
    occurred_at = models.DateTimeField(_("when it happened"))
    description = models.TextField(_("what happened"), max_length=4000)
    action_taken = models.TextField(_("what was done"), max_length=4000, blank=True)
    deviation = models.ForeignKey(
        "quality.Deviation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("side effect")
        verbose_name_plural = _("side effects")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SideEffectKind.values), name="sideeffect_kind"),
            models.CheckConstraint(condition=Q(severity__in=SideEffectSeverity.values), name="sideeffect_severity"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_severity_display().lower()})"

    @property
    def is_serious(self) -> bool:
        return self.severity in SERIOUS_SEVERITIES


class FollowUp(models.Model):
    """A follow-up task after a side effect: who calls or sees the patient, by when, and what came of it (NAL-7)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    side_effect = models.ForeignKey(SideEffect, on_delete=models.PROTECT, related_name="follow_ups")
    assigned_to = models.ForeignKey(
        "staff.Practitioner", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible")
    )
    task = models.CharField(_("task"), max_length=300, validators=[validate_plain_text])
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(_("outcome of the follow-up"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_on", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | (Q(done_at__isnull=False, done_by__isnull=False) & ~Q(outcome="")),
                name="followup_done_with_outcome",
            ),
        ]

    def __str__(self) -> str:
        return self.task
