"""normalize_phone against Google's libphonenumber (the `phonenumbers` package: a development dependency,
never imported by functions/), over Indonesian numbers as people write them and foreign numbers dialled
from Indonesia.

Where we differ on purpose, a test below names the difference (`test_where_we_differ_*`):
- 001, 007 and 010xx are international prefixes to us, as to Indonesia's carriers; libphonenumber's
  metadata for ID lists only 008 and 009 (older releases listed `0(?:0[17-9]|10(?:00|1[67]))`) and reads
  the others as national numbers nobody can call. 001 803… and 007 803…, its national toll-free numbers,
  we refuse: no caller has one.
- `62…` without + is always the country code to us (Indonesians write a national number with its 0);
  libphonenumber keeps the 62 when the whole is itself a valid national number (area codes 062x).
- `+62 0…` (a trunk 0 after the country code) is refused, where libphonenumber drops the 0; a foreign
  number is kept digit for digit, so a trunk prefix written after its country code (`+1 1…`, `+44 0…`)
  stays, where libphonenumber drops it.
- A national number without its 0 (`81234567890`) is refused: libphonenumber assumes Indonesia.
- `00` followed by a digit that makes no carrier's prefix (`0062…`, `0044…`) is refused, where
  libphonenumber reads a national number starting with 0 that is not valid either.
- Numbers of 7 digits in all (Niue, Tokelau, Tristan da Cunha) are refused: E.164 numbers we store have 8
  to 15 digits.
- We check a number's shape, not its allocation: a number libphonenumber calls impossible may pass, one it
  calls valid always does, and always as the same E.164.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import phonenumbers
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from phonenumbers import (
    NumberParseException,
    PhoneMetadata,
    PhoneNumberDesc,
    PhoneNumberFormat,
    PhoneNumberType,
)

from core.phone import normalize_phone
from tests.support import ROOT

PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COUNTRY = "62"
CARRIERS = ("001", "007", "008", "009")
PREFIXES = (*CARRIERS, *(f"010{n:02d}" for n in range(100)))
LIBPHONENUMBER_PREFIXES = ("008", "009")  # what its metadata for ID says today (test below)


def parsed(raw: str, region: str = "ID") -> Any:
    try:
        return phonenumbers.parse(raw, region)
    except NumberParseException:
        return None


def reference(raw: str, region: str = "ID") -> str | None:
    """libphonenumber's E.164 for `raw` dialled in `region`, or None when it cannot read it."""
    number = parsed(raw, region)
    return None if number is None else phonenumbers.format_number(number, PhoneNumberFormat.E164)


def valid(raw: str) -> bool:
    """Whether libphonenumber holds `raw`, dialled in Indonesia, a valid number."""
    number = parsed(raw)
    return number is not None and phonenumbers.is_valid_number(number)


def ascii_digits(pattern: str) -> str:
    # Python's \d is any Unicode digit: the generated numbers must be the ASCII ones a phone sends.
    return pattern.replace(r"\d", "[0-9]")


def _indonesia() -> PhoneMetadata:
    metadata = PhoneMetadata.metadata_for_region("ID")
    assert metadata is not None
    return metadata


def _pattern(description: PhoneNumberDesc | None) -> str:
    assert description is not None
    assert description.national_number_pattern is not None
    return ascii_digits(description.national_number_pattern)


ID = _indonesia()
# Indonesian national significant numbers libphonenumber calls valid: mobile and fixed line, drawn from
# its own patterns.
NATIONAL = st.one_of(
    st.from_regex(_pattern(ID.mobile), fullmatch=True),
    st.from_regex(_pattern(ID.fixed_line), fullmatch=True),
).filter(lambda nsn: valid("+62" + nsn))


def _examples() -> list[str]:
    """An example number of every type libphonenumber has for every region but Indonesia, in E.164, of
    the 8 to 15 digits we store."""
    found = set()
    for region in phonenumbers.SUPPORTED_REGIONS - {"ID"}:
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.add(phonenumbers.format_number(number, PhoneNumberFormat.E164))
    return sorted(e164 for e164 in found if 8 <= len(e164) - 1 <= 15)


FOREIGN = _examples()


