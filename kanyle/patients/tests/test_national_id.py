"""Norwegian person identifiers: what the register accepts, what it refuses and why (FACTS.md)."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from kanyle.patients import national_id
from kanyle.patients.tests.helpers import FNR, FNR_BORN, first_valid, with_check_digits


def refused(value: str, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        national_id.parse(value, **kwargs)
    return info.value


def test_fodselsnummer_is_accepted_with_its_birth_date():
    person = national_id.parse(FNR)

    assert person == national_id.PersonId(FNR, national_id.FNR, FNR_BORN, synthetic=False)


def test_typed_with_spaces_the_number_is_stored_without_them():
    assert national_id.parse(" 151086 95088 ").number == FNR


def test_d_number_day_plus_40_is_a_d_number_with_the_real_birth_date():
    number = first_valid("551086")  # 15 + 40

    person = national_id.parse(number)

    assert (person.kind, person.birth_date) == (national_id.DNR, FNR_BORN)


def test_h_number_month_plus_40_is_an_h_number_with_the_real_birth_date():
    number = first_valid("155086")  # October + 40

    person = national_id.parse(number)

    assert (person.kind, person.birth_date) == (national_id.HNR, FNR_BORN)


@pytest.mark.parametrize("prefix", ["812345", "998877"])
def test_fh_number_first_digit_8_or_9_carries_no_birth_date(prefix):
    number = first_valid(prefix)

    person = national_id.parse(number)

    assert (person.kind, person.birth_date) == (national_id.FHNR, None)


@pytest.mark.parametrize("remainder", [1, 2, 3])
def test_2032_rule_first_check_remainder_1_to_3_is_accepted(remainder):
    number = first_valid("151086", first_remainder=remainder)

    person = national_id.parse(number)

    assert (person.number, person.kind, person.birth_date) == (number, national_id.FNR, FNR_BORN)


def test_2032_rule_first_check_remainder_4_is_refused():
    number = first_valid("151086", first_remainder=4)

    error = refused(number)

    assert error.code == "id_checksum"
    assert error.messages == [gettext("The check digits do not match: check the number for typing errors.")]


@pytest.mark.parametrize(
    "number",
    [
        "15108695089",  # last digit mistyped
        "15108695078",  # first check digit mistyped
        "15018695088",  # day and month swapped
        "51108695088",  # two digits swapped
    ],
)
def test_wrong_check_digits_are_refused(number):
    assert refused(number).code == "id_checksum"


@pytest.mark.parametrize("value", ["", "1510869508", "151086950880", "1"])
def test_wrong_length_is_refused(value):
    error = refused(value)

    assert error.code == "id_length"
    assert error.messages == [gettext("A national ID has exactly 11 digits.")]


@pytest.mark.parametrize(
    "value",
    [
        "1510869508A",
        "ABCDEFGHIJK",
        "15-10-86-950",
        "1510869508²",  # a superscript two is a "digit" to str.isdigit() but not to int()
        "١٥١٠٨٦٩٥٠٨٨",  # Arabic-Indic digits: stored as typed, they would slip past the duplicate check
    ],
)
def test_letters_and_other_characters_are_refused(value):
    assert refused(value).code == "id_length"


def test_full_width_digits_are_read_as_the_same_number():
    assert national_id.parse("１５１０８６９５０８８").number == FNR


@pytest.mark.parametrize(
    "prefix",
    [
        "310286",  # 31 February
        "001086",  # day 0
        "151386",  # month 13
        "721086",  # D-nummer with day 32
        "157386",  # H-nummer with month 33
    ],
)
def test_impossible_birth_dates_are_refused(prefix):
    error = refused(first_valid(prefix))

    assert error.code == "id_date"
    assert error.messages == [gettext("The first six digits are not a valid date of birth.")]


@time_machine.travel(datetime.datetime(2025, 6, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_a_birth_date_in_the_future_is_refused():
    tomorrow = first_valid("020625", individuals=range(500, 1000))  # 500–999 with year < 40: 2000s
    today = first_valid("010625", individuals=range(500, 1000))

    error = refused(tomorrow)

    assert error.code == "id_future"
    assert error.messages == [gettext("The date of birth in the number lies in the future.")]
    assert national_id.parse(today).birth_date == datetime.date(2025, 6, 1)


def test_the_reference_day_can_be_given():
    assert refused(FNR, today=datetime.date(1986, 10, 14)).code == "id_future"
    assert national_id.parse(FNR, today=datetime.date(1986, 10, 15)).birth_date == FNR_BORN


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [("159086", national_id.FNR), ("559086", national_id.DNR)],  # month + 80
)
def test_synthetic_numbers_are_accepted_where_the_settings_allow(settings, prefix, kind):
    settings.KANYLE_ACCEPT_SYNTHETIC_IDS = True

    person = national_id.parse(first_valid(prefix))

    assert (person.kind, person.birth_date, person.synthetic) == (kind, FNR_BORN, True)


def test_synthetic_numbers_are_refused_where_the_settings_forbid(settings):
    settings.KANYLE_ACCEPT_SYNTHETIC_IDS = False

    error = refused(first_valid("159086"))

    assert error.code == "id_synthetic"
    assert error.messages == [gettext("Synthetic test numbers are not accepted here.")]
    assert national_id.parse(FNR).synthetic is False  # real numbers still pass


def test_gender_is_never_derived_from_the_number():
    """From 2032 numbers carry no gender: the parse result has nothing to read it from."""
    odd, even = (
        first_valid("151086", individuals=range(101, 500, 2)),
        first_valid("151086", individuals=range(100, 500, 2)),
    )

    fields = {field.name for field in dataclasses.fields(national_id.PersonId)}

    assert fields == {"number", "kind", "birth_date", "synthetic"}
    assert dataclasses.replace(national_id.parse(odd), number=even) == national_id.parse(even)


def test_mask_shows_only_the_date_part():
    assert national_id.mask(FNR) == "151086 *****"
    assert national_id.mask("123") == "*****"
    assert national_id.mask("") == "*****"


def test_format_id_splits_date_and_personal_number():
    assert national_id.format_id(FNR) == "151086 95088"
    assert national_id.format_id("12345") == "12345"


@pytest.mark.parametrize(
    ("born", "kind", "synthetic", "individuals"),
    [
        (datetime.date(1986, 10, 15), national_id.FNR, False, range(0, 500)),
        (datetime.date(1940, 2, 29), national_id.FNR, False, range(0, 500)),
        (datetime.date(2004, 12, 31), national_id.FNR, False, range(500, 1000)),
        (datetime.date(1999, 1, 1), national_id.DNR, False, range(0, 500)),
        (datetime.date(1977, 7, 30), national_id.HNR, False, range(0, 500)),
        (datetime.date(1986, 10, 15), national_id.FNR, True, range(0, 500)),
        (datetime.date(1963, 3, 9), national_id.DNR, True, range(0, 500)),
    ],
)
def test_generate_round_trips_through_parse(born, kind, synthetic, individuals):
    numbers = [national_id.generate(born, i, kind=kind, synthetic=synthetic) for i in individuals]
    numbers = [n for n in numbers if n]

    assert len(numbers) > len(individuals) // 2  # roughly 1 in 11 × 2 has no valid check digits
    for number in numbers:
        assert number == with_check_digits(number[:9])  # classic check digits, not only the 2032 ones
        person = national_id.parse(number)
        assert (person.kind, person.birth_date, person.synthetic) == (kind, born, synthetic)
