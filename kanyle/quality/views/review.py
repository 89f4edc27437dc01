"""The management review (ledelsens gjennomgang, LAW-Q §8–§9): the facts assembled for a period, the
manager's evaluation and decisions, signed and kept as a PDF.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.quality.forms.safety import ReviewForm
from kanyle.quality.models import ManagementReview
from kanyle.quality.selectors import review as selectors
from kanyle.quality.services import review as services
from kanyle.quality.views.deviations import add_service_error, form_status, posted


@capability_required("can_view_compliance")
def review_list(request: HttpRequest) -> HttpResponse:
    return render(request, "quality/review_list.html", {"reviews": selectors.review_list(clinic=request.clinic)})


def _date_param(request: HttpRequest, name: str, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


@capability_required("can_do_management_review")
def review_create(request: HttpRequest) -> HttpResponse:
    """Assemble the facts for the period (the last twelve months unless chosen), then evaluate and sign."""
    today = timezone.localdate()
    end = _date_param(request, "til", today)
    start = _date_param(request, "fra", end.replace(year=end.year - 1) + datetime.timedelta(days=1))
    form = ReviewForm(posted(request), initial={"period_start": start, "period_end": end})
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_sign(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The management review is signed and saved as PDF."))
            return redirect("quality:review-detail", pk=review.pk)
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["period_start"], form.cleaned_data["period_end"]
    valid_period = start <= end <= today
    facts = (
        selectors.review_facts(clinic=request.clinic, start=start, end=end, at=timezone.now()) if valid_period else {}
    )
    context = services.review_context(review=None, facts=facts, clinic=request.clinic)
    context.update({"form": form, "start": start, "end": end})
    return render(request, "quality/review_form.html", context, status=form_status(request, form))


@capability_required("can_view_compliance")
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = clinic_object_or_404(ManagementReview.objects.select_related("signed_by"), request, pk=pk)
    return render(
        request,
        "quality/review_detail.html",
        services.review_context(review=review, facts=review.facts, clinic=request.clinic),
    )


@capability_required("can_view_compliance")
def review_pdf(request: HttpRequest, pk: int) -> FileResponse:
    review = clinic_object_or_404(ManagementReview, request, pk=pk)
    if not review.pdf:
        raise Http404
    response = FileResponse(review.pdf.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ledelsensgjennomgang-{review.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
