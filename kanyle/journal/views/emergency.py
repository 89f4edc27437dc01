"""Break the glass (LAW-J): a clinician without a treatment relation opens a chart only with a stated
reason, for a limited time; every such access is flagged in the log and listed for the administrator's
review (pasientjournalforskriften §14)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kanyle.audit.services import Actor, audit_record, audit_record_many
from kanyle.clinics.access import capability_required
from kanyle.journal import selectors, services
from kanyle.journal.views.common import chart_gate, patient_or_404


class EmergencyAccessForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for emergency access"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "At least 10 characters. The reason is shown to the administrator who reviews the access."
        ),
    )


@capability_required("can_view_journal")
def emergency_access(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Ask for the reason; on POST grant time-limited access and go to the chart."""
    patient = patient_or_404(request, patient_id)
    if chart_gate(request, patient) is None:  # a treatment relation or an active access: nothing to break
        return redirect("journal:chart", patient_id=patient.pk)
    actor = Actor.from_request(request)
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access = services.emergency_access_grant(actor=actor, patient=patient, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason", error.messages)
        else:
            messages.warning(
                request,
                _("Emergency access to %(name)s's record until %(time)s. The access is logged and will be reviewed.")
                % {
                    "name": patient.full_name,
                    "time": date_format(timezone.localtime(access.expires_at), "SHORT_DATETIME_FORMAT"),
                },
            )
            return redirect("journal:chart", patient_id=patient.pk)
    if request.method != "POST":
        # Reaching this form is itself worth a line in the log: someone without a relation looked for the record.
        audit_record(actor=actor, action="journal.emergency_access.prompted", patient=patient, target=patient)
    return render(
        request,
        "journal/emergency_access.html",
        {"patient": patient, "form": form, "minutes": settings.KANYLE_EMERGENCY_ACCESS_MINUTES},
        status=400 if form.errors else 200,
    )


@capability_required("can_review_emergency_access")
def emergency_review(request: HttpRequest) -> HttpResponse:
    """Every break-the-glass access of the clinic, newest first, for the administrator's follow-up."""
    rows = selectors.emergency_accesses(clinic=request.clinic, now=timezone.now())
    patients = list({row.access.patient_id: row.access.patient for row in rows}.values())
    audit_record_many(actor=Actor.from_request(request), action="journal.emergency_access.reviewed", patients=patients)
    return render(request, "journal/emergency_review.html", {"rows": rows})
