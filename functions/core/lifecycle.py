"""The incident lifecycle: one explicit state machine and the pure functions that move along it.

    RECEIVED --claim--> IN_REVIEW --verify (A1)--> VERIFIED --dispatch--> DISPATCHED
                            |                                             |  (every agency acknowledged)
                            |                                             v
                            |                                        ACKNOWLEDGED --close--> CLOSED
                            \\--reject (PRANK | NON_EMERGENCY | DUPLICATE)--> REJECTED

Each function takes the incident as read, checks the move is legal, and returns a `Change`: the new
incident (version + 1), the audit entry describing the move, and any dispatch records to write. The
repository applies a `Change` atomically, conditional on the version that was read, so two operators
racing on one incident cannot both win.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.errors import IllegalTransition, InvalidRequest, NotAssignee
from core.models import (
    Action,
    Actor,
    AmlFix,
    AuditEntry,
    Category,
    Dispatch,
    DispatchStatus,
    Incident,
    Location,
    Priority,
    Rejection,
    Status,
)

STATE_MACHINE: Mapping[Status, Mapping[Action, Status]] = {
    Status.RECEIVED: {Action.CLAIM: Status.IN_REVIEW, Action.LOCATE: Status.RECEIVED},
    Status.IN_REVIEW: {
        Action.REASSIGN: Status.IN_REVIEW,
        Action.VERIFY: Status.VERIFIED,
        Action.REJECT: Status.REJECTED,
        Action.LOCATE: Status.IN_REVIEW,
    },
    Status.VERIFIED: {Action.DISPATCH: Status.DISPATCHED, Action.LOCATE: Status.VERIFIED},
    Status.DISPATCHED: {
        Action.AGENCY_ACKNOWLEDGE: Status.DISPATCHED,
        Action.ACKNOWLEDGE: Status.ACKNOWLEDGED,
        Action.LOCATE: Status.DISPATCHED,
    },
    Status.ACKNOWLEDGED: {Action.CLOSE: Status.CLOSED, Action.LOCATE: Status.ACKNOWLEDGED},
    Status.CLOSED: {},
    Status.REJECTED: {},
}
TERMINAL: frozenset[Status] = frozenset(s for s, moves in STATE_MACHINE.items() if not moves)


def allowed_from(action: Action) -> frozenset[Status]:
    return frozenset(status for status, moves in STATE_MACHINE.items() if action in moves)


def next_status(incident: Incident, action: Action) -> Status:
    """The status `action` leads to from the incident's status, or IllegalTransition."""
    target = STATE_MACHINE[incident.status].get(action)
    if target is None:
        raise IllegalTransition(
            incident.id, action.value.lower(), incident.status.value, allowed_from(action)
        )
    return target


@dataclass(frozen=True)
class DispatchWrite:
    dispatch: Dispatch
    expected_status: DispatchStatus | None  # None: the record must not exist yet


@dataclass(frozen=True)
class Change:
    incident: Incident
    expected_version: int
    audit: AuditEntry
    dispatch_writes: Sequence[DispatchWrite] = field(default_factory=tuple)


def _move(
    incident: Incident,
    action: Action,
    actor: str,
    now: datetime,
    *,
    reason: str | None = None,
    details: Mapping[str, str] | None = None,
    updates: Mapping[str, Any] | None = None,
    dispatch_writes: Sequence[DispatchWrite] = (),
) -> Change:
    target = next_status(incident, action)
    version = incident.version + 1
    new = incident.model_copy(
        update={**(updates or {}), "status": target, "version": version, "updated_at": now}
    )
    audit = AuditEntry(
        incident_id=incident.id,
        version=version,
        at=now,
        actor=actor,
        action=action,
        from_status=incident.status,
        to_status=target,
        reason=reason,
        details=dict(details or {}),
    )
    return Change(
        incident=new, expected_version=incident.version, audit=audit, dispatch_writes=tuple(dispatch_writes)
    )


def registration_audit(incident: Incident, reason: str | None = None) -> AuditEntry:
    """The first timeline entry: the incident came into being, by whom (created_by) and, when it is not
    the channel's ordinary way, why."""
    return AuditEntry(
        incident_id=incident.id,
        version=incident.version,
        at=incident.received_at,
        actor=incident.created_by,
        action=Action.REGISTER,
        from_status=None,
        to_status=incident.status,
        reason=reason,
        details={"channel": incident.channel.value},
    )


def _require_assignee(incident: Incident, operator: str, action: str) -> None:
    if incident.assigned_to != operator:
        raise NotAssignee(incident.id, action, incident.assigned_to)


def claim(incident: Incident, operator: Actor, now: datetime) -> Change:
    if incident.status is Status.IN_REVIEW and incident.assigned_to not in (None, operator):
        raise NotAssignee(incident.id, "claim", incident.assigned_to)  # another operator has it
    return _move(incident, Action.CLAIM, operator, now, updates={"assigned_to": operator, "claimed_at": now})


def locate(
    incident: Incident, fix: AmlFix, actor: Actor, now: datetime, district: str | None = None
) -> Change:
    """The caller's handset sent its position (AML): keep the latest on the incident, whatever its stage.
    `district`, the kecamatan the fix lies in, fills the incident's when it has none; one it has (an
    operator's, a citizen's, an earlier fix's) is never overwritten: the operator corrects it."""
    updates: dict[str, Any] = {"aml": fix}
    if district and (incident.location is None or incident.location.district is None):
        location = incident.location or Location(district=district)
        updates["location"] = location.model_copy(update={"district": district})
    details = {
        "lat": f"{fix.lat:.5f}",
        "lon": f"{fix.lon:.5f}",
        "accuracyM": "" if fix.accuracy_m is None else f"{fix.accuracy_m:.0f}",
        "method": fix.method.value,
        "transport": fix.transport.value,
        **({"district": district} if "location" in updates and district else {}),
    }
    return _move(incident, Action.LOCATE, actor, now, details=details, updates=updates)


