from __future__ import annotations

import itertools

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kanyle.clinics.models import Role
from kanyle.core.uploads import inspect_upload
from kanyle.core.validators import validate_hpr_number, validate_plain_text
from kanyle.staff.models import AgreementHours, Credential, InsuranceCover, MunicipalAgreement

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class StaffMemberForm(forms.Form):
    """A person's roles in this clinic; physiotherapists and doctors also need an HPR number."""

    first_name = forms.CharField(label=_("First name"), max_length=150, validators=[validate_plain_text])
    last_name = forms.CharField(label=_("Last name"), max_length=150, validators=[validate_plain_text])
    email = forms.EmailField(label=_("Email"), required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles in this clinic"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one role.")},
    )
    hpr_number = forms.CharField(
        label=_("HPR number"),
        max_length=12,  # 9 digits, perhaps typed in groups with spaces; validated in clean_hpr_number
        required=False,
        help_text=_("Required for physiotherapists and doctors (Helsepersonellregisteret)."),
    )
    title = forms.CharField(
        label=_("Title or specialty"), max_length=120, required=False, validators=[validate_plain_text]
    )

    def clean_hpr_number(self) -> str:
        # Field validators run before this method, so the number is validated here, without spaces.
        hpr_number = self.cleaned_data["hpr_number"].replace(" ", "")
        if hpr_number:
            validate_hpr_number(hpr_number)
        return hpr_number

    def clean(self) -> dict:
        data = super().clean()
        roles = set(data.get("roles") or [])
        if {Role.PHYSIO, Role.DOCTOR} <= roles:
            self.add_error("roles", _("A person is either a physiotherapist or a doctor in one clinic, not both."))
        if roles & {Role.PHYSIO, Role.DOCTOR} and not data.get("hpr_number") and "hpr_number" not in self.errors:
            self.add_error("hpr_number", _("Physiotherapists and doctors must have an HPR number."))
        return data


class StaffCreateForm(StaffMemberForm):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[a-z0-9.\-_]{3,150}$",
        error_messages={"invalid": _("Use 3–150 lowercase letters a–z, digits, dots, hyphens or underscores.")},
    )
    field_order = ["first_name", "last_name", "username", "email", "roles", "hpr_number", "title"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("The username is taken. Choose another."))
        return username


class CredentialForm(forms.ModelForm):
    confirm_verified = forms.BooleanField(
        label=_("I have seen the documentation and confirm it"),
        required=False,
        help_text=_("A credential counts in the competence checks only when someone has verified it."),
    )

    class Meta:
        model = Credential
        fields = ["kind", "title", "issuer", "issued_on", "expires_on", "evidence"]
        widgets = {"issued_on": DATE_WIDGET, "expires_on": DATE_WIDGET}

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload and hasattr(upload, "content_type"):
            content_type, digest = inspect_upload(upload, allowed=("application/pdf", "image/png", "image/jpeg"))
            self.instance.evidence_content_type = content_type
            self.instance.evidence_sha256 = digest
        return upload

    def clean(self) -> dict:
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", _("The expiry date cannot be before the completion date."))
        return data


class ValidPeriodMixin:
    """valid_from … valid_to: the end may be open, but never before the start."""

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date cannot be before the start date."))
        return data


class InsuranceForm(ValidPeriodMixin, forms.ModelForm):
    class Meta:
        model = InsuranceCover
        fields = ["insurer", "reference", "valid_from", "valid_to", "covers_injections"]
        widgets = {"valid_from": DATE_WIDGET, "valid_to": DATE_WIDGET}
        help_texts = {
            "covers_injections": _("Ordinary physiotherapy cover does not include injection treatment (INJ-P4)."),
        }


class AgreementForm(ValidPeriodMixin, forms.ModelForm):
    class Meta:
        model = MunicipalAgreement
        fields = ["municipality", "percent", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE_WIDGET, "valid_to": DATE_WIDGET}


class AgreementHoursForm(forms.ModelForm):
    class Meta:
        model = AgreementHours
        fields = ["weekday", "start", "end"]
        widgets = {"start": TIME_WIDGET, "end": TIME_WIDGET}

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end time must be after the start time."))
        return data


class BaseHoursFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        blocks = sorted(
            (f.cleaned_data["weekday"], f.cleaned_data["start"], f.cleaned_data["end"])
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("start")
            and f.cleaned_data.get("end")
        )
        for (day_a, _start_a, end_a), (day_b, start_b, _end_b) in itertools.pairwise(blocks):
            if day_a == day_b and start_b < end_a:
                raise forms.ValidationError(_("Two blocks of opening hours overlap on the same weekday."))


AgreementHoursFormSet = forms.inlineformset_factory(
    MunicipalAgreement,
    AgreementHours,
    form=AgreementHoursForm,
    formset=BaseHoursFormSet,
    extra=5,
    max_num=21,
    validate_max=True,
    can_delete=True,
)
