"""Internal control (internkontroll): procedures, risk register, deviations, equipment, reviews.

Forskrift om ledelse og kvalitetsforbedring i helse- og omsorgstjenesten §6–§9 (LAW-Q) and the
injection guidance's demands on internal control and emergency preparedness (INJ-V1..V5).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text

SCORE = [MinValueValidator(1), MaxValueValidator(5)]


# Procedures library (INJ-V1, INJ-V3) ------------------------------------------------------


class Procedure(models.Model):
    """A controlled document (e.g. 'Anafylaksiberedskap'); its text lives in numbered versions."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        constraints = [models.UniqueConstraint(fields=["clinic", "title"], name="procedure_unique_title")]

    def __str__(self) -> str:
        return self.title


class ProcedureVersion(models.Model):
    """One version of a procedure; approved versions are never edited, a change is a new version."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    content = models.TextField(_("content (Markdown)"), max_length=100_000)
    change_summary = models.CharField(_("what changed"), max_length=500, blank=True, validators=[validate_plain_text])
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_on = models.DateField(_("approved"), null=True, blank=True)
    next_review_on = models.DateField(_("next review"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["procedure", "-number"]
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedureversion_unique_number"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_on__isnull=True)
                | Q(approved_by__isnull=False, approved_on__isnull=False),
                name="procedureversion_approved_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure} v{self.number}"


class ReadReceipt(models.Model):
    """A staff member confirms having read a version (the dashboard lists who has not)."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="readreceipt_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.version}"


# Risk register (ROS, INJ-V2) -------------------------------------------------------------


