"""Helpers shared by the needle-treatment services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kanyle.core.decisions import Decision


def require(decision: Decision) -> None:
    """Refuse with the rule's messages (each ends with its rule ID) unless the decision allows."""
    if not decision:
        raise ValidationError(decision.messages)


def require_practitioner(practitioner: Any) -> None:
    if practitioner is None:
        raise ValidationError(_("Only a practitioner can write in the record."))


def same_clinic(actor: Any, *objects: Any) -> None:
    """Defence in depth: views fetch objects within the clinic; a service never writes across clinics."""
    for obj in objects:
        if obj is not None and getattr(obj, "clinic_id", None) != actor.clinic.pk:
            raise ValidationError(_("The object belongs to another clinic."))
