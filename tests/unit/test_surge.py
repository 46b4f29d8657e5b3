"""bench/surge.py's arithmetic and its reading of an incident: a percentile by nearest rank, a level kept
only without failures and within the flow's block limit, and a call counted recorded only with all of
its contact events on its incident."""

from __future__ import annotations

from typing import Any

import pytest

from bench.surge import Level, Placed, acceptable, percentile, recorded
from infra.contact_flow import CONNECT_INVOKE_TIMEOUT_SECONDS


def test_percentiles_by_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([3.0, 1.0, 2.0], 0.99) == 3.0
    assert percentile([7.0], 0.5) == 7.0


def level(*intake: float, error: str | None = None) -> Level:
    return Level(2, 1.0, [Placed("c", False, "operator1", "i", list(intake), error=error)])


def test_a_level_counts_only_without_failures_and_within_the_blocks_limit() -> None:
    assert acceptable(level(0.02, 0.03))
    assert not acceptable(level(0.02, error="no incident id on the contact"))
    assert not acceptable(level(0.02, CONNECT_INVOKE_TIMEOUT_SECONDS + 0.5))
    assert not acceptable(Level(1, 1.0, []))


ANSWERED: dict[str, Any] = {
    "flags": [],
    "call": {
        "initiatedAt": "2026-12-01T03:00:00.000Z",
        "queuedAt": "2026-12-01T03:00:15.000Z",
        "answeredAt": "2026-12-01T03:00:20.000Z",
        "answeredBy": "operator3",
        "disconnectedAt": "2026-12-01T03:01:50.000Z",
        "abandoned": False,
    },
}
ABANDONED: dict[str, Any] = {
    "flags": ["ABANDONED"],
    "call": {
        "initiatedAt": "2026-12-01T03:00:00.000Z",
        "queuedAt": "2026-12-01T03:00:15.000Z",
        "answeredAt": None,
        "answeredBy": None,
        "disconnectedAt": "2026-12-01T03:00:45.000Z",
        "abandoned": True,
    },
}


def test_an_answered_call_is_recorded_with_its_operator() -> None:
    call = Placed("c", False, "operator3")
    assert recorded(call, ANSWERED)
    assert not recorded(Placed("c", False, "operator4"), ANSWERED)  # another operator's answer
    assert not recorded(call, {"flags": [], "call": None})


@pytest.mark.parametrize("missing", ["initiatedAt", "queuedAt", "disconnectedAt"])
def test_a_call_missing_an_event_is_not_recorded(missing: str) -> None:
    assert not recorded(
        Placed("c", False, "operator3"), {**ANSWERED, "call": {**ANSWERED["call"], missing: None}}
    )
    assert not recorded(Placed("c", True, None), {**ABANDONED, "call": {**ABANDONED["call"], missing: None}})


def test_an_abandoned_call_is_recorded_when_flagged() -> None:
    call = Placed("c", True, None)
    assert recorded(call, ABANDONED)
    assert not recorded(call, {**ABANDONED, "flags": []})
