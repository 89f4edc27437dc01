"""Equipment and checks (INJ-V4): the defibrillator, the anaphylaxis kit and its contents, the ultrasound
machine; checks on schedule, signed by the checker and, for the kit, countersigned by the doctor.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kanyle.audit.services import Actor
from kanyle.clinics.access import capability_required, clinic_object_or_404, has_capability
from kanyle.quality.forms.safety import EquipmentCheckForm, EquipmentForm, EquipmentItemForm
from kanyle.quality.models import Equipment, EquipmentCheck, EquipmentItem
from kanyle.quality.rules.safety import (
    COUNTERSIGNED_KINDS,
    MEDICINE_COMPONENTS,
    check_status,
    emergency_preparedness,
    item_expiry_status,
)
from kanyle.quality.selectors import equipment as selectors
from kanyle.quality.services import equipment as services
from kanyle.quality.views.deviations import add_service_error, form_status, posted


@capability_required("can_check_equipment")
def equipment_list(request: HttpRequest) -> HttpResponse:
    """All equipment with its check schedule, and whether emergency preparedness is in order now."""
    now = timezone.now()
    return render(
        request,
        "quality/equipment_list.html",
        {
            "rows": selectors.equipment_rows(clinic=request.clinic, at=now),
            "preparedness": emergency_preparedness(clinic=request.clinic, at=now),
        },
    )


def _equipment_form(request: HttpRequest, equipment: Equipment) -> HttpResponse:
    creating = equipment.pk is None
    form = EquipmentForm(posted(request), instance=equipment)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        try:
            if creating:
                equipment = services.equipment_create(actor=actor, equipment=form.save(commit=False))
            else:
                equipment = services.equipment_update(
                    actor=actor, equipment=form.save(commit=False), changed=form.changed_data
                )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The equipment is registered.") if creating else _("Saved."))
            return redirect("quality:equipment-detail", pk=equipment.pk)
    return render(
        request,
        "quality/equipment_form.html",
        {"form": form, "equipment": None if creating else equipment},
        status=form_status(request, form),
    )


@capability_required("can_manage_equipment")
def equipment_create(request: HttpRequest) -> HttpResponse:
    return _equipment_form(request, Equipment())


@capability_required("can_manage_equipment")
def equipment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _equipment_form(request, clinic_object_or_404(Equipment, request, pk=pk))


@capability_required("can_check_equipment")
def equipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        equipment = selectors.equipment_detail(clinic=request.clinic, pk=pk)
    except (Equipment.DoesNotExist, ValueError):
        raise Http404 from None
    now = timezone.now()
    today = timezone.localdate(now)
    checks = selectors.equipment_checks(equipment=equipment)
    last = next((c for c in checks if c.performed_at <= now), None)
    return render(
        request,
        "quality/equipment_detail.html",
        {
            "equipment": equipment,
            "items": [(item, item_expiry_status(item, today)) for item in equipment.items.all()],
            "checks": checks,
            "status": check_status(equipment=equipment, last_check=last, at=now),
            "countersigned_kind": equipment.kind in COUNTERSIGNED_KINDS,
            "can_countersign": has_capability(request.membership.role, "can_countersign_emergency_kit"),
        },
    )


def _item_form(request: HttpRequest, equipment: Equipment, item: EquipmentItem) -> HttpResponse:
    creating = item.pk is None
    form = EquipmentItemForm(posted(request), instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_save(actor=Actor.from_request(request), item=form.save(commit=False), equipment=equipment)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The item is registered.") if creating else _("Saved."))
            return redirect("quality:equipment-detail", pk=equipment.pk)
    return render(
        request,
        "quality/equipment_item_form.html",
        {
            "form": form,
            "equipment": equipment,
            "item": None if creating else item,
            "medicines": sorted(MEDICINE_COMPONENTS),
        },
        status=form_status(request, form),
    )


@capability_required("can_manage_equipment")
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    equipment = clinic_object_or_404(Equipment, request, pk=pk)
    return _item_form(request, equipment, EquipmentItem())


@capability_required("can_manage_equipment")
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = clinic_object_or_404(EquipmentItem.objects.select_related("equipment"), request, pk=pk)
    return _item_form(request, item.equipment, item)


@capability_required("can_check_equipment")
def check_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign a check: the checker answers every line; expired items cannot be 'in order' (INJ-V4)."""
    equipment = clinic_object_or_404(
        Equipment.objects.prefetch_related(
            Prefetch("items", queryset=EquipmentItem.objects.filter(is_active=True).order_by("name", "id"))
        ),
        request,
        pk=pk,
    )
    lines = services.checklist_for(equipment)
    form = EquipmentCheckForm(posted(request), lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            check = services.check_perform(
                actor=Actor.from_request(request),
                equipment=equipment,
                performed_at=form.cleaned_data["performed_at"],
                answers=form.answers(),
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if check.all_ok:
                messages.success(request, _("The check is signed."))
            else:
                messages.warning(request, _("The check is signed. What was not in order is reported as a deviation."))
            return redirect("quality:check-detail", pk=check.pk)
    today = timezone.localdate()
    return render(
        request,
        "quality/equipment_check_form.html",
        {
            "form": form,
            "equipment": equipment,
            "rows": [
                (line, ok, note, line["expires_on"] is not None and line["expires_on"] < today)
                for line, ok, note in form.rows()
            ],
            "needs_countersignature": equipment.kind in COUNTERSIGNED_KINDS,
        },
        status=form_status(request, form),
    )


def _check_context(request: HttpRequest, check: EquipmentCheck, errors: list[str] | None = None) -> dict[str, Any]:
    lines = [
        {**line, "expires_on": datetime.date.fromisoformat(line["expires_on"]) if line.get("expires_on") else None}
        for line in check.checklist
    ]
    return {
        "check": check,
        "lines": lines,
        "equipment": check.equipment,
        "countersigned_kind": check.equipment.kind in COUNTERSIGNED_KINDS,
        "can_countersign": has_capability(request.membership.role, "can_countersign_emergency_kit"),
        "errors": errors or [],
    }


def _check_or_404(request: HttpRequest, pk: int) -> EquipmentCheck:
    return clinic_object_or_404(
        EquipmentCheck.objects.select_related("equipment", "performed_by", "countersigned_by"), request, pk=pk
    )


@capability_required("can_check_equipment")
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = _check_or_404(request, pk)
    return render(request, "quality/equipment_check_detail.html", _check_context(request, check))


@capability_required("can_countersign_emergency_kit")
@require_POST
def check_countersign(request: HttpRequest, pk: int) -> HttpResponse:
    """INJ-V4: the doctor countersigns the kit's check; a refusal is shown on the check, nothing saved."""
    check = _check_or_404(request, pk)
    try:
        services.check_countersign(actor=Actor.from_request(request), check=check)
    except ValidationError as error:
        return render(
            request, "quality/equipment_check_detail.html", _check_context(request, check, error.messages), status=400
        )
    messages.success(request, _("The check is countersigned."))
    return redirect("quality:check-detail", pk=check.pk)
