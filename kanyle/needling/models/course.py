"""The course: the ICF assessment (NAL-11), the plan with goals and the shared decision (NAL-1, NAL-6), screening."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text
from kanyle.needling.models.ranges import PSFS_VALIDATORS, range_validators

# Assessment (NAL-11) -----------------------------------------------------------------------------


class PainType(models.TextChoices):
    NOCICEPTIVE = "nociceptive", _("Nociceptive")
    NEUROPATHIC = "neuropathic", _("Neuropathic")
    NOCIPLASTIC = "nociplastic", _("Nociplastic")
    MIXED = "mixed", _("Mixed")


class Assessment(models.Model):
    """The physio's examination summed up in the ICF's biopsychosocial model, with the type of pain (NAL-11)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey("journal.Episode", on_delete=models.PROTECT, related_name="needling_assessments")
    practitioner = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    body_functions = models.TextField(_("body functions and structures"), max_length=4000)
    activities = models.TextField(_("activities"), max_length=4000)
    participation = models.TextField(_("participation"), max_length=4000)
    environmental_factors = models.TextField(_("environmental factors"), max_length=4000, blank=True)
    personal_factors = models.TextField(_("personal factors"), max_length=4000, blank=True)
    pain_type = models.CharField(_("type of pain"), max_length=12, choices=PainType.choices)
    assessed_at = models.DateTimeField(_("assessed"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        verbose_name = _("ICF assessment")
        verbose_name_plural = _("ICF assessments")
        constraints = [
            models.CheckConstraint(condition=Q(pain_type__in=PainType.values), name="assessment_pain_type"),
            models.CheckConstraint(
                condition=~Q(body_functions="") & ~Q(activities="") & ~Q(participation=""),
                name="assessment_icf_filled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_pain_type_display()} {self.assessed_at:%d.%m.%Y}"


# Plan and shared decision (NAL-1, NAL-6) ----------------------------------------------------------


class Plan(models.Model):
    """The needle-treatment plan of an episode: indication, goals, combined measures and the shared decision."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    episode = models.OneToOneField("journal.Episode", on_delete=models.PROTECT, related_name="needling_plan")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="plans")
    practitioner = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    indication = models.TextField(_("indication"), max_length=4000)
    planned_sessions = models.PositiveSmallIntegerField(
        _("planned number of sessions"),
        validators=range_validators(1, 30, _("Plan between 1 and 30 sessions.")),
    )
    # NAL-6: needles are combined with exercises, information and other treatment.
    exercises = models.TextField(_("exercises"), max_length=4000, blank=True)
    information = models.TextField(_("information and advice"), max_length=4000, blank=True)
    other_treatment = models.TextField(_("other treatment"), max_length=4000, blank=True)
    # NAL-1: the shared decision.
    discussed = models.BooleanField(_("needle treatment was discussed with the patient"), default=False)
    patient_view = models.TextField(_("the patient's view"), max_length=4000, blank=True)
    agreed = models.BooleanField(_("the patient agrees to needle treatment"), default=False)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    completed_on = models.DateField(_("course completed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("needle treatment plan")
        verbose_name_plural = _("needle treatment plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_sessions__gte=1, planned_sessions__lte=30), name="plan_sessions_range"
            ),
            models.CheckConstraint(
                condition=~Q(exercises="", information="", other_treatment=""),
                name="plan_combined_measures",
                violation_error_message=_(
                    "Combine needle treatment with exercises, information or other treatment, and write which (NAL-6)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(agreed=False) | (Q(discussed=True, decided_at__isnull=False) & ~Q(patient_view="")),
                name="plan_agreement_is_informed",
                violation_error_message=_(
                    "An agreement needs the discussion and the patient's own view recorded (NAL-1)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.indication[:60]

    @property
    def is_agreed(self) -> bool:
        return self.discussed and self.agreed and bool(self.patient_view.strip())


class PlanGoal(models.Model):
    """A goal set with the patient, measurable as a PSFS activity from a score today to a target (NAL-6)."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="goals")
    activity = models.CharField(_("activity (PSFS)"), max_length=200, validators=[validate_plain_text])
    baseline = models.PositiveSmallIntegerField(_("score today (0–10)"), validators=PSFS_VALIDATORS)
    target = models.PositiveSmallIntegerField(_("target (0–10)"), validators=PSFS_VALIDATORS)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline__lte=10, target__lte=10) & Q(target__gt=F("baseline")),
                name="goal_target_better",
                violation_error_message=_("The target must be better than today's score (NAL-6)."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity}: {self.baseline} → {self.target}"

    @property
    def item_key(self) -> str:
        """How the goal's PSFS scores are grouped in the outcome measures."""
        return f"needling.goal:{self.pk}"


# Screening (contraindications and cautions, FACTS.md) ----------------------------------------------


class Caution(models.TextChoices):
    PACEMAKER = "pacemaker", _("Pacemaker or ICD")
    BLEEDING = "bleeding", _("Anticoagulants or bleeding disorder")
    PREGNANCY = "pregnancy", _("Pregnancy")
    IMMUNOSUPPRESSION = "immunosuppression", _("Immunosuppression")
    SKIN = "skin", _("Broken or infected skin where needles would go")
    LYMPHOEDEMA = "lymphoedema", _("Lymphoedema in the limb to be treated")
    EPILEPSY = "epilepsy", _("Epilepsy that is not well controlled")
    METAL_ALLERGY = "metal_allergy", _("Metal allergy")
    NEEDLE_PHOBIA = "needle_phobia", _("Needle phobia")


class CautionDecision(models.TextChoices):
    PRECAUTIONS = "precautions", _("Needle treatment with precautions")
    NO_ELECTRO = "no_electro", _("Needles without electrical stimulation")
    NOT_TREAT = "not_treat", _("No needle treatment for now")


class Screening(models.Model):
    """The check for contraindications and cautions before the first session, and again when risk flags change."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="screenings")
    practitioner = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    screened_at = models.DateTimeField(_("screened"))
    # The patient's active risk flags the screening was made with; a change calls for a new screening.
    risk_flags = models.ManyToManyField("patients.RiskFlag", blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-screened_at", "-id"]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")

    def __str__(self) -> str:
        return f"{self.screened_at:%d.%m.%Y %H:%M}"


class ScreeningItem(models.Model):
    """One caution: present or not, and for a present one the clinical decision and why."""

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="items")
    caution = models.CharField(_("caution"), max_length=20, choices=Caution.choices)
    present = models.BooleanField(_("present"), default=False)
    decision = models.CharField(_("decision"), max_length=12, choices=CautionDecision.choices, blank=True)
    note = models.CharField(_("reason for the decision"), max_length=500, blank=True, validators=[validate_plain_text])

    class Meta:
        ordering = ["id"]
        verbose_name = _("screening item")
        verbose_name_plural = _("screening items")
        constraints = [
            models.UniqueConstraint(fields=["screening", "caution"], name="screeningitem_unique"),
            models.CheckConstraint(condition=Q(caution__in=Caution.values), name="screeningitem_caution"),
            models.CheckConstraint(
                condition=Q(present=False, decision="")
                | (Q(present=True, decision__in=CautionDecision.values) & ~Q(note="")),
                name="screeningitem_decision_when_present",
            ),
            # A pacemaker or ICD never allows electrical stimulation (NAL-4).
            models.CheckConstraint(
                condition=~Q(caution="pacemaker", present=True, decision="precautions"),
                name="screeningitem_pacemaker_no_electro",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_caution_display()}: {self.get_decision_display() if self.present else '–'}"
