"""Pages that open the chain: the worklist, the start, the episode page, the ultrasound exam and the assessment."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kanyle.audit.services import Actor, audit_record, audit_record_many
from kanyle.clinics.access import capability_required, clinic_object_or_404, has_capability
from kanyle.core.decisions import Decision
from kanyle.core.forms import add_service_error as error_on_fields
from kanyle.injections import rules
from kanyle.injections.forms_chain import (
    AssessmentForm,
    EpisodeFilterForm,
    EpisodeStartForm,
    ExamForm,
)
from kanyle.injections.models import (
    EXITS,
    FINAL,
    PATH,
    Assessment,
    Consent,
    DrugOrder,
    InjectionEpisode,
    Procedure,
    ProcedureStatus,
    ProcedureType,
    Status,
    UltrasoundExam,
)
from kanyle.injections.models import Decision as AssessmentDecision
from kanyle.injections.services import chain_start as services
from kanyle.injections.views.chain_common import _episode_or_404, _episode_url, _step_page, _viewed
from kanyle.injections.views.common import submitted
from kanyle.journal.models import Attachment, Referral, ReferralStatus
from kanyle.journal.views.common import chart_gate, patient_or_404, practitioner_for
from kanyle.patients.models import RiskFlag

EPISODE_LIST_LIMIT = 200
LIVE_PROCEDURE = (ProcedureStatus.IN_PROGRESS, ProcedureStatus.OBSERVATION, ProcedureStatus.COMPLETED)


def _risk_flags(patient: Any) -> list[RiskFlag]:
    return list(RiskFlag.objects.filter(patient=patient, resolved_at__isnull=True).order_by("kind"))


# Worklist and start -------------------------------------------------------------------------------------


@capability_required("can_view_injections")
def episode_list(request: HttpRequest) -> HttpResponse:
    """The clinic's injection episodes; the user's own (as doctor or physio) first."""
    form = EpisodeFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    episodes = InjectionEpisode.objects.filter(clinic=request.clinic).select_related(
        "patient", "episode", "doctor__user", "physio__user"
    )
    if status == "all":
        pass
    elif status:
        episodes = episodes.filter(status=status)
    else:
        episodes = episodes.exclude(status__in=[s.value for s in FINAL])
    practitioner = practitioner_for(request)
    mine = Q(doctor=practitioner) | Q(physio=practitioner) if practitioner else Q(pk__in=[])
    episodes = list(
        episodes.annotate(mine=Case(When(mine, then=Value(0)), default=Value(1), output_field=IntegerField())).order_by(
            "mine", "-status_changed_at", "-id"
        )[:EPISODE_LIST_LIMIT]
    )
    audit_record_many(
        actor=Actor.from_request(request),
        action="injections.episode.listed",
        patients={ie.patient_id: ie.patient for ie in episodes}.values(),
    )
    return render(
        request, "injections/episode_list.html", {"episodes": episodes, "form": form, "limit": EPISODE_LIST_LIMIT}
    )


def _gp_check(request: HttpRequest, patient: Any) -> Decision:
    """INJ-G4 alone, shown before the form: the rule's other findings depend on what is chosen."""
    decision = rules.episode_start_allowed(clinic=request.clinic, patient=patient, referral=None, doctor=None)
    return Decision(tuple(f for f in decision.findings if f.rule == "INJ-G4"))


