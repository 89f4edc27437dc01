from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kanyle.patients import national_id as nid
from kanyle.patients.models import Patient
from kanyle.scheduling import selectors
from kanyle.scheduling.models import AppointmentType, DoctorMode


def aware(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time), timezone.get_current_timezone())


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")  # what <input type=date> reads, whatever the locale


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class _ClinicForm(forms.Form):
    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        if "practitioner" in self.fields:
            self.fields["practitioner"].queryset = selectors.practitioners(clinic=clinic)
            self.fields["practitioner"].label_from_instance = lambda p: p.user.display_name
        if "room" in self.fields:
            self.fields["room"].queryset = selectors.rooms(clinic=clinic)

    def starts_at(self) -> datetime.datetime:
        return aware(self.cleaned_data["date"], self.cleaned_data["time"])


class AppointmentForm(_ClinicForm):
    patient_id = forms.CharField(
        label=_("Patient's national ID"), max_length=14, help_text=_("11 digits; the patient must be registered.")
    )
    appointment_type = forms.ModelChoiceField(queryset=None, label=_("Type"))
    practitioner = forms.ModelChoiceField(queryset=None, label=_("Practitioner"))
    room = forms.ModelChoiceField(queryset=None, label=_("Room"), required=False)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    time = forms.TimeField(label=_("Time"), widget=TimeInput)
    note = forms.CharField(label=_("Note (administrative)"), max_length=300, required=False)

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, clinic=clinic, **kwargs)
        self.fields["appointment_type"].queryset = selectors.appointment_types(clinic=clinic)

    def clean_patient_id(self) -> Patient:
        number = nid.compact(self.cleaned_data["patient_id"])
        patient = Patient.objects.filter(clinic=self.clinic, national_id=number).first()
        if patient is None:
            raise ValidationError(_("No patient with this national ID is registered in the clinic."))
        return patient


class MoveForm(_ClinicForm):
    practitioner = forms.ModelChoiceField(queryset=None, label=_("Practitioner"))
    room = forms.ModelChoiceField(queryset=None, label=_("Room"), required=False)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    time = forms.TimeField(label=_("Time"), widget=TimeInput)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)


class SessionForm(_ClinicForm):
    doctor = forms.ModelChoiceField(queryset=None, label=_("Responsible doctor"))
    physio = forms.ModelChoiceField(queryset=None, label=_("Physiotherapist"))
    doctor_mode = forms.ChoiceField(label=_("Doctor present"), choices=DoctorMode.choices)
    room = forms.ModelChoiceField(queryset=None, label=_("Room"), required=False)
    date = forms.DateField(label=_("First date"), widget=DateInput)
    time = forms.TimeField(label=_("From"), widget=TimeInput)
    end_time = forms.TimeField(label=_("To"), widget=TimeInput)
    weeks = forms.IntegerField(label=_("Repeat weekly for (weeks)"), min_value=1, max_value=52, initial=1)

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, clinic=clinic, **kwargs)
        people = selectors.practitioners(clinic=clinic)
        self.fields["doctor"].queryset = people.filter(profession="doctor")
        self.fields["physio"].queryset = people.filter(profession="physio")
        for name in ("doctor", "physio"):
            self.fields[name].label_from_instance = lambda p: p.user.display_name

    def clean(self):
        data = super().clean()
        if data.get("time") and data.get("end_time") and data["end_time"] <= data["time"]:
            raise ValidationError(_("The clinic session must end after it starts."))
        return data

    def ends_at(self) -> datetime.datetime:
        return aware(self.cleaned_data["date"], self.cleaned_data["end_time"])


class PublicBookingForm(forms.Form):
    """NAL-8: the public booking page. ``website`` is a honeypot people never see or fill."""

    slot = forms.ChoiceField(label=_("Time"), widget=forms.RadioSelect)
    name = forms.CharField(label=_("Full name"), max_length=200)
    national_id = forms.CharField(label=_("National ID (11 digits)"), max_length=14)
    phone = forms.RegexField(
        label=_("Mobile phone"),
        regex=r"^\+?[0-9 ]{8,15}$",
        max_length=20,
        required=False,
        error_messages={"invalid": _("Enter a valid phone number.")},
    )
    email = forms.EmailField(label=_("Email"), required=False)
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.slot_map = {f"{p.pk}-{int(t.timestamp())}": (p, t) for p, t in slots}
        self.fields["slot"].choices = [
            (key, f"{date_format(timezone.localtime(t), 'D j.n. H:i')} · {p.user.display_name}")
            for key, (p, t) in self.slot_map.items()
        ]
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def clean_national_id(self) -> str:
        return nid.parse(self.cleaned_data["national_id"]).number

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if any(ch in name for ch in "<>{}"):
            raise ValidationError(_("Enter your name without special characters."))
        return name

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email"):
            raise ValidationError(_("Give a phone number or an email address so the clinic can reach you."))
        return data

    @property
    def chosen(self):
        return self.slot_map[self.cleaned_data["slot"]]


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Room name"), max_length=100)


class ColourInput(forms.TextInput):
    input_type = "color"


class AppointmentTypeForm(forms.ModelForm):
    class Meta:
        model = AppointmentType
        fields = ["name", "kind", "duration_minutes", "colour", "bookable_online", "is_active"]
        widgets = {"colour": ColourInput}
