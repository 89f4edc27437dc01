"""Helpers for the needle-treatment tests."""

from __future__ import annotations

from django.utils.html import escape

from kanyle.audit.models import AuditEvent


def shows(response, message) -> bool:
    """The (translated) message is on the page: escaped from a variable, or as written in a template."""
    html = response.content.decode()
    return escape(str(message)) in html or str(message) in html


def events(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))
