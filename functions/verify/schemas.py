"""Request and response bodies of the operators' API (camelCase JSON)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from core.contacts import CONTACT_ID_PATTERN
from core.incidents import VerifyCommand
from core.models import (
    MAX_AGENCY_TYPES,
    MAX_INCIDENT_POSTS,
    MAX_OUTBOUND_TEXT,
    OUTBOUND_ID_PATTERN,
    AgencyCode,
    CallbackNote,
    CallbackOutcome,
    CamelModel,
    Category,
    Channel,
    ClientAttemptId,
    IncidentId,
    Location,
    LocationInput,
    PostId,
    Priority,
    Rejection,
    RequestModel,
)
from core.phone import E164
from core.standing import Standing

Summary = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class RejectRequest(Rejection):
    """Rejection as an operator sends it."""

    model_config = ConfigDict(extra="forbid")


class ManualChannel(StrEnum):
    """The channels an operator can open an incident for by hand (a subset of core.models.Channel):
    VOICE only for a 112 call that reached them without its incident."""

    WALK_IN = Channel.WALK_IN.value
    RADIO = Channel.RADIO.value
    OTHER = Channel.OTHER.value
    VOICE = Channel.VOICE.value


ContactId = Annotated[str, StringConstraints(max_length=64, pattern=CONTACT_ID_PATTERN)]
ClientRequestId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class OpenIncidentRequest(RequestModel):
    """An incident an operator opens by hand: someone walked in, a radio call, a call on another line;
    or (VOICE) the 112 call they are taking, which reached them without an incident."""

    channel: ManualChannel
    # validate_default: the rules below run for an absent field too, and their errors name it.
    contact_id: ContactId | None = Field(
        default=None,
        validate_default=True,
        description="VOICE only, required: the call's initial contact id in Amazon Connect (a UUID). The "
        "intake keys the call on it too, so the call has one incident whoever opens it first",
    )
    summary: Summary | None = Field(
        default=None, validate_default=True, description="What happened; required except for VOICE"
    )
    caller: E164 | None = Field(
        default=None, description="Call-back number, E.164 or local form (VOICE: as the softphone shows it)"
    )
    location: LocationInput | None = Field(default=None, description="Not for VOICE (verify sets it)")
    client_request_id: ClientRequestId | None = Field(
        default=None,
        description="Sent again on a retry, it returns the incident the first request opened (not for "
        "VOICE: the contact id does that)",
    )

    @field_validator("contact_id")
    @classmethod
    def _contact_for_calls_only(cls, value: str | None, info: ValidationInfo) -> str | None:
        channel = info.data.get("channel")  # absent when the channel itself was invalid
        if channel is ManualChannel.VOICE and value is None:
            raise ValueError("contactId is required for a VOICE incident (the call's contact id)")
        if channel is not None and channel is not ManualChannel.VOICE and value is not None:
            raise ValueError("contactId is only for channel VOICE")
        return value

    @field_validator("summary", "location", "client_request_id")
    @classmethod
    def _not_for_calls(cls, value: object, info: ValidationInfo) -> object:
        channel = info.data.get("channel")
        if channel is ManualChannel.VOICE and value is not None:
            raise ValueError(f"not for channel VOICE: {_WHY_NOT_FOR_CALLS[str(info.field_name)]}")
        required = info.field_name == "summary" and channel is not None
        if required and channel is not ManualChannel.VOICE and value is None:
            raise ValueError("summary is required (what happened)")
        return value


_WHY_NOT_FOR_CALLS = {
    "summary": "the operator's summary comes with verify",
    "location": "verify sets where it is",
    "client_request_id": "the contact id makes a retry the same incident",
}


class VerifyRequest(RequestModel):
    """Grade A1: a confirmed emergency, forwarded to the agencies."""

    category: Category
    priority: Priority
    location: LocationInput
    summary: Summary
    agencies: list[AgencyCode] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_AGENCY_TYPES,
        description="Agency types to notify (the directory's codes); by default those whose categories "
        "include this one. The types of the chosen posts are added",
    )
    posts: list[PostId] | None = Field(
        default=None,
        max_length=MAX_INCIDENT_POSTS,
        description="The posts or units to notify (the directory's ids), as the operator chose them; by "
        "default those GET /agencies/suggestion gives: for each agency type, the posts covering the "
        "location's kecamatan, else the type's regency-level posts",
    )

    def command(self) -> VerifyCommand:
        """What the service verifies (or, for an update, changes the incident to)."""
        return VerifyCommand(
            category=self.category,
            priority=self.priority,
            location=Location.model_validate(self.location.model_dump()),
            summary=self.summary,
            agencies=tuple(self.agencies or ()),
            posts=None if self.posts is None else tuple(self.posts),
        )


class ReassignRequest(RequestModel):
    assignee: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)] = Field(
        description="Username of the operator who takes the incident over"
    )


class AcknowledgeRequest(RequestModel):
    note: Note | None = Field(default=None, description="Who confirmed, e.g. the officer's name and unit")


class CloseRequest(RequestModel):
    note: Note = Field(description="The outcome")


class CallbackRequest(RequestModel):
    """One call back to the caller of an abandoned or silent call, and what came of it."""

    outcome: CallbackOutcome = Field(
        description="REACHED takes the incident into review with you; the others count as failed attempts"
    )
    note: Annotated[CallbackNote, StringConstraints(strip_whitespace=True, min_length=1)] | None = Field(
        default=None, description="What happened, e.g. who answered a wrong number"
    )
    client_attempt_id: ClientAttemptId | None = Field(
        default=None,
        description="Your id for this attempt: sent again after a lost answer, it records nothing twice",
    )


class SilentRequest(RequestModel):
    note: Note | None = Field(default=None, description="What was heard: breathing, background noise, …")


class UnreachableRequest(RequestModel):
    note: Note | None = Field(default=None, description="Why, beyond the failed callbacks")


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class StandingRequest(RequestModel):
    """A supervisor's decision on a number's standing: lift it (NORMAL) or impose WARNED or DEMOTED."""

    standing: Standing = Field(
        description="NORMAL lifts (what its calls so far said no longer counts); WARNED or DEMOTED imposes"
    )
    reason: Reason = Field(description="Why, for the audit trail (3-500 characters)")
    until: AwareDatetime | None = Field(
        default=None,
        description="When an imposed standing ends (in the future, within the retention period); "
        "without it, until lifted. Not for NORMAL",
    )


class AttachRequest(RequestModel):
    """The incident is another report of an open incident's emergency."""

    parent_id: IncidentId = Field(description="The open incident it becomes part of")
    tell_agencies: bool = Field(
        default=False,
        description="When the parent is dispatched: send its agencies' posts what this report adds",
    )