@st.composite
def written(draw: st.DrawFn, digits: str) -> str:
    """`digits` as a person or a carrier may write them: spaces, dashes or dots between some of them."""
    out = []
    for digit in digits:
        out.append(digit)
        out.append(draw(st.sampled_from(["", "", "", " ", "-", "."])))
    return "".join(out).strip(" -.")


def test_no_lambda_imports_phonenumbers() -> None:
    """It is the reference for tests; the 112 path stays light (and the Lambdas do not carry it)."""
    importers = []
    for path in (ROOT / "functions").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "phonenumbers" for name in names):
                importers.append(path.relative_to(ROOT))
    assert importers == []


# -- the reference itself --------------------------------------------------------------------------------


def test_libphonenumber_lists_fewer_international_prefixes_for_indonesia_than_its_carriers() -> None:
    """If libphonenumber's metadata changes, the documented differences above must be looked at again."""
    assert ID.international_prefix is not None
    listed = re.compile(ID.international_prefix)
    assert [p for p in (*CARRIERS, "01016") if listed.fullmatch(p)] == list(LIBPHONENUMBER_PREFIXES)
    assert ID.national_prefix == "0"


def test_the_owners_examples_are_the_countries_dialled() -> None:
    """Dialled from Indonesia, the digits after the prefix are the country code, not part of it."""
    assert normalize_phone("008 1 415 555 0123") == "+14155550123" == reference("008 1 415 555 0123")
    assert normalize_phone("009 65 9123 4567") == "+6591234567" == reference("009 65 9123 4567")
    assert normalize_phone("001 1 415 555 0123") == "+14155550123"
    assert normalize_phone("007 65 9123 4567") == "+6591234567"
    assert normalize_phone("01016 81 3 1234 5678") == "+81312345678"


# -- Indonesian numbers ------------------------------------------------------------------------------------


@PROPERTY
@given(nsn=NATIONAL, data=st.data())
@example(nsn="81234567890", data=None)
@example(nsn="333424242", data=None)
@example(nsn="6112345", data=None)  # Medan, the shortest valid
def test_an_indonesian_number_national_or_plus62_is_what_libphonenumber_reads(
    nsn: str, data: st.DataObject | None
) -> None:
    for raw in ("0" + nsn, "+62" + nsn):
        text = data.draw(written(raw)) if data else raw
        assert normalize_phone(text) == reference(text) == "+62" + nsn, text


@PROPERTY
@given(nsn=NATIONAL, prefix=st.sampled_from(PREFIXES), data=st.data())
def test_an_indonesian_number_through_an_international_prefix_is_itself(
    nsn: str, prefix: str, data: st.DataObject
) -> None:
    text = data.draw(written(prefix + "62" + nsn))

    assert normalize_phone(text) == "+62" + nsn, text
    if prefix in LIBPHONENUMBER_PREFIXES:
        assert reference(text) == "+62" + nsn, text


@PROPERTY
@given(nsn=NATIONAL, data=st.data())
def test_62_without_plus_is_the_country_code(nsn: str, data: st.DataObject) -> None:
    text = data.draw(written("62" + nsn))

    assert normalize_phone(text) == "+62" + nsn == reference("+" + text), text


# -- foreign numbers -----------------------------------------------------------------------------------------


@PROPERTY
@given(e164=st.sampled_from(FOREIGN), prefix=st.sampled_from(("+", *PREFIXES)), data=st.data())
def test_a_foreign_number_through_any_international_prefix_is_that_number(
    e164: str, prefix: str, data: st.DataObject
) -> None:
    text = prefix + data.draw(written(e164[1:]))

    assert normalize_phone(text) == e164, text
    if prefix in ("+", *LIBPHONENUMBER_PREFIXES):
        assert reference(text) == e164, text


def test_every_regions_example_is_covered() -> None:
    assert len(FOREIGN) > 400  # about 240 regions, fixed and mobile at least


# -- any digits: a valid number is never lost, and a kept one is read the same way ---------------------------


def reading(raw: str) -> str:
    """The digits we read as country code and number in `raw` (digits only)."""
    if raw.startswith("+"):
        return raw[1:]
    prefix = next((p for p in PREFIXES if raw.startswith(p)), None)
    if prefix:
        return raw[len(prefix) :]
    return COUNTRY + raw[1:] if raw.startswith("0") else raw


