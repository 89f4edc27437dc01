"""The needle-treatment course of an episode: assessment (NAL-11), plan and shared decision (NAL-1, NAL-6),
screening, the outcome chart, and the end of the course."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required
from kanyle.core.forms import add_service_error as add_error
from kanyle.needling import rules, selectors
from kanyle.needling.forms import AssessmentForm, CourseEndForm, DecisionForm, PlanForm, ScreeningForm
from kanyle.needling.models import PlanGoal, SessionKind
from kanyle.needling.services import plans as services
from kanyle.needling.views.common import (
    chart_gate,
    course_url,
    episode_or_404,
    plan_or_404,
    practitioner_for,
    practitioner_or_403,
)
from kanyle.outcomes.charts import outcome_chart


def _chart_for(course: selectors.Course):
    targets = {goal.item_key: goal.target for goal in course.plan.goals.all()} if course.plan else {}
    return outcome_chart(course.measurements, targets=targets)


def _start_decisions(request: HttpRequest, course: selectors.Course, flags: list) -> dict[str, object]:
    """Whether the user could start a needle or a TENS session now, and if not, why (NAL-1, NAL-2, NAL-12)."""
    state = course.screening or selectors.ScreeningState(None)
    common = {
        "plan": course.plan,
        "practitioner": practitioner_for(request),
        "screening": state.screening,
        "screened_flag_ids": state.flag_ids,
        "items": state.items,
        "flags": flags,
        "on": timezone.localdate(),
    }
    return {kind: rules.session_can_start(kind=kind, **common) for kind in SessionKind.values}


def _form_viewed(request: HttpRequest, episode, detail: str) -> None:
    """Opening a course form shows the record (risk flags, goals): a read of patient data (LAW-J)."""
    audit_record(
        actor=Actor.from_request(request),
        action="needling.course.viewed",
        patient=episode.patient,
        target=episode,
        detail=detail,
    )


@capability_required("can_view_journal")
def course(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = episode_or_404(request, episode_id)
    patient = episode.patient
    if (gate := chart_gate(request, patient)) is not None:
        return gate
    data = selectors.course_detail(clinic=request.clinic, episode=episode)
    flags = selectors.active_flags(patient=patient)
    audit_record(actor=Actor.from_request(request), action="needling.course.viewed", patient=patient, target=episode)
    return render(
        request,
        "needling/course.html",
        {
            "episode": episode,
            "patient": patient,
            "course": data,
            "risk_flags": flags,
            "chart": _chart_for(data),
            "start": _start_decisions(request, data, flags) if data.plan else {},
            "time_limit": request.clinic.needle_time_limit_minutes,
        },
    )


@capability_required("can_view_journal")
def outcome_chart_partial(request: HttpRequest, episode_id: int) -> HttpResponse:
    """The chart alone, for the journal's episode page (loaded with htmx)."""
    episode = episode_or_404(request, episode_id)
    if (gate := chart_gate(request, episode.patient)) is not None:
        return gate
    data = selectors.course_detail(clinic=request.clinic, episode=episode)
    audit_record(
        actor=Actor.from_request(request), action="outcomes.chart.viewed", patient=episode.patient, target=episode
    )
    return render(request, "needling/_outcome_chart_card.html", {"episode": episode, "chart": _chart_for(data)})


@capability_required("can_record_needling")
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = episode_or_404(request, episode_id)
    if (gate := chart_gate(request, episode.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    first = selectors.latest_assessment(clinic=request.clinic, episode=episode) is None
    form = AssessmentForm(request.POST if request.method == "POST" else None, first=first)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_create(
                actor=Actor.from_request(request),
                practitioner=practitioner,
                episode=episode,
                assessment=form.save(commit=False),
                pain_now=form.cleaned_data.get("pain_now"),
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The assessment is saved."))
            return redirect(course_url(episode.pk))
    return render(
        request,
        "needling/assessment_form.html",
        {"form": form, "episode": episode, "patient": episode.patient},
        status=400 if form.errors else 200,
    )


@capability_required("can_record_needling")
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = episode_or_404(request, episode_id)
    if (gate := chart_gate(request, episode.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    assessment = selectors.latest_assessment(clinic=request.clinic, episode=episode)
    form = PlanForm(request.POST if request.method == "POST" else None, initial={"planned_sessions": 6})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_create(
                actor=Actor.from_request(request),
                practitioner=practitioner,
                episode=episode,
                plan=form.save(commit=False),
                goals=[PlanGoal(**goal) for goal in data["goals"]],
                discussed=data["discussed"],
                patient_view=data["patient_view"],
                agreed=data["agreed"],
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect(course_url(episode.pk))
    if request.method == "GET":
        _form_viewed(request, episode, "plan form")
    return render(
        request,
        "needling/plan_form.html",
        {
            "form": form,
            "episode": episode,
            "patient": episode.patient,
            "assessment": assessment,
            "missing": rules.plan_can_be_made(assessment=assessment),
        },
        status=400 if form.errors else 200,
    )


@capability_required("can_record_needling")
@require_http_methods(["GET", "POST"])
def plan_decision(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    if (gate := chart_gate(request, plan.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    initial = {"discussed": plan.discussed, "patient_view": plan.patient_view, "agreed": plan.agreed}
    form = DecisionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_decide(
                actor=Actor.from_request(request), practitioner=practitioner, plan=plan, **form.cleaned_data
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The shared decision is saved."))
            return redirect(course_url(plan.episode_id))
    if request.method == "GET":
        _form_viewed(request, plan.episode, "")
    return render(
        request,
        "needling/decision_form.html",
        {"form": form, "plan": plan, "episode": plan.episode, "patient": plan.patient},
        status=400 if form.errors else 200,
    )


@capability_required("can_record_needling")
@require_http_methods(["GET", "POST"])
def screening_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    if (gate := chart_gate(request, plan.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    flags = selectors.active_flags(patient=plan.patient)
    flagged: dict[str, list[str]] = {}
    for flag in rules.relevant_flags(flags):
        flagged.setdefault(rules.RISK_CAUTIONS[flag.kind], []).append(str(flag))
    form = ScreeningForm(request.POST if request.method == "POST" else None, flagged=flagged)
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_create(
                actor=Actor.from_request(request), practitioner=practitioner, plan=plan, answers=form.answers()
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The screening is saved."))
            return redirect(course_url(plan.episode_id))
    if request.method == "GET":
        # The form shows the patient's risk flags: a read of the record (LAW-J).
        _form_viewed(request, plan.episode, "screening form")
    return render(
        request,
        "needling/screening_form.html",
        {"form": form, "plan": plan, "episode": plan.episode, "patient": plan.patient, "risk_flags": flags},
        status=400 if form.errors else 200,
    )


@capability_required("can_record_needling")
@require_http_methods(["GET", "POST"])
def course_complete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    if (gate := chart_gate(request, plan.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    goals = list(plan.goals.all())
    form = CourseEndForm(
        request.POST if request.method == "POST" else None, goals=goals, initial={"completed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.course_complete(
                actor=Actor.from_request(request),
                practitioner=practitioner,
                plan=plan,
                pgic=data["pgic"],
                pain_now=data.get("pain_now"),
                psfs=form.psfs_values(),
                completed_on=data["completed_on"],
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(request, _("The course is completed."))
            return redirect(course_url(plan.episode_id))
    if request.method == "GET":
        _form_viewed(request, plan.episode, "end of course form")
    return render(
        request,
        "needling/course_end_form.html",
        {"form": form, "plan": plan, "episode": plan.episode, "patient": plan.patient},
        status=400 if form.errors else 200,
    )
