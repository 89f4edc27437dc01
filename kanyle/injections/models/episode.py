"""The episode and its steps up to the drug order: exam, assessment, consent and order (with their choices)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
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
