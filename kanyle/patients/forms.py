from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from kanyle.patients import national_id
from kanyle.patients.models import Patient, RiskFlag

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PHONE_RE = re.compile(r"^\+?[0-9 ]{8,16}$")


class PatientForm(forms.ModelForm):
    national_id = forms.CharField(
        label=_("National ID (fødselsnummer, D number or H number)"),
        max_length=13,
        help_text=_("11 digits. An H number is used for a patient who cannot be identified yet."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Patient
        fields = [
            "national_id",
            "given_name",
            "family_name",
            "birth_date",
            "phone",
            "email",
            "street_address",
            "postal_code",
            "city",
            "preferred_language",
            "needs_interpreter",
            "has_no_gp",
            "gp_name",
            "gp_hpr_number",
            "gp_practice",
            "gp_her_id",
        ]
        widgets = {
            "birth_date": DATE_WIDGET,
            "has_no_gp": forms.CheckboxInput(attrs={"data-toggle-target": "#gp-fields"}),
        }
        help_texts = {"birth_date": _("Filled in from the national ID when left empty.")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].required = False
        self.person_id: national_id.PersonId | None = None

    def clean_national_id(self) -> str:
        self.person_id = national_id.parse(self.cleaned_data["national_id"])
        number = self.person_id.number
        duplicates = Patient.objects.filter(clinic=self.instance.clinic, national_id=number)
        if self.instance.pk:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise forms.ValidationError(_("A patient with this national ID is already registered in the clinic."))
        return number

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(_("Enter a phone number of 8 to 16 digits, optionally starting with +."))
        return phone

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if value and not (len(value) == 4 and value.isdigit()):
            raise forms.ValidationError(_("A Norwegian postal code has four digits."))
        return value

    def clean_gp_hpr_number(self) -> str:
        return self.cleaned_data["gp_hpr_number"].replace(" ", "")

    def clean(self) -> dict:
        data = super().clean()
        if self.person_id is not None:
            derived = self.person_id.birth_date
            given = data.get("birth_date")
            if derived and given and given != derived:
                self.add_error("birth_date", _("The date of birth does not match the national ID."))
            elif derived:
                data["birth_date"] = derived
            elif not given:
                self.add_error("birth_date", _("Enter the date of birth: this kind of number does not contain it."))
            self.instance.id_type = self.person_id.kind
        if data.get("has_no_gp") and any(data.get(f) for f in ("gp_name", "gp_hpr_number", "gp_practice", "gp_her_id")):
            self.add_error("has_no_gp", _("Either register the GP or tick that the patient has none, not both."))
        return data


class RiskFlagForm(forms.ModelForm):
    class Meta:
        model = RiskFlag
        fields = ["kind", "detail"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") in ("allergy", "other") and not data.get("detail"):
            self.add_error("detail", _("Describe the allergy or risk (e.g. the substance and the reaction)."))
        return data


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
