"""Phone numbers in E.164, as Indonesian callers and carriers write them.

Callers and Connect give us `+6281234567890`, `081234567890`, `6281234567890`, `0333-424242`, a
foreign number dialled from Indonesia (`008 1 415 555 0123`) or nothing at all (withheld, `anonymous`).
We store E.164 (`+62…`) or no number: an unknown caller is still an emergency, so normalisation never
raises on the intake path (`normalize_phone` returns None); the API, where a person typed the number,
uses the strict `E164` type and answers 422.

The rules are checked against Google's libphonenumber (the `phonenumbers` package, a development
dependency only: tests/unit/test_phone_reference.py), which also names where we differ on purpose.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

COUNTRY_CODE = "62"  # Indonesia
_SEPARATORS = re.compile(r"[\s\-.()/]")
# Indonesia's international prefixes: 001, 007, 008, 009 and 010 with two more digits, each a carrier's;
# the digits after one are a country code (008 1 415… is the United States, not Japan's +81). `00`
# alone is none: 0062…, 0044… are no number dialled from Indonesia, and are refused, not guessed.
_INTERNATIONAL = re.compile(r"^(?:00[1789]|010[0-9]{2})")
# 001 803… and 007 803… are Indonesian toll-free numbers (no country has code 803): a service, never a
# caller, and with a national number starting 0 they have no +62 form we store.
_TOLL_FREE = re.compile(r"^00[17]803")
# [0-9], not \d: \d also matches full-width and other Unicode digits, which are not E.164.
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
# Indonesian national significant numbers: 7-12 digits, never starting with 0 (mobile 8… up to 12,
# area codes, Medan's 061 with five more digits the shortest).
_E164_ID = re.compile(r"^\+62[1-9][0-9]{6,11}$")


def normalize_phone(raw: str | None) -> str | None:
    """E.164 form of `raw`, or None when it is not a usable phone number."""
    if raw is None:
        return None
    # Phone keyboards may type full-width or other scripts' digits: read them as the digits they are.
    text = "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() else c for c in unicodedata.normalize("NFKC", raw)
    )
    text = _SEPARATORS.sub("", text.strip())
    if _TOLL_FREE.match(text):
        return None
    if international := _INTERNATIONAL.match(text):
        text = "+" + text[international.end() :]
    elif text.startswith("0"):  # the trunk prefix; 00 not followed by a carrier's digit becomes +620…
        text = "+" + COUNTRY_CODE + text[1:]
    elif text.startswith(COUNTRY_CODE):  # Indonesians write a national number with its 0: 62… is +62…
        text = "+" + text
    if not _E164.match(text):
        return None
    if text.startswith("+" + COUNTRY_CODE) and not _E164_ID.match(text):
        return None
    return text


def _strict(value: str) -> str:
    normalized = normalize_phone(value)
    if normalized is None:
        raise ValueError("not a phone number: use E.164 (+6281234567890) or the local form (081234567890)")
    return normalized


E164 = Annotated[
    str,
    Field(min_length=3, max_length=32, examples=["+6281234567890"]),
    AfterValidator(_strict),
]
"""A phone number normalised to E.164; validation fails with a message a person can act on."""
