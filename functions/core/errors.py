"""Domain errors. Handlers map them to HTTP statuses; the domain never speaks HTTP."""

from __future__ import annotations

from typing import Literal


class DomainError(Exception):
    """Base class: something the caller asked for cannot be done."""


class IncidentNotFound(DomainError):
    def __init__(self, incident_id: str) -> None:
        super().__init__(f"incident {incident_id} not found")
        self.incident_id = incident_id


class IllegalTransition(DomainError):
    """The lifecycle does not allow this action from the incident's current state."""

    def __init__(self, incident_id: str, action: str, status: str, allowed_from: frozenset[str]) -> None:
        allowed = ", ".join(sorted(allowed_from))
        super().__init__(f"cannot {action} incident {incident_id}: it is {status} (allowed from: {allowed})")
        self.incident_id = incident_id
        self.action = action
        self.status = status


class NotAssignee(DomainError):
    """Another operator holds the incident."""

    def __init__(self, incident_id: str, action: str, assigned_to: str | None) -> None:
        super().__init__(f"cannot {action} incident {incident_id}: it is claimed by {assigned_to}")
        self.incident_id = incident_id
        self.assigned_to = assigned_to


class ConcurrentModification(DomainError):
    """A conditional write lost a race: someone changed the incident since we read it."""

    def __init__(self, incident_id: str) -> None:
        super().__init__(f"incident {incident_id} was changed by someone else; reload and try again")
        self.incident_id = incident_id


class CallerSnapshotIncomplete(Exception):
    """DynamoDB left part of the intake's read of a number unprocessed (throttled): the call goes on with
    the standing NORMAL, as after any failed read (core.callers)."""

    def __init__(self, caller: str) -> None:
        super().__init__("the caller's record was not read in full")
        self.caller = caller


class CallerStandingChanged(ConcurrentModification):
    """A supervisor (or an operator's decision) changed a number's standing since it was read."""

    def __init__(self, caller: str) -> None:
        DomainError.__init__(self, "the caller's standing was changed by someone else; reload and try again")
        self.incident_id = ""
        self.caller = caller


class InvalidRequest(DomainError):
    """The request is well-formed but breaks a domain rule (unknown district, no agency to dispatch to…).

    `source` says where the field came from (body, query or path), as validation errors do."""

    def __init__(self, field: str, problem: str, source: Literal["body", "query", "path"] = "body") -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.source = source


class EntryNotFound(DomainError):
    """No such agency type or post in the directory (`entry`: TYPE#<code> or POST#<id>)."""

    def __init__(self, entry: str) -> None:
        kind, _, key = entry.partition("#")
        super().__init__(f"{'agency type' if kind == 'TYPE' else 'post'} {key} not found")
        self.entry = entry


class DirectoryConflict(DomainError):
    """A conditional write to the directory lost: the entry exists already, or changed since it was read."""

    def __init__(
        self, entry: str, problem: str = "was changed by someone else; reload and try again"
    ) -> None:
        kind, _, key = entry.partition("#")
        super().__init__(f"{'agency type' if kind == 'TYPE' else 'post'} {key} {problem}")
        self.entry = entry


class CallRecordConflict(DomainError):
    """Another contact event of the same call was merged into its record since this one read it."""

    def __init__(self, contact_id: str) -> None:
        super().__init__(f"the record of call {contact_id} changed meanwhile")
        self.contact_id = contact_id


class MessageRepeated(DomainError):
    """A channel's message was recorded on an incident already (a redelivery): nothing more to do."""

    def __init__(self, incident_id: str) -> None:
        super().__init__(f"the message is recorded on incident {incident_id} already")
        self.incident_id = incident_id


class CannotWrite(DomainError):
    """An operator cannot write to this incident's citizen: the channel has no conversation (a web report,
    a call: call them back), or the incident keeps no more messages. The message says so in both languages,
    Bahasa Indonesia first, since the panel shows it as it is."""

    def __init__(self, incident_id: str, code: str, indonesian: str, english: str) -> None:
        super().__init__(f"{indonesian} / {english}")
        self.incident_id = incident_id
        self.code = code


class ReplyNotQueued(DomainError):
    """The message is recorded but the replies queue did not take it: the same request again queues it."""

    def __init__(self, incident_id: str) -> None:
        super().__init__(
            f"pesan tercatat pada insiden {incident_id} tetapi belum terkirim ke antrean; kirim ulang / "
            "the message is recorded but not queued yet; send the same request again"
        )
        self.incident_id = incident_id