@capability_required("can_manage_referrals")
@require_http_methods(["GET", "POST"])
def episode_start(request: HttpRequest) -> HttpResponse:
    """Start an injection episode from one of the patient's referrals (``?patient=<id>``)."""
    patient_id = request.GET.get("patient")
    if not patient_id:
        referrals = list(
            Referral.objects.filter(
                clinic=request.clinic, status__in=[ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED]
            )
            .exclude(episodes__injection__isnull=False)
            .select_related("patient")
            .order_by("-received_on", "-id")[:EPISODE_LIST_LIMIT]
        )
        audit_record_many(
            actor=Actor.from_request(request),
            action="injections.referrals.listed",
            patients={r.patient_id: r.patient for r in referrals}.values(),
        )
        return render(request, "injections/episode_start.html", {"referrals": referrals, "patient": None})
    patient = patient_or_404(request, patient_id)
    practitioner = practitioner_for(request)
    form = EpisodeStartForm(
        request.POST if request.method == "POST" else None, patient=patient, practitioner=practitioner
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ie = services.episode_start(
                actor=Actor.from_request(request),
                patient=patient,
                referral=data["referral"],
                doctor=data["doctor"],
                physio=data["physio"],
                title=data["title"],
            )
        except ValidationError as error:
            error_on_fields(form, error)
        else:
            messages.success(request, _("The injection episode is started."))
            return redirect(_episode_url(ie))
    if request.method == "GET":
        audit_record(
            actor=Actor.from_request(request), action="injections.referrals.viewed", patient=patient, target=patient
        )
    return render(
        request,
        "injections/episode_start.html",
        {
            "form": form,
            "patient": patient,
            "referrals": form.fields["referral"].queryset,
            "gp_check": _gp_check(request, patient),
        },
        status=400 if form.errors else 200,
    )


# The episode page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    state: str  # done, current, next, exit, skipped


def _progress(ie: InjectionEpisode, reached: int) -> list[Step]:
    """The path as a progress bar; an exit is shown after the last step reached, the rest skipped."""
    if ie.status in EXITS:
        done = [Step(s.value, s.label, "done") for s in PATH[: reached + 1]]
        skipped = [Step(s.value, s.label, "skipped") for s in PATH[reached + 1 :]]
        return [*done, Step(ie.status, Status(ie.status).label, "exit"), *skipped]
    current = PATH.index(Status(ie.status))
    return [
        Step(s.value, s.label, "done" if i < current else "current" if i == current else "next")
        for i, s in enumerate(PATH)
    ]


def _reached(ie: InjectionEpisode, exams, assessments, consents, orders, live: bool) -> int:
    """For an ended episode: the last step of the path its records show (its status is the exit)."""
    reached = 0
    for index, done in (
        (1, exams),
        (2, any(a.decision == AssessmentDecision.INJECT for a in assessments)),
        (3, consents),
        (4, orders),
        (5, live),
    ):
        if done:
            reached = index
    return reached


def _actions(request: HttpRequest, ie: InjectionEpisode, *, assessment, consent, order, live: bool) -> dict:
    """The next steps the viewer may take now (the services check the rules again on POST)."""
    role = request.membership.role
    if ie.is_final:
        return {}
    status = ie.status
    before_procedure = status in (Status.ASSESSED, Status.CONSENTED, Status.ORDERED) and not live
    retake = (
        consent is not None
        and consent.is_valid
        and assessment is not None
        and consent.given_at < assessment.signed_at
        and status in (Status.CONSENTED, Status.ORDERED)
        and not live
    )
    return {
        "exam": has_capability(role, "can_examine_ultrasound") and status in (Status.REFERRED, Status.EXAMINED),
        "assessment": has_capability(role, "can_assess_injection") and (status == Status.EXAMINED or before_procedure),
        "consent": has_capability(role, "can_assess_injection") and (status == Status.ASSESSED or retake),
        "order": has_capability(role, "can_order_drugs")
        and (status == Status.CONSENTED or (status == Status.ORDERED and order is None and not live)),
        "cancel": has_capability(role, "can_order_drugs")
        and order is not None
        and status == Status.ORDERED
        and not live,
        "withdraw": has_capability(role, "can_write_journal")
        and consent is not None
        and consent.is_valid
        and status in (Status.CONSENTED, Status.ORDERED)
        and not live,
        "decline": has_capability(role, "can_write_journal")
        and PATH.index(Status(status)) < PATH.index(Status.PERFORMED)
        and not live,
    }


@capability_required("can_view_injections")
@require_http_methods(["GET"])
def episode_of(request: HttpRequest, pk: int) -> HttpResponse:
    """From a journal episode of kind "injection" (e.g. on the referral page) to its injection episode."""
    injection = clinic_object_or_404(InjectionEpisode, request, episode_id=pk)
    return redirect("injections:episode", injection.pk)


@capability_required("can_view_injections")
def episode(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole chain of one episode on one page, with the next actions for the viewer's role."""
    ie = _episode_or_404(request, pk)
    patient = ie.patient
    if (gate := chart_gate(request, patient)) is not None:
        return gate
    exams = list(
        UltrasoundExam.objects.filter(episode=ie)
        .select_related("examiner__user", "note")
        .prefetch_related(
            Prefetch("note__encounter__attachments", queryset=Attachment.objects.order_by("created_at", "id"))
        )
        .order_by("examined_at", "id")
    )
    assessments = list(
        Assessment.objects.filter(episode=ie)
        .select_related("doctor__user", "co_assessor__user")
        .prefetch_related("diagnoses")
        .order_by("-signed_at", "-id")
    )
    consents = list(
        Consent.objects.filter(episode=ie)
        .select_related("doctor__user", "text", "withdrawn_recorded_by")
        .defer("signature_png")
        .order_by("-given_at", "-id")
    )
    orders = list(
        DrugOrder.objects.filter(episode=ie).select_related("doctor__user", "drug").order_by("-signed_at", "-id")
    )
    live = ie.procedures.filter(status__in=LIVE_PROCEDURE).exists()
    assessment = assessments[0] if assessments else None
    consent = consents[0] if consents else None
    order = next((o for o in orders if o.cancelled_at is None), None)
    flags = _risk_flags(patient)
    audit_record(actor=Actor.from_request(request), action="injections.episode.viewed", patient=patient, target=ie)
    return render(
        request,
        "injections/episode.html",
        {
            "ie": ie,
            "patient": patient,
            "steps": _progress(ie, _reached(ie, exams, assessments, consents, orders, live)),
            "exams": exams,
            "assessments": assessments,
            "assessment": assessment,
            "consents": consents,
            "consent": consent,
            "orders": orders,
            "order": order,
            "risk_flags": flags,
            "new_flags": [f for f in flags if assessment is not None and f.recorded_at > assessment.signed_at],
            "actions": _actions(request, ie, assessment=assessment, consent=consent, order=order, live=live),
        },
    )


# Ultrasound examination (INJ-P1) ---------------------------------------------------------------------


@capability_required("can_examine_ultrasound")
@require_http_methods(["GET", "POST"])
def exam_create(request: HttpRequest, pk: int) -> HttpResponse:
    ie = _episode_or_404(request, pk)
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    form = ExamForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if submitted(
        request,
        form,
        lambda: services.exam_record(
            actor=Actor.from_request(request),
            practitioner=practitioner_for(request),
            episode=ie,
            exam=form.save(commit=False),
            images=[(f, f.name[:200]) for f in form.cleaned_data["images"]],
        ),
        add_error=error_on_fields,
    ):
        messages.success(request, _("The ultrasound examination is signed."))
        return redirect(_episode_url(ie))
    if request.method == "GET":
        _viewed(request, ie, "exam form")
    permitted = rules.examiner_allowed(practitioner=practitioner_for(request), on=timezone.localdate())
    return _step_page(request, "exam_form.html", ie, form, permitted=permitted)


# The doctor's assessment (INJ-D1, INJ-D2) ---------------------------------------------------------------


def _earlier(patient: Any) -> list:
    """The patient's completed injections in the last 12 months, for the doctor to see (INJ-D2)."""
    since = timezone.now() - datetime.timedelta(days=365)
    return list(
        Procedure.objects.filter(episode__patient=patient, status=ProcedureStatus.COMPLETED, started_at__gte=since)
        .exclude(order__procedure_type=ProcedureType.ASPIRATION)
        .select_related("order", "order__drug")
        .order_by("-started_at")
    )


def _site_count(form: AssessmentForm, ie: InjectionEpisode) -> dict | None:
    """INJ-D2: the rule's count for the structure and side in the form, as it will be stored when signed."""
    target = str(form["target_structure"].value() or "").strip()
    side = str(form["side"].value() or "")
    if not target or not side:
        return None
    count = rules.earlier_injections(patient=ie.patient, target_structure=target, side=side, at=timezone.now())
    return {"target": target, "side": dict(form.fields["side"].choices).get(side, side), "count": count}


@capability_required("can_assess_injection")
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest, pk: int) -> HttpResponse:
    ie = _episode_or_404(request, pk)
    if (gate := chart_gate(request, ie.patient)) is not None:
        return gate
    previous = rules.current_assessment(ie)
    initial = {}
    if previous is not None:
        initial = {"target_structure": previous.target_structure, "side": previous.side}
    else:
        initial = {"co_assessor": ie.physio_id}
    form = AssessmentForm(request.POST if request.method == "POST" else None, clinic=request.clinic, initial=initial)
    if submitted(
        request,
        form,
        lambda: services.assessment_record(
            actor=Actor.from_request(request),
            practitioner=practitioner_for(request),
            episode=ie,
            assessment=form.save(commit=False),
            diagnoses=form.cleaned_data["diagnoses"],
            exit_reason=form.cleaned_data["exit_reason"],
        ),
        add_error=error_on_fields,
    ):
        messages.success(request, _("The assessment is signed."))
        return redirect(_episode_url(ie))
    if request.method == "GET":
        _viewed(request, ie, "assessment form")
    exams = list(ie.exams.select_related("examiner__user").order_by("-examined_at")[:3])
    return _step_page(
        request,
        "assessment_form.html",
        ie,
        form,
        previous=previous,
        exams=exams,
        risk_flags=_risk_flags(ie.patient),
        earlier=_earlier(ie.patient),
        site=_site_count(form, ie),
        site_limit=request.clinic.injection_site_limit_per_year,
    )
