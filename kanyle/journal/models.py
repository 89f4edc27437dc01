"""The patient record (EPJ): referrals, episodes of care, encounters and signed notes.

Helsepersonelloven §39–§44 and pasientjournalforskriften: a signed note is never changed or
deleted (in PostgreSQL a trigger refuses it, migration 0003); a correction is an Amendment that
points at the note with author, time and reason, and both stay visible (LAW-J, INJ-D8, INJ-P5).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_hpr_number, validate_plain_text


class CodeSystem(models.TextChoices):
    ICPC2 = "icpc2", "ICPC-2"
    ICD10 = "icd10", "ICD-10"


class DiagnosisCode(models.Model):
    """A code from the national code lists (loaded from journal/data, never typed in by hand)."""

    system = models.CharField(_("code system"), max_length=5, choices=CodeSystem.choices)
    code = models.CharField(_("code"), max_length=10)
    text = models.CharField(_("text"), max_length=300)

    class Meta:
        ordering = ["system", "code"]
        verbose_name = _("diagnosis code")
        verbose_name_plural = _("diagnosis codes")
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="diagnosiscode_unique")]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.code} {self.text}"

    @property
    def key(self) -> str:
        """The form value of a code: 'icpc2:L92'."""
        return f"{self.system}:{self.code}"


class ReferralSource(models.TextChoices):
    GP = "gp", _("The patient's GP")
    OTHER = "other", _("Other doctor or health professional")
    SELF = "self", _("Self-referral")


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")


class Referral(models.Model):
    """An incoming referral (INJ-G1), or a recorded self-referral: none is needed for needling (NAL-8)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="referrals")
    source = models.CharField(_("referred by"), max_length=10, choices=ReferralSource.choices)
    referrer_name = models.CharField(_("referrer's name"), max_length=200, blank=True, validators=[validate_plain_text])
    referrer_hpr = models.CharField(
        _("referrer's HPR number"), max_length=9, blank=True, validators=[validate_hpr_number]
    )
    referrer_practice = models.CharField(
        _("referrer's practice"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    reason = models.TextField(_("reason for referral"), max_length=4000)
    received_on = models.DateField(_("received"))
    document = models.FileField(_("referral document (PDF)"), upload_to="referrals/%Y/", blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED
    )
    decline_reason = models.TextField(_("reason for declining"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(condition=Q(source__in=ReferralSource.values), name="referral_source_valid"),
            models.CheckConstraint(condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"),
            models.CheckConstraint(condition=Q(source="self") | ~Q(referrer_name=""), name="referral_referrer_named"),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="referral_decline_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status", "-received_on"], name="referral_worklist")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.received_on:%d.%m.%Y}"


class EpisodeKind(models.TextChoices):
    GENERAL = "general", _("Physiotherapy")
    NEEDLING = "needling", _("Needle treatment episode")
    INJECTION = "injection", _("Injection episode")


class Episode(models.Model):
    """A course of care with a responsible practitioner; its members have a treatment relation."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="episodes")
    kind = models.CharField(_("kind"), max_length=10, choices=EpisodeKind.choices)
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    responsible = models.ForeignKey(
        "staff.Practitioner",
        on_delete=models.PROTECT,
        related_name="responsible_episodes",
        verbose_name=_("responsible practitioner"),
    )
    members = models.ManyToManyField(
        "staff.Practitioner", related_name="episodes", blank=True, verbose_name=_("other practitioners")
    )
    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="episodes",
        verbose_name=_("referral"),
    )
    started_on = models.DateField(_("started"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    goals = models.TextField(_("goals"), max_length=4000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("episode of care")
        verbose_name_plural = _("episodes of care")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EpisodeKind.values), name="episode_kind_valid"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="episode_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()})"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class ContactType(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")


class Encounter(models.Model):
    """One consultation; its note and attachments hang on it."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="encounters")
    episode = models.ForeignKey(
        Episode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="encounters",
        verbose_name=_("episode of care"),
    )
    contact_type = models.CharField(_("type of contact"), max_length=10, choices=ContactType.choices)
    occurred_at = models.DateTimeField(_("time of the consultation"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("encounter")
        verbose_name_plural = _("encounters")
        constraints = [
            models.CheckConstraint(condition=Q(contact_type__in=ContactType.values), name="encounter_contact_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_contact_type_display()} {self.occurred_at:%d.%m.%Y %H:%M}"


# The structured sections of a note, in the order the chart shows them.
NOTE_SECTIONS = ("reason", "findings", "assessment", "interventions", "information", "plan")


class Note(models.Model):
    """The journal note of an encounter: a draft until its author signs, then immutable."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="notes")
    encounter = models.OneToOneField(Encounter, on_delete=models.PROTECT, related_name="note")
    author = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="notes")
    reason = models.TextField(_("reason for contact and history"), max_length=20000, blank=True)
    findings = models.TextField(_("findings"), max_length=20000, blank=True)
    assessment = models.TextField(_("assessment"), max_length=20000, blank=True)
    interventions = models.TextField(_("interventions"), max_length=20000, blank=True)
    information = models.TextField(_("information given to the patient"), max_length=20000, blank=True)
    plan = models.TextField(_("plan"), max_length=20000, blank=True)
    diagnoses = models.ManyToManyField(DiagnosisCode, through="NoteDiagnosis", related_name="+")
    co_author = models.ForeignKey(
        "staff.Practitioner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="co_notes",
        verbose_name=_("second practitioner present"),
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-encounter__occurred_at", "-id"]
        verbose_name = _("journal note")
        verbose_name_plural = _("journal notes")
        constraints = [
            models.CheckConstraint(
                condition=Q(co_author__isnull=True) | ~Q(co_author=F("author")), name="note_coauthor_not_author"
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="note_patient_time"),
            models.Index(fields=["author", "signed_at"], name="note_author_signed"),
        ]

    def __str__(self) -> str:
        return f"{self.encounter} {self.author}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class NoteDiagnosis(models.Model):
    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="note_diagnoses")
    code = models.ForeignKey(DiagnosisCode, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["note", "code"], name="notediagnosis_unique")]

    def __str__(self) -> str:
        return str(self.code)


class CoAuthorPart(models.Model):
    """The second practitioner's own part of a co-authored note, signed by them (INJ-D8, INJ-P5)."""

    note = models.OneToOneField(Note, on_delete=models.PROTECT, related_name="co_part")
    practitioner = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("my part of the consultation"), max_length=20000)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("co-author's part")
        verbose_name_plural = _("co-authors' parts")

    def __str__(self) -> str:
        return f"{self.practitioner}: {self.text[:40]}"


class Amendment(models.Model):
    """A dated correction of a signed note (helsepersonelloven §42): the original stays as it was."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason for the correction"), max_length=500, validators=[validate_plain_text])
    text = models.TextField(_("correction"), max_length=20000)
    created_at = models.DateTimeField(_("corrected"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        constraints = [
            models.CheckConstraint(condition=~Q(reason="") & ~Q(text=""), name="amendment_reason_and_text"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y %H:%M} {self.reason}"


class Attachment(models.Model):
    """A document or image on an encounter; its type is read from the content, and every view is logged."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="attachments")
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    title = models.CharField(_("description"), max_length=200, validators=[validate_plain_text])
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title


class EmergencyAccess(models.Model):
    """'Break the glass': access without a treatment relation, with a reason, for a limited time."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500, validators=[validate_plain_text])
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="emergency_expires_later"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.patient} ({self.reason[:40]})"
