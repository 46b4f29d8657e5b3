"""An incident's intervals and outcome (core/intervals.py), from its stored attributes, whatever a newer
function may have written into them."""

from __future__ import annotations

from typing import Any

import pytest

from core.intervals import BUCKET_EDGES, OVERFLOW, Interval, Outcome, bucket, measure, outcome

RECEIVED = "2026-11-29T03:40:13.000Z"


def incident(**changes: Any) -> dict[str, Any]:
    return {
        "id": "01KB0Z3Q7M2X8N4P6R9T1V5W3Y",
        "status": "RECEIVED",
        "channel": "VOICE",
        "received_at": RECEIVED,
        "flags": [],
        **changes,
    }


@pytest.mark.parametrize(
    ("status", "reason", "flags", "expected"),
    [
        ("VERIFIED", None, [], Outcome.VERIFIED),
        ("DISPATCHED", None, [], Outcome.VERIFIED),
        ("CLOSED", None, ["SILENT"], Outcome.VERIFIED),  # silent first, reached later and verified
        ("EN_ROUTE", None, [], Outcome.VERIFIED),  # issue 14's statuses
        ("CLEARED", None, [], Outcome.VERIFIED),
        ("ATTACHED", None, [], Outcome.ATTACHED),  # issue 13's
        ("REJECTED", "PRANK", [], Outcome.PRANK),
        ("REJECTED", "SILENT", ["SILENT"], Outcome.SILENT),  # issue 12's reason
        ("REJECTED", "NON_EMERGENCY", [], Outcome.NON_EMERGENCY),
        ("REJECTED", "DUPLICATE", [], Outcome.DUPLICATE),
        ("REJECTED", "UNREACHABLE", ["ABANDONED"], Outcome.ABANDONED),
        ("REJECTED", "UNREACHABLE", ["SILENT"], Outcome.SILENT),
        ("REJECTED", "UNREACHABLE", ["CALLER_UNKNOWN"], Outcome.UNREACHABLE),
        ("REJECTED", "A_REASON_FROM_THE_FUTURE", [], Outcome.NON_EMERGENCY),
        ("REJECTED", None, [], Outcome.NON_EMERGENCY),
        ("RECEIVED", None, ["ABANDONED"], Outcome.ABANDONED),
        ("IN_REVIEW", None, ["SILENT", "WARNED"], Outcome.SILENT),
        ("IN_REVIEW", None, ["DEMOTED"], Outcome.OPEN),
        ("A_STATUS_FROM_THE_FUTURE", None, [], Outcome.OPEN),
    ],
)
def test_the_outcome_comes_from_status_reason_and_flags(
    status: str, reason: str | None, flags: list[str], expected: Outcome
) -> None:
    rejection = {"reason": reason} if reason else None
    assert outcome(incident(status=status, rejection=rejection, flags=flags)) is expected


def test_buckets_hold_up_to_their_edge() -> None:
    assert bucket(0) == "0"
    assert bucket(15) == "15"
    assert bucket(15.001) == "20"
    assert bucket(20) == "20"
    assert bucket(BUCKET_EDGES[-1] + 1) == OVERFLOW


def test_a_call_is_measured_from_its_ring_and_a_report_from_its_arrival() -> None:
    call = {"initiated_at": "2026-11-29T03:40:10.000Z", "answered_at": "2026-11-29T03:40:22.500Z"}
    voice = incident(
        status="CLOSED",
        claimed_at="2026-11-29T03:40:30.000Z",
        verified_at="2026-11-29T03:41:30.000Z",
        dispatched_at="2026-11-29T03:41:32.000Z",
        closed_at="2026-11-29T05:00:00.000Z",
    )
    dispatches = [
        {"acknowledged_at": "2026-11-29T03:43:32.000Z", "on_scene_at": "2026-11-29T03:55:32.000Z"},
        {"acknowledged_at": "2026-11-29T03:42:32.000Z"},  # the first to confirm counts
    ]
    measured = measure(voice, dispatches, call)

    assert measured is not None
    assert measured.intervals == {
        Interval.RING_TO_ANSWER: 12.5,
        Interval.ANSWER_TO_CLAIM: 7.5,
        Interval.CLAIM_TO_VERIFY: 60,
        Interval.VERIFY_TO_DISPATCH: 2,
        Interval.DISPATCH_TO_ACKNOWLEDGE: 60,
        Interval.ACKNOWLEDGE_TO_ON_SCENE: 780,
        Interval.ON_SCENE_TO_CLOSE: 3868,
        Interval.ARRIVAL_TO_DISPATCH: 82,
    }

    web = measure(incident(channel="WEB", status="IN_REVIEW", claimed_at="2026-11-29T03:41:13.000Z"))
    assert web is not None
    assert web.intervals == {Interval.ARRIVAL_TO_CLAIM: 60}


def test_absent_unreadable_or_backwards_times_are_not_counted() -> None:
    measured = measure(
        incident(
            claimed_at="2026-11-29T03:40:00.000Z",  # before it arrived: a clock's fault, not counted
            verified_at="not a time",
            dispatched_at=12,
            closed_at="2026-11-29T03:40:00",  # no zone
        ),
        [{"acknowledged_at": None}, {"on_scene_at": ["x"]}],
        {"initiated_at": "2026-11-29T03:40:10.000Z"},  # never answered
    )
    assert measured is not None
    assert measured.intervals == {}


@pytest.mark.parametrize(
    "item", [{}, {"channel": "VOICE"}, {"received_at": RECEIVED, "channel": 5}, {"received_at": "x" * 10_000}]
)
def test_an_item_that_is_no_readable_incident_is_not_measured(item: dict[str, Any]) -> None:
    assert measure(item) is None
