"""Norwegian person identifiers: fødselsnummer, D-nummer, H-nummer and FH-nummer.

python-stdnum does the format, dates and the classic check digits. Two things are added:
the 2032 rule (the first check remainder may be 0–3, FACTS.md) and synthetic test numbers
(month + 80), accepted only where the settings allow them (demo and tests). Gender is never
derived from the number: numbers issued from 2032 carry none.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import fodselsnummer

FNR = "fnr"
DNR = "dnr"
HNR = "hnr"
FHNR = "fhnr"

ID_TYPE_LABELS = {
    FNR: _("National identity number"),
    DNR: _("D number"),
    HNR: _("H number (local, unidentified patient)"),
    FHNR: _("FH number"),
}

_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


@dataclass(frozen=True)
class PersonId:
    number: str
    kind: str
    birth_date: datetime.date | None
    synthetic: bool = False


def _checksums_ok(number: str) -> bool:
    """Old rule: both weighted sums ≡ 0 (mod 11); from 2032 the first may leave 0–3."""
    first = sum(w * int(d) for w, d in zip(_WEIGHTS_1, number[:10], strict=True)) % 11
    second = sum(w * int(d) for w, d in zip(_WEIGHTS_2, number, strict=True)) % 11
    return first in (0, 1, 2, 3) and second == 0


def compact(value: str) -> str:
    return fodselsnummer.compact(value or "")


def parse(value: str, *, today: datetime.date | None = None) -> PersonId:
    """Validate a person identifier and say what it is; ValidationError in Norwegian if not."""
    number = compact(value)
    # ASCII only: str.isdigit() also accepts "²" (int() then fails) and other scripts' digits.
    if not re.fullmatch(r"[0-9]{11}", number):
        raise ValidationError(_("A national ID has exactly 11 digits."), code="id_length")
    if not _checksums_ok(number):
        raise ValidationError(
            _("The check digits do not match: check the number for typing errors."), code="id_checksum"
        )
    day, month = int(number[0:2]), int(number[2:4])
    if number[0] in "89":
        return PersonId(number, FHNR, None)
    synthetic = month > 80
    if synthetic and not settings.KANYLE_ACCEPT_SYNTHETIC_IDS:
        raise ValidationError(_("Synthetic test numbers are not accepted here."), code="id_synthetic")
    # stdnum knows D (day + 40) and H (month + 40); take synthetic numbers' month back first.
    real = number if not synthetic else f"{number[:2]}{month - 80:02d}{number[4:]}"
    kind = DNR if day > 40 else HNR if int(real[2:4]) > 40 else FNR
    try:
        birth_date = fodselsnummer.get_birth_date(real)
    except StdnumError:
        raise ValidationError(_("The first six digits are not a valid date of birth."), code="id_date") from None
    if birth_date > (today or datetime.date.today()):
        raise ValidationError(_("The date of birth in the number lies in the future."), code="id_future")
    return PersonId(number, kind, birth_date, synthetic)


def mask(number: str) -> str:
    """Show the date part only, as lists and headers do: 151086 *****."""
    return f"{number[:6]} *****" if len(number) == 11 else "*****"


def format_id(number: str) -> str:
    return f"{number[:6]} {number[6:]}" if len(number) == 11 else number


def generate(birth_date: datetime.date, individual: int, *, kind: str = FNR, synthetic: bool = False) -> str | None:
    """Build a number with valid check digits (for demo and test data), or None if none exists.

    ``individual`` (0–999) must match the century rules (e.g. 000–499 for 1900–1999).
    """
    day, month = birth_date.day + (40 if kind == DNR else 0), birth_date.month
    month += 40 if kind == HNR else 0
    month += 80 if synthetic else 0
    base = f"{day:02d}{month:02d}{birth_date.year % 100:02d}{individual:03d}"
    k1 = (11 - sum(w * int(d) for w, d in zip(_WEIGHTS_1, base, strict=False)) % 11) % 11
    if k1 == 10:
        return None
    k2 = (11 - sum(w * int(d) for w, d in zip(_WEIGHTS_2, base + str(k1), strict=False)) % 11) % 11
    if k2 == 10:
        return None
    return f"{base}{k1}{k2}"
