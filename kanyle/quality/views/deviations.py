"""Deviations (avvik): anyone reports; the clinic manager and the responsible doctor assess, decide
measures, and close (INJ-V3, INJ-V5, LAW-Q §7–§9). Side effects arrive here from the record (NAL-7).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required, clinic_object_or_404, has_capability
from kanyle.patients.models import Patient
from kanyle.quality.forms.safety import DeviationAssessForm, DeviationCloseForm, DeviationReportForm, MeasureForm
from kanyle.quality.models import Deviation, DeviationCategory, DeviationMeasure, DeviationStatus
from kanyle.quality.rules.safety import notification_authorities
from kanyle.quality.selectors import deviations as selectors
from kanyle.quality.services import deviations as services

PAGE_SIZE = 25
CHART_MONTHS = (6, 12, 24)
# Presentation colours of the chart, one per category (text labels carry the meaning as well).
CATEGORY_COLOURS = {
    DeviationCategory.NEEDLING_SIDE_EFFECT: "#0b5d6b",
    DeviationCategory.INJECTION_REACTION: "#a61f1a",
    DeviationCategory.MEDICATION: "#b07a00",
    DeviationCategory.EQUIPMENT: "#1d4f86",
    DeviationCategory.DOCUMENTATION: "#5b8bc4",
    DeviationCategory.PRIVACY: "#6b4fa0",
    DeviationCategory.COMPETENCE: "#3f9a5a",
    DeviationCategory.OTHER: "#7a8896",
}


def posted(request: HttpRequest) -> Any:
    """The posted data, also when empty: an empty POST is a refused form (400), not a fresh one."""
    return request.POST if request.method == "POST" else None


def form_status(request: HttpRequest, form: BaseForm) -> int:
    """400 when a posted form is refused, so clients and tests see that nothing was saved."""
    return 400 if request.method == "POST" and form.errors else 200


def add_service_error(form: BaseForm, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _handles(request: HttpRequest) -> bool:
    return has_capability(request.membership.role, "can_handle_deviations")


def _deviation_or_404(request: HttpRequest, pk: int) -> Deviation:
    try:
        return selectors.deviation_detail(clinic=request.clinic, pk=pk)
    except (Deviation.DoesNotExist, ValueError):
        raise Http404 from None


# The chart --------------------------------------------------------------------------------------


def deviation_chart(statistics: selectors.DeviationStatistics) -> dict[str, Any]:
    """A stacked bar per month, one colour per category, as SVG coordinates (presentation attributes only)."""
    width, height = 720, 240
    left, right, top, bottom = 36, 8, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([statistics.month_total(m) for m in statistics.months] + [1])
    step = max(1, -(-highest // 4))
    scale_top = step * -(-highest // step)
    slot = plot_w / len(statistics.months)
    bar_w = slot * 0.62
    bars = []
    for index, month in enumerate(statistics.months):
        x = left + index * slot + (slot - bar_w) / 2
        y = top + plot_h
        segments = []
        for value, label in statistics.categories:
            n = statistics.count(month, value)
            if not n:
                continue
            h = plot_h * n / scale_top
            y -= h
            segments.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "w": round(bar_w, 1),
                    "h": round(h, 1),
                    "n": n,
                    "label": label,
                    "colour": CATEGORY_COLOURS.get(value, "#7a8896"),
                }
            )
        bars.append(
            {
                "month": month,
                "total": statistics.month_total(month),
                "segments": segments,
                "cells": [statistics.count(month, value) for value, _label in statistics.categories],
                "label_x": round(x + bar_w / 2, 1),
                "total_y": round(y - 4, 1),
            }
        )
    ticks = [
        {"value": value, "y": round(top + plot_h - plot_h * value / scale_top, 1)}
        for value in range(0, scale_top + 1, step)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "base_y": top + plot_h,
        "label_y": height - 10,
        "bars": bars,
        "ticks": ticks,
        "legend": [
            {
                "label": label,
                "colour": CATEGORY_COLOURS.get(value, "#7a8896"),
                "total": statistics.category_total(value),
            }
            for value, label in statistics.categories
        ],
        "statistics": statistics,
    }


def _chart_context(request: HttpRequest) -> dict[str, Any]:
    try:
        months = int(request.GET.get("maneder", 12))
    except ValueError:
        months = 12
    months = months if months in CHART_MONTHS else 12
    statistics = selectors.deviation_statistics(clinic=request.clinic, end=timezone.localdate(), months=months)
    return {"chart": deviation_chart(statistics), "chart_months": months, "chart_choices": CHART_MONTHS}


# Views ------------------------------------------------------------------------------------------


@capability_required("can_report_deviation")
def deviation_list(request: HttpRequest) -> HttpResponse:
    """The deviation log: everything for those who handle deviations (with statistics), else one's own."""
    sees_all = _handles(request)
    if request.htmx and "maneder" in request.GET and sees_all:
        return render(request, "quality/_deviation_chart.html", _chart_context(request))
    status = request.GET.get("status", "")
    status = status if status in ("open", *DeviationStatus.values) else ""
    page = Paginator(
        selectors.deviation_list(clinic=request.clinic, user=request.user, sees_all=sees_all, status=status), PAGE_SIZE
    ).get_page(request.GET.get("side"))
    context = {"page": page, "status": status, "sees_all": sees_all, "statuses": DeviationStatus.choices}
    if sees_all:
        context.update(_chart_context(request))
    return render(request, "quality/deviation_list.html", context)