def reassign(incident: Incident, supervisor: Actor, assignee: Actor, now: datetime) -> Change:
    """Hand an incident under review to another operator (a supervisor's decision, e.g. at shift change)."""
    next_status(incident, Action.REASSIGN)
    if assignee == incident.assigned_to:
        raise InvalidRequest("assignee", f"incident {incident.id} is already assigned to {assignee}")
    return _move(
        incident,
        Action.REASSIGN,
        supervisor,
        now,
        details={"from": incident.assigned_to or "", "to": assignee},
        updates={"assigned_to": assignee},
    )


@dataclass(frozen=True)
class Verification:
    category: Category
    priority: Priority
    location: Location
    summary: str
    agencies: tuple[str, ...]  # agency type codes
    posts: tuple[str, ...] = ()  # the directory's post ids of those types


def verify(incident: Incident, operator: Actor, verification: Verification, now: datetime) -> Change:
    next_status(incident, Action.VERIFY)
    _require_assignee(incident, operator, "verify")
    if not verification.agencies:
        raise InvalidRequest("agencies", "an A1 incident needs at least one agency to dispatch to")
    return _move(
        incident,
        Action.VERIFY,
        operator,
        now,
        details={
            "grade": "A1",
            "category": verification.category.value,
            "priority": verification.priority.value,
            "agencies": ",".join(verification.agencies),
            **({"posts": ",".join(verification.posts)} if verification.posts else {}),
        },
        updates={
            "category": verification.category,
            "priority": verification.priority,
            "location": verification.location,
            "summary": verification.summary,
            "agencies": list(verification.agencies),
            "posts": list(verification.posts),
            "verified_at": now,
        },
    )


def reject(incident: Incident, operator: Actor, rejection: Rejection, now: datetime) -> Change:
    next_status(incident, Action.REJECT)
    _require_assignee(incident, operator, "reject")
    if rejection.duplicate_of == incident.id:
        raise InvalidRequest("duplicateOf", "an incident cannot duplicate itself")
    details = {"duplicateOf": rejection.duplicate_of} if rejection.duplicate_of else {}
    return _move(
        incident,
        Action.REJECT,
        operator,
        now,
        reason=rejection.reason.value,
        details={**details, **({"note": rejection.note} if rejection.note else {})},
        updates={"rejection": rejection, "rejected_at": now},
    )


def dispatch(
    incident: Incident,
    message_ids: Mapping[str, str],
    actor: Actor,
    now: datetime,
    posts: Mapping[str, Sequence[str]] | None = None,
) -> Change:
    """Record that every agency of a VERIFIED incident has been notified (`posts`: the incident's posts
    of each agency type, for its dispatch record)."""
    next_status(incident, Action.DISPATCH)
    missing = [agency for agency in incident.agencies if agency not in message_ids]
    if missing:
        raise InvalidRequest("agencies", f"not notified yet: {', '.join(missing)}")
    writes = [
        DispatchWrite(
            Dispatch(
                incident_id=incident.id,
                agency=agency,
                posts=list((posts or {}).get(agency, ())),
                status=DispatchStatus.NOTIFIED,
                notified_at=now,
                message_id=message_ids[agency],
            ),
            expected_status=None,
        )
        for agency in incident.agencies
    ]
    return _move(
        incident,
        Action.DISPATCH,
        actor,
        now,
        details={"agencies": ",".join(incident.agencies)},
        updates={"dispatched_at": now},
        dispatch_writes=writes,
    )


def acknowledge(
    incident: Incident,
    dispatches: Sequence[Dispatch],
    agency: str,
    actor: Actor,
    now: datetime,
    note: str | None = None,
) -> Change:
    """An agency confirmed it is responding. The incident is ACKNOWLEDGED once every agency has."""
    next_status(incident, Action.AGENCY_ACKNOWLEDGE)
    current = next((d for d in dispatches if d.agency == agency), None)
    if current is None:
        raise InvalidRequest("agency", f"{agency} was not dispatched to incident {incident.id}", "path")
    if current.status is DispatchStatus.ACKNOWLEDGED:
        raise IllegalTransition(
            incident.id,
            f"acknowledge {agency} for",
            "already acknowledged by that agency",
            frozenset({"NOTIFIED"}),
        )
    pending = [d.agency for d in dispatches if d.status is DispatchStatus.NOTIFIED and d.agency != agency]
    action = Action.AGENCY_ACKNOWLEDGE if pending else Action.ACKNOWLEDGE
    acked = current.model_copy(
        update={
            "status": DispatchStatus.ACKNOWLEDGED,
            "acknowledged_at": now,
            "acknowledged_by": actor,
            "note": note,
        }
    )
    details = {"agency": agency, "pending": ",".join(pending)}
    return _move(
        incident,
        action,
        actor,
        now,
        reason=note,
        details=details,
        updates={} if pending else {"acknowledged_at": now},
        dispatch_writes=[DispatchWrite(acked, expected_status=DispatchStatus.NOTIFIED)],
    )


def close(incident: Incident, actor: Actor, note: str, now: datetime) -> Change:
    return _move(incident, Action.CLOSE, actor, now, reason=note, updates={"closed_at": now})
