"""The incident lifecycle: one explicit state machine and the pure functions that move along it.

    RECEIVED --claim--> IN_REVIEW --verify (A1)--> VERIFIED --dispatch--> DISPATCHED --close (by hand,
                            |                                             |        with a reason)--> CLOSED
                            |                                             |  (every agency acknowledged)
                            |                                             v
                            |                                        ACKNOWLEDGED --close--> CLOSED
                            \\--reject (PRANK | SILENT | NON_EMERGENCY | DUPLICATE)--> REJECTED
    RECEIVED | IN_REVIEW --attach--> ATTACHED --detach (a supervisor's correction)--> IN_REVIEW
    VERIFIED | DISPATCHED | ACKNOWLEDGED --cancel (a false alarm found later, with a reason)--> CLOSED
    REJECTED | CLOSED --reopen (a supervisor's correction, with a reason)--> IN_REVIEW, or back to
                        DISPATCHED | ACKNOWLEDGED when the closed incident had been dispatched

UPDATE (after verification: location, category, priority, summary, agencies) keeps VERIFIED, DISPATCHED
or ACKNOWLEDGED, except that it follows the agencies: an agency added to an ACKNOWLEDGED incident makes it
DISPATCHED again (the new agency has to confirm), and withdrawing the last unconfirmed one from a
DISPATCHED incident makes it ACKNOWLEDGED.

LOCATE (the handset's position), FLAG (a fact learnt after registration), STANDING (a supervisor
changed the caller's standing), NOTE, MESSAGE (a follow-up from the citizen) and REPORT_ADDED/REMOVED
(the parent's side of an attach) and MAJOR_INCIDENT (a supervisor declared a major incident with it as the
parent) keep the status they find, at any open stage; MAJOR_INCIDENT_END (it ended) at any stage at all.

Each agency's dispatch moves forward only, NOTIFIED → ACKNOWLEDGED → EN_ROUTE → ON_SCENE → CLEARED, by its
posts (`agency_status`: their page or their system) or an operator (`acknowledge`, a confirmation taken by
phone). ESCALATE (nobody confirmed within the deadline) keeps the incident DISPATCHED and flags it OVERDUE.

The callback desk (docs/callbacks.md): an abandoned or silent call, RECEIVED or IN_REVIEW, is called
back; an attempt that reaches the caller puts it IN_REVIEW with that operator, and after the regency's
number of failed attempts it may be closed as unreachable (REJECTED, reason UNREACHABLE).

Each function takes the incident as read, checks the move is legal, and returns a `Change`: the new
incident (version + 1), the audit entry describing the move, and any dispatch records to write. The
repository applies a `Change` atomically, conditional on the version that was read, so two operators
racing on one incident cannot both win.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.errors import CannotWrite, IllegalTransition, InvalidRequest, NotAssignee
from core.models import (
    MAX_OUTBOUND,
    MAX_REPORT_TEXT,
    Action,
    Actor,
    AmlFix,
    AuditEntry,
    Callback,
    CallbackAttempt,
    CallbackOutcome,
    CallbackReason,
    Cancellation,
    Category,
    Dispatch,
    DispatchStatus,
    Flag,
    Incident,
    IncidentReport,
    Location,
    OutboundMessage,
    OutboundState,
    Priority,
    Rejection,
    RejectionReason,
    Status,
)
from core.standing import STANDING_FLAGS, Standing

if TYPE_CHECKING:  # the notices' models load only where a change tells the agencies
    from core.notices import Notice

_MOVES: Mapping[Status, Mapping[Action, Status]] = {
    Status.RECEIVED: {
        Action.CLAIM: Status.IN_REVIEW,
        # a call that needs calling back (the callback desk), while nobody reviews it
        Action.ABANDON: Status.RECEIVED,
        Action.ABANDON_WITHDRAWN: Status.RECEIVED,
        Action.MARK_SILENT: Status.RECEIVED,
        Action.CALLBACK: Status.RECEIVED,
        Action.CALLBACK_REACHED: Status.IN_REVIEW,
        Action.CLOSE_UNREACHABLE: Status.REJECTED,
        Action.ATTACH: Status.ATTACHED,  # the same emergency as an open incident (core.related)
    },
    Status.IN_REVIEW: {
        Action.REASSIGN: Status.IN_REVIEW,
        Action.VERIFY: Status.VERIFIED,
        Action.REJECT: Status.REJECTED,
        # the same while someone reviews it: the desk's attempts keep the status
        Action.ABANDON: Status.IN_REVIEW,
        Action.ABANDON_WITHDRAWN: Status.IN_REVIEW,
        Action.MARK_SILENT: Status.IN_REVIEW,
        Action.CALLBACK: Status.IN_REVIEW,
        Action.CALLBACK_REACHED: Status.IN_REVIEW,
        Action.CLOSE_UNREACHABLE: Status.REJECTED,
        Action.ATTACH: Status.ATTACHED,
    },
    Status.VERIFIED: {
        Action.DISPATCH: Status.DISPATCHED,
        Action.UPDATE: Status.VERIFIED,
        Action.CANCEL: Status.CLOSED,
    },
    Status.DISPATCHED: {
        Action.UPDATE: Status.DISPATCHED,
        Action.CANCEL: Status.CLOSED,
        Action.AGENCY_ACKNOWLEDGE: Status.DISPATCHED,
        Action.ACKNOWLEDGE: Status.ACKNOWLEDGED,
        Action.AGENCY_STATUS: Status.DISPATCHED,
        Action.ESCALATE: Status.DISPATCHED,
        # by hand, with a reason: an agency that never confirms does not keep the incident open for ever
        Action.CLOSE: Status.CLOSED,
    },
    Status.ACKNOWLEDGED: {
        Action.UPDATE: Status.ACKNOWLEDGED,
        Action.CANCEL: Status.CLOSED,
        Action.AGENCY_STATUS: Status.ACKNOWLEDGED,
        Action.CLOSE: Status.CLOSED,
    },
    Status.CLOSED: {},
    Status.REJECTED: {},
    Status.ATTACHED: {},
}
# A supervisor's corrections of a terminal status: the status stays terminal (statistics count it so, and
# nothing else may happen to it) but a mistake can be undone.
_CORRECTIONS: Mapping[Status, Mapping[Action, Status]] = {
    Status.ATTACHED: {Action.DETACH: Status.IN_REVIEW},
    Status.REJECTED: {Action.REOPEN: Status.IN_REVIEW},
    Status.CLOSED: {Action.REOPEN: Status.IN_REVIEW},
}
# Where a move may end instead of its usual target, and why (each checked where it is decided):
_ALSO_TO: Mapping[Action, frozenset[Status]] = {
    # an update follows the agencies' confirmations (the module's docstring)
    Action.UPDATE: frozenset({Status.DISPATCHED, Status.ACKNOWLEDGED}),
    # a closed incident that had been dispatched goes back to where its agencies stand, not to review
    Action.REOPEN: frozenset({Status.DISPATCHED, Status.ACKNOWLEDGED}),
}
# Changes that record something on an open incident without moving it, at any open stage.
_IN_PLACE = (
    Action.LOCATE,  # the handset's position (AML) arrived
    Action.FLAG,  # a fact learnt after registration (the caller pressed the "cannot speak" key)
    Action.STANDING,  # a supervisor lifted or imposed the caller's standing (core.callers)
    Action.NOTE,  # an operator's note
    Action.MESSAGE,  # a follow-up message from the citizen (core.conversations)
    Action.MESSAGE_SENT,  # an operator wrote to the citizen (core.conversations)
    Action.REPORT_ADDED,  # another incident was attached to this one (core.related)
    Action.REPORT_REMOVED,  # and detached again
    Action.MAJOR_INCIDENT,  # a supervisor declared a major incident with this one as its parent
)
# Records that a terminal incident still takes, its status unchanged, facts about its open past: a major
# incident declared while its parent was open is ended (and audited on the parent) after the parent
# closed, too; what became of a message written while the incident was open (it may have been closed or
# attached since).
_RECORDS_ANYWHERE = (Action.MAJOR_INCIDENT_END, Action.MESSAGE_OUTCOME)
TERMINAL: frozenset[Status] = frozenset(s for s, moves in _MOVES.items() if not moves)
OPEN: tuple[Status, ...] = tuple(s for s in _MOVES if s not in TERMINAL)
STATE_MACHINE: Mapping[Status, Mapping[Action, Status]] = {
    status: {
        **moves,
        **(dict.fromkeys(_IN_PLACE, status) if moves else {}),
        **_CORRECTIONS.get(status, {}),
        **dict.fromkeys(_RECORDS_ANYWHERE, status),
    }
    for status, moves in _MOVES.items()
}


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
    # A channel's own id for the message this change records (a follow-up): written with the change, once,
    # so a redelivery of the message changes nothing (MessageRepeated).
    dedupe_key: str | None = None
    # What the incident's posts are to be told of this change (core.notices): kept in the outbox with the
    # change, in the same transaction, so that a notice the API fails to queue is queued later.
    notice: Notice | None = None


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
    to: Status | None = None,
) -> Change:
    target = next_status(incident, action)
    if to is not None and to is not target:
        if to not in _ALSO_TO.get(action, frozenset()):
            raise IllegalTransition(
                incident.id, action.value.lower(), incident.status.value, allowed_from(action)
            )
        target = to
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


def mark_standing(
    incident: Incident, supervisor: Actor, standing: Standing, reason: str, now: datetime
) -> Change:
    """A supervisor changed the standing of the incident's caller: its WARNED/DEMOTED flag follows, and
    its timeline says who, why and to what (the caller's own audit trail has the entry too)."""
    next_status(incident, Action.STANDING)
    kept = [flag for flag in incident.flags if flag not in STANDING_FLAGS.values()]
    flags = [*kept, STANDING_FLAGS[standing]] if standing in STANDING_FLAGS else kept
    return _move(
        incident,
        Action.STANDING,
        supervisor,
        now,
        reason=reason,
        details={"standing": standing.value},
        updates={"flags": flags},
    )


def flag(incident: Incident, flag: Flag, actor: Actor, now: datetime) -> Change:
    """A fact an operator must see, learnt after registration (the caller pressed the "cannot speak"
    key): added to the incident's flags, its status unchanged. Not on a closed or rejected incident."""
    if flag in incident.flags:
        raise InvalidRequest("flag", f"incident {incident.id} is already flagged {flag.value}")
    return _move(
        incident,
        Action.FLAG,
        actor,
        now,
        details={"flag": flag.value},
        updates={"flags": [*incident.flags, flag]},
    )


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
    if rejection.reason is RejectionReason.UNREACHABLE:
        raise InvalidRequest(
            "reason", "UNREACHABLE is for the callback desk, after the failed callbacks it records"
        )
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
    ack_due_at: datetime | None = None,
) -> Change:
    """Record that every agency of a VERIFIED incident has been notified (`posts`: the incident's posts
    of each agency type, for its dispatch record; `ack_due_at`: when escalation steps in if an agency has
    not confirmed by then)."""
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
        updates={"dispatched_at": now, "ack_due_at": ack_due_at},
        dispatch_writes=writes,
    )


