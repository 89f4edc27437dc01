"""What the chain's pages share: the episode (else 404), its URL, the logged read of a step's form, the step page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import clinic_object_or_404
from kanyle.injections.models import InjectionEpisode


def _episode_or_404(request: HttpRequest, pk: Any) -> InjectionEpisode:
    return clinic_object_or_404(
        InjectionEpisode.objects.select_related(
            "patient", "episode", "episode__referral", "doctor__user", "physio__user", "exit_by"
        ),
        request,
        pk=pk,
    )


def _episode_url(ie: InjectionEpisode) -> str:
    return reverse("injections:episode", kwargs={"pk": ie.pk})


def _viewed(request: HttpRequest, ie: InjectionEpisode, detail: str = "") -> None:
    """A step's form shows the record (findings, risk flags): a read of patient data (LAW-J)."""
    audit_record(
        actor=Actor.from_request(request),
        action="injections.episode.viewed",
        patient=ie.patient,
        target=ie,
        detail=detail,
    )


def _step_page(request: HttpRequest, template: str, ie: InjectionEpisode, form: Any, **context: Any) -> HttpResponse:
    return render(
        request,
        f"injections/{template}",
        {"ie": ie, "patient": ie.patient, "form": form, **context},
        status=400 if form.errors else 200,
    )
