"""JSON for the readiness gate and the start (session login and CSRF, like the pages; same capabilities).

``GET api-gate`` → ``{"ok", "items": [{key, rule, label, ok, messages}]}``; ``POST api-procedure-start`` →
201 ``{"ok": true, "procedure": id, "url"}``, or 409 (the gate is red) / 400 (bad input) with
``{"ok": false, "errors": [...]}``; every message ends with its rule ID.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required
from kanyle.injections import rules
from kanyle.injections.services import procedure as services
from kanyle.injections.views.procedure import item_messages, order_or_404, practitioner_or_403
from kanyle.journal.views.common import chart_gate
from kanyle.medications.models import Batch


class BadInput(Exception):
    pass


def _batch(request: HttpRequest, order: Any, value: Any) -> Batch | None:
    """The batch named in the request, of this clinic; the gate decides whether it fits the order."""
    if value in (None, ""):
        return None
    try:
        return Batch.objects.select_related("drug").get(clinic=request.clinic, pk=int(value))
    except (Batch.DoesNotExist, TypeError, ValueError):
        raise BadInput(_("Choose a batch of the clinic's stock. (LAW-M)")) from None


def _refused_chart(request: HttpRequest, order: Any) -> JsonResponse | None:
    if chart_gate(request, order.episode.patient) is None:
        return None
    return JsonResponse(
        {"ok": False, "errors": [_("You have no treatment relation to this patient. (LAW-J)")]}, status=403
    )


@capability_required("can_perform_injection")
@require_GET
def api_gate(request: HttpRequest, pk: int) -> JsonResponse:
    """The readiness gate for the logged-in performer, with ``?batch=<id>``."""
    order = order_or_404(request, pk)
    if (refused := _refused_chart(request, order)) is not None:
        return refused
    performer = practitioner_or_403(request)
    try:
        batch = _batch(request, order, request.GET.get("batch"))
    except BadInput as error:
        return JsonResponse({"ok": False, "errors": [str(error)]}, status=400)
    gate = rules.readiness_gate(order=order, performer=performer, batch=batch, at=timezone.now())
    audit_record(
        actor=Actor.from_request(request),
        action="injections.gate.viewed",
        patient=order.episode.patient,
        target=order,
        detail="ok" if gate.ok else ",".join(item.rule for item in gate.red),
    )
    return JsonResponse(
        {
            "ok": gate.ok,
            "items": [
                {
                    "key": item.key,
                    "rule": item.rule,
                    "label": str(item.label),
                    "ok": item.ok,
                    "messages": item_messages(item),
                }
                for item in gate.items
            ],
        }
    )


@capability_required("can_perform_injection")
@require_POST
def api_procedure_start(request: HttpRequest, pk: int) -> JsonResponse:
    """Start the procedure for the logged-in performer; the gate is checked again with the order locked."""
    order = order_or_404(request, pk)
    if (refused := _refused_chart(request, order)) is not None:
        return refused
    performer = practitioner_or_403(request)
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"ok": False, "errors": [_("The request is not valid JSON.")]}, status=400)
        value = body.get("batch") if isinstance(body, dict) else None
    else:
        value = request.POST.get("batch")
    try:
        batch = _batch(request, order, value)
    except BadInput as error:
        return JsonResponse({"ok": False, "errors": [str(error)]}, status=400)
    try:
        procedure = services.procedure_start(
            actor=Actor.from_request(request), order=order, performer=performer, batch=batch
        )
    except ValidationError as error:
        return JsonResponse({"ok": False, "errors": error.messages}, status=409)
    return JsonResponse(
        {
            "ok": True,
            "procedure": procedure.pk,
            "url": reverse("injections:procedure", kwargs={"pk": procedure.pk}),
        },
        status=201,
    )