def _unconfirmed(dispatches: Sequence[Dispatch], but: str) -> list[str]:
    return [d.agency for d in dispatches if d.pending and d.agency != but]


def _confirmed_updates(incident: Incident, now: datetime) -> dict[str, Any]:
    """What changes on the incident when its last agency confirms: acknowledged, no deadline left, and no
    longer overdue."""
    return {
        "acknowledged_at": now,
        "ack_due_at": None,
        "flags": [flag for flag in incident.flags if flag is not Flag.OVERDUE],
    }


def acknowledge(
    incident: Incident,
    dispatches: Sequence[Dispatch],
    agency: str,
    actor: Actor,
    now: datetime,
    note: str | None = None,
) -> Change:
    """An operator records that an agency confirmed it is responding (a call taken by phone). The incident
    is ACKNOWLEDGED once every agency has."""
    next_status(incident, Action.AGENCY_ACKNOWLEDGE)
    current = _dispatch_of(incident, dispatches, agency)
    if current.status is not DispatchStatus.NOTIFIED:
        raise IllegalTransition(
            incident.id,
            f"acknowledge {agency} for",
            f"already {current.status.value} by that agency",
            frozenset({"NOTIFIED"}),
        )
    pending = _unconfirmed(dispatches, agency)
    action = Action.AGENCY_ACKNOWLEDGE if pending else Action.ACKNOWLEDGE
    acked = current.model_copy(
        update={
            "status": DispatchStatus.ACKNOWLEDGED,
            "acknowledged_at": now,
            "acknowledged_by": actor,
            "updated_by": actor,
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
        updates={} if pending else _confirmed_updates(incident, now),
        dispatch_writes=[DispatchWrite(acked, expected_status=DispatchStatus.NOTIFIED)],
    )


def _dispatch_of(incident: Incident, dispatches: Sequence[Dispatch], agency: str) -> Dispatch:
    current = next((d for d in dispatches if d.agency == agency), None)
    if current is None:
        raise InvalidRequest("agency", f"{agency} was not dispatched to incident {incident.id}", "path")
    if current.withdrawn_at is not None:
        raise InvalidRequest("agency", f"{agency} was withdrawn from incident {incident.id}", "path")
    return current


_REACHED_AT = {
    DispatchStatus.ACKNOWLEDGED: "acknowledged_at",
    DispatchStatus.EN_ROUTE: "en_route_at",
    DispatchStatus.ON_SCENE: "on_scene_at",
    DispatchStatus.CLEARED: "cleared_at",
}


def agency_status(
    incident: Incident,
    dispatches: Sequence[Dispatch],
    agency: str,
    status: DispatchStatus,
    actor: Actor,
    now: datetime,
    note: str | None = None,
) -> Change | None:
    """A post of `agency` says where its response stands (its page or its system; `actor` post:<id>).

    Forward only: a status the dispatch has reached already (a repeat, a retry, a late duplicate) changes
    nothing and returns None. A step skipped (on scene without saying received) implies receipt: the
    dispatch is acknowledged then too. The incident is ACKNOWLEDGED once every agency has confirmed."""
    next_status(incident, Action.AGENCY_STATUS)  # DISPATCHED or ACKNOWLEDGED, whatever the dispatch's state
    if status is DispatchStatus.NOTIFIED:
        raise InvalidRequest("status", "NOTIFIED is where a dispatch starts; say ACKNOWLEDGED or later")
    current = _dispatch_of(incident, dispatches, agency)
    if status.rank <= current.status.rank:
        return None
    first_confirmation = current.status is DispatchStatus.NOTIFIED
    pending = _unconfirmed(dispatches, agency)
    if first_confirmation:
        action = Action.AGENCY_ACKNOWLEDGE if pending else Action.ACKNOWLEDGE
    else:
        action = Action.AGENCY_STATUS
    next_status(incident, action)
    update: dict[str, Any] = {"status": status, _REACHED_AT[status]: now, "updated_by": actor}
    if first_confirmation:
        update |= {"acknowledged_at": now, "acknowledged_by": actor}
    if note:
        update["note"] = note
    moved = current.model_copy(update=update)
    details = {
        "agency": agency,
        "from": current.status.value,
        "status": status.value,
        "pending": ",".join(pending),
    }
    confirms_all = first_confirmation and not pending
    return _move(
        incident,
        action,
        actor,
        now,
        reason=note,
        details=details,
        updates=_confirmed_updates(incident, now) if confirms_all else {},
        dispatch_writes=[DispatchWrite(moved, expected_status=current.status)],
    )


def escalate(
    incident: Incident,
    level: int,
    notified: Sequence[str],
    next_due_at: datetime | None,
    actor: Actor,
    now: datetime,
) -> Change:
    """Nobody confirmed by the deadline: the step `level` was taken (1: the posts' second contacts, 2: the
    regency-level posts of the types still unconfirmed), naming whom it notified. The incident is flagged
    OVERDUE and, while a step is left, gets its next deadline."""
    next_status(incident, Action.ESCALATE)
    if level != incident.escalation_level + 1:
        raise IllegalTransition(
            incident.id, f"escalate to level {level}", f"at level {incident.escalation_level}",
            allowed_from(Action.ESCALATE),
        )  # fmt: skip
    flags = incident.flags if Flag.OVERDUE in incident.flags else [*incident.flags, Flag.OVERDUE]
    return _move(
        incident,
        Action.ESCALATE,
        actor,
        now,
        reason="acknowledgement deadline passed",
        details={"level": str(level), "notified": ",".join(notified)},
        updates={"escalation_level": level, "ack_due_at": next_due_at, "flags": flags},
    )


def close(incident: Incident, actor: Actor, note: str, now: datetime) -> Change:
    return _move(incident, Action.CLOSE, actor, now, reason=note, updates={"closed_at": now})


# -- after verification: an update, a cancellation, a reopening (docs/api.md) ---------------------------

# The incident's fields an update may change, in the order the timeline and the notices name them.
AMENDED_FIELDS = ("location", "category", "priority", "summary", "agencies")


@dataclass(frozen=True)
class Amendment:
    """An incident as the operator corrects it after verification: the verification's fields again."""

    category: Category
    priority: Priority
    location: Location
    summary: str
    agencies: tuple[str, ...]
    posts: tuple[str, ...] = ()
    # The posts of each agency type (core.agencies.posts_by_agency on the amended incident): the dispatch
    # records' posts once dispatched.
    posts_by_agency: Mapping[str, Sequence[str]] = field(default_factory=dict)


def place_text(location: Location | None) -> str:
    """A location in a few words for the timeline: the address, the kecamatan, the point."""
    if location is None:
        return ""
    parts = [location.address or "", location.district or ""]
    if location.lat is not None and location.lon is not None:
        parts.append(f"{location.lat:.5f},{location.lon:.5f}")
    return "; ".join(part for part in parts if part)


def amended(incident: Incident, amendment: Amendment) -> list[str]:
    """The fields the amendment changes (AMENDED_FIELDS order); none for a retried request."""
    before = {
        "location": incident.location,
        "category": incident.category,
        "priority": incident.priority,
        "summary": incident.summary,
        "agencies": (list(incident.agencies), list(incident.posts)),
    }
    after = {
        "location": amendment.location,
        "category": amendment.category,
        "priority": amendment.priority,
        "summary": amendment.summary,
        "agencies": (list(amendment.agencies), list(amendment.posts)),
    }
    return [name for name in AMENDED_FIELDS if before[name] != after[name]]


def update(
    incident: Incident,
    dispatches: Sequence[Dispatch],
    operator: Actor,
    amendment: Amendment,
    now: datetime,
    ack_due_at: datetime | None = None,
) -> Change:
    """What the operator learnt after verification changes the incident in place; the timeline keeps each
    field's from and to. Once dispatched, an agency added gets a dispatch record (NOTIFIED, `ack_due_at`
    its deadline when none is running), one removed is marked withdrawn, and a kept agency's posts follow
    the amended incident's."""
    next_status(incident, Action.UPDATE)
    if not amendment.agencies:
        raise InvalidRequest("agencies", "an A1 incident needs at least one agency to dispatch to")
    changed = amended(incident, amendment)
    if not changed:
        raise InvalidRequest("body", f"nothing to change on incident {incident.id}")
    details: dict[str, str] = {"changed": ",".join(changed)}
    texts = {
        "location": (place_text(incident.location), place_text(amendment.location)),
        "category": (str(incident.category or ""), amendment.category.value),
        "priority": (str(incident.priority or ""), amendment.priority.value),
        "summary": (incident.summary or "", amendment.summary),
        "agencies": (",".join(incident.agencies), ",".join(amendment.agencies)),
    }
    for name in changed:
        details[f"{name}.from"], details[f"{name}.to"] = (text[:500] for text in texts[name])
    if incident.posts != list(amendment.posts):
        details["posts.from"], details["posts.to"] = ",".join(incident.posts), ",".join(amendment.posts)
    updates: dict[str, Any] = {
        "category": amendment.category,
        "priority": amendment.priority,
        "location": amendment.location,
        "summary": amendment.summary,
        "agencies": list(amendment.agencies),
        "posts": list(amendment.posts),
    }
    writes: list[DispatchWrite] = []
    to: Status | None = None
    if incident.status is not Status.VERIFIED:
        writes = _redispatch(incident, dispatches, amendment, operator, now)
        added = [w.dispatch.agency for w in writes if w.dispatch.notified_at == now]
        withdrawn = [w.dispatch.agency for w in writes if w.dispatch.withdrawn_at == now]
        if added:
            details["added"] = ",".join(added)
        if withdrawn:
            details["withdrawn"] = ",".join(withdrawn)
        after = {d.agency: d for d in dispatches} | {w.dispatch.agency: w.dispatch for w in writes}
        pending = any(d.pending for d in after.values())
        to = Status.DISPATCHED if pending else Status.ACKNOWLEDGED
        if to is Status.ACKNOWLEDGED and incident.status is Status.DISPATCHED:
            updates |= _confirmed_updates(incident, now)
        elif pending and (incident.ack_due_at is None or incident.status is Status.ACKNOWLEDGED) and added:
            updates["ack_due_at"] = ack_due_at
    return _move(
        incident,
        Action.UPDATE,
        operator,
        now,
        details=details,
        updates=updates,
        dispatch_writes=writes,
        to=to,
    )


def _redispatch(
    incident: Incident, dispatches: Sequence[Dispatch], amendment: Amendment, actor: Actor, now: datetime
) -> list[DispatchWrite]:
    """The dispatch records an amendment changes: a new agency (or a withdrawn one taken back) starts over,
    NOTIFIED; a removed one is withdrawn; a kept one takes the amended posts."""
    current = {d.agency: d for d in dispatches}
    writes: list[DispatchWrite] = []
    for agency in amendment.agencies:
        posts = list(amendment.posts_by_agency.get(agency, ()))
        known = current.get(agency)
        if known is None or known.withdrawn_at is not None:
            fresh = Dispatch(
                incident_id=incident.id,
                agency=agency,
                posts=posts,
                status=DispatchStatus.NOTIFIED,
                notified_at=now,
                # sent by the per-post delivery of this update (core.notices), not the agency-type topic
                message_id=f"update-v{incident.version + 1}",
                updated_by=actor,
            )
            writes.append(DispatchWrite(fresh, expected_status=known.status if known else None))
        elif known.posts != posts:
            writes.append(DispatchWrite(known.model_copy(update={"posts": posts}), known.status))
    for known in dispatches:
        if known.agency not in amendment.agencies and known.withdrawn_at is None:
            withdrawn = known.model_copy(update={"withdrawn_at": now, "withdrawn_by": actor})
            writes.append(DispatchWrite(withdrawn, expected_status=known.status))
    return writes


def cancel(incident: Incident, operator: Actor, reason: str, now: datetime) -> Change:
    """A verified incident turns out to be no emergency (a false alarm found later): CLOSED, with its
    cancellation; its agencies are told (core.notices)."""
    next_status(incident, Action.CANCEL)
    cancellation = Cancellation(reason=reason, at=now, by=operator)
    return _move(
        incident,
        Action.CANCEL,
        operator,
        now,
        reason=reason,
        updates={"cancellation": cancellation, "closed_at": now, "ack_due_at": None},
    )


def reopen(
    incident: Incident, dispatches: Sequence[Dispatch], supervisor: Actor, reason: str, now: datetime
) -> Change:
    """A supervisor undoes a wrong rejection or closing. A rejected incident, or a closed one never
    dispatched, goes back to review held by the supervisor (and is decided again); a closed one that had
    been dispatched goes back to where its agencies stand (DISPATCHED while one has not confirmed)."""
    next_status(incident, Action.REOPEN)
    details: dict[str, str] = {"from": incident.assigned_to or ""}
    updates: dict[str, Any] = {}
    to: Status | None = None
    if incident.status is Status.REJECTED:
        if incident.rejection is not None:
            details["rejection"] = incident.rejection.reason.value
        updates = {"rejection": None, "rejected_at": None, "assigned_to": supervisor, "parent_id": None}
    elif dispatches and incident.dispatched_at is not None:
        to = Status.DISPATCHED if any(d.pending for d in dispatches) else Status.ACKNOWLEDGED
        updates = {"closed_at": None, "cancellation": None}
    else:
        updates = {"closed_at": None, "cancellation": None, "verified_at": None, "assigned_to": supervisor}
    if incident.cancellation is not None:
        details["cancellation"] = incident.cancellation.reason[:500]
    return _move(
        incident, Action.REOPEN, supervisor, now, reason=reason, details=details, updates=updates, to=to
    )


# -- calls that need calling back (the callback desk) --------------------------------------------------

# Attempts kept on one incident: far more than any regency's number before it may be closed as unreachable.
MAX_CALLBACK_ATTEMPTS = 20
_OPEN_FOR_CALLBACK = frozenset({Status.RECEIVED, Status.IN_REVIEW})


def awaiting_callback(incident: Incident) -> bool:
    """Whether the incident is on the callback desk: it needs a call back, none reached the caller yet,
    and nobody has decided it (an operator who verifies or rejects it takes it off the desk too)."""
    callback = incident.callback
    return callback is not None and callback.done_at is None and incident.status in _OPEN_FOR_CALLBACK


def may_close_unreachable(incident: Incident, failed_needed: int) -> bool:
    """After `failed_needed` failed callbacks (the regency's number), after a wrong number (calling it
    again reaches nobody who called), or at once when the number is unknown (nobody can be called)."""
    if not awaiting_callback(incident):
        return False
    assert incident.callback is not None
    attempts = incident.callback.attempts
    wrong_number = bool(attempts) and attempts[-1].outcome is CallbackOutcome.WRONG_NUMBER
    return incident.caller is None or wrong_number or incident.callback.failed_attempts >= failed_needed


def abandon(incident: Incident, actor: Actor, queue_wait_seconds: int | None, now: datetime) -> Change:
    """The caller hung up while queued, before an operator answered: flagged, and on the callback desk."""
    next_status(incident, Action.ABANDON)
    callback = incident.callback or Callback(
        reason=CallbackReason.ABANDONED, since=now, queue_wait_seconds=queue_wait_seconds
    )
    flags = incident.flags if Flag.ABANDONED in incident.flags else [*incident.flags, Flag.ABANDONED]
    details = {} if queue_wait_seconds is None else {"queueWaitSeconds": str(queue_wait_seconds)}
    return _move(
        incident, Action.ABANDON, actor, now, details=details, updates={"flags": flags, "callback": callback}
    )


def withdraw_abandoned(incident: Incident, actor: Actor, now: datetime) -> Change:
    """A contact event that came late showed an operator answered after all: not abandoned. The desk's
    entry goes too unless someone has already called back (their attempts stay on the record)."""
    next_status(incident, Action.ABANDON_WITHDRAWN)
    callback = incident.callback
    if callback and callback.reason is CallbackReason.ABANDONED and not callback.attempts:
        callback = None
    flags = [flag for flag in incident.flags if flag is not Flag.ABANDONED]
    return _move(
        incident, Action.ABANDON_WITHDRAWN, actor, now, updates={"flags": flags, "callback": callback}
    )


def mark_silent(incident: Incident, operator: Actor, note: str | None, now: datetime) -> Change:
    """An open line, nobody speaks. Unless the caller pressed the flow's "cannot speak" key (then someone
    is there, who cannot talk), the call goes to the callback desk."""
    next_status(incident, Action.MARK_SILENT)
    if incident.status is Status.IN_REVIEW and incident.assigned_to not in (None, operator):
        raise NotAssignee(incident.id, "mark silent", incident.assigned_to)
    callback = incident.callback
    to_desk = callback is None and Flag.CANNOT_SPEAK not in incident.flags
    if to_desk:
        callback = Callback(reason=CallbackReason.SILENT, since=now)
    details = {"callback": "true" if to_desk else "false", **({"note": note} if note else {})}
    return _move(
        incident,
        Action.MARK_SILENT,
        operator,
        now,
        details=details,
        updates={"flags": [*incident.flags, Flag.SILENT], "callback": callback},
    )


def _not_on_desk(incident: Incident, action: Action, what: str) -> IllegalTransition:
    state = (
        incident.status.value
        if awaiting_callback(incident)
        else f"{incident.status.value}, not awaiting a callback"
    )
    return IllegalTransition(incident.id, what, state, allowed_from(action))


def record_callback(
    incident: Incident,
    operator: Actor,
    outcome: CallbackOutcome,
    now: datetime,
    *,
    note: str | None = None,
    client_attempt_id: str | None = None,
) -> Change:
    """One call back and its outcome. Any operator may call back an incident on the desk, whoever holds it;
    the one who reaches the caller holds it then, in review (claimed if it was not)."""
    reached = outcome is CallbackOutcome.REACHED
    action = Action.CALLBACK_REACHED if reached else Action.CALLBACK
    next_status(incident, action)
    if not awaiting_callback(incident):
        raise _not_on_desk(incident, action, "record a callback for")
    callback = incident.callback
    assert callback is not None
    if len(callback.attempts) >= MAX_CALLBACK_ATTEMPTS:
        raise InvalidRequest(
            "outcome", f"{MAX_CALLBACK_ATTEMPTS} attempts are recorded: close it as unreachable"
        )
    attempt = CallbackAttempt(
        at=now, by=operator, outcome=outcome, note=note, client_attempt_id=client_attempt_id
    )
    callback = callback.model_copy(
        update={"attempts": [*callback.attempts, attempt], "done_at": now if reached else None}
    )
    updates: dict[str, Any] = {"callback": callback}
    details = {
        "outcome": outcome.value,
        "attempt": str(len(callback.attempts)),
        "failed": str(callback.failed_attempts),
    }
    holder = incident.assigned_to
    if reached:
        updates["assigned_to"] = operator
        if incident.status is Status.RECEIVED:
            updates["claimed_at"] = now
        if holder is not None and holder != operator:
            details["from"] = holder
    if note:
        details["note"] = note
    return _move(incident, action, operator, now, details=details, updates=updates)


def close_unreachable(
    incident: Incident, operator: Actor, failed_needed: int, now: datetime, note: str | None = None
) -> Change:
    """Nobody could be reached after the regency's number of failed callbacks (or at a wrong number, or
    there is no number to call): closed, REJECTED with reason UNREACHABLE, by the operator who decides."""
    next_status(incident, Action.CLOSE_UNREACHABLE)
    if not awaiting_callback(incident):
        raise _not_on_desk(incident, Action.CLOSE_UNREACHABLE, "close as unreachable")
    assert incident.callback is not None
    failed = incident.callback.failed_attempts
    if not may_close_unreachable(incident, failed_needed):
        raise IllegalTransition(
            incident.id,
            "close as unreachable",
            f"{incident.status.value} after {failed} failed callback(s) of the {failed_needed} needed",
            allowed_from(Action.CLOSE_UNREACHABLE),
        )
    rejection = Rejection(reason=RejectionReason.UNREACHABLE, note=note)
    return _move(
        incident,
        Action.CLOSE_UNREACHABLE,
        operator,
        now,
        reason=RejectionReason.UNREACHABLE.value,
        details={"failed": str(failed), **({"note": note} if note else {})},
        updates={
            "rejection": rejection,
            "rejected_at": now,
            "assigned_to": operator,
            "callback": incident.callback.model_copy(update={"done_at": now}),
        },
    )


# -- one emergency, many reports (docs/related.md) -----------------------------------------------------

# Reports kept on one incident: a fire at a market brings tens of calls, and an item holds 400 KB. Beyond
# it, an attached incident keeps its own details and the parent counts it (reports_not_kept).
MAX_REPORTS = 25


def report_of(child: Incident, actor: Actor, now: datetime) -> IncidentReport:
    """What an attached incident brings to its parent: its caller, channel, words, position and source."""
    return IncidentReport(
        received_at=child.received_at,
        channel=child.channel,
        caller=child.caller,
        text=child.report[:MAX_REPORT_TEXT] if child.report else None,
        summary=child.summary,
        location=child.location,
        aml=child.aml,
        source=child.source,
        incident_id=child.id,
        added_at=now,
        added_by=actor,
    )


def attach(child: Incident, parent: Incident, operator: Actor, now: datetime) -> tuple[Change, Change]:
    """The child is the same emergency as the open parent: it ends ATTACHED pointing to the parent, and its
    report joins the parent's. Two changes, committed together (repository.commit_together)."""
    next_status(child, Action.ATTACH)
    if child.status is Status.IN_REVIEW:
        _require_assignee(child, operator, "attach")
    if parent.id == child.id:
        raise InvalidRequest("parentId", "an incident cannot be attached to itself")
    if child.reports or child.reports_not_kept:
        raise InvalidRequest(
            "parentId",
            f"incident {child.id} has reports of its own: attach {parent.id} to it instead",
        )
    if Action.REPORT_ADDED not in STATE_MACHINE[parent.status]:
        raise IllegalTransition(
            parent.id, "attach to", parent.status.value, allowed_from(Action.REPORT_ADDED)
        )
    kept = len(parent.reports) < MAX_REPORTS
    child_change = _move(
        child,
        Action.ATTACH,
        operator,
        now,
        details={"parentId": parent.id},
        updates={"parent_id": parent.id, "assigned_to": operator},
    )
    parent_updates: dict[str, Any] = (
        {"reports": [*parent.reports, report_of(child, operator, now)]}
        if kept
        else {"reports_not_kept": parent.reports_not_kept + 1}
    )
    parent_change = _move(
        parent,
        Action.REPORT_ADDED,
        operator,
        now,
        details={"childId": child.id, "channel": child.channel.value, "kept": str(kept).lower()},
        updates=parent_updates,
    )
    return child_change, parent_change


def detach(
    child: Incident, parent: Incident, supervisor: Actor, reason: str, now: datetime
) -> tuple[Change, Change]:
    """Undo a mistaken attach: the child goes back to review, held by the supervisor, and its report
    leaves the parent. Two changes, committed together."""
    next_status(child, Action.DETACH)
    if child.parent_id != parent.id:
        raise InvalidRequest("id", f"incident {child.id} is not attached to {parent.id}", "path")
    if Action.REPORT_REMOVED not in STATE_MACHINE[parent.status]:
        raise IllegalTransition(
            parent.id, "detach from", parent.status.value, allowed_from(Action.REPORT_REMOVED)
        )
    reports = [report for report in parent.reports if report.incident_id != child.id]
    removed = len(reports) < len(parent.reports)
    parent_updates: dict[str, Any] = (
        {"reports": reports} if removed else {"reports_not_kept": max(parent.reports_not_kept - 1, 0)}
    )
    child_change = _move(
        child,
        Action.DETACH,
        supervisor,
        now,
        reason=reason,
        details={"parentId": parent.id, "from": child.assigned_to or ""},
        updates={"parent_id": None, "assigned_to": supervisor},
    )
    parent_change = _move(
        parent,
        Action.REPORT_REMOVED,
        supervisor,
        now,
        reason=reason,
        details={"childId": child.id},
        updates=parent_updates,
    )
    return child_change, parent_change


def declare_major(incident: Incident, supervisor: Actor, now: datetime, details: Mapping[str, str]) -> Change:
    """A supervisor declared a major incident with this open incident as its parent (core.major_incidents):
    in its timeline (details: the declaration's id, area and message), the status unchanged."""
    return _move(incident, Action.MAJOR_INCIDENT, supervisor, now, details=details)


def end_major(
    incident: Incident, supervisor: Actor, reason: str, now: datetime, details: Mapping[str, str]
) -> Change:
    """A supervisor ended the major incident this one is the parent of, with why: in its timeline, at any
    status (the parent may have closed while the declaration stood)."""
    return _move(incident, Action.MAJOR_INCIDENT_END, supervisor, now, reason=reason, details=details)


def note(incident: Incident, operator: Actor, text: str, now: datetime) -> Change:
    """An operator's note, at any open stage: in the timeline, the status unchanged."""
    return _move(incident, Action.NOTE, operator, now, details={"note": text})


def add_message(incident: Incident, report: IncidentReport, dedupe_key: str, now: datetime) -> Change | None:
    """A follow-up message from the citizen whose incident this is: one more report, its message id kept
    (dedupe_key) so a redelivery adds nothing. None when the incident's reports are full: the message is
    then registered as an incident of its own (nothing is lost)."""
    next_status(incident, Action.MESSAGE)
    if len(incident.reports) >= MAX_REPORTS:
        return None
    change = _move(
        incident,
        Action.MESSAGE,
        report.added_by,
        now,
        details={"channel": report.channel.value, "messageId": report.message_id or ""},
        updates={"reports": [*incident.reports, report]},
    )
    return replace(change, dedupe_key=dedupe_key)


def write_to_citizen(incident: Incident, message: OutboundMessage, supervisor: bool, now: datetime) -> Change:
    """An operator's message to the citizen, recorded on the open incident before it is queued: by the
    operator who holds it, or a supervisor. The channel (who can be written to) is core.conversations'."""
    next_status(incident, Action.MESSAGE_SENT)
    if not supervisor:
        _require_assignee(incident, message.sent_by, "write to the citizen of")
    if len(incident.outbound) >= MAX_OUTBOUND:
        raise CannotWrite(
            incident.id,
            "CONVERSATION_FULL",
            f"insiden ini sudah menyimpan {MAX_OUTBOUND} pesan keluar; hubungi pelapor lewat saluran lain",
            f"this incident keeps {MAX_OUTBOUND} outbound messages already; reach the citizen another way",
        )
    return _move(
        incident,
        Action.MESSAGE_SENT,
        message.sent_by,
        now,
        details={"channel": message.channel.value, "messageId": message.message_id},
        updates={"outbound": [*incident.outbound, message]},
    )


def message_outcome(
    incident: Incident,
    message_id: str,
    state: OutboundState,
    actor: Actor,
    now: datetime,
    platform_message_id: str | None = None,
    problem: str | None = None,
) -> Change | None:
    """What the reply sender made of a message: SENT or FAILED, once. None when there is nothing to record
    (no such message, or its outcome is recorded already: a redelivery)."""
    found = [m for m in incident.outbound if m.message_id == message_id]
    if not found or found[0].state is not OutboundState.QUEUED:
        return None
    done = found[0].model_copy(
        update={
            "state": state,
            "platform_message_id": platform_message_id[:128] if platform_message_id else None,
            "problem": problem[:300] if problem else None,
            "outcome_at": now,
        }
    )
    details = {"messageId": message_id, "state": state.value}
    if problem:
        details["problem"] = problem[:300]
    return _move(
        incident,
        Action.MESSAGE_OUTCOME,
        actor,
        now,
        details=details,
        updates={"outbound": [done if m.message_id == message_id else m for m in incident.outbound]},
    )
