"""Phone numbers in E.164, as Indonesian callers and carriers write them.

Callers and Connect give us `+6281234567890`, `081234567890`, `6281234567890`, `0333-424242` or
nothing at all (withheld, `anonymous`). We store E.164 (`+62…`) or no number: an unknown caller is
still an emergency, so normalisation never raises on the intake path (`normalize_phone` returns None);
the API, where a person typed the number, uses the strict `E164` type and answers 422.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

COUNTRY_CODE = "62"  # Indonesia
_SEPARATORS = re.compile(r"[\s\-.()/]")
# [0-9], not \d: \d also matches full-width and other Unicode digits, which are not E.164.
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
# Indonesian national significant numbers: 8-12 digits, never starting with 0 (mobile 8…, area codes).
_E164_ID = re.compile(r"^\+62[1-9][0-9]{7,11}$")


def normalize_phone(raw: str | None) -> str | None:
    """E.164 form of `raw`, or None when it is not a usable phone number."""
    if raw is None:
        return None
    # Phone keyboards may type full-width or other scripts' digits: read them as the digits they are.
    text = "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() else c for c in unicodedata.normalize("NFKC", raw)
    )
    text = _SEPARATORS.sub("", text.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("0"):
        text = "+" + COUNTRY_CODE + text[1:]
    elif text.startswith(COUNTRY_CODE) and len(text) >= 10:
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
