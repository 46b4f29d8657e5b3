"""A 112 call as Amazon Connect's contact events tell it: when it was queued, answered and by whom, when it
ended and who hung up; and what that means for its incident (an abandoned call goes to the callback desk).

Contact events are unordered, best effort and may repeat (docs/decisions.md 39). Each event is merged into
one record per call, kept under the call's initial contact id whether or not its incident exists yet:
every time takes the earliest value any event gave (initiated, queued, answered) or the latest
(disconnected), so a repeat changes nothing and any order ends in the same record. The record is copied
onto the incident once the contact's DEDUPE item names it (the intake's or an operator's, core/contacts.py),
and a later event copies it again; nothing here is on the 112 path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core import lifecycle
from core.clock import Clock, utc_now
from core.errors import CallRecordConflict, ConcurrentModification
from core.models import Action, CallRecord, CallTimes, DisconnectedBy, Flag, Incident, Status
from core.observability import MetricUnit, logger, metrics
from core.ports import AgentDirectory, IncidentRepository

SYSTEM_CONNECT = "system:connect"  # the actor of what contact events change on an incident
_OPEN = frozenset({Status.RECEIVED, Status.IN_REVIEW})
_ATTEMPTS = 3  # merges or flag changes that lose a race are tried again this often, then SQS retries


class EventType(StrEnum):
    """The contact event types a call's record takes (Connect's own names). Others are ignored: Amazon
    Connect adds types, and says to ignore what one does not know."""

    INITIATED = "INITIATED"
    CONNECTED_TO_SYSTEM = "CONNECTED_TO_SYSTEM"
    QUEUED = "QUEUED"
    CONNECTED_TO_AGENT = "CONNECTED_TO_AGENT"
    DISCONNECTED = "DISCONNECTED"
    COMPLETED = "COMPLETED"
    CONTACT_DATA_UPDATED = "CONTACT_DATA_UPDATED"


# Connect's DisconnectReason (contact records; contact events when they carry it), shortened to who ended.
DISCONNECT_REASONS: dict[str, DisconnectedBy] = {
    "CUSTOMER_DISCONNECT": DisconnectedBy.CUSTOMER,
    "AGENT_DISCONNECT": DisconnectedBy.AGENT,
    "BARGED": DisconnectedBy.AGENT,  # a supervisor barged in and ended it
    "CONTACT_FLOW_DISCONNECT": DisconnectedBy.SYSTEM,
    "EXPIRED": DisconnectedBy.SYSTEM,
    "TELECOM_PROBLEM": DisconnectedBy.TELECOM,
    "THIRD_PARTY_DISCONNECT": DisconnectedBy.OTHER,
    "OTHER": DisconnectedBy.OTHER,
}


@dataclass(frozen=True)
class CallEvent:
    """One contact event, as far as it concerns the call's record (intake/contact_event.py reads it)."""

    contact_id: str  # the initial contact id, lowercase: the key the intake registers the call under
    type: EventType
    at: datetime  # the event's own time (EventBridge's `time`)
    initiated_at: datetime | None = None
    queued_at: datetime | None = None
    answered_at: datetime | None = None
    agent_id: str | None = None  # the agent in Connect (the last part of its ARN)
    agent_arn: str | None = None
    disconnected_at: datetime | None = None
    disconnected_by: DisconnectedBy | None = None


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _known_first(value: str | None) -> tuple[bool, str]:
    """Orders candidates so that a known value comes before none, then the smaller: a deterministic pick."""
    return (value is None, value or "")


def merge(
    record: CallRecord | None, event: CallEvent, now: datetime, username: str | None = None
) -> CallRecord:
    """The record with `event` merged in (`username`: the answering agent's, when known). Commutative,
    associative and idempotent in the events; `now` only stamps `updated_at`. A record that says nothing
    new is returned as it is (the same object), so the caller knows there is nothing to write."""
    base = record or CallRecord(contact_id=event.contact_id, updated_at=now)
    answered_at, agent, name = base.answered_at, base.answered_by_agent, base.answered_by
    if event.answered_at is not None:
        # The earliest answer and the agent who gave it; on a tie a known agent, then the smaller id.
        theirs = (event.answered_at, *_known_first(event.agent_id))
        if answered_at is None or theirs < (answered_at, *_known_first(agent)):
            answered_at, agent, name = event.answered_at, event.agent_id, None
    if agent is not None and agent == event.agent_id and name is None:
        name = username
    disconnected_at, by = base.disconnected_at, base.disconnected_by
    if event.disconnected_at is not None:
        # The latest disconnect and who ended it where its event says; on a tie a known party, the smaller.
        theirs_end = (-event.disconnected_at.timestamp(), *_known_first(event.disconnected_by))
        if disconnected_at is None or theirs_end < (-disconnected_at.timestamp(), *_known_first(by)):
            disconnected_at, by = event.disconnected_at, event.disconnected_by
    events = dict(base.events)
    seen = events.get(event.type.value)
    events[event.type.value] = event.at if seen is None else min(seen, event.at)
    merged = base.model_copy(
        update={
            "initiated_at": _earliest(base.initiated_at, event.initiated_at),
            "queued_at": _earliest(base.queued_at, event.queued_at),
            "answered_at": answered_at,
            "answered_by_agent": agent,
            "answered_by": name,
            "disconnected_at": disconnected_at,
            "disconnected_by": by,
            "events": events,
        }
    )
    if record is None:
        return merged
    if same_call(merged, record):
        return record
    return merged.model_copy(update={"updated_at": now, "revision": record.revision + 1})


