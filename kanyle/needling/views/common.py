"""Lookups shared by the needle-treatment views: objects of the active clinic (else 404), chart access, errors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse

from kanyle.clinics.access import clinic_object_or_404
from kanyle.journal.models import Episode
from kanyle.journal.views.common import chart_gate, practitioner_for  # noqa: F401  (re-exported for the views)
from kanyle.needling import selectors
from kanyle.needling.models import Plan, Session


def practitioner_or_403(request: HttpRequest) -> Any:
    practitioner = practitioner_for(request)
    if practitioner is None:  # a clinical role without a practitioner profile in this clinic
        raise PermissionDenied("no practitioner profile")
    return practitioner


def episode_or_404(request: HttpRequest, episode_id: Any) -> Episode:
    return clinic_object_or_404(Episode.objects.select_related("patient", "responsible__user"), request, pk=episode_id)


def plan_or_404(request: HttpRequest, pk: Any) -> Plan:
    return clinic_object_or_404(
        Plan.objects.select_related("patient", "episode", "assessment").prefetch_related("goals"), request, pk=pk
    )


def session_or_404(request: HttpRequest, pk: Any) -> Session:
    try:
        return selectors.session_detail(clinic=request.clinic, pk=pk)
    except (Session.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def course_url(episode_id: int) -> str:
    return reverse("needling:course", kwargs={"episode_id": episode_id})


def session_url(session_id: int) -> str:
    return reverse("needling:session", kwargs={"pk": session_id})
