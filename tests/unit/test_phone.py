"""normalize_phone (the tolerant intake form) and E164 (the strict API type)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from core.phone import E164, normalize_phone

STRICT = TypeAdapter(E164)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+6281234567890", "+6281234567890"),
        ("081234567890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("0086281234567890", "+6281234567890"),
        ("009 62 812 3456 7890", "+6281234567890"),
    ],
)
def test_indonesian_prefixes_become_e164(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "0812 3456 7890",
        "0812-3456-7890",
        "0812.3456.7890",
        "(0812) 3456-7890",
        "+62 812-3456-7890",
        "  081234567890  ",
        "0812/3456/7890",
    ],
)
def test_separators_are_ignored(raw: str) -> None:
    assert normalize_phone(raw) == "+6281234567890"


@pytest.mark.parametrize("raw", ["0333-424242", "(0333) 424242", "+62 333 424242"])
def test_landline_with_area_code(raw: str) -> None:
    assert normalize_phone(raw) == "+62333424242"


@pytest.mark.parametrize(
    "raw",
    [None, "", "   ", "anonymous", "Anonymous", "withheld", "unknown", "112", "110", "0", "+", "+62", "62"],
)
def test_unusable_numbers_give_none(raw: str | None) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+6591234567", "+6591234567"),  # Singapore
        ("+14155550123", "+14155550123"),  # United States
        ("+61 2 9876 5432", "+61298765432"),  # Australia, with spaces
    ],
)
def test_foreign_numbers_are_kept(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("008 1 415 555 0123", "+14155550123"),  # not Japan (+81)
        ("009 65 9123 4567", "+6591234567"),  # not Kuwait (+965)
        ("001 1 415 555 0123", "+14155550123"),
        ("007 61 2 9876 5432", "+61298765432"),
        ("01016 65 9123 4567", "+6591234567"),
        ("0014155550123", "+4155550123"),  # 001, then 41: Switzerland, as Indonesia dials it
    ],
)
def test_the_digits_after_an_indonesian_international_prefix_are_the_country_code(
    raw: str, expected: str
) -> None:
    """Indonesia's international prefixes are 001, 007, 008, 009 and 010xx, not 00 (tests/unit/
    test_phone_reference.py checks the rules against libphonenumber)."""
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["0062 812 3456 7890", "0044 20 7946 0000", "000 1 415 555 0123"])
def test_00_without_a_carriers_digit_is_no_prefix_and_refused(raw: str) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize("raw", ["001 803 1234 5678", "007-803-123-4567"])
def test_indonesian_toll_free_numbers_are_no_caller(raw: str) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize("raw", ["+62081234567890", "+620333424242", "00862081234567890"])
def test_plus62_followed_by_trunk_zero_is_rejected(raw: str) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize("raw", ["+62123456", "+628123456789012"])
def test_indonesian_numbers_of_impossible_length_are_rejected(raw: str) -> None:
    # +62 then 7 to 12 digits: one short of 7 and one over 12 are both out.
    assert normalize_phone(raw) is None


def test_the_shortest_indonesian_numbers_are_kept() -> None:
    assert normalize_phone("061 12345") == "+626112345"  # Medan: 61 and five digits


def test_short_62_prefixed_digits_are_not_taken_as_a_country_code() -> None:
    assert normalize_phone("621234") is None


@pytest.mark.parametrize("raw", ["+12", "+1234567890123456", "not a number", "0812-3456-789O"])
def test_garbage_and_out_of_range_e164_give_none(raw: str) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "0812\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10",  # full-width digits (CJK input methods)
        "0812\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660",  # Arabic-Indic digits
        "+62812\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660",
    ],
)
def test_result_is_ascii_e164_or_none(raw: str) -> None:
    # E.164 is ASCII digits: a number with other Unicode digits is either rejected or transliterated,
    # never stored as is (SNS, SMS and call-back would fail on it).
    assert normalize_phone(raw) in (None, "+6281234567890")


def test_strict_type_normalises_what_it_accepts() -> None:
    assert STRICT.validate_python("0812 3456 7890") == "+6281234567890"


@pytest.mark.parametrize("raw", ["anonymous", "112", "+62081234567890"])
def test_strict_type_explains_the_accepted_forms(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        STRICT.validate_python(raw)
    message = str(caught.value)
    assert "E.164" in message
    assert "+6281234567890" in message
    assert "081234567890" in message


def test_strict_type_rejects_overlong_input() -> None:
    with pytest.raises(ValidationError) as caught:
        STRICT.validate_python("0" * 33)
    assert caught.value.errors()[0]["type"] == "string_too_long"
