from django import forms
from django.utils.translation import gettext_lazy as _

from kanyle.clinics.models import Clinic
from kanyle.core.validators import validate_plain_text


class ClinicProfileForm(forms.ModelForm):
    org_number = forms.CharField(
        label=_("Organisation number"), max_length=11, help_text=_("Nine digits; spaces are allowed.")
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "org_number",
            "street_address",
            "postal_code",
            "city",
            "her_id",
            "organisation_model",
            "session_timeout_minutes",
            "supervision_visit_interval_days",
            "needle_time_limit_minutes",
            "injection_observation_minutes",
            "injection_followup_weeks_min",
            "injection_followup_weeks_max",
            "injection_site_limit_per_year",
            "accepts_self_referrals_for_injection",
        ]
        widgets = {"organisation_model": forms.RadioSelect}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "street_address", "city"):
            self.fields[name].validators.append(validate_plain_text)

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("injection_followup_weeks_min"), data.get("injection_followup_weeks_max")
        if low is not None and high is not None and high < low:
            self.add_error(
                "injection_followup_weeks_max", _("The follow-up must be due by a week at or after its first week.")
            )
        return data

    def clean_org_number(self) -> str:
        return self.cleaned_data["org_number"].replace(" ", "")

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if value and not (len(value) == 4 and value.isdigit()):
            raise forms.ValidationError(_("A Norwegian postal code has four digits."))
        return value


class ChooseClinicForm(forms.Form):
    membership = forms.IntegerField(error_messages={"invalid": _("Unknown clinic."), "required": _("Choose a clinic.")})
