"""The clinic's audit log, for the administrator's regular review of access."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kanyle.audit.actions import action_label, role_label
from kanyle.audit.forms import AuditFilterForm
from kanyle.audit.selectors import audit_event_list
from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required


@capability_required("can_view_audit_log")
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(audit_event_list(clinic=request.clinic, filters=filters), 50).get_page(request.GET.get("side"))
    page.object_list = list(page.object_list)  # read before this view's own row is written
    audit_record(
        actor=Actor.from_request(request),
        action="audit.log.viewed",
        detail=" ".join(f"{k}={v}" for k, v in filters.items() if v)[:500],
    )
    for event in page.object_list:
        event.label = action_label(event.action)
        event.role_label = role_label(event.role)
    return render(
        request, "audit/log.html", {"form": form, "page": page}, status=400 if form.is_bound and form.errors else 200
    )