def _patient_from_query(request: HttpRequest) -> Patient | None:
    """A report started from a patient's page carries the patient (only for roles that see patients)."""
    patient_id = request.GET.get("pasient")
    if not patient_id or not has_capability(request.membership.role, "can_view_patients"):
        return None
    return clinic_object_or_404(Patient, request, pk=patient_id)


@capability_required("can_report_deviation")
def deviation_create(request: HttpRequest) -> HttpResponse:
    patient = _patient_from_query(request)
    form = DeviationReportForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            deviation = services.deviation_report(
                actor=Actor.from_request(request), patient=patient, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Thank you. The deviation is reported."))
            return redirect("quality:deviation-detail", pk=deviation.pk)
    return render(
        request, "quality/deviation_form.html", {"form": form, "patient": patient}, status=form_status(request, form)
    )


def _source_link(request: HttpRequest, deviation: Deviation) -> str:
    """Where an automatic report came from: the equipment check, or the patient's record for clinicians."""
    kind, _sep, object_id = deviation.source.partition(":")
    if kind == "quality.check" and object_id.isdigit():
        return reverse("quality:check-detail", args=[int(object_id)])
    if deviation.patient_id and has_capability(request.membership.role, "can_view_journal"):
        return reverse("journal:chart", args=[deviation.patient_id])
    return ""


def _detail_context(request: HttpRequest, deviation: Deviation, **extra: Any) -> dict[str, Any]:
    shows_patient = deviation.patient_id is not None and has_capability(request.membership.role, "can_view_patients")
    handles = _handles(request)
    context = {
        "deviation": deviation,
        "measures": list(deviation.measures.all()),
        "shows_patient": shows_patient,
        "source_link": _source_link(request, deviation),
        "authorities": notification_authorities(category=deviation.category, severity=deviation.severity),
        "handles": handles,
        "today": timezone.localdate(),
    }
    if handles and deviation.status != DeviationStatus.CLOSED:
        context.setdefault("measure_form", MeasureForm(clinic=request.clinic, prefix="measure"))
        context.setdefault("close_form", DeviationCloseForm(prefix="close"))
    context.update(extra)
    return context


def _audit_patient_read(request: HttpRequest, deviation: Deviation, shows_patient: bool) -> None:
    if shows_patient:
        audit_record(
            actor=Actor.from_request(request),
            action="quality.deviation.viewed",
            patient=deviation.patient,
            target=deviation,
        )


@capability_required("can_report_deviation")
def deviation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter and the clinic's management open a deviation; other colleagues go back to their own list."""
    deviation = _deviation_or_404(request, pk)
    if not _handles(request) and deviation.reported_by_id != request.user.pk:
        messages.info(request, _("Only the person who reported a deviation and the clinic's management can open it."))
        return redirect("quality:deviation-list")
    context = _detail_context(request, deviation)
    _audit_patient_read(request, deviation, context["shows_patient"])
    return render(request, "quality/deviation_detail.html", context)


@capability_required("can_handle_deviations")
def deviation_assess(request: HttpRequest, pk: int) -> HttpResponse:
    deviation = _deviation_or_404(request, pk)
    initial = {
        "responsible": deviation.responsible_id or request.user.pk,
        "cause": deviation.cause,
        "notification_required": deviation.notification_required,
        "notified_on": deviation.notified_on,
    }
    form = DeviationAssessForm(posted(request), clinic=request.clinic, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.deviation_assess(actor=Actor.from_request(request), deviation=deviation, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The assessment is saved."))
            return redirect("quality:deviation-detail", pk=deviation.pk)
    return render(
        request,
        "quality/deviation_assess.html",
        {
            "form": form,
            "deviation": deviation,
            "authorities": notification_authorities(category=deviation.category, severity=deviation.severity),
        },
        status=form_status(request, form),
    )


@capability_required("can_handle_deviations")
def measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    deviation = _deviation_or_404(request, pk)
    form = MeasureForm(posted(request), clinic=request.clinic, prefix="measure")
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_create(actor=Actor.from_request(request), deviation=deviation, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The measure is added."))
            return redirect("quality:deviation-detail", pk=deviation.pk)
    return render(
        request,
        "quality/deviation_measure_form.html",
        {"form": form, "deviation": deviation},
        status=form_status(request, form),
    )


@capability_required("can_handle_deviations")
@require_POST
def measure_done(request: HttpRequest, pk: int) -> HttpResponse:
    measure = clinic_object_or_404(DeviationMeasure.objects.select_related("deviation"), request, pk=pk)
    try:
        services.measure_done(actor=Actor.from_request(request), measure=measure)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The measure is marked as done."))
    return redirect("quality:deviation-detail", pk=measure.deviation_id)


@capability_required("can_handle_deviations")
def deviation_close(request: HttpRequest, pk: int) -> HttpResponse:
    deviation = _deviation_or_404(request, pk)
    form = DeviationCloseForm(posted(request), prefix="close")
    if request.method == "POST" and form.is_valid():
        try:
            services.deviation_close(
                actor=Actor.from_request(request),
                deviation=deviation,
                closing_summary=form.cleaned_data["closing_summary"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The deviation is closed."))
            return redirect("quality:deviation-detail", pk=deviation.pk)
    return render(
        request,
        "quality/deviation_close.html",
        {"form": form, "deviation": deviation, "measures": list(deviation.measures.all())},
        status=form_status(request, form),
    )
