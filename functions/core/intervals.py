"""An incident's intervals and outcome, as the statistics count them (docs/stats.md).

Pure functions over the incident's stored attributes (the JSON form of `Incident`, its dispatches and its
call's record), read as plain mappings on purpose: the statistics must count an item a newer function wrote
(a status, a rejection reason, a flag or a dispatch time this code does not know yet) rather than fail on it.
Anything absent or unreadable is an interval not counted, never an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Interval(StrEnum):
    """The intervals counted, each from one moment to the next (seconds)."""

    RING_TO_ANSWER = "ringToAnswer"  # a call: it reached Amazon Connect, until a person answered
    ANSWER_TO_CLAIM = "answerToClaim"  # a call: answered, until an operator claimed its incident
    ARRIVAL_TO_CLAIM = "arrivalToClaim"  # another channel: the report arrived, until an operator claimed it
    CLAIM_TO_VERIFY = "claimToVerify"
    VERIFY_TO_DISPATCH = "verifyToDispatch"
    DISPATCH_TO_ACKNOWLEDGE = "dispatchToAcknowledge"  # until the first agency confirmed
    ACKNOWLEDGE_TO_ON_SCENE = "acknowledgeToOnScene"  # until the first agency was on scene
    ON_SCENE_TO_CLOSE = "onSceneToClose"
    ARRIVAL_TO_DISPATCH = "arrivalToDispatch"  # the whole wait for help to be sent: time to dispatch


class Outcome(StrEnum):
    """What became of an incident. OPEN while nobody has decided it."""

    VERIFIED = "verified"
    PRANK = "prank"
    SILENT = "silent"
    NON_EMERGENCY = "non-emergency"
    DUPLICATE = "duplicate"
    ATTACHED = "attached"
    CANCELLED = "cancelled"  # verified, then found a false alarm and cancelled (CLOSED with a cancellation)
    ABANDONED = "abandoned"
    UNREACHABLE = "unreachable"
    OPEN = "open"


# Upper edges (seconds) of the histograms' buckets, each bucket holding (previous edge, edge]; the last
# holds everything longer. Dense around the answer-time standard's 15 s and 20 s (counted exactly), then
# wider up to a day. Fixed forever: aggregates stored with these edges are summed across any range.
BUCKET_EDGES: tuple[int, ...] = (
    0, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1200, 1800, 2700, 3600, 5400,
    7200, 10800, 21600, 43200, 86400,
)  # fmt: skip
OVERFLOW = "inf"  # the bucket after the last edge
BUCKETS: tuple[str, ...] = (*(str(edge) for edge in BUCKET_EDGES), OVERFLOW)

_VERIFIED_STATUSES = frozenset(
    {"VERIFIED", "DISPATCHED", "ACKNOWLEDGED", "EN_ROUTE", "ON_SCENE", "CLEARED", "CLOSED"}
)
_REASONS = {
    "PRANK": Outcome.PRANK,
    "SILENT": Outcome.SILENT,
    "NON_EMERGENCY": Outcome.NON_EMERGENCY,
    "DUPLICATE": Outcome.DUPLICATE,
}


def bucket(seconds: float) -> str:
    """The bucket a duration falls in: the first edge it does not exceed."""
    for edge in BUCKET_EDGES:
        if seconds <= edge:
            return str(edge)
    return OVERFLOW


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _first(values: Iterable[datetime | None]) -> datetime | None:
    present = [value for value in values if value is not None]
    return min(present) if present else None


def outcome(incident: Mapping[str, Any]) -> Outcome:
    """From the status, the rejection's reason and the flags. An unknown reason counts as non-emergency
    (rejected for a reason this code does not know), an unknown open status as open."""
    status = incident.get("status")
    flags = {flag for flag in incident.get("flags") or () if isinstance(flag, str)}
    if status == "ATTACHED":
        return Outcome.ATTACHED
    if status == "CLOSED" and isinstance(incident.get("cancellation"), Mapping):
        return Outcome.CANCELLED
    if status in _VERIFIED_STATUSES or (status != "REJECTED" and incident.get("verified_at")):
        return Outcome.VERIFIED
    if status == "REJECTED":
        rejection = incident.get("rejection")
        reason = rejection.get("reason") if isinstance(rejection, Mapping) else None
        if reason == "UNREACHABLE":
            # Closed from the callback desk: what the call was before nobody could be reached.
            if "ABANDONED" in flags:
                return Outcome.ABANDONED
            return Outcome.SILENT if "SILENT" in flags else Outcome.UNREACHABLE
        return _REASONS.get(str(reason), Outcome.NON_EMERGENCY)
    # Still open: a call waiting on the callback desk is counted as what brought it there.
    if "ABANDONED" in flags:
        return Outcome.ABANDONED
    if "SILENT" in flags:
        return Outcome.SILENT
    return Outcome.OPEN


@dataclass(frozen=True)
class Measured:
    """An incident as the statistics see it."""

    incident_id: str
    received_at: datetime
    channel: str
    category: str | None
    district: str | None
    operator: str | None
    caller: str | None
    priority: str | None
    outcome: Outcome
    intervals: Mapping[Interval, float]


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    seconds = (end - start).total_seconds()
    return seconds if seconds >= 0 else None  # clocks disagreed: not counted rather than negative


def measure(
    incident: Mapping[str, Any],
    dispatches: Iterable[Mapping[str, Any]] = (),
    call: Mapping[str, Any] | None = None,
) -> Measured | None:
    """The incident's intervals and outcome; None for an item that is not a readable incident."""
    received = _time(incident.get("received_at"))
    channel, incident_id = incident.get("channel"), incident.get("id")
    if received is None or not isinstance(channel, str) or not isinstance(incident_id, str):
        return None
    dispatches = list(dispatches)
    claimed = _time(incident.get("claimed_at"))
    verified = _time(incident.get("verified_at"))
    dispatched = _time(incident.get("dispatched_at"))
    closed = _time(incident.get("closed_at"))
    acknowledged = _first(_time(d.get("acknowledged_at")) for d in dispatches) or _time(
        incident.get("acknowledged_at")
    )
    on_scene = _first(_time(d.get("on_scene_at")) for d in dispatches)
    spans: dict[Interval, float | None] = {
        Interval.CLAIM_TO_VERIFY: _seconds(claimed, verified),
        Interval.VERIFY_TO_DISPATCH: _seconds(verified, dispatched),
        Interval.DISPATCH_TO_ACKNOWLEDGE: _seconds(dispatched, acknowledged),
        Interval.ACKNOWLEDGE_TO_ON_SCENE: _seconds(acknowledged, on_scene),
        Interval.ON_SCENE_TO_CLOSE: _seconds(on_scene, closed),
    }
    if call is not None:
        initiated = _time(call.get("initiated_at"))
        answered = _time(call.get("answered_at"))
        spans[Interval.RING_TO_ANSWER] = _seconds(initiated, answered)
        spans[Interval.ANSWER_TO_CLAIM] = _seconds(answered, claimed)
        spans[Interval.ARRIVAL_TO_DISPATCH] = _seconds(initiated or received, dispatched)
    else:
        if channel != "VOICE":
            spans[Interval.ARRIVAL_TO_CLAIM] = _seconds(received, claimed)
        spans[Interval.ARRIVAL_TO_DISPATCH] = _seconds(received, dispatched)
    location = incident.get("location")
    district = location.get("district") if isinstance(location, Mapping) else None
    category, operator = incident.get("category"), incident.get("assigned_to")
    caller, priority = incident.get("caller"), incident.get("priority")
    return Measured(
        incident_id=incident_id[:64],
        received_at=received,
        channel=channel,
        category=category if isinstance(category, str) else None,
        district=district if isinstance(district, str) else None,
        operator=operator if isinstance(operator, str) else None,
        caller=caller if isinstance(caller, str) else None,
        priority=priority if isinstance(priority, str) else None,
        outcome=outcome(incident),
        intervals={name: value for name, value in spans.items() if value is not None},
    )
