"""Forms for episodes of care: open a course with a responsible practitioner, change it, close it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kanyle.clinics.models import Membership
from kanyle.journal.models import Episode, Referral, ReferralStatus
from kanyle.staff.models import Practitioner

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def clinic_practitioners(*, clinic: Any, keep: Iterable[int] = ()) -> QuerySet[Practitioner]:
    """The clinic's practitioners who still work there, plus those already on the episode (``keep``)."""
    working = Membership.objects.active().filter(clinic=clinic).values("user")
    return (
        Practitioner.objects.filter(clinic=clinic)
        .filter(Q(user__in=working) | Q(pk__in=list(keep)))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


class ReferralChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Referral) -> str:
        received = formats.date_format(obj.received_on, "SHORT_DATE_FORMAT")
        who = obj.referrer_name or obj.get_source_display()
        return f"{received} · {who} ({obj.get_status_display().lower()})"


class EpisodeForm(forms.ModelForm):
    """A new course of care for one patient; the referral, if any, must be one of this patient's."""

    referral = ReferralChoiceField(
        label=_("Referral"),
        queryset=Referral.objects.none(),
        required=False,
        empty_label=_("No referral"),
        help_text=_("No referral is needed for needle treatment or general physiotherapy (NAL-8)."),
    )

    class Meta:
        model = Episode
        fields = ["kind", "title", "responsible", "members", "started_on", "goals", "referral"]
        widgets = {
            "started_on": DATE_WIDGET,
            "members": forms.CheckboxSelectMultiple,
            "goals": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "members": _("Practitioners who also treat the patient in this course."),
            "goals": _("Goals set together with the patient (NAL-6)."),
        }

    def __init__(self, *args: Any, clinic: Any, patient: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        practitioners = clinic_practitioners(clinic=clinic)
        self.fields["responsible"].queryset = practitioners
        if self.initial.get("responsible"):
            self.fields["responsible"].empty_label = None
        self.fields["members"].queryset = practitioners
        self.fields["referral"].queryset = (
            Referral.objects.filter(clinic=clinic, patient=patient)
            .exclude(status=ReferralStatus.DECLINED)
            .order_by("-received_on", "-id")
        )
        self.fields["kind"].error_messages["required"] = _("Choose the kind of episode.")
        self.fields["title"].error_messages["required"] = _("Give the episode a title.")
        self.fields["responsible"].error_messages["required"] = _("Choose the responsible practitioner.")
        self.fields["started_on"].error_messages["required"] = _("Enter the start date.")


class EpisodeEditForm(forms.ModelForm):
    """Change the title, goals and members; an end date closes the episode."""

    class Meta:
        model = Episode
        fields = ["title", "goals", "members", "ended_on"]
        widgets = {
            "ended_on": DATE_WIDGET,
            "members": forms.CheckboxSelectMultiple,
            "goals": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "members": _("Practitioners who also treat the patient in this course."),
            "ended_on": _("Set the end date to close the episode; clear it to reopen."),
        }

    def __init__(self, *args: Any, clinic: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        episode = self.instance
        current = list(episode.members.values_list("pk", flat=True))
        # The responsible practitioner is on the episode already; the members are the others.
        self.fields["members"].queryset = clinic_practitioners(clinic=clinic, keep=current).exclude(
            pk=episode.responsible_id
        )
        self.fields["title"].error_messages["required"] = _("Give the episode a title.")

    def clean_ended_on(self) -> datetime.date | None:
        ended_on = self.cleaned_data["ended_on"]
        started_on = self.instance.started_on
        if ended_on and ended_on < started_on:
            raise forms.ValidationError(
                _("The end date cannot be before the start date (%(date)s).")
                % {"date": formats.date_format(started_on, "SHORT_DATE_FORMAT")}
            )
        if ended_on and ended_on > self.today:
            raise forms.ValidationError(_("The end date cannot be in the future."))
        return ended_on
