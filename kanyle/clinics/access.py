"""Roles map to named capabilities, here and nowhere else.

Views declare what they need with ``@capability_required("can_x")`` (or ``@public`` /
``@login_only``); ClinicMiddleware has already refused anonymous users and resolved the
clinic. A missing capability is 403; another clinic's object is 404 (``clinic_object_or_404``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from kanyle.clinics.models import Role

CAPABILITIES: dict[str, frozenset[str]] = {
    # Patient register: demographics are for everyone who books or treats patients.
    "can_view_patients": frozenset({Role.PHYSIO, Role.DOCTOR, Role.RECEPTION}),
    "can_edit_patients": frozenset({Role.PHYSIO, Role.DOCTOR, Role.RECEPTION}),
    # Clinical content (risk flags, journal) is never shown to reception or the administrator.
    "can_view_clinical": frozenset({Role.PHYSIO, Role.DOCTOR}),
    "can_edit_risk_flags": frozenset({Role.PHYSIO, Role.DOCTOR}),
    "can_view_journal": frozenset({Role.PHYSIO, Role.DOCTOR}),
    "can_write_journal": frozenset({Role.PHYSIO, Role.DOCTOR}),
    # Referrals carry clinical reasons, so they are the clinicians' worklist (INJ-G1, NAL-8).
    "can_manage_referrals": frozenset({Role.PHYSIO, Role.DOCTOR}),
    # The patient's copy of the whole record (pasient- og brukerrettighetsloven §5-1).
    "can_export_record": frozenset({Role.PHYSIO, Role.DOCTOR}),
    # INJ-D4: only a doctor orders drugs; INJ-D5: only a doctor delegates.
    "can_order_drugs": frozenset({Role.DOCTOR}),
    "can_delegate": frozenset({Role.DOCTOR}),
    # Who accessed a record: the treating clinicians on the patient's page (LAW-J).
    "can_view_patient_access_log": frozenset({Role.PHYSIO, Role.DOCTOR}),
    # Injection chain (DESIGN.md §4). Roles open the pages; the rules in injections.rules still check the
    # practitioner's profession, competence and delegation for each step.
    "can_view_injections": frozenset({Role.PHYSIO, Role.DOCTOR}),
    "can_examine_ultrasound": frozenset({Role.PHYSIO, Role.DOCTOR}),  # INJ-P1
    "can_assess_injection": frozenset({Role.DOCTOR}),  # INJ-D1, INJ-D2, INJ-D3, follow-up
    "can_perform_injection": frozenset({Role.PHYSIO, Role.DOCTOR}),  # INJ-D5: physios under delegation
    "can_mark_availability": frozenset({Role.DOCTOR}),  # INJ-D6
    "can_report_to_gp": frozenset({Role.PHYSIO, Role.DOCTOR}),  # INJ-G4
    "can_view_evidence": frozenset({Role.PHYSIO, Role.DOCTOR, Role.ADMIN}),
    # Drug handling (LAW-M): the clinic's head (admin) and the doctor keep the catalogue and stock;
    # clinicians see it; only the doctor and the administrator run a recall search across patients.
    "can_view_medications": frozenset({Role.PHYSIO, Role.DOCTOR, Role.ADMIN}),
    "can_manage_medications": frozenset({Role.DOCTOR, Role.ADMIN}),
    "can_receive_stock": frozenset({Role.PHYSIO, Role.DOCTOR, Role.ADMIN}),
    "can_recall_search": frozenset({Role.DOCTOR, Role.ADMIN}),
    # Administration.
    "can_manage_clinic": frozenset({Role.ADMIN}),
    "can_manage_staff": frozenset({Role.ADMIN}),
    # INJ-D5: the doctor answers for the delegate's competence, so may read the register.
    "can_view_staff_register": frozenset({Role.ADMIN, Role.DOCTOR}),
    "can_verify_credentials": frozenset({Role.ADMIN, Role.DOCTOR}),
    "can_view_audit_log": frozenset({Role.ADMIN}),
    # Needle treatment and TENS are physiotherapy (NAL-2: by physios with the needling course).
    "can_record_needling": frozenset({Role.PHYSIO}),
    # Internal control (INJ-V1..V5, LAW-Q): everyone reads procedures and reports deviations;
    # the clinic manager and the responsible doctor run the system.
    "can_read_procedures": frozenset({Role.PHYSIO, Role.DOCTOR, Role.ADMIN, Role.RECEPTION}),
    "can_manage_procedures": frozenset({Role.ADMIN, Role.DOCTOR}),
    "can_manage_risks": frozenset({Role.ADMIN, Role.DOCTOR}),
    "can_report_deviation": frozenset({Role.PHYSIO, Role.DOCTOR, Role.ADMIN, Role.RECEPTION}),
    "can_handle_deviations": frozenset({Role.ADMIN, Role.DOCTOR}),
    "can_check_equipment": frozenset({Role.PHYSIO, Role.DOCTOR, Role.ADMIN}),
    "can_manage_equipment": frozenset({Role.ADMIN, Role.DOCTOR}),
    # INJ-V4: the doctor keeps the emergency kit checked and in date.
    "can_countersign_emergency_kit": frozenset({Role.DOCTOR}),
    "can_record_supervision_visit": frozenset({Role.ADMIN, Role.DOCTOR}),
    "can_view_compliance": frozenset({Role.ADMIN, Role.DOCTOR}),
    "can_do_management_review": frozenset({Role.ADMIN}),
    # Calendar: everyone in the clinic sees and books (reception books for the practitioners).
    "can_view_calendar": frozenset({Role.PHYSIO, Role.DOCTOR, Role.ADMIN, Role.RECEPTION}),
    "can_book": frozenset({Role.PHYSIO, Role.DOCTOR, Role.RECEPTION}),
    "can_manage_schedule": frozenset({Role.ADMIN}),  # rooms, appointment types, clinic sessions
    # Billing: reception charges and takes payment; the administrator keeps fee tables and reports.
    "can_charge": frozenset({Role.RECEPTION, Role.ADMIN, Role.PHYSIO, Role.DOCTOR}),
    "can_manage_fees": frozenset({Role.ADMIN}),
    "can_view_settlement": frozenset({Role.ADMIN, Role.RECEPTION}),
    # Review of break-the-glass accesses (pasientjournalforskriften §14).
    "can_review_emergency_access": frozenset({Role.ADMIN}),
}


def has_capability(role: str | None, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")
    return role in CAPABILITIES[capability]


def capabilities_for(role: str | None) -> frozenset[str]:
    return frozenset(name for name, roles in CAPABILITIES.items() if role in roles)


# The access level a view declares; read by the middleware and the role × URL matrix test.
PUBLIC = "public"  # no login (login page, static health check)
LOGIN_ONLY = "login"  # logged in, verified, no clinic needed yet (choose clinic)
PENDING_LOGIN = "pending"  # between password and second factor


def _mark(view: Callable, level: str) -> Callable:
    view.kanyle_access = level  # type: ignore[attr-defined]
    return view


def public(view: Callable) -> Callable:
    return _mark(view, PUBLIC)


def login_only(view: Callable) -> Callable:
    return _mark(view, LOGIN_ONLY)


def pending_login(view: Callable) -> Callable:
    return _mark(view, PENDING_LOGIN)


def capability_required(capability: str) -> Callable[[Callable], Callable]:
    """Refuse with 403 unless the active membership's role has the capability."""
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None or not has_capability(membership.role, capability):
                raise PermissionDenied(capability)
            return view(request, *args, **kwargs)

        return _mark(wrapped, f"capability:{capability}")

    return decorator


def clinic_member_required(view: Callable) -> Callable:
    """Any role in the active clinic (e.g. the dashboard)."""
    return _mark(view, "member")


def clinic_object_or_404(queryset: QuerySet | type[Model], request: HttpRequest, **lookup: Any) -> Any:
    """Fetch an object of the active clinic; anything else (including another clinic's) is 404."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        return queryset.get(clinic=request.clinic, **lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
