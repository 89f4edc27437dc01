"""Forms for deviations, equipment and checks, and the management review. Services make the final checks."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanyle.quality.models import (
    Deviation,
    Equipment,
    EquipmentItem,
    MeasureKind,
)
from kanyle.quality.selectors.deviations import clinic_people

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


def _now_minute() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


# Deviations -------------------------------------------------------------------------------------


class DeviationReportForm(forms.ModelForm):
    """What happened, when, where, how serious, and what was done at once (anyone may report)."""

    class Meta:
        model = Deviation
        fields = ["category", "severity", "occurred_at", "location", "description", "immediate_action"]
        widgets = {
            "occurred_at": DATETIME_WIDGET,
            "description": forms.Textarea(attrs={"rows": 5}),
            "immediate_action": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "severity": _("Serious and critical events carry a duty to consider notifying the authorities."),
            "description": _("Describe the event itself; do not write more about the patient than needed."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = _now_minute()
        self.fields["occurred_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class DeviationAssessForm(forms.Form):
    """The responsible person's assessment: cause, who follows it up, and the notification duty."""

    responsible = PersonChoiceField(
        label=_("Responsible for the follow-up"),
        queryset=None,
        error_messages={"invalid_choice": _("Choose a person with a role in this clinic.")},
    )
    cause = forms.CharField(
        label=_("Cause"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe the cause as far as it is known.")},
    )
    notification_required = forms.BooleanField(
        label=_("Notification duty applies"),
        required=False,
        help_text=_("Kanyle does not send notifications; the authorities to consider are listed on the deviation."),
    )
    notified_on = forms.DateField(label=_("Notified on"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = clinic_people(clinic=clinic)


class MeasureForm(forms.Form):
    """A corrective or preventive measure with an owner and a deadline (LAW-Q §9)."""

    kind = forms.ChoiceField(label=_("Kind of measure"), choices=MeasureKind.choices)
    description = forms.CharField(
        label=_("Measure"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe the measure.")},
    )
    owner = PersonChoiceField(
        label=_("Owner"),
        queryset=None,
        error_messages={"invalid_choice": _("Choose a person with a role in this clinic.")},
    )
    due_on = forms.DateField(label=_("Deadline"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = clinic_people(clinic=clinic)


class DeviationCloseForm(forms.Form):
    closing_summary = forms.CharField(
        label=_("Evaluation: did the measures work?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write an evaluation of the measures' effect before closing.")},
    )


# Equipment ----------------------------------------------------------------------------------------


class EquipmentForm(forms.ModelForm):
    class Meta:
        model = Equipment
        fields = ["kind", "name", "location", "serial_number", "check_interval_days", "is_active"]
        help_texts = {
            "check_interval_days": _("The defibrillator and the anaphylaxis kit are checked monthly (30 days)."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["is_active"]


class EquipmentItemForm(forms.ModelForm):
    class Meta:
        model = EquipmentItem
        fields = ["component", "name", "quantity", "lot_number", "expires_on", "is_active"]
        widgets = {"expires_on": DATE_WIDGET}
        help_texts = {
            "lot_number": _("Required for drugs and fluids (batch traceability)."),
            "expires_on": _("Required for drugs and fluids; also for pads and batteries that have one."),
            "is_active": _("Untick when the item is taken out of the kit."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["is_active"]


class EquipmentCheckForm(forms.Form):
    """A checklist: one 'in order' box and a note per line, the time of the check and a comment."""

    performed_at = forms.DateTimeField(
        label=_("Checked at"),
        widget=DATETIME_WIDGET,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    notes = forms.CharField(
        label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, lines: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.fields["performed_at"].initial = _now_minute()
        for line in lines:
            self.fields[f"ok_{line['key']}"] = forms.BooleanField(label=_("In order"), required=False)
            self.fields[f"note_{line['key']}"] = forms.CharField(
                label=_("Note"), required=False, max_length=300, widget=forms.TextInput()
            )

    def rows(self) -> list[tuple[dict[str, Any], Any, Any]]:
        return [(line, self[f"ok_{line['key']}"], self[f"note_{line['key']}"]) for line in self.lines]

    def answers(self) -> dict[str, tuple[bool, str]]:
        data = self.cleaned_data
        return {line["key"]: (data[f"ok_{line['key']}"], data[f"note_{line['key']}"]) for line in self.lines}


# Management review --------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    period_start = forms.DateField(label=_("Period from"), widget=DATE_WIDGET)
    period_end = forms.DateField(label=_("Period to"), widget=DATE_WIDGET)
    evaluation = forms.CharField(
        label=_("Evaluation"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Do the procedures work? What do the deviations, checks and risks show? (§8)"),
        error_messages={"required": _("Write the evaluation before signing.")},
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What will be corrected or improved, by whom and by when? (§9)"),
        error_messages={"required": _("Write the decisions before signing.")},
    )
