"""Forms for the first half of the injection chain: start, exam, assessment, consent, order, exits.

Forms check the shape of the input; whether the step is allowed is the rules' answer, asked by the services.
"""

from __future__ import annotations

import datetime

from django import forms
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kanyle.core.validators import validate_plain_text
from kanyle.injections.models import (
    ABSOLUTE_CONTRAINDICATIONS,
    RELATIVE_CONTRAINDICATIONS,
    Assessment,
    Consent,
    ConsentMethod,
    ConsentText,
    DrugOrder,
    Status,
    UltrasoundExam,
)
from kanyle.injections.rules import CONSENT_EXPLANATIONS
from kanyle.injections.services.chain_consent import signature_png_from_data_url
from kanyle.injections.services.chain_start import EXAM_IMAGES_MAX
from kanyle.journal.forms.notes import DiagnosisListField
from kanyle.journal.models import Referral, ReferralStatus
from kanyle.medications.models import INJECTABLE_CATEGORIES, Drug
from kanyle.staff.models import Practitioner, Profession

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
ORDER_VALID_DAYS = 30


class RuleCheckedModelForm(forms.ModelForm):
    """A model form whose check constraints are left to the rules, which the service asks with rule IDs.

    The database still enforces every constraint; the form only checks fields, so that the user sees the
    rule's message ("… (INJ-D2)") instead of a generic "constraint violated".
    """

    def _post_clean(self) -> None:
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except forms.ValidationError as error:
            self._update_errors(error)
        try:
            self.instance.full_clean(
                exclude=self._get_validation_exclusions(), validate_unique=False, validate_constraints=False
            )
        except forms.ValidationError as error:
            self._update_errors(error)


def _practitioners(clinic, profession: str):
    return Practitioner.objects.filter(clinic=clinic, profession=profession).select_related("user")


class PractitionerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Practitioner) -> str:
        return obj.user.display_name


class ReferralChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Referral) -> str:
        referrer = f" · {obj.referrer_name}" if obj.referrer_name else ""
        reason = obj.reason if len(obj.reason) <= 120 else obj.reason[:119] + "…"
        return (
            f"{obj.get_source_display()}{referrer} · {obj.received_on:%d.%m.%Y} · {obj.get_status_display()} — {reason}"
        )


class EpisodeFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All open")), ("all", _("All")), *Status.choices], required=False
    )


