"""Side effects and follow-ups (NAL-7), and TENS devices lent for home use (NAL-12)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kanyle.audit.services import Actor, audit_record_many
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.core.forms import add_service_error as add_error
from kanyle.needling import selectors
from kanyle.needling.forms import FollowUpDoneForm, LoanForm, LoanReturnForm, SideEffectForm
from kanyle.needling.models import FollowUp, TensLoan
from kanyle.needling.services import safety as services
from kanyle.needling.views.common import (
    chart_gate,
    course_url,
    plan_or_404,
    practitioner_or_403,
    session_or_404,
    session_url,
)


def _refused(request: HttpRequest, title: str, error: str, back: str) -> HttpResponse:
    """A refused small action (a button, no form page): the reason, and the way back; nothing was saved."""
    return render(request, "needling/refused.html", {"title": title, "error": error, "back": back}, status=400)


@capability_required("can_write_journal")
@require_http_methods(["GET", "POST"])
def side_effect_create(request: HttpRequest, pk: int) -> HttpResponse:
    """NAL-7: record a side effect during or after a session; a serious one becomes a deviation."""
    session = session_or_404(request, pk)
    if (gate := chart_gate(request, session.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    form = SideEffectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            effect = services.side_effect_record(
                actor=Actor.from_request(request),
                practitioner=practitioner,
                session=session,
                side_effect=form.save(commit=False),
                follow_up_on=form.cleaned_data.get("follow_up_on"),
                follow_up_task=form.cleaned_data.get("follow_up_task") or "",
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            if effect.deviation_id:
                messages.warning(
                    request,
                    _("The side effect is recorded, reported as deviation no. %(id)s, and a follow-up is set up.")
                    % {"id": effect.deviation_id},
                )
            else:
                messages.success(request, _("The side effect is recorded."))
            return redirect(session_url(session.pk))
    return render(
        request,
        "needling/side_effect_form.html",
        {"form": form, "session": session, "patient": session.patient},
        status=400 if form.errors else 200,
    )


@capability_required("can_view_journal")
def follow_up_list(request: HttpRequest) -> HttpResponse:
    """NAL-7: the clinic's open follow-ups after side effects; the patients shown are logged."""
    follow_ups = list(selectors.open_follow_ups(clinic=request.clinic)[:200])
    audit_record_many(
        actor=Actor.from_request(request),
        action="needling.followup.listed",
        patients={f.patient_id: f.patient for f in follow_ups}.values(),
    )
    return render(
        request,
        "needling/follow_up_list.html",
        {"follow_ups": follow_ups, "today": timezone.localdate(), "form": FollowUpDoneForm()},
    )


@capability_required("can_write_journal")
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = clinic_object_or_404(FollowUp.objects.select_related("patient", "side_effect__session"), request, pk=pk)
    if (gate := chart_gate(request, follow_up.patient)) is not None:
        return gate
    practitioner_or_403(request)
    form = FollowUpDoneForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.follow_up_complete(
                actor=Actor.from_request(request), follow_up=follow_up, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    back = reverse("needling:follow-up-list") if request.POST.get("next") == "list" else None
    back = back or session_url(follow_up.side_effect.session_id)
    if error:
        return _refused(request, _("The follow-up was not saved"), error, back)
    messages.success(request, _("The follow-up is done."))
    return redirect(back)


@capability_required("can_record_needling")
@require_http_methods(["GET", "POST"])
def loan_create(request: HttpRequest, pk: int) -> HttpResponse:
    """NAL-12: a TENS device for home use, with a return date."""
    plan = plan_or_404(request, pk)
    if (gate := chart_gate(request, plan.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    today = timezone.localdate()
    form = LoanForm(
        request.POST if request.method == "POST" else None,
        initial={"lent_on": today, "due_on": today + datetime.timedelta(days=28)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.loan_create(
                actor=Actor.from_request(request), practitioner=practitioner, plan=plan, loan=form.save(commit=False)
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The loan is registered."))
            return redirect(course_url(plan.episode_id))
    return render(
        request,
        "needling/loan_form.html",
        {"form": form, "plan": plan, "episode": plan.episode, "patient": plan.patient},
        status=400 if form.errors else 200,
    )


@capability_required("can_record_needling")
@require_POST
def loan_return(request: HttpRequest, pk: int) -> HttpResponse:
    loan = clinic_object_or_404(TensLoan.objects.select_related("patient", "plan"), request, pk=pk)
    if (gate := chart_gate(request, loan.patient)) is not None:
        return gate
    practitioner_or_403(request)
    form = LoanReturnForm(request.POST)
    back = course_url(loan.plan.episode_id)
    if not form.is_valid():
        return _refused(request, _("The return was not saved"), _("Give the date the device came back."), back)
    try:
        services.loan_return(actor=Actor.from_request(request), loan=loan, returned_on=form.cleaned_data["returned_on"])
    except ValidationError as error:
        return _refused(request, _("The return was not saved"), " ".join(error.messages), back)
    messages.success(request, _("The device is registered as returned."))
    return redirect(back)