def differs_on_purpose(raw: str, theirs: str | None) -> bool:
    """Whether `raw` is one of the forms the module docstring names, where we and libphonenumber differ."""
    if raw.startswith(("001", "007", "010")):
        return True  # international prefixes to us; national numbers (some toll-free) to libphonenumber
    # A trunk prefix written after a country code (+62 0…, +1 1…): libphonenumber drops it, we do not.
    return theirs is not None and len(theirs) - 1 < len(reading(raw))


@PROPERTY
@given(
    lead=st.sampled_from(["0", "+62", "008", "009", "+"]),
    digits=st.text(alphabet="0123456789", min_size=1, max_size=15),
)
@example(lead="0", digits="8123456")  # a mobile number one digit short: impossible to libphonenumber
@example(lead="+", digits="6837012")  # Niue: valid, 7 digits
@example(lead="008", digits="2614000000")  # Madagascar: libphonenumber reads +261 4000000 as +261 20 4000000
def test_what_libphonenumber_calls_valid_we_keep_and_what_we_keep_it_reads_alike(
    lead: str, digits: str
) -> None:
    raw = lead + digits
    ours, theirs = normalize_phone(raw), reference(raw)
    if differs_on_purpose(raw, theirs):
        return

    if theirs is not None and valid(raw) and 8 <= len(theirs) - 1 <= 15:
        assert ours == theirs, raw
    if ours is not None and ours != theirs:
        # We check shape, not allocation: our reading may differ only on a number that cannot exist.
        number = parsed(ours)
        if number is not None and phonenumbers.format_number(number, PhoneNumberFormat.E164) == theirs:
            return  # libphonenumber rewrites our number into its own reading (Madagascar's 7 digits gain 20)
        assert number is None or not phonenumbers.is_possible_number(number), (raw, ours, theirs)


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(st.none(), st.text(max_size=40), st.text(alphabet="0123456789+ -()", max_size=24)))
def test_normalize_phone_never_raises_and_gives_e164_or_none(raw: str | None) -> None:
    result = normalize_phone(raw)

    assert result is None or re.fullmatch(r"\+[1-9][0-9]{7,14}", result), (raw, result)


# -- where we differ, on purpose ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "ours"),
    [("001 1 415 555 0123", "+14155550123"), ("007 1 415 555 0123", "+14155550123"),
     ("01016 1 415 555 0123", "+14155550123"), ("01000 65 9123 4567", "+6591234567")],
)  # fmt: skip
def test_where_we_differ_001_007_and_010xx_are_international_prefixes(raw: str, ours: str) -> None:
    assert normalize_phone(raw) == ours
    theirs = reference(raw)
    assert theirs is not None
    assert theirs.startswith("+62")
    assert not valid(raw)  # a national number nobody can call


@pytest.mark.parametrize("raw", ["001 803 1234 5678", "007 803 123 4567", "001-803-61-1234"])
def test_where_we_differ_indonesian_toll_free_numbers_are_no_caller(raw: str) -> None:
    assert normalize_phone(raw) is None
    assert valid(raw)


@pytest.mark.parametrize(("raw", "national"), [("62333424242", "+6262333424242"), ("6262123456", None)])
def test_where_we_differ_62_is_always_the_country_code(raw: str, national: str | None) -> None:
    """0623 is an area code (North Sumatra): libphonenumber reads 62333424242 as a number there."""
    assert normalize_phone(raw) == "+" + raw
    if national is not None:
        assert reference(raw) == national
        assert valid(raw)


@pytest.mark.parametrize("raw", ["+62 0812 3456 7890", "008 62 0812 3456 7890", "0062 812 3456 7890"])
def test_where_we_differ_a_trunk_zero_after_62_or_a_bare_00_is_refused(raw: str) -> None:
    assert normalize_phone(raw) is None


def test_where_we_differ_a_national_number_without_its_zero_is_refused() -> None:
    assert normalize_phone("81234567890") is None
    assert reference("81234567890") == "+6281234567890"


@pytest.mark.parametrize("e164", ["+6837012", "+6903101", "+2908999"])
def test_where_we_differ_seven_digit_numbers_are_refused(e164: str) -> None:
    assert valid(e164)
    assert normalize_phone(e164) is None
