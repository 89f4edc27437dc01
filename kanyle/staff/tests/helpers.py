"""Assertions shared by the staff view tests."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.html import escape


def assert_shown(response: HttpResponse, text: str) -> None:
    """The (already translated) text appears on the page, HTML-escaped as templates render it."""
    content = response.content.decode()
    assert escape(text) in content, f"{text!r} not shown on the page"
