"""Referrals (henvisninger): register one, triage them on the clinic's worklist, decide, read the letter.

INJ-G1: the clinic takes referrals from GPs and other health personnel; NAL-8: needle treatment needs none,
so a self-referral is recorded without a referrer. Referrals carry clinical reasons, so every page that
shows one is logged (LAW-J).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kanyle.audit.services import Actor, audit_record, audit_record_many
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.core.forms import add_service_error
from kanyle.journal import selectors, services
from kanyle.journal.forms.referrals import ReferralDecisionForm, ReferralFilterForm, ReferralForm
from kanyle.journal.models import Referral, ReferralSource, ReferralStatus
from kanyle.journal.views.common import patient_or_404

PAGE_SIZE = 25

DECIDED_MESSAGES = {
    ReferralStatus.ACCEPTED: gettext_lazy("The referral is accepted."),
    ReferralStatus.DECLINED: gettext_lazy("The referral is declined."),
    ReferralStatus.COMPLETED: gettext_lazy("The referral is marked as completed."),
}


def _status(form: BaseForm) -> int:
    return 400 if form.errors else 200


@capability_required("can_manage_referrals")
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_or_404(request, patient_id)
    posted = request.method == "POST"
    form = ReferralForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        patient=patient,
        today=timezone.localdate(),
    )
    if posted and form.is_valid():
        try:
            referral = services.referral_create(
                actor=Actor.from_request(request),
                patient=patient,
                referral=form.save(commit=False),
                document=form.cleaned_data["document"] or None,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The referral is registered."))
            return redirect("journal:referral-detail", pk=referral.pk)
    return render(request, "journal/referral_form.html", {"form": form, "patient": patient}, status=_status(form))


@capability_required("can_manage_referrals")
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    form = ReferralFilterForm(request.GET)
    valid = form.is_valid()
    referrals = Referral.objects.none()
    if valid:
        statuses = form.statuses()
        referrals = selectors.referral_worklist(clinic=request.clinic, status=None)
        if statuses is not None:
            referrals = referrals.filter(status__in=statuses)
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("side"))
    # Every patient whose name appears on screen is logged as listed, once per page (LAW-J).
    audit_record_many(
        actor=Actor.from_request(request),
        action="patients.patient.listed",
        patients=list(dict.fromkeys(referral.patient for referral in page.object_list)),
        detail="referrals",
    )
    context = {"form": form, "page": page, "status": form.cleaned_data.get("status", "") if valid else ""}
    template = "journal/_referral_worklist.html" if request.htmx else "journal/referral_list.html"
    return render(request, template, context, status=200 if valid else 400)


@capability_required("can_manage_referrals")
@require_http_methods(["GET", "POST"])
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = clinic_object_or_404(
        Referral.objects.select_related("patient", "decided_by", "created_by"), request, pk=pk
    )
    actor = Actor.from_request(request)
    posted = request.method == "POST"
    form = ReferralDecisionForm(request.POST if posted else None)
    if posted and form.is_valid():
        status = form.cleaned_data["decision"]
        try:
            services.referral_decide(
                actor=actor, referral=referral, status=status, decline_reason=form.cleaned_data["decline_reason"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, DECIDED_MESSAGES[status])
            return redirect("journal:referral-detail", pk=referral.pk)
    audit_record(actor=actor, action="journal.referral.viewed", patient=referral.patient, target=referral)
    context = {
        "referral": referral,
        "patient": referral.patient,
        "form": form,
        "episodes": referral.episodes.select_related("responsible__user").order_by("-started_on", "-id"),
        "can_accept": referral.status == ReferralStatus.RECEIVED,
        "can_complete": referral.status == ReferralStatus.ACCEPTED,
        "can_decline": referral.status in (ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED),
        "from_gp": referral.source == ReferralSource.GP,
    }
    return render(request, "journal/referral_detail.html", context, status=_status(form))


@capability_required("can_manage_referrals")
@require_GET
def referral_document(request: HttpRequest, pk: int) -> FileResponse:
    referral = clinic_object_or_404(Referral.objects.select_related("patient"), request, pk=pk)
    if not referral.document:
        raise Http404
    try:
        handle = referral.document.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit_record(
        actor=Actor.from_request(request),
        action="journal.referral.document_viewed",
        patient=referral.patient,
        target=referral,
    )
    response = FileResponse(handle, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="henvisning-{referral.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
