"""Sessions: start (NAL-1, NAL-2), the body chart with needles and their count (NAL-3), electrical
stimulation (NAL-4), sensation and pain (NAL-5), TENS (NAL-12), and signing into the journal.

The chart's actions answer an htmx request with the work area alone; without htmx they redirect back
to the session page (or show it again with the message, status 400).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required
from kanyle.core.forms import add_service_error as add_error
from kanyle.needling import bodychart, rules, selectors
from kanyle.needling.forms import (
    ChannelForm,
    ElectrodeForm,
    MissingNeedleForm,
    SessionDetailsForm,
    SessionStartForm,
    SiteForm,
    TensForm,
)
from kanyle.needling.models import (
    ElectroChannel,
    NeedleSite,
    Session,
    SessionKind,
    SiteState,
    Stimulation,
    Technique,
    TensElectrode,
    TensSetting,
)
from kanyle.needling.services import sessions as services
from kanyle.needling.views.common import (
    chart_gate,
    course_url,
    plan_or_404,
    practitioner_for,
    practitioner_or_403,
    session_or_404,
    session_url,
)
from kanyle.outcomes import selectors as outcome_selectors
from kanyle.outcomes.models import Instrument

SITE_DEFAULTS = {
    "length_mm": 30,
    "gauge_mm": "0.25",
    "technique": Technique.DRY_NEEDLING,
    "stimulation": Stimulation.MANUAL,
}
TENS_DEFAULTS = {"mode": "conventional", "frequency_hz": 100, "pulse_width_us": 200, "duration_minutes": 30}
CARRIED = ("length_mm", "gauge_mm", "technique", "stimulation")


@dataclass
class Marker:
    x: int
    y: int
    number: int
    label: str
    state: str


@dataclass
class Figure:
    view: str
    label: str
    offset: int
    shapes: list[bodychart.Shape]
    markers: list[Marker]


def _figures(points: list[Any], *, electrodes: bool) -> list[Figure]:
    figures = []
    for view in bodychart.View:
        markers = [
            Marker(p.x, p.y, p.number, str(p), "electrode" if electrodes else p.state) for p in points if p.view == view
        ]
        figures.append(
            Figure(view.value, str(view.label), bodychart.figure_offset(view), bodychart.shapes(view), markers)
        )
    return figures


def _tens(session: Session) -> TensSetting | None:
    try:
        return session.tens
    except TensSetting.DoesNotExist:
        return None


def _scores(session: Session) -> dict[str, int]:
    scores: dict[str, int] = {}
    for m in outcome_selectors.measurements_from(clinic=session.clinic, sources=[session.source]):
        scores[m.phase if m.instrument == Instrument.NPRS else m.item_key] = m.value
    return scores


def _context(request: HttpRequest, session: Session, **forms: Any) -> dict[str, Any]:
    """Everything the session page and its work area show, in a fixed number of queries."""
    sites = list(session.sites.all())
    channels = list(session.channels.all())
    electrodes = list(session.electrodes.all())
    tens = _tens(session)
    goals = list(session.plan.goals.all())
    flags = selectors.active_flags(patient=session.patient)
    state = selectors.current_screening(plan=session.plan)
    practitioner = practitioner_for(request)
    today = timezone.localdate()
    editable = services.session_editable(session=session, practitioner=practitioner, on=today)
    needling = session.kind == SessionKind.NEEDLING
    context = {
        "session": session,
        "patient": session.patient,
        "episode": session.episode,
        "plan": session.plan,
        "sites": sites,
        "channels": channels,
        "electrodes": electrodes,
        "tens": tens,
        "risk_flags": flags,
        "screening": state,
        "editable": editable,
        "needling": needling,
        "figures": _figures(sites if needling else electrodes, electrodes=not needling),
        "chart_width": bodychart.CHART_WIDTH,
        "chart_height": bodychart.FIGURE_HEIGHT,
        "outline": bodychart.outline_points(),
        "counts": {
            "inserted": len(sites),
            "in": sum(1 for s in sites if s.state == SiteState.IN),
            "removed": sum(1 for s in sites if s.state == SiteState.REMOVED),
            "lost": sum(1 for s in sites if s.state == SiteState.LOST),
        },
        "electro": rules.electrical_stimulation_allowed(
            flags=flags, items=state.items, rule="NAL-4" if needling else "NAL-12"
        ),
        "time_warning": rules.needle_time_over_limit(
            inserted_at=session.inserted_at,
            removed_at=session.removed_at,
            limit_minutes=session.clinic.needle_time_limit_minutes,
        ),
        "time_limit": session.clinic.needle_time_limit_minutes,
        "side_effects": list(session.side_effects.all()),
    }
    if not session.is_signed:
        context["sign_check"] = rules.session_signable(
            session=session,
            practitioner=practitioner,
            sites=sites,
            channels=channels,
            electrodes=electrodes,
            tens=tens,
            flags=flags,
            items=state.items,
            on=today,
        )
    if editable:
        context["site_form"] = forms.get("site_form") or SiteForm(initial=SITE_DEFAULTS)
        context["electrode_form"] = forms.get("electrode_form") or ElectrodeForm()
        context["channel_form"] = forms.get("channel_form") or ChannelForm(
            sites=sites,
            initial={"frequency_hz": 2, "pulse_width_us": 200, "waveform": "continuous", "duration_minutes": 15},
        )
        context["tens_form"] = forms.get("tens_form") or TensForm(instance=tens, initial=TENS_DEFAULTS)
        context["details_form"] = forms.get("details_form") or SessionDetailsForm(
            instance=session, goals=goals, scores=_scores(session)
        )
    else:
        context["scores"] = outcome_selectors.measurements_from(clinic=session.clinic, sources=[session.source])
    context["work_error"] = forms.get("work_error", "")
    if not editable and not context["work_error"]:
        # A refusal on a page that no longer shows the form (e.g. the session was signed meanwhile).
        refused = [str(e) for f in forms.values() if hasattr(f, "errors") for errs in f.errors.values() for e in errs]
        context["work_error"] = " ".join(refused)
    return context


def _work(request: HttpRequest, pk: int, *, status: int = 200, **forms: Any) -> HttpResponse:
    """After a chart action: the work area for htmx, else back to the page (or the page with the error)."""
    session = session_or_404(request, pk)
    if request.htmx:
        return render(request, "needling/_session_work.html", _context(request, session, **forms), status=status)
    if status == 200:
        return redirect(session_url(pk))
    return render(request, "needling/session.html", _context(request, session, **forms), status=status)


def _refused(error: ValidationError) -> str:
    return " ".join(error.messages)


@capability_required("can_record_needling")
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    if (gate := chart_gate(request, plan.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    initial = {
        "kind": request.GET.get("kind") or SessionKind.NEEDLING,
        "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
    }
    form = SessionStartForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(
                actor=Actor.from_request(request),
                practitioner=practitioner,
                plan=plan,
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                pain_before=data.get("pain_before"),
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            return redirect(session_url(session.pk))
    state = selectors.current_screening(plan=plan)
    flags = selectors.active_flags(patient=plan.patient)
    checks = {
        kind: rules.session_can_start(
            plan=plan,
            practitioner=practitioner,
            screening=state.screening,
            screened_flag_ids=state.flag_ids,
            items=state.items,
            flags=flags,
            kind=kind,
            on=timezone.localdate(),
        )
        for kind in SessionKind.values
    }
    return render(
        request,
        "needling/session_start.html",
        {"form": form, "plan": plan, "episode": plan.episode, "patient": plan.patient, "checks": checks},
        status=400 if form.errors else 200,
    )


@capability_required("can_view_journal")
def session(request: HttpRequest, pk: int) -> HttpResponse:
    current = session_or_404(request, pk)
    if (gate := chart_gate(request, current.patient)) is not None:
        return gate
    audit_record(
        actor=Actor.from_request(request), action="needling.session.viewed", patient=current.patient, target=current
    )
    return render(request, "needling/session.html", _context(request, current))


@capability_required("can_record_needling")
@require_POST
def session_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the details; with 'sign', also sign, all or nothing (a refused signature saves nothing)."""
    current = session_or_404(request, pk)
    if (gate := chart_gate(request, current.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    goals = list(current.plan.goals.all())
    form = SessionDetailsForm(request.POST, instance=current, goals=goals, scores=_scores(current))
    signing = "sign" in request.POST
    if form.is_valid():
        actor = Actor.from_request(request)
        try:
            with transaction.atomic():
                services.session_update(
                    actor=actor,
                    practitioner=practitioner,
                    session=form.save(commit=False),
                    changed=form.changed_data,
                    scores={
                        "before": form.cleaned_data.get("pain_before"),
                        "after": form.cleaned_data.get("pain_after"),
                    },
                    psfs=form.psfs_values(),
                )
                if signing:
                    services.session_sign(actor=actor, practitioner=practitioner, session=current)
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.success(
                request,
                _("The session is signed and written to the journal.") if signing else _("The session is saved."),
            )
            return redirect(course_url(current.episode_id) if signing else session_url(current.pk))
    fresh = session_or_404(request, pk)
    return render(
        request,
        "needling/session.html",
        _context(request, fresh, details_form=_rebound(form, fresh, goals)),
        status=400,
    )


def _rebound(form: SessionDetailsForm, session: Session, goals: list[Any]) -> SessionDetailsForm:
    """The posted form with its errors, bound to the unchanged session (nothing was saved)."""
    again = SessionDetailsForm(form.data, instance=session, goals=goals, scores=_scores(session))
    again.is_valid()
    for field, errors in form.errors.items():
        for error in errors:
            if error not in again.errors.get(field, []):
                again.add_error(field if field != "__all__" else None, error)
    return again


@capability_required("can_record_needling")
@require_POST
def site_add(request: HttpRequest, pk: int) -> HttpResponse:
    current = session_or_404(request, pk)
    if (gate := chart_gate(request, current.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    form = SiteForm(request.POST)
    if form.is_valid():
        site = form.save(commit=False)
        site.x, site.y = form.point()
        try:
            services.site_place(
                actor=Actor.from_request(request), practitioner=practitioner, session=current, site=site
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            carried = {name: form.cleaned_data[name] for name in CARRIED}
            return _work(request, pk, site_form=SiteForm(initial=carried))
    return _work(request, pk, status=400, site_form=form)


def _site_or_404(request: HttpRequest, pk: int) -> NeedleSite:
    return get_object_or_404(
        NeedleSite.objects.select_related("session__patient"), pk=pk, session__clinic=request.clinic
    )


@capability_required("can_record_needling")
@require_POST
def site_remove(request: HttpRequest, pk: int) -> HttpResponse:
    site = _site_or_404(request, pk)
    if (gate := chart_gate(request, site.session.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    try:
        services.site_remove(actor=Actor.from_request(request), practitioner=practitioner, site=site)
    except ValidationError as error:
        return _work(request, site.session_id, status=400, work_error=_refused(error))
    return _work(request, site.session_id)


@capability_required("can_record_needling")
@require_http_methods(["GET", "POST"])
def site_missing(request: HttpRequest, pk: int) -> HttpResponse:
    """NAL-3 / NAL-7: a needle that cannot be found: a serious side effect, a deviation and a follow-up."""
    site = _site_or_404(request, pk)
    patient = site.session.patient
    if (gate := chart_gate(request, patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    form = MissingNeedleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_missing(
                actor=Actor.from_request(request),
                practitioner=practitioner,
                site=site,
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            messages.warning(
                request, _("The missing needle is recorded as a serious side effect and reported as a deviation.")
            )
            return redirect(session_url(site.session_id))
    if request.method == "GET":
        audit_record(
            actor=Actor.from_request(request),
            action="needling.session.viewed",
            patient=patient,
            target=site.session,
            detail="missing needle form",
        )
    return render(
        request,
        "needling/site_missing.html",
        {"form": form, "site": site, "session": site.session, "patient": patient},
        status=400 if form.errors else 200,
    )


@capability_required("can_record_needling")
@require_POST
def channel_add(request: HttpRequest, pk: int) -> HttpResponse:
    current = session_or_404(request, pk)
    if (gate := chart_gate(request, current.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    form = ChannelForm(request.POST, sites=list(current.sites.all()))
    if form.is_valid():
        try:
            services.channel_add(
                actor=Actor.from_request(request),
                practitioner=practitioner,
                session=current,
                channel=form.save(commit=False),
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            return _work(request, pk)
    return _work(request, pk, status=400, channel_form=form)


@capability_required("can_record_needling")
@require_POST
def channel_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _remove_entry(
        request, ElectroChannel, pk, lambda **kw: services.channel_remove(channel=kw.pop("entry"), **kw)
    )


@capability_required("can_record_needling")
@require_POST
def tens_save(request: HttpRequest, pk: int) -> HttpResponse:
    current = session_or_404(request, pk)
    if (gate := chart_gate(request, current.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    form = TensForm(request.POST, instance=_tens(current) or TensSetting(session=current))
    if form.is_valid():
        try:
            services.tens_save(
                actor=Actor.from_request(request),
                practitioner=practitioner,
                session=current,
                setting=form.save(commit=False),
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            return _work(request, pk)
    return _work(request, pk, status=400, tens_form=form)


@capability_required("can_record_needling")
@require_POST
def electrode_add(request: HttpRequest, pk: int) -> HttpResponse:
    current = session_or_404(request, pk)
    if (gate := chart_gate(request, current.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    form = ElectrodeForm(request.POST)
    if form.is_valid():
        electrode = form.save(commit=False)
        electrode.x, electrode.y = form.point()
        try:
            services.electrode_place(
                actor=Actor.from_request(request), practitioner=practitioner, session=current, electrode=electrode
            )
        except ValidationError as error:
            add_error(form, error)
        else:
            return _work(request, pk)
    return _work(request, pk, status=400, electrode_form=form)


@capability_required("can_record_needling")
@require_POST
def electrode_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _remove_entry(
        request, TensElectrode, pk, lambda **kw: services.electrode_remove(electrode=kw.pop("entry"), **kw)
    )


def _remove_entry(request: HttpRequest, model, pk: int, remove) -> HttpResponse:
    """Remove a stimulation or electrode entry from a draft session of this clinic, then show the session."""
    entry = get_object_or_404(model.objects.select_related("session__patient"), pk=pk, session__clinic=request.clinic)
    if (gate := chart_gate(request, entry.session.patient)) is not None:
        return gate
    practitioner = practitioner_or_403(request)
    try:
        remove(actor=Actor.from_request(request), practitioner=practitioner, entry=entry)
    except ValidationError as error:
        return _work(request, entry.session_id, status=400, work_error=_refused(error))
    return _work(request, entry.session_id)
