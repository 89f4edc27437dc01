"""What the injection views share: a form's POST step (valid, call the service, show its refusal), a refusal page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def error_on_form(form: Any, error: ValidationError) -> None:
    """A refusal shown above the form, with its rule IDs."""
    form.add_error(None, error)


def submitted(
    request: HttpRequest,
    form: Any,
    save: Callable[[], Any],
    *,
    add_error: Callable[[Any, ValidationError], None] = error_on_form,
) -> bool:
    """On a POST with a valid form, call the service; True if it saved, else its refusal is on the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save()
    except ValidationError as error:
        add_error(form, error)
        return False
    return True


def refusal_page(request: HttpRequest, *, title: str, error: str, back: str) -> HttpResponse:
    """A refusal with no form to show it on: the reason and the way back (status 400, nothing saved)."""
    return render(request, "needling/refused.html", {"title": title, "error": error, "back": back}, status=400)
