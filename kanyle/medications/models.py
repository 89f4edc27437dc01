"""Drug handling (LAW-M, legemiddelhåndteringsforskriften): catalogue, stock batches and movements.

Every batch keeps its balance in ``quantity_on_hand``; the database refuses a negative balance
(CHECK constraint), so two people taking the last unit at once cannot both succeed. Every change
of the balance is a ``StockMovement`` row, which is also how a recall finds the patients who got a
lot: administrations name the patient and the injection procedure.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text

validate_atc_code = RegexValidator(
    r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$",
    _("Enter an ATC code such as H02AB08 (letter, two digits, two letters, two digits)."),
)


class DrugCategory(models.TextChoices):
    """INJ-G3: the drugs in scope for injection work, plus the emergency drugs of the kit (INJ-V4)."""

    CORTICOSTEROID = "corticosteroid", _("Corticosteroid")
    LOCAL_ANAESTHETIC = "local_anaesthetic", _("Local anaesthetic")
    PRP = "prp", _("Platelet-rich plasma (PRP)")
    HYALURONIC_ACID = "hyaluronic_acid", _("Hyaluronic acid")
    EMERGENCY = "emergency", _("Emergency drug")


# INJ-G3: the categories a drug order may use; emergency drugs are given, never ordered here.
INJECTABLE_CATEGORIES = (
    DrugCategory.CORTICOSTEROID,
    DrugCategory.LOCAL_ANAESTHETIC,
    DrugCategory.PRP,
    DrugCategory.HYALURONIC_ACID,
)


class DrugForm(models.TextChoices):
    SOLUTION = "solution", _("Solution for injection")
    SUSPENSION = "suspension", _("Suspension for injection")
    GEL = "gel", _("Gel for injection (prefilled syringe)")
    KIT = "kit", _("Preparation kit")
    AUTOINJECTOR = "autoinjector", _("Autoinjector")
    OTHER = "other", _("Other")


class DoseUnit(models.TextChoices):
    MG = "mg", "mg"
    ML = "ml", "ml"
    UNIT = "unit", _("unit(s)")


class Drug(models.Model):
    """A drug in the clinic's catalogue: what doctors may order and the stock is counted in."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200, validators=[validate_plain_text])
    atc_code = models.CharField(_("ATC code"), max_length=7, validators=[validate_atc_code])
    category = models.CharField(_("category"), max_length=20, choices=DrugCategory.choices)
    form = models.CharField(_("form"), max_length=20, choices=DrugForm.choices)
    strength = models.CharField(
        _("strength"), max_length=60, validators=[validate_plain_text], help_text=_("E.g. 40 mg/ml.")
    )
    dose_unit = models.CharField(_("dose unit"), max_length=4, choices=DoseUnit.choices, default=DoseUnit.MG)
    package_unit = models.CharField(
        _("stock unit"),
        max_length=60,
        default="hetteglass",
        validators=[validate_plain_text],
        help_text=_("What one unit of stock is, e.g. vial, ampoule or prefilled syringe."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "strength"]
        verbose_name = _("drug")
        verbose_name_plural = _("drugs")
        constraints = [
            models.CheckConstraint(condition=Q(category__in=DrugCategory.values), name="drug_category_valid"),
            models.UniqueConstraint(fields=["clinic", "name", "strength", "form"], name="drug_unique_in_clinic"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.strength}"

    @property
    def injectable(self) -> bool:
        return self.category in INJECTABLE_CATEGORIES


class Batch(models.Model):
    """One received lot of a drug; the balance can never go below zero (database constraint)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="batches", verbose_name=_("drug"))
    lot_number = models.CharField(_("lot number"), max_length=40, validators=[validate_plain_text])
    expires_on = models.DateField(_("expiry date"))
    quantity_received = models.PositiveIntegerField(_("quantity received"), validators=[MinValueValidator(1)])
    quantity_on_hand = models.IntegerField(_("in stock"))
    location = models.CharField(
        _("storage location"),
        max_length=120,
        validators=[validate_plain_text],
        help_text=_("E.g. locked cabinet, room 2."),
    )
    received_on = models.DateField(_("received"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["expires_on", "lot_number"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            # LAW-M: stock is counted; a balance below zero would mean a drug given that was never there.
            models.CheckConstraint(condition=Q(quantity_on_hand__gte=0), name="batch_balance_not_negative"),
            models.CheckConstraint(condition=Q(quantity_received__gte=1), name="batch_received_positive"),
            models.UniqueConstraint(fields=["drug", "lot_number"], name="batch_unique_lot_per_drug"),
        ]
        indexes = [models.Index(fields=["clinic", "lot_number"], name="batch_lot_lookup")]

    def __str__(self) -> str:
        return f"{self.drug} – {self.lot_number}"


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ADMINISTERED = "administered", _("Administered")
    DISCARDED = "discarded", _("Discarded")


class StockMovement(models.Model):
    """One change of a batch's balance; administrations name the patient (recall, LAW-M)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=15, choices=MovementKind.choices)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    reason = models.CharField(_("reason"), max_length=300, blank=True, validators=[validate_plain_text])
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    procedure = models.ForeignKey(
        "injections.Procedure", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MovementKind.values), name="movement_kind_valid"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="movement_quantity_positive"),
            models.CheckConstraint(condition=~Q(kind="discarded") | ~Q(reason=""), name="movement_discard_has_reason"),
            models.CheckConstraint(
                condition=~Q(kind="administered") | Q(patient__isnull=False), name="movement_administered_has_patient"
            ),
        ]
        indexes = [models.Index(fields=["batch", "kind"], name="movement_batch_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} × {self.batch}"
