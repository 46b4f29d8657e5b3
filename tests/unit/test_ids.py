"""ULIDs: shape, time order and the encoded timestamp."""

from __future__ import annotations

import re
import time

import pytest

from core.ids import ULID_PATTERN, is_ulid, new_ulid, ulid_timestamp_ms

MAX_MS = 2**48 - 1


def test_new_ulid_is_26_crockford_characters() -> None:
    value = new_ulid()
    assert len(value) == 26
    assert re.fullmatch(ULID_PATTERN, value)
    assert is_ulid(value)


def test_new_ulids_differ() -> None:
    values = {new_ulid(1_700_000_000_000) for _ in range(100)}
    assert len(values) == 100


@pytest.mark.parametrize(
    "value",
    [
        "",
        "01JDQ2V7X5T8K3M9P4R6S1W0Y",  # 25 characters
        "01JDQ2V7X5T8K3M9P4R6S1W0YZZ",  # 27 characters
        "01jdq2v7x5t8k3m9p4r6s1w0yz",  # lower case
        "01JDQ2V7X5T8K3M9P4R6S1W0YI",  # I is not Crockford
        "01JDQ2V7X5T8K3M9P4R6S1W0YL",  # L
        "01JDQ2V7X5T8K3M9P4R6S1W0YO",  # O
        "01JDQ2V7X5T8K3M9P4R6S1W0YU",  # U
    ],
)
def test_is_ulid_rejects_malformed_values(value: str) -> None:
    assert not is_ulid(value)


def test_ids_made_at_increasing_times_sort_increasingly() -> None:
    stamps = [0, 1, 2, 1_000, 1_700_000_000_000, 1_700_000_000_001, 1_764_000_000_000, MAX_MS]
    ids = [new_ulid(ms) for ms in stamps]
    assert sorted(ids) == ids
    assert len(set(ids)) == len(ids)


def test_ids_one_millisecond_apart_sort_whatever_their_random_part() -> None:
    for _ in range(200):
        earlier, later = new_ulid(1_764_387_613_123), new_ulid(1_764_387_613_124)
        assert earlier < later


@pytest.mark.parametrize("ms", [0, 1, 1_764_387_613_123, MAX_MS])
def test_timestamp_round_trips(ms: int) -> None:
    assert ulid_timestamp_ms(new_ulid(ms)) == ms


def test_default_timestamp_is_now() -> None:
    before = time.time_ns() // 1_000_000
    value = new_ulid()
    after = time.time_ns() // 1_000_000
    assert before <= ulid_timestamp_ms(value) <= after


def test_extreme_timestamps_encode_as_expected() -> None:
    assert new_ulid(0).startswith("0000000000")
    assert new_ulid(MAX_MS).startswith("7ZZZZZZZZZ")


@pytest.mark.parametrize("ms", [-1, 2**48, 2**64])
def test_out_of_range_timestamp_raises(ms: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        new_ulid(ms)
