"""Puts the active clinic, role and capabilities on every page."""

from django.http import HttpRequest

from kanyle.clinics.access import capabilities_for


def clinic(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    return {
        "active_membership": membership,
        "active_clinic": membership.clinic if membership else None,
        "caps": capabilities_for(membership.role if membership else None),
    }
