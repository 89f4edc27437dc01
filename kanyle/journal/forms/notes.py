"""Forms for notes: the structured sections, diagnoses from the code lists, corrections."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text
from kanyle.journal import selectors
from kanyle.journal.models import NOTE_SECTIONS, ContactType, DiagnosisCode, Encounter, Episode, Note
from kanyle.staff.models import Practitioner

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DiagnosisListField(forms.Field):
    """The chosen codes as repeated hidden inputs 'system:code'; unknown codes are refused."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[DiagnosisCode]:
        keys = [str(v).strip() for v in (value or []) if str(v).strip()]
        if len(keys) > 12:
            raise forms.ValidationError(_("A note can have at most 12 diagnoses."))
        codes, unknown = selectors.codes_from_keys(keys)
        if unknown:
            raise forms.ValidationError(
                _("Unknown diagnosis code: %(codes)s. Choose codes from the ICPC-2 or ICD-10 list."),
                params={"codes": ", ".join(unknown)},
            )
        return codes

    def prepare_value(self, value):
        return [c.key if isinstance(c, DiagnosisCode) else c for c in (value or [])]


class NoteForm(forms.ModelForm):
    contact_type = forms.ChoiceField(label=_("Type of contact"), choices=ContactType.choices)
    occurred_at = forms.DateTimeField(label=_("Time of the consultation"), widget=DATETIME_WIDGET)
    episode = forms.ModelChoiceField(label=_("Episode of care"), queryset=Episode.objects.none(), required=False)
    diagnoses = DiagnosisListField(label=_("Diagnoses"), required=False)

    class Meta:
        model = Note
        fields = ["co_author", *NOTE_SECTIONS]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in NOTE_SECTIONS}

    def __init__(self, *args, patient, practitioner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        encounter = self.instance.encounter if self.instance.pk else None
        self.fields["episode"].queryset = Episode.objects.filter(patient=patient).select_related("responsible__user")
        self.fields["co_author"].queryset = (
            Practitioner.objects.filter(clinic=patient.clinic).exclude(pk=practitioner.pk).select_related("user")
        )
        self.fields["co_author"].help_text = _("A second practitioner present writes and signs their own part.")
        if encounter is not None:
            self.initial.update(
                contact_type=encounter.contact_type,
                occurred_at=timezone.localtime(encounter.occurred_at),
                episode=encounter.episode_id,
            )
            self.initial.setdefault("diagnoses", [d.code for d in self.instance.note_diagnoses.all()])
        else:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            if not self.initial.get("episode"):
                # Most notes belong to the open course this practitioner runs for the patient.
                mine = self.fields["episode"].queryset.filter(ended_on__isnull=True, responsible=practitioner)
                self.initial["episode"] = mine.values_list("pk", flat=True).first()
            self.initial.setdefault("contact_type", ContactType.IN_PERSON)

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + datetime.timedelta(hours=1):
            raise forms.ValidationError(_("The consultation cannot lie in the future."))
        return value

    def encounter(self) -> Encounter:
        """The encounter with the form's values applied (not saved)."""
        encounter = self.instance.encounter if self.instance.pk else Encounter()
        encounter.contact_type = self.cleaned_data["contact_type"]
        encounter.occurred_at = self.cleaned_data["occurred_at"]
        encounter.episode = self.cleaned_data["episode"]
        return encounter


class AmendmentForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=500,
        validators=[validate_plain_text],
        help_text=_("For example: wrong side recorded, wrong date, information added afterwards."),
    )
    text = forms.CharField(label=_("Correction"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))


class CoPartForm(forms.Form):
    text = forms.CharField(
        label=_("My part of the consultation"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )


class ChartFilterForm(forms.Form):
    episode = forms.ModelChoiceField(label=_("Episode of care"), queryset=Episode.objects.none(), required=False)
    practitioner = forms.ModelChoiceField(label=_("Practitioner"), queryset=Practitioner.objects.none(), required=False)
    contact_type = forms.ChoiceField(
        label=_("Type of contact"), choices=[("", "—"), *ContactType.choices], required=False
    )

    def __init__(self, *args, patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["episode"].queryset = Episode.objects.filter(patient=patient)
        self.fields["practitioner"].queryset = Practitioner.objects.filter(clinic=patient.clinic).select_related("user")
