"""Writing the access log. Every read or write of patient data calls one of these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from kanyle.audit.models import AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from kanyle.clinics.models import Clinic


@dataclass(frozen=True)
class Actor:
    """Who does something, in which clinic and role, from where; built once per request."""

    user: Any
    clinic: Clinic | None = None
    role: str = ""
    ip_address: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest, user: Any = None) -> Actor:
        membership = getattr(request, "membership", None)
        user = user if user is not None else getattr(request, "user", None)
        return cls(
            user=user if user is not None and user.is_authenticated else None,
            clinic=membership.clinic if membership else None,
            role=membership.role if membership else "",
            ip_address=client_ip(request),
        )


def client_ip(request: HttpRequest) -> str | None:
    """The client address as the server saw it (a proxy in front must set REMOTE_ADDR right)."""
    return request.META.get("REMOTE_ADDR") or None


def _event(actor: Actor, action: str, patient: Any, target: Any, detail: str, reason: str, flagged: bool):
    user = actor.user
    return AuditEvent(
        clinic=actor.clinic,
        user=user,
        username=user.username if user else "",
        user_display=user.display_name if user else "",
        role=actor.role,
        patient=patient,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        detail=detail[:500],
        reason=reason[:500],
        ip_address=actor.ip_address,
        flagged=flagged,
    )


_BENCH_CHECKED: list[bool] = []


def _bench_audit_off() -> bool:
    """The benchmark's audit-off run (settings.KANYLE_BENCH_DISABLE_AUDIT), on a generated load database only."""
    if not settings.KANYLE_BENCH_DISABLE_AUDIT:
        return False
    if not _BENCH_CHECKED:
        from kanyle.core.management.commands.generate_load_data import PROGRESS_TABLE

        if PROGRESS_TABLE not in connection.introspection.table_names():
            raise ImproperlyConfigured("KANYLE_BENCH_DISABLE_AUDIT is for generated load databases only.")
        _BENCH_CHECKED.append(True)
    return True


def audit_record(
    *,
    actor: Actor,
    action: str,
    patient: Any = None,
    target: Any = None,
    detail: str = "",
    reason: str = "",
    flagged: bool = False,
) -> AuditEvent:
    """Append one row to the access log."""
    event = _event(actor, action, patient, target, detail, reason, flagged)
    if not _bench_audit_off():
        event.save(force_insert=True)
    return event


def audit_record_many(*, actor: Actor, action: str, patients: Iterable[Any], detail: str = "") -> None:
    """Append one row per patient, in one statement (e.g. every patient shown in a search)."""
    if _bench_audit_off():
        return
    patients = list(patients)
    if not patients:
        return
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_create([_event(actor, action, p, p, detail, "", False) for p in patients])
        return
    # PostgreSQL builds the rows from an array of patient ids: the same rows as _event() gives, without a
    # model instance per patient, which was most of the cost on the calendar and the search (docs/performance.md).
    template = _event(actor, action, None, None, detail, "", False)
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_PER_PATIENT,
            {
                "created_at": timezone.now(),
                "clinic_id": template.clinic_id,
                "user_id": template.user_id,
                "username": template.username,
                "user_display": template.user_display,
                "role": template.role,
                "action": template.action,
                "object_type": patients[0]._meta.label_lower,
                "detail": template.detail,
                "ip_address": template.ip_address,
                "patient_ids": [p.pk for p in patients],
            },
        )


_INSERT_PER_PATIENT = """
    INSERT INTO audit_auditevent
        (created_at, clinic_id, user_id, username, user_display, role, patient_id, action,
         object_type, object_id, detail, reason, ip_address, flagged)
    SELECT %(created_at)s, %(clinic_id)s, %(user_id)s, %(username)s, %(user_display)s, %(role)s, patient_id,
           %(action)s, %(object_type)s, patient_id::text, %(detail)s, '', %(ip_address)s::inet, false
    FROM unnest(%(patient_ids)s::bigint[]) WITH ORDINALITY AS shown(patient_id, position)
    ORDER BY position
"""
