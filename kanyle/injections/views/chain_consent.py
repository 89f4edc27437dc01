"""Pages for consent (record, withdraw, signature, text versions), the patient declining, and the drug order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.core.forms import add_service_error as error_on_fields
from kanyle.injections import rules
from kanyle.injections.forms_chain import (
    ConsentForm,
    ConsentTextForm,
    OrderCancelForm,
    OrderForm,
    ReasonForm,
)
from kanyle.injections.models import (
    Consent,
    ConsentText,
    DrugOrder,
    InjectionEpisode,
)
from kanyle.injections.services import chain_consent as services
from kanyle.injections.views.chain_common import _episode_or_404, _episode_url, _step_page, _viewed
from kanyle.injections.views.common import submitted
from kanyle.journal.views.common import chart_gate, practitioner_for

# Consent (INJ-D3, LAW-C) ------------------------------------------------------------------------------


@capability_required("can_assess_injection")
@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    ie = _episode_or_404(request, pk)
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    text = services.consent_text_current(request.clinic, request.user)
    form = ConsentForm(
        request.POST if request.method == "POST" else None, clinic=request.clinic, initial={"text": text.pk}
    )
    if submitted(
        request,
        form,
        lambda: services.consent_record(
            actor=Actor.from_request(request),
            practitioner=practitioner_for(request),
            episode=ie,
            consent=form.save(commit=False),
            signature_png=form.signature_png,
        ),
        add_error=error_on_fields,
    ):
        messages.success(request, _("The patient's consent is recorded."))
        return redirect(_episode_url(ie))
    if request.method == "GET":
        _viewed(request, ie, "consent form")
    return _step_page(request, "consent_form.html", ie, form, text=text, assessment=rules.current_assessment(ie))


def _episode_end(
    request: HttpRequest,
    pk: int,
    *,
    end: Callable[..., Any],
    success: str,
    template: str,
    context: Callable[[InjectionEpisode], dict] = lambda ie: {},
) -> HttpResponse:
    """The patient stops the episode (withdraws consent, declines), with the reason in the record."""
    ie = _episode_or_404(request, pk)
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if submitted(
        request,
        form,
        lambda: end(
            actor=Actor.from_request(request),
            practitioner=practitioner_for(request),
            episode=ie,
            reason=form.cleaned_data["reason"],
        ),
        add_error=error_on_fields,
    ):
        messages.success(request, success)
        return redirect(_episode_url(ie))
    return _step_page(request, template, ie, form, **context(ie))


@capability_required("can_write_journal")
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """LAW-C: the patient withdraws consent; the episode stops."""
    return _episode_end(
        request,
        pk,
        end=services.consent_withdraw,
        success=_("The withdrawal is recorded. The episode is stopped."),
        template="consent_withdraw.html",
        context=lambda ie: {"consent": rules.current_consent(ie)},
    )


@capability_required("can_view_injections")
def consent_signature(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's on-screen signature as a PNG, to those with access to the chart; every view is logged."""
    consent = clinic_object_or_404(Consent.objects.select_related("episode__patient"), request, pk=pk)
    patient = consent.episode.patient
    if (gate := chart_gate(request, patient)) is not None:
        return gate
    if not consent.signature_png:
        raise Http404
    audit_record(
        actor=Actor.from_request(request), action="injections.consent.signature_viewed", patient=patient, target=consent
    )
    response = HttpResponse(bytes(consent.signature_png), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@capability_required("can_assess_injection")
@require_http_methods(["GET", "POST"])
def consent_text_create(request: HttpRequest) -> HttpResponse:
    """A doctor publishes a new version of the clinic's consent text (LAW-C); earlier versions are kept."""
    current = services.consent_text_current(request.clinic, request.user)
    form = ConsentTextForm(
        request.POST if request.method == "POST" else None, initial={"title": current.title, "body": current.body}
    )
    if request.method == "POST" and form.is_valid():
        try:
            text = services.consent_text_create(
                actor=Actor.from_request(request),
                practitioner=practitioner_for(request),
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            error_on_fields(form, error)
        else:
            messages.success(request, _("Version %(v)s of the consent text is published.") % {"v": text.version})
            back = request.GET.get("episode", "")
            if back.isdigit() and InjectionEpisode.objects.filter(clinic=request.clinic, pk=back).exists():
                return redirect("injections:consent-create", pk=int(back))
            return redirect("injections:consent-text-create")
    versions = ConsentText.objects.filter(clinic=request.clinic).select_related("created_by").order_by("-version")
    return render(
        request,
        "injections/consent_text_form.html",
        {"form": form, "current": current, "versions": versions},
        status=400 if form.errors else 200,
    )


@capability_required("can_write_journal")
@require_http_methods(["GET", "POST"])
def episode_exit(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient declines the treatment: the episode ends with the reason."""
    return _episode_end(
        request,
        pk,
        end=services.episode_exit,
        success=_("The episode is ended: the patient declines."),
        template="episode_exit.html",
    )


# The drug order (INJ-D4, LAW-M, INJ-G3) -----------------------------------------------------------------


@capability_required("can_order_drugs")
@require_http_methods(["GET", "POST"])
def order_create(request: HttpRequest, pk: int) -> HttpResponse:
    ie = _episode_or_404(request, pk)
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    assessment = rules.current_assessment(ie)
    form = OrderForm(request.POST if request.method == "POST" else None, clinic=request.clinic, assessment=assessment)
    if submitted(
        request,
        form,
        lambda: services.order_sign(
            actor=Actor.from_request(request),
            practitioner=practitioner_for(request),
            episode=ie,
            order=form.save(commit=False),
        ),
        add_error=error_on_fields,
    ):
        messages.success(request, _("The drug order is signed."))
        return redirect(_episode_url(ie))
    if request.method == "GET":
        _viewed(request, ie, "order form")
    return _step_page(
        request,
        "order_form.html",
        ie,
        form,
        assessment=assessment,
        consent=rules.current_consent(ie),
        drugs=form.fields["drug"].queryset,
    )


@capability_required("can_order_drugs")
@require_http_methods(["GET", "POST"])
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """INJ-D4: the doctor cancels the order with a reason; there is no way to edit an order."""
    order = clinic_object_or_404(DrugOrder.objects.select_related("episode", "drug", "doctor__user"), request, pk=pk)
    ie = _episode_or_404(request, order.episode_id)
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    if practitioner_for(request) is None:
        raise PermissionDenied("no practitioner profile")
    form = OrderCancelForm(request.POST if request.method == "POST" else None)
    if submitted(
        request,
        form,
        lambda: services.order_cancel(
            actor=Actor.from_request(request),
            practitioner=practitioner_for(request),
            order=order,
            reason=form.cleaned_data["reason"],
        ),
        add_error=error_on_fields,
    ):
        messages.success(request, _("The order is cancelled. You can sign a new order."))
        return redirect(_episode_url(ie))
    return _step_page(request, "order_cancel.html", ie, form, order=order)
