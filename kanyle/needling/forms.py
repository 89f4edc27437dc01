"""Forms for needle treatment. They parse and show input; the rules and services decide."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text
from kanyle.needling import bodychart
from kanyle.needling.models import (
    PAIN_VALIDATORS,
    PSFS_VALIDATORS,
    Assessment,
    Caution,
    CautionDecision,
    ElectroChannel,
    NeedleSite,
    Plan,
    Sensation,
    Session,
    SessionKind,
    SideEffect,
    TensElectrode,
    TensLoan,
    TensSetting,
)
from kanyle.outcomes.charts import pgic_label

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
GOAL_ROWS = 3


def _use_model_ranges(form: forms.BaseForm, *names: str) -> None:
    """Show the model's own range messages (e.g. 'between 0 and 80 mA') instead of Django's generic ones."""
    for name in names:
        field = form.fields[name]
        model_field = form._meta.model._meta.get_field(name)
        field.validators = list(model_field.validators)
        for validator in model_field.validators:
            if isinstance(validator, MinValueValidator):
                field.widget.attrs["min"] = validator.limit_value
            elif isinstance(validator, MaxValueValidator):
                field.widget.attrs["max"] = validator.limit_value
        field.min_value = field.max_value = None


def _score_field(label, validators, *, required: bool = False) -> forms.IntegerField:
    field = forms.IntegerField(label=label, required=required, validators=validators)
    field.widget.attrs.update({"min": 0, "max": 10, "inputmode": "numeric"})
    return field


def pain_field(label, *, required: bool = False) -> forms.IntegerField:
    return _score_field(label, PAIN_VALIDATORS, required=required)


def psfs_field(label, *, required: bool = False) -> forms.IntegerField:
    return _score_field(label, PSFS_VALIDATORS, required=required)


# Assessment, plan, decision ---------------------------------------------------------------------------


class AssessmentForm(forms.ModelForm):
    """NAL-11: the ICF's components and the type of pain."""

    pain_now = pain_field(_("Pain now (NPRS 0–10)"))

    class Meta:
        model = Assessment
        fields = [
            "pain_type",
            "body_functions",
            "activities",
            "participation",
            "environmental_factors",
            "personal_factors",
        ]
        widgets = {
            "pain_type": forms.RadioSelect,
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "body_functions",
                    "activities",
                    "participation",
                    "environmental_factors",
                    "personal_factors",
                )
            },
        }
        help_texts = {
            "body_functions": _("Findings in the examination: pain, movement, strength, sensitivity."),
            "activities": _("What the patient finds hard to do, e.g. lifting, walking, sitting."),
            "participation": _("Work, family, leisure."),
            "environmental_factors": _("Workplace, aids, support from others."),
            "personal_factors": _("Beliefs, fears, coping, expectations of treatment."),
        }

    def __init__(self, *args: Any, first: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pain_type"].choices = [c for c in self.fields["pain_type"].choices if c[0]]
        if not first:
            del self.fields["pain_now"]


class DecisionFields(forms.Form):
    """NAL-1: the shared decision."""

    discussed = forms.BooleanField(label=_("Needle treatment was discussed with the patient"), required=False)
    patient_view = forms.CharField(
        label=_("The patient's view"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In the patient's own words: expectations, worries, preferences."),
    )
    agreed = forms.BooleanField(label=_("The patient agrees to needle treatment"), required=False)


class DecisionForm(DecisionFields):
    pass


class PlanForm(forms.ModelForm):
    """NAL-1, NAL-6: indication, goals with PSFS activities, planned sessions, combined measures, decision."""

    class Meta:
        model = Plan
        fields = ["indication", "planned_sessions", "exercises", "information", "other_treatment"]
        widgets = {
            "indication": forms.Textarea(attrs={"rows": 3}),
            "exercises": forms.Textarea(attrs={"rows": 2}),
            "information": forms.Textarea(attrs={"rows": 2}),
            "other_treatment": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_model_ranges(self, "planned_sessions")
        for index in range(1, GOAL_ROWS + 1):
            self.fields[f"goal_{index}_activity"] = forms.CharField(
                label=_("Activity"), required=False, max_length=200, validators=[validate_plain_text]
            )
            self.fields[f"goal_{index}_baseline"] = psfs_field(_("Today (0–10)"))
            self.fields[f"goal_{index}_target"] = psfs_field(_("Target (0–10)"))
        decision = DecisionFields()
        for name, field in decision.fields.items():
            self.fields[name] = field

    def goal_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"goal_{i}_activity"], self[f"goal_{i}_baseline"], self[f"goal_{i}_target"])
            for i in range(1, GOAL_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        goals = []
        for index in range(1, GOAL_ROWS + 1):
            activity = (data.get(f"goal_{index}_activity") or "").strip()
            baseline, target = data.get(f"goal_{index}_baseline"), data.get(f"goal_{index}_target")
            if not activity and baseline is None and target is None:
                continue
            if not activity or baseline is None or target is None:
                self.add_error(f"goal_{index}_activity", _("Every goal needs an activity, today's score and a target."))
                continue
            goals.append({"activity": activity, "baseline": baseline, "target": target})
        data["goals"] = goals
        return data


# Screening -----------------------------------------------------------------------------------------


class ScreeningForm(forms.Form):
    """Every caution from FACTS.md; the register's risk flags tick the matching ones in advance."""

    def __init__(self, *args: Any, flagged: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.flagged = flagged
        decisions = [("", _("Choose a decision")), *CautionDecision.choices]
        for caution in Caution:
            self.fields[f"{caution.value}_present"] = forms.BooleanField(
                label=caution.label, required=False, initial=caution.value in flagged
            )
            self.fields[f"{caution.value}_decision"] = forms.ChoiceField(
                label=_("Decision"), choices=decisions, required=False
            )
            self.fields[f"{caution.value}_note"] = forms.CharField(
                label=_("Reason"), required=False, max_length=500, validators=[validate_plain_text]
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "caution": caution,
                "present": self[f"{caution.value}_present"],
                "decision": self[f"{caution.value}_decision"],
                "note": self[f"{caution.value}_note"],
                "flags": self.flagged.get(caution.value, []),
            }
            for caution in Caution
        ]

    def answers(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "caution": caution.value,
                "present": data.get(f"{caution.value}_present", False),
                "decision": data.get(f"{caution.value}_decision", ""),
                "note": data.get(f"{caution.value}_note", ""),
            }
            for caution in Caution
        ]


# Sessions -----------------------------------------------------------------------------------------------


class SessionStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices, widget=forms.RadioSelect)
    occurred_at = forms.DateTimeField(label=_("Time of the session"), widget=DATETIME_WIDGET)
    pain_before = pain_field(_("Pain before treatment (NPRS 0–10)"))


