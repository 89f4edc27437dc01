"""Forms for procedures, the risk register and supervision visits. Services make the final checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text
from kanyle.quality.models import Risk
from kanyle.quality.selectors.documents import clinic_doctors, clinic_staff, procedure_managers

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

LIKELIHOOD_CHOICES = [
    ("", "—"),
    (1, _("1 – Very unlikely")),
    (2, _("2 – Unlikely")),
    (3, _("3 – Possible")),
    (4, _("4 – Likely")),
    (5, _("5 – Very likely")),
]
CONSEQUENCE_CHOICES = [
    ("", "—"),
    (1, _("1 – Insignificant")),
    (2, _("2 – Minor: passing discomfort")),
    (3, _("3 – Moderate: needs treatment")),
    (4, _("4 – Serious: lasting harm")),
    (5, _("5 – Critical: life-threatening")),
]


def _person_label(user: Any) -> str:
    return user.display_name


def score_field(label: Any, choices: list, message: Any) -> forms.IntegerField:
    """A 1–5 score with a message that says what is allowed, whatever was posted (INJ-V2)."""
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=5,
        widget=forms.Select(choices=choices),
        error_messages={"required": message, "invalid": message, "min_value": message, "max_value": message},
    )


class ProcedureForm(forms.Form):
    """A new procedure and the text of its first version."""

    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_plain_text])
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=None,
        help_text=_("Keeps the procedure up to date and reviews it."),
        error_messages={"invalid_choice": _("Choose an owner with a role in this clinic.")},
    )
    next_review_on = forms.DateField(label=_("Next review"), widget=DATE_WIDGET)
    content = forms.CharField(
        label=_("Text"),
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("Markdown: # heading, - list item, **bold**, *italic*, [link text](https://…)."),
    )
    approve = forms.BooleanField(
        label=_("Approve now"),
        required=False,
        help_text=_("Approved procedures are in force and all staff must confirm they have read them."),
    )

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = procedure_managers(clinic=clinic)
        self.fields["owner"].label_from_instance = _person_label


class ProcedureVersionForm(forms.Form):
    """The next version of a procedure (or the open draft)."""

    content = forms.CharField(
        label=_("Text"),
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text=ProcedureForm.base_fields["content"].help_text,
    )
    change_summary = forms.CharField(
        label=_("What changed"),
        max_length=500,
        validators=[validate_plain_text],
        error_messages={"required": _("Describe what changed in this version.")},
    )
    next_review_on = forms.DateField(label=_("Next review"), widget=DATE_WIDGET)


class ReadConfirmForm(forms.Form):
    """Which version the reader saw: a newer one approved meanwhile must be read first."""

    version = forms.IntegerField(min_value=1)


class RiskForm(forms.ModelForm):
    likelihood = score_field(_("Likelihood"), LIKELIHOOD_CHOICES, _("Likelihood must be a whole number from 1 to 5."))
    consequence = score_field(
        _("Consequence"), CONSEQUENCE_CHOICES, _("Consequence must be a whole number from 1 to 5.")
    )
    residual_likelihood = score_field(
        _("Likelihood after measures"),
        LIKELIHOOD_CHOICES,
        _("Likelihood after measures must be a whole number from 1 to 5."),
    )
    residual_consequence = score_field(
        _("Consequence after measures"),
        CONSEQUENCE_CHOICES,
        _("Consequence after measures must be a whole number from 1 to 5."),
    )

    class Meta:
        model = Risk
        fields = [
            "hazard",
            "description",
            "likelihood",
            "consequence",
            "measures",
            "residual_likelihood",
            "residual_consequence",
            "owner",
            "review_on",
            "is_active",
        ]
        widgets = {
            "review_on": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "hazard": _("What can go wrong, e.g. anaphylaxis after an injection."),
            "measures": _("What the clinic does to prevent it or to limit the harm."),
            "is_active": _("Uncheck when the activity is no longer done; the assessment is kept."),
        }
        error_messages = {"owner": {"invalid_choice": _("Choose an owner with a role in this clinic.")}}

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = clinic_staff(clinic=clinic)
        self.fields["owner"].label_from_instance = _person_label
        if self.instance.pk is None:
            del self.fields["is_active"]


class SupervisionVisitForm(forms.Form):
    doctor = forms.ModelChoiceField(
        label=_("Doctor"),
        queryset=None,
        error_messages={"invalid_choice": _("Choose a doctor who works in this clinic.")},
    )
    visited_on = forms.DateField(label=_("Date of the visit"), widget=DATE_WIDGET)
    notes = forms.CharField(
        label=_("Notes"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the doctor checked and went through: training, delegations, emergency equipment, cases."),
        error_messages={"required": _("Write what was checked during the visit.")},
    )

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["doctor"].queryset = clinic_doctors(clinic=clinic)
        self.fields["doctor"].label_from_instance = lambda practitioner: practitioner.user.display_name
