"""Forms for the drug catalogue and stock (LAW-M). They parse and show input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text
from kanyle.medications.models import Batch, Drug, StockMovement

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DrugForm(forms.ModelForm):
    """INJ-G3: a drug of the four injection groups, or an emergency drug of the kit (INJ-V4)."""

    class Meta:
        model = Drug
        fields = ["name", "atc_code", "category", "form", "strength", "dose_unit", "package_unit", "is_active"]
        help_texts = {
            "atc_code": _("The WHO ATC code, e.g. H02AB08 (triamcinolone) or C01CA24 (adrenaline)."),
            "is_active": _("A drug no longer used is taken out of use, never deleted: its batches stay traceable."),
        }

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["atc_code"].widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})
        if creating:
            del self.fields["is_active"]

    def clean_atc_code(self) -> str:
        return (self.cleaned_data.get("atc_code") or "").strip().upper()


class BatchReceiveForm(forms.ModelForm):
    """A received lot: lot number, expiry, quantity and where it is stored."""

    class Meta:
        model = Batch
        fields = ["lot_number", "expires_on", "quantity_received", "location", "received_on"]
        widgets = {"expires_on": DATE_WIDGET, "received_on": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        quantity = self.fields["quantity_received"]
        quantity.min_value = None
        quantity.validators = [MinValueValidator(1, _("The quantity must be at least 1."))]
        quantity.widget.attrs.update({"min": 1, "inputmode": "numeric"})


class DiscardForm(forms.Form):
    """Units taken out of stock, with the reason (expired, broken, recalled)."""

    quantity = forms.IntegerField(
        label=_("Quantity"),
        validators=[MinValueValidator(1, _("The quantity must be at least 1."))],
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=StockMovement._meta.get_field("reason").max_length,
        validators=[validate_plain_text],
        error_messages={"required": _("Write why the units are discarded.")},
        help_text=_("E.g. expired, broken vial, recalled by the supplier."),
    )


class RecallForm(forms.Form):
    """LAW-M recall: which patients got this lot."""

    lot = forms.CharField(
        label=_("Lot number"),
        max_length=Batch._meta.get_field("lot_number").max_length,
        validators=[validate_plain_text],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
