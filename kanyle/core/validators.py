"""Validators for Norwegian identifiers shared by several apps."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.no import orgnr


def validate_org_number(value: str) -> None:
    """Organisasjonsnummer: nine digits with a mod-11 check digit."""
    try:
        orgnr.validate(value)
    except Exception as exc:  # stdnum raises its own ValidationError subclasses
        raise ValidationError(
            _("%(value)s is not a valid organisation number (9 digits with a valid check digit)."),
            code="invalid_org_number",
            params={"value": value},
        ) from exc


def validate_her_id(value: str) -> None:
    """HER-id: a positive integer from the address register, up to 10 digits."""
    if not re.fullmatch(r"[1-9][0-9]{0,9}", value or ""):
        raise ValidationError(_("A HER-id is a number of up to 10 digits."), code="invalid_her_id")


def validate_hpr_number(value: str) -> None:
    """HPR-nummer: the health personnel register's number, 4 to 9 digits."""
    if not re.fullmatch(r"[1-9][0-9]{3,8}", value or ""):
        raise ValidationError(_("An HPR number has 4 to 9 digits and does not start with 0."), code="invalid_hpr")


_UNSAFE_TEXT = re.compile(r"[<>]|[\x00-\x08\x0b\x0c\x0e-\x1f]")


def validate_plain_text(value: str) -> None:
    """Names and short fields hold plain text: no markup, no control characters."""
    if _UNSAFE_TEXT.search(value or ""):
        raise ValidationError(
            _("Use plain text only: the characters < and > and control characters are not allowed."),
            code="unsafe_text",
        )