class Risk(models.Model):
    """A hazard in treatment, scored likelihood × consequence (1–5 each), before and after measures."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    hazard = models.CharField(_("hazard"), max_length=200, validators=[validate_plain_text])
    description = models.TextField(_("description"), max_length=4000, blank=True)
    likelihood = models.PositiveSmallIntegerField(_("likelihood (1–5)"), validators=SCORE)
    consequence = models.PositiveSmallIntegerField(_("consequence (1–5)"), validators=SCORE)
    measures = models.TextField(_("measures"), max_length=4000, blank=True)
    residual_likelihood = models.PositiveSmallIntegerField(_("likelihood after measures (1–5)"), validators=SCORE)
    residual_consequence = models.PositiveSmallIntegerField(_("consequence after measures (1–5)"), validators=SCORE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    review_on = models.DateField(_("next review"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_active", "hazard"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, consequence__gte=1, consequence__lte=5)
                & Q(residual_likelihood__gte=1, residual_likelihood__lte=5)
                & Q(residual_consequence__gte=1, residual_consequence__lte=5),
                name="risk_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.hazard

    @property
    def score(self) -> int:
        return self.likelihood * self.consequence

    @property
    def residual_score(self) -> int:
        return self.residual_likelihood * self.residual_consequence


# Deviations (avvik, INJ-V3, INJ-V5, NAL-7) ----------------------------------------------


class DeviationCategory(models.TextChoices):
    NEEDLING_SIDE_EFFECT = "needling", _("Side effect of needle treatment")
    INJECTION_REACTION = "injection", _("Reaction after injection")
    MEDICATION = "medication", _("Medication handling")
    EQUIPMENT = "equipment", _("Equipment")
    DOCUMENTATION = "documentation", _("Documentation and records")
    PRIVACY = "privacy", _("Privacy and information security")
    COMPETENCE = "competence", _("Competence and delegation")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Minor")
    MODERATE = "moderate", _("Moderate")
    SERIOUS = "serious", _("Serious")
    CRITICAL = "critical", _("Critical")


class DeviationStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ASSESSED = "assessed", _("Assessed")
    CLOSED = "closed", _("Closed")


class Deviation(models.Model):
    """A reported deviation; anyone reports, the responsible person assesses, decides measures and closes."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=DeviationCategory.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    occurred_at = models.DateTimeField(_("when it happened"))
    location = models.CharField(_("where"), max_length=200, blank=True, validators=[validate_plain_text])
    description = models.TextField(_("what happened"), max_length=8000)
    immediate_action = models.TextField(_("immediate action"), max_length=4000, blank=True)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("patient (optional)"),
    )
    # Where it came from when created automatically (e.g. 'needling.sideeffect:12'); links back to the record.
    source = models.CharField(max_length=80, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeviationStatus.choices, default=DeviationStatus.REPORTED
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    cause = models.TextField(_("cause"), max_length=8000, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    # Serious events may have to be notified (e.g. to Helsetilsynet / Statens helsetilsyn); shown, never sent.
    notification_required = models.BooleanField(_("notification duty"), default=False)
    notified_on = models.DateField(_("notified"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_summary = models.TextField(_("evaluation when closing"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("deviation")
        verbose_name_plural = _("deviations")
        constraints = [
            models.CheckConstraint(condition=Q(category__in=DeviationCategory.values), name="deviation_category"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="deviation_severity"),
            models.CheckConstraint(condition=Q(status__in=DeviationStatus.values), name="deviation_status"),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False, closed_by__isnull=False),
                name="deviation_closed_has_closer",
            ),
            models.CheckConstraint(
                condition=Q(status="reported") | Q(assessed_at__isnull=False, assessed_by__isnull=False),
                name="deviation_assessed_has_assessor",
            ),
            # A side effect from the record arrives once, however often its module reports it (NAL-7).
            models.UniqueConstraint(
                fields=["clinic", "source"], condition=~Q(source=""), name="deviation_unique_source"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status", "-occurred_at"], name="deviation_worklist")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.occurred_at:%d.%m.%Y}"


class MeasureKind(models.TextChoices):
    CORRECTIVE = "corrective", _("Corrective")
    PREVENTIVE = "preventive", _("Preventive")


class DeviationMeasure(models.Model):
    """A corrective or preventive measure with an owner and a deadline (LAW-Q §9)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    deviation = models.ForeignKey(Deviation, on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField(_("kind"), max_length=10, choices=MeasureKind.choices)
    description = models.TextField(_("measure"), max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    due_on = models.DateField(_("deadline"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MeasureKind.values), name="measure_kind"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | Q(done_at__isnull=False, done_by__isnull=False),
                name="measure_done_both",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "done_at", "due_on"], name="measure_worklist")]

    def __str__(self) -> str:
        return self.description[:60]


# Equipment and checks (INJ-V4) -------------------------------------------------------------


class EquipmentKind(models.TextChoices):
    AED = "aed", _("Defibrillator (AED)")
    ANAPHYLAXIS_KIT = "anaphylaxis_kit", _("Anaphylaxis kit")
    ULTRASOUND = "ultrasound", _("Ultrasound machine")
    OXYGEN = "oxygen", _("Oxygen")
    TENS = "tens", _("TENS / electro-stimulation unit")
    OTHER = "other", _("Other")


# Required for emergency preparedness in a clinic that gives injections (INJ-V4).
EMERGENCY_KINDS = (EquipmentKind.AED, EquipmentKind.ANAPHYLAXIS_KIT)


class Equipment(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=EquipmentKind.choices)
    name = models.CharField(_("name"), max_length=200, validators=[validate_plain_text])
    location = models.CharField(_("location"), max_length=200, blank=True, validators=[validate_plain_text])
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True, validators=[validate_plain_text])
    check_interval_days = models.PositiveSmallIntegerField(
        _("check interval (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        constraints = [
            models.CheckConstraint(
                condition=Q(check_interval_days__gte=1, check_interval_days__lte=730), name="equipment_interval"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ItemComponent(models.TextChoices):
    """What an item is, so the rules can tell whether the kit holds everything it must (INJ-V4)."""

    ADRENALINE = "adrenaline", _("Adrenaline 1 mg/ml (ampoules or autoinjectors)")
    SYRINGES = "syringes", _("Syringes and needles for intramuscular injection")
    BETA2_AGONIST = "beta2_agonist", _("Beta-2 agonist (inhaled)")
    ANTIHISTAMINE = "antihistamine", _("Antihistamine")
    GLUCOCORTICOID = "glucocorticoid", _("Glucocorticoid")
    OXYGEN = "oxygen", _("Oxygen with reservoir mask")
    BAG_VALVE_MASK = "bag_valve_mask", _("Bag-valve mask")
    AIRWAY = "airway", _("Airway")
    SUCTION = "suction", _("Suction")
    IV_KIT = "iv_kit", _("IV kit and fluids")
    STETHOSCOPE = "stethoscope", _("Stethoscope")
    BP_CUFF = "bp_cuff", _("Blood pressure cuff")
    PULSE_OXIMETER = "pulse_oximeter", _("Pulse oximeter")
    AED_PADS = "aed_pads", _("Defibrillator electrode pads")
    AED_BATTERY = "aed_battery", _("Defibrillator battery")
    OTHER = "other", _("Other")


class EquipmentItem(models.Model):
    """Contents with an expiry (e.g. adrenaline 1 mg/ml, lot, expiry) or without (bag-valve mask)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="items")
    component = models.CharField(_("kind of item"), max_length=20, choices=ItemComponent.choices, default="other")
    name = models.CharField(_("item"), max_length=200, validators=[validate_plain_text])
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    lot_number = models.CharField(_("lot number"), max_length=60, blank=True, validators=[validate_plain_text])
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    is_active = models.BooleanField(_("in the kit"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("equipment item")
        verbose_name_plural = _("equipment items")
        constraints = [
            models.CheckConstraint(condition=Q(component__in=ItemComponent.values), name="equipmentitem_component"),
        ]
        indexes = [models.Index(fields=["clinic", "is_active", "expires_on"], name="equipmentitem_expiry")]

    def __str__(self) -> str:
        return self.name


class EquipmentCheck(models.Model):
    """A signed check of a piece of equipment; the emergency kit's is countersigned by the doctor."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="checks")
    performed_at = models.DateTimeField(_("checked"))
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The checker's role when signing: a doctor's own check of the kit needs no countersignature (INJ-V4).
    performed_by_role = models.CharField(max_length=20, blank=True)
    # The checklist as answered: [{"item": "...", "ok": true, "note": "..."}].
    checklist = models.JSONField(_("checklist"), default=list)
    all_ok = models.BooleanField(_("everything in order"))
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("countersigned by"),
    )
    countersigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-performed_at", "-id"]
        verbose_name = _("equipment check")
        verbose_name_plural = _("equipment checks")
        constraints = [
            models.CheckConstraint(
                condition=Q(countersigned_by__isnull=True) | ~Q(countersigned_by=F("performed_by")),
                name="check_countersigner_not_checker",
            ),
            models.CheckConstraint(
                condition=Q(countersigned_by__isnull=True, countersigned_at__isnull=True)
                | Q(countersigned_by__isnull=False, countersigned_at__isnull=False),
                name="check_countersigned_both",
            ),
        ]
        indexes = [models.Index(fields=["equipment", "-performed_at"], name="check_latest")]

    def __str__(self) -> str:
        return f"{self.equipment} {self.performed_at:%d.%m.%Y}"


# Supervision visits (INJ-O3) and the management review (LAW-Q §8–§9) -------------------------


class SupervisionVisit(models.Model):
    """The responsible doctor's on-site visit in the video model (INJ-O3)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    doctor = models.ForeignKey(
        "staff.Practitioner", on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor")
    )
    visited_on = models.DateField(_("date of the visit"))
    notes = models.TextField(_("notes"), max_length=8000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on"]
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")

    def __str__(self) -> str:
        return f"{self.doctor} {self.visited_on:%d.%m.%Y}"


class ManagementReview(models.Model):
    """The yearly review: the facts as assembled, the manager's evaluation and decisions, signed."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    facts = models.JSONField(_("facts"), default=dict)
    evaluation = models.TextField(_("evaluation"), max_length=20000)
    decisions = models.TextField(_("decisions"), max_length=20000)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)
    pdf = models.FileField(upload_to="reviews/%Y/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-period_end"]
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="review_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"


class DigestDelivery(models.Model):
    """One compliance digest e-mailed to one person on one day; the daily command sends each once."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    item_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_on"]
        verbose_name = _("compliance digest")
        verbose_name_plural = _("compliance digests")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "user", "sent_on"], name="digest_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.sent_on:%d.%m.%Y}"
