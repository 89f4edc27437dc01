from django import forms
from django.utils.translation import gettext_lazy as _

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)
    user = forms.CharField(label=_("Username"), required=False, max_length=150)
    patient = forms.IntegerField(
        label=_("Patient number"), required=False, min_value=1, help_text=_("The number in the patient page's address.")
    )
    action = forms.CharField(label=_("Action code starts with"), required=False, max_length=80)
    flagged = forms.BooleanField(label=_("Only flagged"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data
