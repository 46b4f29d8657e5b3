"""Time-sortable identifiers (ULID: 48-bit millisecond timestamp + 80 random bits, Crockford base32).

A ULID sorts lexicographically by creation time, which lets the queue index order incidents
oldest-first without a separate timestamp key.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ULID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
_ULID_RE = re.compile(ULID_PATTERN)


def new_ulid(timestamp_ms: int | None = None) -> str:
    ms = time.time_ns() // 1_000_000 if timestamp_ms is None else timestamp_ms
    if not 0 <= ms < 2**48:
        raise ValueError("ULID timestamp out of range")
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 0x1F])
        value >>= 5
    return "".join(reversed(chars))


def is_ulid(value: str) -> bool:
    return bool(_ULID_RE.match(value))


def ulid_timestamp_ms(value: str) -> int:
    """The creation time encoded in a ULID (first 10 characters)."""
    ms = 0
    for char in value[:10]:
        ms = (ms << 5) | _CROCKFORD.index(char)
    return ms


def ulid_floor(timestamp_ms: int) -> str:
    """The smallest ULID of that millisecond: every id created at or after it sorts at or after this (a
    time window's bound as a key condition on an id sort key)."""
    value = max(0, timestamp_ms) << 80
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 0x1F])
        value >>= 5
    return "".join(reversed(chars))


def day_partition(incident_id: str) -> str:
    """The `by-day` partition of an incident (core/search.py): the UTC day its id was made (its arrival)."""
    moment = datetime.fromtimestamp(ulid_timestamp_ms(incident_id) / 1000, UTC)
    return f"DAY#{moment:%Y-%m-%d}"
