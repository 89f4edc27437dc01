"""Supervision visits (INJ-O3): the doctor who takes part by video also visits the clinic at intervals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kanyle.audit.services import Actor
from kanyle.clinics.access import capability_required
from kanyle.clinics.models import OrganisationModel
from kanyle.quality import rules
from kanyle.quality.forms.documents import SupervisionVisitForm
from kanyle.quality.selectors import documents as selectors
from kanyle.quality.services import supervision as services
from kanyle.quality.views.procedures import add_service_error, form_status

PAGE_SIZE = 25


@capability_required("can_read_procedures")
@require_GET
def supervision_list(request: HttpRequest) -> HttpResponse:
    clinic = request.clinic
    today = timezone.localdate()
    last = selectors.last_supervision_visit(clinic=clinic, on=today)
    due_on = rules.supervision_due_on(clinic=clinic, last_visit_on=last.visited_on if last else None)
    context = {
        "page": Paginator(selectors.supervision_visits(clinic=clinic), PAGE_SIZE).get_page(request.GET.get("side")),
        "last": last,
        "due_on": due_on,
        "days_left": (due_on - today).days if due_on else None,
        "decision": rules.supervision_status(clinic=clinic, on=today),
        "video_model": clinic.organisation_model == OrganisationModel.DOCTOR_BY_VIDEO,
        "interval": clinic.supervision_visit_interval_days,
    }
    return render(request, "quality/supervision_list.html", context)


@capability_required("can_record_supervision_visit")
@require_http_methods(["GET", "POST"])
def supervision_create(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    own = selectors.clinic_doctors(clinic=request.clinic).filter(user=request.user).first()
    initial = {"visited_on": timezone.localdate(), "doctor": own.pk if own else None}
    form = SupervisionVisitForm(request.POST if posted else None, clinic=request.clinic, initial=initial)
    if posted and form.is_valid():
        try:
            services.supervision_visit_record(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The visit is recorded."))
            return redirect("quality:supervision-list")
    context = {"form": form, "has_doctors": form.fields["doctor"].queryset.exists()}
    return render(request, "quality/supervision_form.html", context, status=form_status(form))
