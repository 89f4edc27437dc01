"""Episodes of care (forløp): a patient's course of treatment with a responsible practitioner and its members.

Being on an episode is a treatment relation (journal.rules.treatment_relation), so opening one is a
logged act, and its page is shown only to those who may open the patient's record (LAW-J).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.core.forms import add_service_error
from kanyle.journal import services
from kanyle.journal.forms.episodes import EpisodeEditForm, EpisodeForm
from kanyle.journal.models import Episode
from kanyle.journal.views.common import chart_gate, patient_or_404, practitioner_for

EDITABLE = ("title", "goals", "ended_on")


@capability_required("can_write_journal")
@require_http_methods(["GET", "POST"])
def episode_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_or_404(request, patient_id)
    posted = request.method == "POST"
    initial = {"started_on": timezone.localdate(), "responsible": practitioner_for(request)}
    form = EpisodeForm(request.POST if posted else None, clinic=request.clinic, patient=patient, initial=initial)
    # From an accepted referral's page: ?referral=<id> links the new episode to it (only this patient's).
    referral_id = request.GET.get("referral", "")
    if not posted and referral_id.isdigit() and form.fields["referral"].queryset.filter(pk=referral_id).exists():
        form.initial["referral"] = int(referral_id)
    if posted and form.is_valid():
        try:
            episode = services.episode_create(
                actor=Actor.from_request(request),
                patient=patient,
                episode=form.save(commit=False),
                members=form.cleaned_data["members"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The episode of care is opened."))
            return redirect("journal:chart", patient_id=episode.patient_id)
    return render(
        request,
        "journal/episode_form.html",
        {"form": form, "patient": patient},
        status=400 if form.errors else 200,
    )


@capability_required("can_write_journal")
@require_http_methods(["GET", "POST"])
def episode_edit(request: HttpRequest, pk: int) -> HttpResponse:
    episode = clinic_object_or_404(
        Episode.objects.select_related("patient", "responsible__user", "referral"), request, pk=pk
    )
    patient = episode.patient
    if (gate := chart_gate(request, patient)) is not None:
        return gate
    actor = Actor.from_request(request)
    before = {name: getattr(episode, name) for name in EDITABLE}
    before_members = set(episode.members.values_list("pk", flat=True))
    posted = request.method == "POST"
    form = EpisodeEditForm(
        request.POST if posted else None, instance=episode, clinic=request.clinic, today=timezone.localdate()
    )
    if posted and form.is_valid():
        updated = form.save(commit=False)
        members = list(form.cleaned_data["members"])
        changed = [name for name in EDITABLE if getattr(updated, name) != before[name]]
        if {m.pk for m in members} != before_members:
            changed.append("members")
        if not changed:
            messages.info(request, _("Nothing was changed."))
            return redirect("journal:chart", patient_id=patient.pk)
        try:
            services.episode_update(actor=actor, episode=updated, members=members, changed=changed)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            closed = "ended_on" in changed and updated.ended_on is not None
            messages.success(request, _("The episode of care is closed.") if closed else _("The changes are saved."))
            return redirect("journal:chart", patient_id=patient.pk)
    # The page shows the episode's goals and members: clinical content, so the read is logged (LAW-J).
    audit_record(actor=actor, action="journal.episode.viewed", patient=patient, target=episode)
    return render(
        request,
        "journal/episode_form.html",
        {"form": form, "patient": patient, "episode": episode, "saved": before},
        status=400 if form.errors else 200,
    )
