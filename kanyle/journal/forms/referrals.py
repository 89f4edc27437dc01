"""Forms for referrals: registering one (INJ-G1, NAL-8), deciding on it, and filtering the worklist."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kanyle.core.uploads import inspect_upload
from kanyle.core.validators import validate_hpr_number
from kanyle.journal.models import Referral, ReferralSource, ReferralStatus

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REFERRER_FIELDS = ("referrer_name", "referrer_hpr", "referrer_practice")
# The stored name never carries the uploaded file's name, which often holds the patient's name.
DOCUMENT_NAME = "henvisning.pdf"


class ReferralForm(forms.ModelForm):
    """A referral from the patient's GP or another health professional (INJ-G1), or a self-referral (NAL-8)."""

    source = forms.ChoiceField(
        label=_("Referred by"),
        choices=ReferralSource.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who referred the patient.")},
    )
    referrer_hpr = forms.CharField(
        label=_("Referrer's HPR number"),
        max_length=12,  # 9 digits, perhaps typed in groups with spaces; validated in clean_referrer_hpr
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    document = forms.FileField(
        label=_("Referral document (PDF)"),
        required=False,
        help_text=_("Optional. A PDF of the referral letter as received."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    class Meta:
        model = Referral
        fields = ["source", "referrer_name", "referrer_hpr", "referrer_practice", "received_on", "reason"]
        widgets = {"received_on": DATE_WIDGET, "reason": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"received_on": _("The date the clinic received the referral.")}

    def __init__(self, *args: Any, patient: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.today = today
        self.fields["reason"].error_messages["required"] = _("Enter the reason for the referral.")
        self.fields["received_on"].error_messages["required"] = _("Enter the date the referral was received.")
        if not self.is_bound:
            self.initial.setdefault("received_on", today)
            if patient.gp_name:
                self.initial.setdefault("source", ReferralSource.GP)
                for field, gp_field in zip(REFERRER_FIELDS, ("gp_name", "gp_hpr_number", "gp_practice"), strict=True):
                    self.initial.setdefault(field, getattr(patient, gp_field))

    def clean_referrer_hpr(self) -> str:
        hpr = self.cleaned_data["referrer_hpr"].replace(" ", "")
        if hpr:
            validate_hpr_number(hpr)
        return hpr

    def clean_received_on(self) -> datetime.date:
        received_on = self.cleaned_data["received_on"]
        if received_on > self.today:
            raise forms.ValidationError(_("The received date cannot be in the future."))
        return received_on

    def clean_document(self) -> Any:
        upload = self.cleaned_data.get("document")
        if upload:
            inspect_upload(upload, allowed=("application/pdf",))  # real PDF by content, within the size limit
            upload.name = DOCUMENT_NAME
        return upload

    def clean(self) -> dict:
        data = super().clean()
        source = data.get("source")
        if source == ReferralSource.SELF:
            # NAL-8: no referral is needed, so a self-referral has no referrer; a pre-filled GP is dropped.
            for field in REFERRER_FIELDS:
                data[field] = ""
                self.errors.pop(field, None)
        elif source in (ReferralSource.GP, ReferralSource.OTHER):
            if source == ReferralSource.GP and not any(data.get(f) for f in REFERRER_FIELDS):
                data.update(self._registered_gp())
            # INJ-G1: the record shows which health professional referred, so name, HPR and practice are required.
            for field in REFERRER_FIELDS:
                if field not in self.errors and not data.get(field):
                    self.add_error(
                        field, _("Required for a referral from a GP or another health professional (INJ-G1).")
                    )
        return data

    def _registered_gp(self) -> dict[str, str]:
        patient = self.patient
        return {
            "referrer_name": patient.gp_name,
            "referrer_hpr": patient.gp_hpr_number,
            "referrer_practice": patient.gp_practice,
        }


DECISION_CHOICES = [
    (ReferralStatus.ACCEPTED, _("Accept")),
    (ReferralStatus.DECLINED, _("Decline")),
    (ReferralStatus.COMPLETED, _("Mark as completed")),
]


class ReferralDecisionForm(forms.Form):
    """Accept, decline with a reason, or complete; which step is allowed now is the service's rule."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=DECISION_CHOICES,
        error_messages={"required": _("Choose a decision.")},
    )
    decline_reason = forms.CharField(
        label=_("Reason for declining"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you decline. The referrer can be told why."),
    )

    def clean(self) -> dict:
        data = super().clean()
        data["decline_reason"] = (data.get("decline_reason") or "").strip()
        if data.get("decision") == ReferralStatus.DECLINED and not data["decline_reason"]:
            self.add_error("decline_reason", _("Give the reason for declining the referral."))
        return data


# The worklist's filter: no value shows what still needs work (received and accepted).
OPEN_STATUSES = (ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED)
STATUS_FILTER_CHOICES = [
    ("", _("Open")),
    *ReferralStatus.choices,
    ("all", _("All")),
]


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTER_CHOICES, required=False)

    def statuses(self) -> tuple[str, ...] | None:
        """The statuses to show (None: all); call after is_valid()."""
        status = self.cleaned_data.get("status") or ""
        if status == "all":
            return None
        return (status,) if status else OPEN_STATUSES