class _ChartPointForm(forms.ModelForm):
    """A point on the body chart: a region and side from the list, and where it was clicked (optional)."""

    region = forms.ChoiceField(label=_("Muscle or region"), choices=())
    side = forms.ChoiceField(label=_("Side"), choices=bodychart.Side.choices)
    x = forms.IntegerField(required=False, min_value=0, max_value=bodychart.FIGURE_WIDTH, widget=forms.HiddenInput)
    y = forms.IntegerField(required=False, min_value=0, max_value=bodychart.FIGURE_HEIGHT, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Choose a region")), *bodychart.region_choices()]

    def point(self) -> tuple[int | None, int | None]:
        return self.cleaned_data.get("x"), self.cleaned_data.get("y")


class SiteForm(_ChartPointForm):
    """NAL-3: a needle: where, which needle, how deep, which technique, manual or electrical stimulation."""

    class Meta:
        model = NeedleSite
        fields = ["region", "side", "length_mm", "gauge_mm", "depth_mm", "technique", "stimulation"]
        widgets = {"technique": forms.Select, "stimulation": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_model_ranges(self, "length_mm", "gauge_mm", "depth_mm")
        self.fields["gauge_mm"].widget.attrs["step"] = "0.01"
        self.fields["stimulation"].choices = [c for c in self.fields["stimulation"].choices if c[0]]


class ElectrodeForm(_ChartPointForm):
    class Meta:
        model = TensElectrode
        fields = ["region", "side"]


class ChannelForm(forms.ModelForm):
    """NAL-4: frequency, pulse width, intensity, waveform and duration for a pair of needles."""

    class Meta:
        model = ElectroChannel
        fields = ["site_a", "site_b", "frequency_hz", "pulse_width_us", "intensity_ma", "waveform", "duration_minutes"]

    def __init__(self, *args: Any, sites: list[NeedleSite], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_model_ranges(self, "frequency_hz", "pulse_width_us", "intensity_ma", "duration_minutes")
        self.fields["intensity_ma"].widget.attrs["step"] = "0.1"
        for name in ("site_a", "site_b"):
            self.fields[name].queryset = NeedleSite.objects.filter(pk__in=[s.pk for s in sites])
            self.fields[name].label_from_instance = str
            self.fields[name].choices = [("", "–"), *((s.pk, str(s)) for s in sites)]


class TensForm(forms.ModelForm):
    """NAL-12: mode, frequency, pulse width, intensity and duration of TENS."""

    class Meta:
        model = TensSetting
        fields = ["mode", "frequency_hz", "pulse_width_us", "intensity_ma", "duration_minutes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_model_ranges(self, "frequency_hz", "pulse_width_us", "intensity_ma", "duration_minutes")
        self.fields["intensity_ma"].widget.attrs["step"] = "0.1"


class SessionDetailsForm(forms.ModelForm):
    """Times (NAL-3), sensation and pain (NAL-5), response; pain and function scores before and after."""

    pain_before = pain_field(_("Pain before treatment (NPRS 0–10)"))
    pain_after = pain_field(_("Pain just after treatment (NPRS 0–10)"))

    class Meta:
        model = Session
        fields = ["occurred_at", "inserted_at", "removed_at", "sensation", "pain_during", "response"]
        widgets = {
            "occurred_at": DATETIME_WIDGET,
            "inserted_at": DATETIME_WIDGET,
            "removed_at": DATETIME_WIDGET,
            "sensation": forms.RadioSelect,
            "response": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, goals: list[Any], scores: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_model_ranges(self, "pain_during")
        self.goals = goals
        self.fields["sensation"].choices = list(Sensation.choices)
        self.fields["sensation"].required = False
        if self.instance.kind == SessionKind.TENS:
            self.fields["inserted_at"].label = _("Electrodes on")
            self.fields["removed_at"].label = _("Electrodes off")
        for goal in goals:
            self.fields[f"psfs_{goal.pk}"] = psfs_field(goal.activity)
            self.initial.setdefault(f"psfs_{goal.pk}", scores.get(goal.item_key))
        self.initial.setdefault("pain_before", scores.get("before"))
        self.initial.setdefault("pain_after", scores.get("after"))

    def psfs_fields(self) -> list[Any]:
        return [self[f"psfs_{goal.pk}"] for goal in self.goals]

    def psfs_values(self) -> dict[Any, int | None]:
        return {goal: self.cleaned_data.get(f"psfs_{goal.pk}") for goal in self.goals}

    def clean_inserted_at(self) -> datetime.datetime | None:
        # An empty box keeps the time taken when the first needle went in.
        return self.cleaned_data.get("inserted_at") or self.instance.inserted_at

    def clean_removed_at(self) -> datetime.datetime | None:
        return self.cleaned_data.get("removed_at") or self.instance.removed_at


class MissingNeedleForm(forms.Form):
    description = forms.CharField(
        label=_("What happened and what was done"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"min_length": _("Describe what happened and what was done, in at least 10 characters.")},
    )


class SideEffectForm(forms.ModelForm):
    """NAL-7: kind, severity, when, what happened and was done; a follow-up (always for serious ones)."""

    follow_up_on = forms.DateField(
        label=_("Follow up by"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Serious side effects are always followed up; by tomorrow unless you choose a date."),
    )
    follow_up_task = forms.CharField(
        label=_("Follow-up task"), required=False, max_length=300, validators=[validate_plain_text]
    )

    class Meta:
        model = SideEffect
        fields = ["kind", "severity", "occurred_at", "description", "action_taken"]
        widgets = {
            "occurred_at": DATETIME_WIDGET,
            "severity": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
            "action_taken": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [c for c in self.fields["severity"].choices if c[0]]
        self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))


class FollowUpDoneForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome of the follow-up"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class LoanForm(forms.ModelForm):
    """NAL-12: a TENS device for home use, with a return date."""

    class Meta:
        model = TensLoan
        fields = ["device", "serial_number", "mode", "instructions", "lent_on", "due_on"]
        widgets = {"lent_on": DATE_WIDGET, "due_on": DATE_WIDGET, "instructions": forms.Textarea(attrs={"rows": 3})}


class LoanReturnForm(forms.Form):
    returned_on = forms.DateField(label=_("Returned"), widget=DATE_WIDGET)


class CourseEndForm(forms.Form):
    """NAL-6: the end of the course: the patient's impression of change and the last scores."""

    pgic = forms.TypedChoiceField(
        label=_("The patient's impression of change since the start (PGIC)"),
        coerce=int,
        choices=[],
        widget=forms.RadioSelect,
    )
    pain_now = pain_field(_("Pain now (NPRS 0–10)"))
    completed_on = forms.DateField(label=_("Course completed"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, goals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pgic"].choices = [(v, f"{v} – {pgic_label(v)}") for v in range(1, 8)]
        self.goals = goals
        for goal in goals:
            self.fields[f"psfs_{goal.pk}"] = psfs_field(goal.activity)

    def psfs_fields(self) -> list[Any]:
        return [self[f"psfs_{goal.pk}"] for goal in self.goals]

    def psfs_values(self) -> dict[int, int | None]:
        return {goal.pk: self.cleaned_data.get(f"psfs_{goal.pk}") for goal in self.goals}