class DetachRequest(RequestModel):
    reason: Reason = Field(description="Why the attach was a mistake, for the audit trail (3-500 characters)")


NoteText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class NoteRequest(RequestModel):
    text: NoteText = Field(description="The note (1-1000 characters), in the incident's timeline")
    tell_agencies: bool = Field(
        default=True,
        description="Once dispatched, the agencies' posts are sent the note too; false keeps it in the "
        "timeline only",
    )


class UpdateRequest(VerifyRequest):
    """The verification's fields again, as they are now: what differs is changed, and once dispatched
    the posts are told (an agency added is dispatched to, one left out is withdrawn)."""


class CancelRequest(RequestModel):
    reason: Reason = Field(
        description="Why it is no emergency after all (3-500 characters): the posts read it"
    )


class ReopenRequest(RequestModel):
    reason: Reason = Field(
        description="Why the rejection or closing was wrong (3-500 characters), for the audit"
    )


MessageText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_OUTBOUND_TEXT)
]


class MessageRequest(RequestModel):
    """An operator's message to the citizen (Instagram, X direct message), in Bahasa Indonesia."""

    message_id: str = Field(
        pattern=OUTBOUND_ID_PATTERN,
        description="The panel's own id for this message (8-64 letters, digits, - or _; a ULID does): the "
        "same id with the same text again is the same message, recorded and sent once",
        examples=["01KB0Z9A1B2C3D4E5F6G7H8J9K"],
    )
    text: MessageText = Field(description="What to write (1-1000 characters, Instagram's bound)")


class Me(CamelModel):
    username: str
    groups: list[str]


class ErrorDetail(CamelModel):
    loc: list[str | int] = Field(description="Where: body, query or path, then the field")
    type: str
    msg: str = Field(description="What is wrong, for a person")


class ErrorBody(CamelModel):
    status_code: int
    message: str
    code: str | None = Field(
        default=None, description="On 409: ILLEGAL_TRANSITION, CLAIMED_BY_OTHER (see assignedTo) or CONFLICT"
    )
    assigned_to: str | None = Field(default=None, description="On CLAIMED_BY_OTHER: who holds the incident")
    detail: list[ErrorDetail] | None = Field(default=None, description="On 422: each field and its problem")
