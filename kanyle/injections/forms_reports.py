"""Forms of the chain's end: the receipt upload (AppRec) and the doctor's follow-up (INJ-D2)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kanyle.injections.models import FollowUpOutcome
from kanyle.interop.xsd import MAX_UPLOAD_BYTES


class ApprecUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Application receipt (AppRec XML)"),
        help_text=_("The receipt file the GP's system returned for this report."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large to be a receipt."))
        return upload.read()


class FollowUpForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=FollowUpOutcome.choices, widget=forms.RadioSelect, required=True
    )
    outcome_text = forms.CharField(
        label=_("Assessment at follow-up"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Effect on pain and function, side effects, and the plan. It is signed as a journal note."),
    )
