"""Text messages: a small backend interface, chosen by ``settings.KANYLE_SMS_BACKEND`` (a dotted path).

The default console backend writes the message to standard output (development and tests keep the
messages in ``ConsoleBackend.outbox``); a real gateway implements ``send`` the same way.
"""

from __future__ import annotations

import sys
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "kanyle.scheduling.sms.ConsoleBackend"


class BaseBackend:
    def send(self, *, to: str, text: str) -> bool:  # pragma: no cover - interface
        """Send one message; True when the gateway accepted it."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, to: str, text: str) -> bool:
        self.outbox.append((to, text))
        sys.stdout.write(f"SMS to {to}: {text}\n")
        return True


def get_backend() -> BaseBackend:
    return import_string(getattr(settings, "KANYLE_SMS_BACKEND", DEFAULT_BACKEND))()


def send_sms(*, to: str, text: str) -> bool:
    return get_backend().send(to=to, text=text)
