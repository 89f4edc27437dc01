"""The patient chart: header, timeline of notes newest first, open episodes and drafts.

A fixed number of queries however long the record is (pinned in tests/test_bench_smoke.py):
the viewer's practitioner row, the treatment relation and the filter's practitioner choices come
in one query, the page total in the same query as the page, the episodes once for the side
panel and the filter. The notes come as light rows first; signed notes already rendered are taken
from the cache (views/timeline.py), the rest loaded in one query (plus one per child relation any
of them has: diagnoses, amendments, attachments).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capabilities_for, capability_required
from kanyle.journal import rules, selectors
from kanyle.journal.forms.notes import ChartFilterForm
from kanyle.journal.views.common import patient_or_404
from kanyle.journal.views.timeline import timeline_entries

PAGE_SIZE = 20


@capability_required("can_view_journal")
def chart(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_or_404(request, patient_id)
    patient.clinic = request.clinic  # found within the active clinic: the same row, no second query
    staff = selectors.chart_staff(clinic=request.clinic, patient=patient, user=request.user)
    practitioner = next((p for p in staff if p.user_id == request.user.pk), None)
    request._kanyle_practitioner = practitioner  # what views.common.practitioner_for would look up
    # LAW-J, as views.common.chart_gate: a treatment relation, or else an active emergency access.
    emergency = None
    if practitioner is None or not practitioner.treats_patient:
        emergency = rules.active_emergency_access(user=request.user, patient=patient, now=timezone.now())
        if emergency is None:
            return redirect("journal:emergency-access", patient_id=patient.pk)
    form = ChartFilterForm(request.GET or None, patient=patient)
    episodes = selectors.chart_episodes(clinic=request.clinic, patient=patient)
    _choices_from(form, episodes=episodes, staff=staff)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = selectors.chart_timeline(clinic=request.clinic, patient=patient, filters={**filters, "viewer": practitioner})
    page = selectors.chart_page(rows, request.GET.get("side"), PAGE_SIZE)
    page.object_list = timeline_entries(
        list(page.object_list),
        request=request,
        staff=staff,
        episodes=episodes,
        practitioner=practitioner,
        caps=capabilities_for(request.membership.role),
    )
    audit_record(
        actor=Actor.from_request(request),
        action="journal.chart.viewed",
        patient=patient,
        target=patient,
        reason=emergency.reason if emergency else "",
        flagged=emergency is not None,
    )
    return render(
        request,
        "journal/chart.html",
        {
            "patient": patient,
            "risk_flags": [flag for flag in patient.risk_flags.all() if flag.is_active],
            "page": page,
            "form": form,
            "open_episodes": [e for e in episodes if e.is_open],
            "closed_episodes": [e for e in episodes if not e.is_open],
            "practitioner": practitioner,
            "emergency": emergency,
            "referrals": selectors.patient_referrals(clinic=request.clinic, patient=patient),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _choices_from(form: ChartFilterForm, *, episodes: list, staff: list) -> None:
    """Give the filter's selects the rows already loaded (the querysets stay for validating input)."""
    episode_field, practitioner_field = form.fields["episode"], form.fields["practitioner"]
    newest_first = sorted(episodes, key=lambda e: (e.started_on, e.pk), reverse=True)  # Episode.Meta.ordering
    episode_field.choices = [
        ("", episode_field.empty_label),
        *((e.pk, episode_field.label_from_instance(e)) for e in newest_first),
    ]
    practitioner_field.choices = [
        ("", practitioner_field.empty_label),
        *((p.pk, practitioner_field.label_from_instance(p)) for p in staff),
    ]
