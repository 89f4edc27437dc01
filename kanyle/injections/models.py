"""The ultrasound-guided injection chain (DESIGN.md §4): one episode from referral to follow-up.

An ``InjectionEpisode`` extends a journal ``Episode`` (kind "injection") with its state. Every step
is a row written by a service in ``injections.services`` that checks its rule first; the clinical
steps also write a signed journal note by their author (INJ-D8, INJ-P5), so the record holds them
like any other consultation. A signed order, consent or assessment is never edited: it is
withdrawn, cancelled or replaced by a new row, and the old one stays as evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text


class Status(models.TextChoices):
    REFERRED = "referred", _("Referred")
    EXAMINED = "examined", _("Examined with ultrasound")
    ASSESSED = "assessed", _("Assessed by the doctor")
    CONSENTED = "consented", _("Consent given")
    ORDERED = "ordered", _("Drug ordered")
    PERFORMED = "performed", _("Procedure performed")
    OBSERVED = "observed", _("Observation completed")
    REPORTED = "reported", _("Reported to the GP")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CLOSED = "closed", _("Closed")
    NOT_INDICATED = "not_indicated", _("Not indicated")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")


# The happy path, in order; the progress bar and the transition services read it.
PATH = [
    Status.REFERRED,
    Status.EXAMINED,
    Status.ASSESSED,
    Status.CONSENTED,
    Status.ORDERED,
    Status.PERFORMED,
    Status.OBSERVED,
    Status.REPORTED,
    Status.FOLLOWED_UP,
    Status.CLOSED,
]
EXITS = [Status.NOT_INDICATED, Status.DECLINED, Status.WITHDRAWN]
FINAL = [Status.CLOSED, *EXITS]


class Side(models.TextChoices):
    RIGHT = "right", _("Right")
    LEFT = "left", _("Left")
    NONE = "none", _("Not applicable (midline)")


class ProcedureType(models.TextChoices):
    """What a delegation names and an order is: INJ-G3's drug groups, or aspiration without drug."""

    CORTICOSTEROID = "corticosteroid", _("Corticosteroid injection")
    LOCAL_ANAESTHETIC = "local_anaesthetic", _("Local anaesthetic injection")
    PRP = "prp", _("PRP injection")
    HYALURONIC_ACID = "hyaluronic_acid", _("Hyaluronic acid injection")
    ASPIRATION = "aspiration", _("Aspiration of joint fluid or blood (no drug)")


class SupervisionMode(models.TextChoices):
    ON_SITE = "on_site", _("Doctor on site")
    VIDEO = "video", _("Doctor by video")