def same_call(a: CallRecord, b: CallRecord) -> bool:
    """Whether two records say the same about the call (their revision and update time aside)."""
    ignore = {"revision", "updated_at"}
    return a.model_dump(exclude=ignore) == b.model_dump(exclude=ignore)


def abandoned(record: CallRecord) -> bool:
    """Enqueued and disconnected without ever being connected to an operator (Connect's definition of an
    abandoned contact)."""
    return record.queued_at is not None and record.disconnected_at is not None and record.answered_at is None


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max(0.0, (end - start).total_seconds()), 3)


def queue_wait_seconds(record: CallRecord) -> float | None:
    """Queued until answered; for an abandoned call, queued until the caller hung up."""
    return _seconds(
        record.queued_at, record.answered_at or (record.disconnected_at if abandoned(record) else None)
    )


def call_times(record: CallRecord, claimed_at: datetime | None) -> CallTimes:
    """The record as the incident shows it, with the intervals from ring to claim."""
    return CallTimes(
        contact_id=record.contact_id,
        initiated_at=record.initiated_at,
        queued_at=record.queued_at,
        answered_at=record.answered_at,
        answered_by=record.answered_by,
        disconnected_at=record.disconnected_at,
        disconnected_by=record.disconnected_by,
        abandoned=abandoned(record),
        queue_wait_seconds=queue_wait_seconds(record),
        ring_to_queue_seconds=_seconds(record.initiated_at, record.queued_at),
        queue_to_answer_seconds=_seconds(record.queued_at, record.answered_at),
        ring_to_answer_seconds=_seconds(record.initiated_at, record.answered_at),
        answer_to_claim_seconds=_seconds(record.answered_at, claimed_at) if record.answered_at else None,
    )


class CallWithoutIncident(RuntimeError):
    """A call ended and no incident names its contact yet: retried (SQS) so that an incident the operator
    opens late still gets it, and kept in the dead-letter queue if none ever does."""


@dataclass(frozen=True)
class Recorded:
    record: CallRecord
    changed: bool
    incident_id: str | None


class CallEvents:
    """Merges contact events into their call's record, copies it onto the incident and flags an abandoned
    call (audited: it puts the incident on the callback desk)."""

    def __init__(
        self, repository: IncidentRepository, agents: AgentDirectory, clock: Clock = utc_now
    ) -> None:
        self._repo = repository
        self._agents = agents
        self._now = clock

    def record(self, event: CallEvent) -> Recorded:
        username = self._agents.username(event.agent_arn) if event.agent_arn else None
        record, before = self._merge(event, username)
        changed = before is None or not same_call(record, before)
        if changed:
            self._measure(before, record)
        incident_id = self._repo.incident_for_contact(record.contact_id)
        if incident_id is None:
            if record.disconnected_at is not None:
                metrics.add_metric(name="CallWithoutIncident", unit=MetricUnit.Count, value=1)
                raise CallWithoutIncident(f"call {record.contact_id} ended and no incident names it yet")
            return Recorded(record, changed, None)  # its next event, or a retry, brings the incident
        self._repo.project_call(incident_id, record)
        if record.disconnected_at is not None:
            self._flag(incident_id, record)
        return Recorded(record, changed, incident_id)

    def _merge(self, event: CallEvent, username: str | None) -> tuple[CallRecord, CallRecord | None]:
        for _ in range(_ATTEMPTS):
            current = self._repo.call_record(event.contact_id)
            merged = merge(current, event, self._now(), username)
            if merged is current:
                return current, current  # a repeat, or nothing new: no write
            try:
                self._repo.save_call_record(merged, None if current is None else current.revision)
                return merged, current
            except CallRecordConflict:
                continue  # another event of the same call was merged meanwhile: merge into that
        raise CallRecordConflict(event.contact_id)

    def _measure(self, before: CallRecord | None, after: CallRecord) -> None:
        """The answer time, once per call: when a merge first records an answer (NENA-STA-020 counts from
        the call's arrival to its answer; docs/callbacks.md)."""
        if (before is None or before.answered_at is None) and after.answered_at is not None:
            ring = _seconds(after.initiated_at, after.answered_at)
            wait = _seconds(after.queued_at, after.answered_at)
            if ring is not None:
                metrics.add_metric(name="AnswerTimeSeconds", unit=MetricUnit.Seconds, value=ring)
            if wait is not None:
                metrics.add_metric(name="QueueWaitSeconds", unit=MetricUnit.Seconds, value=wait)

    def _flag(self, incident_id: str, record: CallRecord) -> None:
        """ABANDONED follows the record while the incident is open and nobody has called back yet."""
        for _ in range(_ATTEMPTS):
            incident = self._repo.get(incident_id)
            change = _flag_change(incident, record, self._now())
            if change is None:
                return
            try:
                self._repo.commit(change)
            except ConcurrentModification:
                continue  # an operator acted meanwhile: look again
            if change.audit.action is Action.ABANDON:
                metrics.add_metric(name="CallAbandoned", unit=MetricUnit.Count, value=1)
                logger.info("abandoned call on the callback desk", extra={"incident_id": incident_id})
            return
        raise ConcurrentModification(incident_id)


def _flag_change(incident: Incident, record: CallRecord, now: datetime) -> lifecycle.Change | None:
    if incident.status not in _OPEN:
        return None  # decided already: nobody needs to call back
    flagged = Flag.ABANDONED in incident.flags
    if abandoned(record) and not flagged:
        wait = queue_wait_seconds(record)
        return lifecycle.abandon(incident, SYSTEM_CONNECT, None if wait is None else round(wait), now)
    if not abandoned(record) and flagged and not (incident.callback and incident.callback.attempts):
        return lifecycle.withdraw_abandoned(incident, SYSTEM_CONNECT, now)
    return None