class EpisodeStartForm(forms.Form):
    referral = ReferralChoiceField(label=_("Referral"), queryset=Referral.objects.none(), widget=forms.RadioSelect)
    doctor = PractitionerChoiceField(label=_("Responsible doctor"), queryset=Practitioner.objects.none())
    physio = PractitionerChoiceField(label=_("Physiotherapist"), queryset=Practitioner.objects.none(), required=False)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        validators=[validate_plain_text],
        help_text=_("E.g. the body region. Leave empty for “Ultrasound-guided injection”."),
    )

    def __init__(self, *args, patient, practitioner: Practitioner | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referral"].queryset = Referral.objects.filter(clinic=patient.clinic, patient=patient).exclude(
            status=ReferralStatus.DECLINED
        )
        self.fields["doctor"].queryset = _practitioners(patient.clinic, Profession.DOCTOR)
        self.fields["physio"].queryset = _practitioners(patient.clinic, Profession.PHYSIO)
        if practitioner is not None and not self.is_bound:
            key = "doctor" if practitioner.profession == Profession.DOCTOR else "physio"
            self.initial.setdefault(key, practitioner.pk)


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several ultrasound images at once; the type of each is read from its content by the service."""

    widget = MultipleImageInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [super(MultipleImageField, self).clean(f, initial) for f in files if f]
        if len(files) > EXAM_IMAGES_MAX:
            raise forms.ValidationError(_("At most %(n)s images per examination."), params={"n": EXAM_IMAGES_MAX})
        return files


class ExamForm(RuleCheckedModelForm):
    images = MultipleImageField(
        label=_("Images"),
        required=False,
        help_text=_("PNG, JPEG or DICOM. The type is read from the file's content."),
    )

    class Meta:
        model = UltrasoundExam
        fields = ["structures", "findings", "measurements", "conclusion"]
        widgets = {
            "structures": forms.Textarea(attrs={"rows": 2}),
            "findings": forms.Textarea(attrs={"rows": 5}),
            "measurements": forms.Textarea(attrs={"rows": 2}),
            "conclusion": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["images"].widget.attrs["accept"] = ".png,.jpg,.jpeg,.dcm,image/png,image/jpeg,application/dicom"


def _yes_no_field(label) -> forms.TypedChoiceField:
    """A checklist answer: yes or no, with nothing chosen in advance (INJ-D2)."""
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, coerce=lambda value: value == "yes", widget=forms.RadioSelect, required=True
    )


CHECKLIST = (*ABSOLUTE_CONTRAINDICATIONS, *RELATIVE_CONTRAINDICATIONS)


class AssessmentForm(RuleCheckedModelForm):
    diagnoses = DiagnosisListField(label=_("Diagnoses"), required=False)
    exit_reason = forms.CharField(
        label=_("Reason (when injection is not chosen)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The episode ends with this reason when the decision is not injection."),
    )

    class Meta:
        model = Assessment
        fields = [
            "co_assessor",
            "indication",
            "target_structure",
            "side",
            *CHECKLIST,
            "inr",
            "risk_flags_reviewed",
            "contraindication_comment",
            "decision",
            "information_given",
        ]
        widgets = {
            "indication": forms.Textarea(attrs={"rows": 3}),
            "side": forms.RadioSelect,
            "decision": forms.RadioSelect,
            "contraindication_comment": forms.Textarea(attrs={"rows": 2}),
            "information_given": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, clinic, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in CHECKLIST:
            self.fields[name] = _yes_no_field(Assessment._meta.get_field(name).verbose_name.capitalize())
        self.fields["co_assessor"] = PractitionerChoiceField(
            label=_("Diagnosis set together with"),
            queryset=_practitioners(clinic, Profession.PHYSIO),
            required=False,
            help_text=_("The physiotherapist who examined the patient, if you set the diagnosis together."),
        )
        self.fields["side"].choices = [c for c in self.fields["side"].choices if c[0]]
        self.fields["decision"].choices = [c for c in self.fields["decision"].choices if c[0]]
        self.fields["risk_flags_reviewed"].required = False  # the rule says why it is needed (INJ-D2)
        self.fields["inr"].help_text = _("Required when the patient uses anticoagulants.")

    @property
    def checklist(self) -> list:
        return [self[name] for name in CHECKLIST]


class ConsentForm(RuleCheckedModelForm):
    text = forms.ModelChoiceField(queryset=ConsentText.objects.none(), widget=forms.HiddenInput)
    signature = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-signature-input": ""}))

    class Meta:
        model = Consent
        fields = [*CONSENT_EXPLANATIONS, "method"]
        widgets = {"method": forms.RadioSelect}

    def __init__(self, *args, clinic, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].queryset = ConsentText.objects.filter(clinic=clinic)
        self.fields["method"].choices = [c for c in self.fields["method"].choices if c[0]]
        for name in CONSENT_EXPLANATIONS:
            self.fields[name].required = False  # the rule names what is missing (LAW-C)
        self.signature_png: bytes | None = None

    def clean(self):
        data = super().clean()
        if data.get("method") == ConsentMethod.SIGNATURE:
            try:
                self.signature_png = signature_png_from_data_url(data.get("signature") or "")
            except forms.ValidationError as error:
                self.add_error("signature", error)
        return data

    @property
    def explanations(self) -> list:
        return [self[name] for name in CONSENT_EXPLANATIONS]


class ConsentTextForm(forms.ModelForm):
    class Meta:
        model = ConsentText
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24})}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class OrderCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, validators=[validate_plain_text])


class DrugChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Drug) -> str:
        return f"{obj.name} {obj.strength} ({obj.get_form_display().lower()}, {obj.get_category_display().lower()})"


class OrderForm(RuleCheckedModelForm):
    drug = DrugChoiceField(
        label=_("Drug"),
        queryset=Drug.objects.none(),
        required=False,
        help_text=_("From the clinic's catalogue. Leave empty for aspiration."),
    )

    class Meta:
        model = DrugOrder
        fields = [
            "procedure_type",
            "drug",
            "dose",
            "volume_ml",
            "target_structure",
            "side",
            "approach",
            "ultrasound_guided",
            "instructions",
            "valid_until",
        ]
        widgets = {
            "side": forms.RadioSelect,
            "instructions": forms.Textarea(attrs={"rows": 3}),
            "valid_until": DATE_WIDGET,
        }

    def __init__(self, *args, clinic, assessment: Assessment | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["drug"].queryset = Drug.objects.filter(
            clinic=clinic, is_active=True, category__in=INJECTABLE_CATEGORIES
        ).order_by("name", "strength")
        self.fields["side"].choices = [c for c in self.fields["side"].choices if c[0]]
        self.fields["dose"].help_text = _("In the drug's unit (mg, ml or units). Empty for aspiration.")
        if not self.is_bound:
            self.initial.setdefault("valid_until", timezone.localdate() + datetime.timedelta(days=ORDER_VALID_DAYS))
            self.initial.setdefault("ultrasound_guided", True)
            if assessment is not None:
                self.initial.setdefault("target_structure", assessment.target_structure)
                self.initial.setdefault("side", assessment.side)
