from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def show_errors(request: HttpRequest, error: ValidationError, form=None) -> None:
    """A refused write: the messages go to the form (if any) or the page; nothing was saved."""
    for message in error.messages:
        if form is not None:
            form.add_error(None, message)
        else:
            messages.error(request, message)
