"""Forms for delegations, availability, the readiness gate and the procedure. They parse; rules and services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text
from kanyle.injections.models import (
    Delegation,
    ProcedureType,
    Reaction,
    SupervisionAvailability,
    SupervisionMode,
)
from kanyle.medications.models import Batch
from kanyle.medications.selectors import usable_batches
from kanyle.staff.models import Practitioner, Profession

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PhysioChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Practitioner) -> str:
        return f"{obj.user.display_name} (HPR {obj.hpr_number})"


class DelegationForm(forms.ModelForm):
    """INJ-D5, LAW-H5: the doctor names the physio, the procedures, supervision, instructions and period."""

    physio = PhysioChoiceField(queryset=Practitioner.objects.none(), label=_("Physiotherapist"))
    procedure_types = forms.MultipleChoiceField(
        label=_("Procedures"), choices=ProcedureType.choices, widget=forms.CheckboxSelectMultiple
    )
    credentials_checked = forms.BooleanField(
        label=_(
            "I have checked the physiotherapist's credentials in the staff register and answer for the "
            "delegate's competence (LAW-H5)."
        ),
        required=False,
    )

    class Meta:
        model = Delegation
        fields = ["physio", "procedure_types", "supervision_mode", "instructions", "valid_from", "valid_to"]
        widgets = {
            "valid_from": DATE_WIDGET,
            "valid_to": DATE_WIDGET,
            "instructions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["physio"].queryset = (
            Practitioner.objects.filter(clinic=clinic, profession=Profession.PHYSIO)
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )
        if not self.is_bound:
            self.initial.setdefault("valid_from", timezone.localdate())


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, validators=[validate_plain_text], widget=forms.Textarea(attrs={"rows": 3})
    )


class AvailabilityForm(forms.Form):
    """INJ-D6: a period when the doctor is reachable, on site or by video (Europe/Oslo)."""

    mode = forms.ChoiceField(label=_("Supervision"), choices=SupervisionMode.choices, initial=SupervisionMode.ON_SITE)
    starts_at = forms.DateTimeField(label=_("From"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("To"), widget=DATETIME_WIDGET)

    def instance(self) -> SupervisionAvailability:
        data = self.cleaned_data
        return SupervisionAvailability(mode=data["mode"], starts_at=data["starts_at"], ends_at=data["ends_at"])


class AvailabilityNowForm(forms.Form):
    hours = forms.TypedChoiceField(
        label=_("Available now for"),
        coerce=int,
        choices=[(h, _("%(hours)s hours") % {"hours": h}) for h in (1, 2, 3, 4, 6, 8)],
        initial=4,
    )
    mode = forms.ChoiceField(label=_("Supervision"), choices=SupervisionMode.choices, initial=SupervisionMode.ON_SITE)


class _ListedBatches(forms.models.ModelChoiceIterator):
    """The choices from the batches the form read once, so offering and checking them is one query."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for batch in self.field.listed:
            yield self.choice(batch)

    def __len__(self) -> int:
        return len(self.field.listed) + (self.field.empty_label is not None)


class BatchChoiceField(forms.ModelChoiceField):
    """A batch out of a list read once (``listed``); the procedure service checks the chosen one again, locked."""

    iterator = _ListedBatches
    listed: list[Batch] = []

    def offer(self, batches: Any) -> None:
        self.queryset = batches
        self.listed = list(batches)

    def to_python(self, value: Any) -> Batch | None:
        if value in self.empty_values:
            return None
        for batch in self.listed:
            if str(batch.pk) == str(value):
                return batch
        raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")

    def label_from_instance(self, obj: Batch) -> str:
        return _("Lot %(lot)s · expires %(expiry)s · %(left)s in stock") % {
            "lot": obj.lot_number,
            "expiry": obj.expires_on.strftime("%d.%m.%Y"),
            "left": obj.quantity_on_hand,
        }


class GateForm(forms.Form):
    """LAW-M: the batch of the ordered drug taken from stock (the gate shows whether it is usable)."""

    batch = BatchChoiceField(queryset=Batch.objects.none(), label=_("Batch (lot)"), required=False)

    def __init__(self, *args: Any, order: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if order is not None and order.drug_id:
            # LAW-M: expired and empty batches are not offered (the gate and the service refuse them too).
            self.fields["batch"].offer(usable_batches(clinic=order.clinic, drug=order.drug))
            self.fields["batch"].error_messages["invalid_choice"] = _(
                "Choose a batch of the ordered drug that is in stock and not expired (LAW-M)."
            )
        else:
            self.fields["batch"].offer(Batch.objects.none())
            self.fields["batch"].widget = forms.HiddenInput()


class ProcedureForm(forms.Form):
    """What the performer records; drug, dose and site come from the order and are shown read-only."""

    dose_given = forms.DecimalField(label=_("Dose given"), max_digits=7, decimal_places=2, required=False, min_value=0)
    volume_given_ml = forms.DecimalField(
        label=_("Volume given (ml)"), max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100
    )
    aseptic_hand_hygiene = forms.BooleanField(label=_("Hand hygiene"), required=False)
    aseptic_skin_disinfection = forms.BooleanField(label=_("Skin disinfected and left to dry"), required=False)
    aseptic_sterile_cover = forms.BooleanField(label=_("Sterile probe cover and gel"), required=False)
    aseptic_no_touch = forms.BooleanField(label=_("No-touch technique at the site"), required=False)
    reaction = forms.ChoiceField(label=_("Immediate reaction"), choices=[("", "—"), *Reaction.choices], required=False)
    reaction_actions = forms.CharField(
        label=_("Actions taken"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    adrenaline_mg = forms.DecimalField(
        label=_("Adrenaline given (mg)"), max_digits=4, decimal_places=2, required=False, min_value=0, max_value=5
    )
    procedure_notes = forms.CharField(
        label=_("Course of the procedure"), max_length=8000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    # The order's own fields, shown read-only; a posted value that differs is refused (tampering).
    READ_ONLY = ("drug", "dose", "target_structure", "side")

    def __init__(self, *args: Any, order: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        if order.dose is None:
            del self.fields["dose_given"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        expected = {
            "drug": str(self.order.drug_id or ""),
            "dose": "" if self.order.dose is None else str(self.order.dose),
            "target_structure": self.order.target_structure,
            "side": self.order.side,
        }
        for name in self.READ_ONLY:
            if name in self.data and str(self.data.get(name)).strip() != expected[name]:
                raise forms.ValidationError(
                    _("Drug, dose and site come from the doctor's order and cannot be changed here. (INJ-D4)")
                )
        return data


class ImageForm(forms.Form):
    image = forms.FileField(label=_("Ultrasound image (PNG, JPEG or DICOM)"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False, validators=[validate_plain_text])


class StopForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("What do you do?"),
        choices=[("stop", _("Stop the procedure")), ("decline", _("Decline the procedure"))],
        widget=forms.RadioSelect,
        initial="stop",
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class ObservationEndForm(forms.Form):
    early_reason = forms.CharField(
        label=_("Reason for ending the observation early"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
