"""The procedure and what follows it: the report to the GP and the doctor's follow-up."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kanyle.injections.models.episode import DrugOrder, InjectionEpisode, SupervisionMode
from kanyle.injections.models.team import Delegation


class ProcedureStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    OBSERVATION = "observation", _("Under observation")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped by the performer")
    DECLINED = "declined", _("Declined by the performer")


class Reaction(models.TextChoices):
    NONE = "none", _("No immediate reaction")
    VASOVAGAL = "vasovagal", _("Vasovagal reaction")
    ANAPHYLAXIS = "anaphylaxis", _("Anaphylaxis")
    OTHER = "other", _("Other reaction")


class Procedure(models.Model):
    """The performed procedure: who, under whom, with which batch and dose, and the observation.

    ``gate`` holds the readiness gate's full result at the moment of the start, frozen as evidence.
    At most one live procedure per order (unique constraint): two people pressing start at the same
    time cannot both succeed.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(InjectionEpisode, on_delete=models.PROTECT, related_name="procedures")
    order = models.ForeignKey(DrugOrder, on_delete=models.PROTECT, related_name="procedures")
    performer = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    supervising_doctor = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    supervision_mode = models.CharField(_("supervision"), max_length=10, choices=SupervisionMode.choices)
    delegation = models.ForeignKey(
        Delegation, on_delete=models.PROTECT, null=True, blank=True, related_name="procedures"
    )
    batch = models.ForeignKey(
        "medications.Batch", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("batch")
    )
    gate = models.JSONField(editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ProcedureStatus.choices, default=ProcedureStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    dose_given = models.DecimalField(_("dose given"), max_digits=7, decimal_places=2, null=True, blank=True)
    volume_given_ml = models.DecimalField(_("volume given (ml)"), max_digits=5, decimal_places=2, null=True, blank=True)
    # Aseptic technique, confirmed item by item.
    aseptic_hand_hygiene = models.BooleanField(_("hand hygiene"), default=False)
    aseptic_skin_disinfection = models.BooleanField(_("skin disinfected and left to dry"), default=False)
    aseptic_sterile_cover = models.BooleanField(_("sterile probe cover and gel"), default=False)
    aseptic_no_touch = models.BooleanField(_("no-touch technique at the site"), default=False)
    reaction = models.CharField(_("immediate reaction"), max_length=12, choices=Reaction.choices, blank=True)
    reaction_actions = models.TextField(_("actions taken"), max_length=4000, blank=True)
    adrenaline_mg = models.DecimalField(
        _("adrenaline given (mg)"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    procedure_notes = models.TextField(_("course of the procedure"), max_length=8000, blank=True)
    observation_minutes = models.PositiveSmallIntegerField(_("observation period (minutes)"))
    observation_started_at = models.DateTimeField(null=True, blank=True)
    observation_ended_at = models.DateTimeField(null=True, blank=True)
    observation_early_reason = models.TextField(
        _("reason for ending the observation early"), max_length=2000, blank=True
    )
    stop_reason = models.TextField(_("reason"), max_length=4000, blank=True)
    note = models.OneToOneField("journal.Note", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProcedureStatus.values), name="procedure_status_valid"),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=["in_progress", "observation", "completed"]),
                name="procedure_one_live_per_order",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["stopped", "declined"]) | ~Q(stop_reason=""),
                name="procedure_stop_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(reaction="anaphylaxis") | ~Q(reaction_actions=""),
                name="procedure_anaphylaxis_has_actions",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "performer", "started_at"], name="procedure_by_performer")]

    def __str__(self) -> str:
        return f"{self.order} {self.started_at:%d.%m.%Y %H:%M}"


class ReportStatus(models.TextChoices):
    GENERATED = "generated", _("Generated")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by the receiver")
    REJECTED = "rejected", _("Rejected by the receiver")


class GPReport(models.Model):
    """INJ-G4: the Dialogmelding to the patient's GP, kept as produced, with the receipt (AppRec)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(InjectionEpisode, on_delete=models.PROTECT, related_name="reports")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, null=True, blank=True, related_name="reports")
    message_id = models.UUIDField(unique=True)
    recipient_name = models.CharField(max_length=200)
    recipient_her_id = models.CharField(max_length=10, blank=True)
    xml = models.TextField()
    text = models.TextField()
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.GENERATED)
    sent_at = models.DateTimeField(null=True, blank=True)
    apprec_xml = models.TextField(blank=True)
    apprec_status = models.CharField(max_length=10, blank=True)
    apprec_text = models.TextField(blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report to the GP")
        verbose_name_plural = _("reports to the GP")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="gpreport_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.message_id}"


class FollowUpOutcome(models.TextChoices):
    BETTER = "better", _("Better")
    UNCHANGED = "unchanged", _("Unchanged")
    WORSE = "worse", _("Worse")
    COMPLICATION = "complication", _("Complication")


class FollowUp(models.Model):
    """INJ-D2: the doctor follows the patient up; the outcome closes the episode."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(InjectionEpisode, on_delete=models.PROTECT, related_name="followups")
    doctor = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    due_from = models.DateField(_("due from"))
    due_by = models.DateField(_("due by"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=FollowUpOutcome.choices, blank=True)
    outcome_text = models.TextField(_("assessment at follow-up"), max_length=4000, blank=True)
    note = models.OneToOneField("journal.Note", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_by"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(condition=Q(due_by__gte=F("due_from")), name="followup_period_valid"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | ~Q(outcome=""), name="followup_completed_has_outcome"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "doctor", "completed_at", "due_by"], name="followup_worklist")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.due_from:%d.%m.%Y}–{self.due_by:%d.%m.%Y}"
