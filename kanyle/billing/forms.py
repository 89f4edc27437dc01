from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kanyle.billing.models import Frikort, PatientExemption, PaymentMethod, PrivatePrice, Tariff

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TariffForm(forms.ModelForm):
    class Meta:
        model = Tariff
        fields = ["code", "description", "service_kind", "patient_share", "refund", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE}

    def clean(self):
        data = super().clean()
        share, refund = data.get("patient_share"), data.get("refund")
        if share is not None and refund is not None:
            self.instance.fee = share + refund
        return data

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["fee"] = data["patient_share"] + data["refund"]
        return data


class PrivatePriceForm(forms.ModelForm):
    class Meta:
        model = PrivatePrice
        fields = ["service_kind", "name", "amount", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE}


class NoShowFeeForm(forms.Form):
    fee = forms.DecimalField(
        label=_("fee for a missed appointment"), min_value=Decimal("0"), max_digits=10, decimal_places=2
    )


class FrikortForm(forms.ModelForm):
    class Meta:
        model = Frikort
        fields = ["year", "number", "valid_from", "source"]
        widgets = {"valid_from": DATE}


class ExemptionForm(forms.ModelForm):
    class Meta:
        model = PatientExemption
        fields = ["reference", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE}


class PaymentForm(forms.Form):
    method = forms.ChoiceField(label=_("payment method"), choices=PaymentMethod.choices)
    amount = forms.DecimalField(label=_("amount"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2)


class CreditForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300)


class DayForm(forms.Form):
    day = forms.DateField(label=_("date"), widget=DATE, required=False)

    def day_or_today(self, today: datetime.date) -> datetime.date:
        return (self.cleaned_data.get("day") if self.is_valid() else None) or today


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
