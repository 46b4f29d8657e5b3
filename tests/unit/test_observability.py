"""core.observability.mask_phone: log lines may correlate a caller, never give the number away."""

from __future__ import annotations

import pytest

from core.observability import mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+6281234567890", "+62812******90"),
        ("+6281234567", "+6281****67"),
        ("+62333112", "+6233***2"),
        ("+62", "+62"),
        (None, "unknown"),
        ("", "unknown"),
    ],
)
def test_a_masked_number(phone: str | None, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    "phone", ["+6281234567890", "+628123456789", "+6281234567", "+62333112", "+6512345678"]
)
def test_at_least_half_of_the_digits_after_the_country_code_are_hidden(phone: str) -> None:
    masked = mask_phone(phone)

    assert len(masked) == len(phone)
    assert masked.count("*") * 2 >= len(phone) - 3