class InjectionEpisode(models.Model):
    """The injection-specific state of a journal episode; the episode's responsible is the doctor."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    episode = models.OneToOneField("journal.Episode", on_delete=models.PROTECT, related_name="injection")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="injection_episodes")
    doctor = models.ForeignKey(
        "staff.Practitioner", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible doctor")
    )
    physio = models.ForeignKey(
        "staff.Practitioner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("physiotherapist"),
    )
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.REFERRED)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    exit_reason = models.TextField(_("reason"), max_length=2000, blank=True)
    exit_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("injection episode")
        verbose_name_plural = _("injection episodes")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="injepisode_status_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in EXITS]) | ~Q(exit_reason=""),
                name="injepisode_exit_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status"], name="injepisode_worklist")]

    def __str__(self) -> str:
        return f"{self.episode.title} ({self.get_status_display()})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL


class UltrasoundExam(models.Model):
    """INJ-P1: the musculoskeletal ultrasound examination; images are attachments of its note."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(InjectionEpisode, on_delete=models.PROTECT, related_name="exams")
    examiner = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    structures = models.TextField(_("structures examined"), max_length=4000)
    findings = models.TextField(_("findings"), max_length=8000)
    measurements = models.TextField(_("measurements"), max_length=4000, blank=True)
    conclusion = models.TextField(_("conclusion"), max_length=4000)
    note = models.OneToOneField("journal.Note", on_delete=models.PROTECT, related_name="+")
    examined_at = models.DateTimeField(_("examined"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-examined_at"]
        verbose_name = _("ultrasound examination")
        verbose_name_plural = _("ultrasound examinations")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.examined_at:%d.%m.%Y}"


class Decision(models.TextChoices):
    INJECT = "inject", _("Injection is indicated")
    NOT_INDICATED = "not_indicated", _("Not indicated")
    OTHER_TREATMENT = "other", _("Other treatment is recommended")


# INJ-D2 and FACTS.md: absolute contraindications block the decision to inject; relative ones need a
# written justification from the doctor. Each maps the model field to its label.
ABSOLUTE_CONTRAINDICATIONS = ("infection_suspected", "skin_lesion")
RELATIVE_CONTRAINDICATIONS = (
    "prosthetic_joint",
    "drug_allergy",
    "anticoagulation",
    "diabetes_poorly_controlled",
    "pregnancy",
)


class Assessment(models.Model):
    """INJ-D1, INJ-D2: the doctor's assessment, diagnosis, contraindications and decision, signed."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(InjectionEpisode, on_delete=models.PROTECT, related_name="assessments")
    doctor = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    co_assessor = models.ForeignKey(
        "staff.Practitioner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diagnosis set together with"),
    )
    diagnoses = models.ManyToManyField("journal.DiagnosisCode", related_name="+", verbose_name=_("diagnoses"))
    indication = models.TextField(_("indication"), max_length=4000)
    target_structure = models.CharField(_("target structure"), max_length=200, validators=[validate_plain_text])
    side = models.CharField(_("side"), max_length=5, choices=Side.choices)
    # The contraindication checklist: every item is answered (the form offers yes/no, no default).
    infection_suspected = models.BooleanField(_("infection suspected (local or systemic)"))
    skin_lesion = models.BooleanField(_("skin lesion over the injection site"))
    prosthetic_joint = models.BooleanField(_("prosthetic joint at the site"))
    drug_allergy = models.BooleanField(_("known allergy to the drug or its contents"))
    anticoagulation = models.BooleanField(_("anticoagulant treatment"))
    inr = models.DecimalField(
        _("INR (if anticoagulated)"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    diabetes_poorly_controlled = models.BooleanField(_("poorly controlled diabetes"))
    pregnancy = models.BooleanField(_("pregnancy"))
    # Counted from the record when the assessment is signed (injections in the same structure and
    # side within 12 months); the doctor sees the number and justifies going above the limit.
    earlier_injections_12m = models.PositiveSmallIntegerField(_("injections at this site in the last 12 months"))
    risk_flags_reviewed = models.BooleanField(_("the patient's risk flags are reviewed"), default=False)
    contraindication_comment = models.TextField(_("justification"), max_length=4000, blank=True)
    decision = models.CharField(_("decision"), max_length=15, choices=Decision.choices)
    information_given = models.TextField(_("information given to the patient"), max_length=4000)
    note = models.OneToOneField("journal.Note", on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed"))

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = _("doctor's assessment")
        verbose_name_plural = _("doctor's assessments")
        constraints = [
            models.CheckConstraint(condition=Q(decision__in=Decision.values), name="assessment_decision_valid"),
            # INJ-D2: an absolute contraindication and a decision to inject cannot be signed together.
            models.CheckConstraint(
                condition=~Q(decision="inject") | Q(infection_suspected=False, skin_lesion=False),
                name="assessment_no_inject_with_absolute_contraindication",
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.signed_at:%d.%m.%Y}"


class ConsentText(models.Model):
    """The versioned information text shown to the patient before consent (LAW-C)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    body = models.TextField(_("text"), max_length=20000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        constraints = [models.UniqueConstraint(fields=["clinic", "version"], name="consenttext_unique_version")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ConsentMethod(models.TextChoices):
    SIGNATURE = "signature", _("Signed by the patient on screen")
    CONFIRMED = "confirmed", _("Oral consent confirmed by the doctor")


class Consent(models.Model):
    """INJ-D3, LAW-C: informed consent taken by the doctor; withdrawing it stops the episode."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(InjectionEpisode, on_delete=models.PROTECT, related_name="consents")
    doctor = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+", verbose_name=_("consent text"))
    explained_benefit = models.BooleanField(_("expected benefit explained"))
    explained_infection = models.BooleanField(_("risk of infection explained"))
    explained_tendon_rupture = models.BooleanField(_("risk of tendon rupture explained"))
    explained_skin_atrophy = models.BooleanField(_("risk of skin atrophy and discoloration explained"))
    explained_glucose = models.BooleanField(_("temporary rise in blood glucose explained"))
    explained_allergy = models.BooleanField(_("risk of allergic reaction explained"))
    explained_alternatives = models.BooleanField(_("alternatives explained"))
    method = models.CharField(_("how consent was given"), max_length=10, choices=ConsentMethod.choices)
    signature_png = models.BinaryField(null=True, blank=True, editable=False)
    given_at = models.DateTimeField(_("consent given"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), max_length=2000, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.OneToOneField("journal.Note", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawn_reason=""), name="consent_withdrawal_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(method="signature") | Q(signature_png__isnull=False), name="consent_signature_present"
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.given_at:%d.%m.%Y}"

    @property
    def is_valid(self) -> bool:
        return self.withdrawn_at is None


class DrugOrder(models.Model):
    """INJ-D4, LAW-M: the doctor's signed order (rekvisisjon); the performer cannot change it."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(InjectionEpisode, on_delete=models.PROTECT, related_name="orders")
    doctor = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    procedure_type = models.CharField(_("procedure"), max_length=20, choices=ProcedureType.choices)
    drug = models.ForeignKey(
        "medications.Drug", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("drug")
    )
    strength = models.CharField(_("strength"), max_length=60, blank=True)
    dose = models.DecimalField(
        _("dose"), max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    dose_unit = models.CharField(_("dose unit"), max_length=4, blank=True)
    volume_ml = models.DecimalField(
        _("volume (ml)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    target_structure = models.CharField(_("target structure"), max_length=200, validators=[validate_plain_text])
    side = models.CharField(_("side"), max_length=5, choices=Side.choices)
    approach = models.CharField(
        _("approach"),
        max_length=200,
        validators=[validate_plain_text],
        help_text=_("E.g. in-plane, lateral to medial."),
    )
    ultrasound_guided = models.BooleanField(_("ultrasound-guided"), default=True)
    instructions = models.TextField(_("instructions to the performer"), max_length=4000, blank=True)
    valid_until = models.DateField(_("valid until"))
    note = models.OneToOneField("journal.Note", on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed"))
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_reason = models.CharField(_("reason"), max_length=500, blank=True, validators=[validate_plain_text])

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = _("drug order")
        verbose_name_plural = _("drug orders")
        constraints = [
            models.CheckConstraint(
                condition=Q(procedure_type__in=ProcedureType.values), name="order_procedure_type_valid"
            ),
            # INJ-G3: aspiration is the one procedure without a drug; every other order names drug and dose.
            models.CheckConstraint(
                condition=(Q(procedure_type="aspiration") & Q(drug__isnull=True) & Q(dose__isnull=True))
                | (~Q(procedure_type="aspiration") & Q(drug__isnull=False) & Q(dose__gt=0)),
                name="order_drug_matches_procedure",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | ~Q(cancelled_reason=""), name="order_cancel_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_procedure_type_display()} {self.target_structure} ({self.get_side_display()})"


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
