"""The incident and everything recorded about it, as pydantic v2 models.

Wire format is camelCase JSON (aliases); storage uses the Python field names. Stored models (and the
models nested in them) ignore unknown attributes, so an older function can read an item written by a
newer one during a deployment; the API's request models (verify/schemas.py) forbid them, so a typo
answers 422 instead of being silently ignored.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from core.ids import ULID_PATTERN

IncidentId = Annotated[str, Field(pattern=ULID_PATTERN, examples=["01JDQ2V7X5T8K3M9P4R6S1W0YZ"])]
# An agency type (DAMKAR, POLICE, SATPOL_PP, …) and a post or unit of one (polsek-genteng): codes and ids
# the agency directory defines (core/directory_models.py), so a regency adds them without a release.
# Bounded and spelled so that they are safe as keys, path segments and SNS attribute values.
AGENCY_CODE_PATTERN = r"^[A-Z][A-Z0-9_]{1,31}$"
POST_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
AgencyCode = Annotated[str, Field(pattern=AGENCY_CODE_PATTERN, max_length=32, examples=["DAMKAR"])]
PostId = Annotated[str, Field(pattern=POST_ID_PATTERN, max_length=64, examples=["damkar-genteng"])]
MAX_AGENCY_TYPES = 32  # a directory's types, and so the agencies of one incident
MAX_INCIDENT_POSTS = 50  # posts one incident is sent to (a disaster across several kecamatan)
Actor = Annotated[str, Field(min_length=1, max_length=128)]


def _iso_millis(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[
    datetime,
    PlainSerializer(_iso_millis, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-29T03:40:13.123Z"]}),
]
"""UTC, millisecond precision, ISO 8601 with Z on the wire."""


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class RequestModel(CamelModel):
    model_config = ConfigDict(extra="forbid")


class Channel(StrEnum):
    VOICE = "VOICE"  # a 112 call through Amazon Connect
    CHAT = "CHAT"  # Amazon Connect chat
    WEB = "WEB"
    INSTAGRAM = "INSTAGRAM"
    TWITTER = "TWITTER"
    WALK_IN = "WALK_IN"  # opened by hand by an operator
    RADIO = "RADIO"  # opened by hand by an operator
    OTHER = "OTHER"


class Status(StrEnum):
    RECEIVED = "RECEIVED"
    IN_REVIEW = "IN_REVIEW"
    VERIFIED = "VERIFIED"
    DISPATCHED = "DISPATCHED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"
    # Part of another incident (parentId): one emergency, reported again. Terminal, and not a rejection:
    # its caller, words and position are among the parent's reports (docs/related.md).
    ATTACHED = "ATTACHED"


class Category(StrEnum):
    FIRE = "FIRE"
    CRIME = "CRIME"
    MEDICAL = "MEDICAL"
    TRAFFIC_ACCIDENT = "TRAFFIC_ACCIDENT"
    DISASTER = "DISASTER"
    RESCUE = "RESCUE"
    OTHER = "OTHER"


class Priority(StrEnum):
    P1 = "P1"  # life in danger now
    P2 = "P2"  # urgent, no immediate threat to life
    P3 = "P3"  # needs an agency, not urgent


class RejectionReason(StrEnum):
    PRANK = "PRANK"  # aduan iseng
    NON_EMERGENCY = "NON_EMERGENCY"  # solved together (gotong royong) or referred elsewhere
    DUPLICATE = "DUPLICATE"
    # An open line closed without contact: nobody spoke. Counts lighter than a prank (core.standing), and
    # is the callback desk's to follow up, not a false report.
    SILENT = "SILENT"
    UNREACHABLE = (
        "UNREACHABLE"  # closed from the callback desk after the regency's number of failed callbacks
    )


class Agency(StrEnum):
    """The five agency types every deployment starts with (core/agencies.py). The directory may add more
    (Satpol PP, Dishub, PLN, …), so incidents, dispatches and routes carry `AgencyCode` strings; these
    members are the built-in codes, equal to those strings."""

    DAMKAR = "DAMKAR"  # fire brigade
    POLICE = "POLICE"
    PSC119 = "PSC119"  # ambulance, public safety centre 119
    BPBD = "BPBD"  # regional disaster management agency
    BASARNAS = "BASARNAS"  # search and rescue


class DispatchStatus(StrEnum):
    """Where an agency's response stands, forward only (in this order): notified, confirmed received,
    on the way, at the scene, done. The posts move it themselves (their page or their system), or an
    operator records a confirmation taken by phone."""

    NOTIFIED = "NOTIFIED"
    ACKNOWLEDGED = "ACKNOWLEDGED"  # Diterima
    EN_ROUTE = "EN_ROUTE"  # Dalam perjalanan
    ON_SCENE = "ON_SCENE"  # Tiba di lokasi
    CLEARED = "CLEARED"  # Selesai

    @property
    def rank(self) -> int:
        return list(DispatchStatus).index(self)


class Action(StrEnum):
    REGISTER = "REGISTER"
    CLAIM = "CLAIM"
    REASSIGN = "REASSIGN"  # a supervisor hands an incident under review to another operator
    LOCATE = "LOCATE"  # the caller's handset sent its position (AML)
    VERIFY = "VERIFY"
    REJECT = "REJECT"
    DISPATCH = "DISPATCH"
    AGENCY_ACKNOWLEDGE = "AGENCY_ACKNOWLEDGE"  # one agency confirmed, others still pending
    ACKNOWLEDGE = "ACKNOWLEDGE"  # the last pending agency confirmed
    AGENCY_STATUS = "AGENCY_STATUS"  # an agency on its way, at the scene or done (the incident's status kept)
    ESCALATE = "ESCALATE"  # nobody confirmed in time: the second contact, then the regency-level post
    CLOSE = "CLOSE"
    # A supervisor lifted or imposed the caller's standing (core.standing); recorded on the caller's open
    # incident, whose WARNED/DEMOTED flag follows it. The status does not move.
    STANDING = "STANDING"
    FLAG = "FLAG"  # a flag added after registration, its status unchanged (details: the flag)
    ABANDON = "ABANDON"  # the caller hung up while queued, before any operator answered (contact events)
    ABANDON_WITHDRAWN = "ABANDON_WITHDRAWN"  # a later contact event showed the call was answered after all
    MARK_SILENT = "MARK_SILENT"  # an operator found an open line with nobody speaking
    CALLBACK = "CALLBACK"  # an operator called the caller back and did not reach them (one attempt)
    CALLBACK_REACHED = "CALLBACK_REACHED"  # an operator called back and reached the caller: into review
    CLOSE_UNREACHABLE = "CLOSE_UNREACHABLE"  # closed after the failed callbacks: REJECTED, UNREACHABLE
    # One emergency, many reports (docs/related.md): the two sides of an attach, each on its own timeline.
    ATTACH = "ATTACH"  # this incident became part of another (details: parentId): ATTACHED
    REPORT_ADDED = "REPORT_ADDED"  # another incident's report joined this one (details: childId)
    DETACH = "DETACH"  # a supervisor undid a mistaken attach: back to review
    REPORT_REMOVED = "REPORT_REMOVED"  # the detached incident's report left this one
    NOTE = "NOTE"  # an operator's note (details: note); the status does not move
    MESSAGE = "MESSAGE"  # a follow-up message from the same citizen joined the incident (details: messageId)
    # A supervisor declared a major incident with this one as its parent (core.major_incidents), or ended
    # it (reason: why). The status does not move; the end is recorded whatever the parent's status now.
    MAJOR_INCIDENT = "MAJOR_INCIDENT"
    MAJOR_INCIDENT_END = "MAJOR_INCIDENT_END"
    # An operator wrote to the citizen on their channel (details: messageId; the words are in `outbound`),
    # and what the reply sender made of it (details: messageId, state): the conversation's way out.
    MESSAGE_SENT = "MESSAGE_SENT"
    MESSAGE_OUTCOME = "MESSAGE_OUTCOME"
    # After verification (docs/api.md): what the operator learnt changes the incident in place (details:
    # each field's from and to, the agencies added and withdrawn); a false alarm found later is cancelled
    # (CLOSED, with its cancellation); a supervisor reopens a wrong rejection or closing.
    UPDATE = "UPDATE"
    CANCEL = "CANCEL"
    REOPEN = "REOPEN"


class Flag(StrEnum):
    CALLER_UNKNOWN = "CALLER_UNKNOWN"  # withheld or unusable number: no call-back possible
    UNPARSED = "UNPARSED"  # the report could not be read by machine: an operator reads the raw payload
    LOCATION_ASKED = "LOCATION_ASKED"  # the citizen was asked where (a channel without locations)
    # The caller's standing when the call came in (core.standing): recent pranks from this number. The call
    # reached the operators as any other; these only say what its history is.
    WARNED = "WARNED"  # the flow played the warning
    DEMOTED = "DEMOTED"  # queued at a lower priority: a genuine caller waiting was answered first
    CANNOT_SPEAK = "CANNOT_SPEAK"  # the 112 caller pressed the flow's "cannot speak" key (5 5)
    ABANDONED = "ABANDONED"  # the caller hung up while queued, never answered: the callback desk calls back
    SILENT = "SILENT"  # an open line, nobody speaks (an operator says so)
    OVERDUE = "OVERDUE"  # an agency did not confirm within the acknowledgement deadline (escalated)


class PositioningMethod(StrEnum):
    GNSS = "GNSS"
    WIFI = "WIFI"
    CELL = "CELL"
    UNKNOWN = "UNKNOWN"


class AmlTransport(StrEnum):
    SMS = "SMS"
    HTTPS = "HTTPS"


class AmlWarning(StrEnum):
    """What an operator should know before trusting an AML fix (the panel shows it with the position)."""

    TIME_AHEAD = (
        "TIME_AHEAD"  # the handset's time is after the fix arrived: a wrong clock, ordered by arrival
    )
    TIME_STALE = "TIME_STALE"  # taken long before it arrived: a delayed message or a clock behind
    LENGTH_MISMATCH = "LENGTH_MISMATCH"  # the SMS's ml is more than one off its length: kept, maybe damaged


class AmlFix(CamelModel):
    """A handset's own position, sent by Advanced Mobile Location (ETSI TS 103 625) when it dials 112."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=1_000_000, description="Radius of the circle, m")
    confidence: float | None = Field(default=None, ge=0, le=100, description="Level of confidence, percent")
    method: PositioningMethod = PositioningMethod.UNKNOWN
    fixed_at: Timestamp | None = Field(
        default=None, description="When the handset says it took the position (its own clock)"
    )
    received_at: Timestamp
    transport: AmlTransport
    number: str | None = Field(default=None, description="E.164 of the handset, when it said")
    imei: str | None = None
    warnings: list[AmlWarning] = Field(
        default_factory=list, description="What to doubt: a wrong handset clock, a damaged SMS"
    )


class Location(CamelModel):
    lat: float | None = Field(default=None, ge=-90, le=90, description="WGS84 latitude")
    lon: float | None = Field(default=None, ge=-180, le=180, description="WGS84 longitude")
    district: str | None = Field(
        default=None, min_length=2, max_length=64, description="Kecamatan, from the regency's list"
    )
    address: str | None = Field(default=None, min_length=3, max_length=500, description="Address or landmark")

    @model_validator(mode="after")
    def _point_and_something(self) -> Self:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together: give both or neither")
        if self.lat is None and self.district is None and self.address is None:
            raise ValueError("give at least a point (lat, lon), a district or an address")
        return self


class LocationInput(Location):
    """Location as a person sends it (operator, citizen): unknown fields are an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Rejection(CamelModel):
    reason: RejectionReason
    # validate_default: the check below runs when duplicateOf is absent too, and its error names the field.
    duplicate_of: IncidentId | None = Field(
        default=None, validate_default=True, description="Required when reason is DUPLICATE"
    )
    note: str | None = Field(default=None, max_length=1000, description="Why, or the advice given")

    @field_validator("duplicate_of")
    @classmethod
    def _duplicate_needs_target(cls, value: str | None, info: ValidationInfo) -> str | None:
        reason = info.data.get("reason")  # absent when the reason itself was invalid
        if reason is RejectionReason.DUPLICATE and value is None:
            raise ValueError("duplicateOf is required when reason is DUPLICATE")
        if reason is not None and reason is not RejectionReason.DUPLICATE and value is not None:
            raise ValueError("duplicateOf is only for reason DUPLICATE")
        return value


class Cancellation(CamelModel):
    """A verified incident found to be no emergency after all (a false alarm learnt later): closed, and its
    agencies told. Kept apart from a rejection: it was verified, and counts as cancelled (docs/stats.md)."""

    reason: str = Field(min_length=1, max_length=1000, description="Why, in the operator's words")
    at: Timestamp
    by: Actor


class CallbackReason(StrEnum):
    ABANDONED = "ABANDONED"  # the caller hung up while queued
    SILENT = "SILENT"  # an open line nobody spoke on, and the caller had not pressed the "cannot speak" key


class CallbackOutcome(StrEnum):
    REACHED = "REACHED"  # the caller answered: the incident goes into review
    NO_ANSWER = "NO_ANSWER"
    BUSY = "BUSY"
    SILENT = "SILENT"  # picked up, nobody spoke
    WRONG_NUMBER = "WRONG_NUMBER"  # someone else answered: more attempts on this number are pointless


CallbackNote = Annotated[str, Field(max_length=500)]
ClientAttemptId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class CallbackAttempt(CamelModel):
    """One call back to the caller, and what came of it."""

    at: Timestamp
    by: Actor
    outcome: CallbackOutcome
    note: CallbackNote | None = None
    client_attempt_id: ClientAttemptId | None = Field(
        default=None, description="The panel's id for this attempt: sent again, it is the same attempt"
    )


class Callback(CamelModel):
    """Why an incident needs a call back and the attempts so far. It is on the callback desk while its
    incident is open (RECEIVED or IN_REVIEW) and it is not done: reached, or closed as unreachable."""

    reason: CallbackReason
    since: Timestamp = Field(description="When it joined the callback desk")
    queue_wait_seconds: int | None = Field(
        default=None, ge=0, description="How long an abandoned caller waited in the queue before hanging up"
    )
    attempts: list[CallbackAttempt] = Field(default_factory=list, description="Oldest first")
    done_at: Timestamp | None = Field(default=None, description="Reached, or closed as unreachable")

    @property
    def failed_attempts(self) -> int:
        return sum(attempt.outcome is not CallbackOutcome.REACHED for attempt in self.attempts)


class DisconnectedBy(StrEnum):
    """Who ended the call, where the contact event says (Connect's DisconnectReason, shortened)."""

    CUSTOMER = "CUSTOMER"
    AGENT = "AGENT"
    SYSTEM = "SYSTEM"  # the flow or Amazon Connect
    TELECOM = "TELECOM"  # a telephony problem
    OTHER = "OTHER"


class CallRecord(CamelModel):
    """A 112 call as Amazon Connect's contact events tell it, merged whatever their order: each time is the
    earliest (initiated, queued, answered) or the latest (disconnected) any event gave, so repeated and
    reordered events leave the same record (core/calls.py)."""

    contact_id: str = Field(description="The call's initial contact id in Amazon Connect")
    initiated_at: Timestamp | None = Field(default=None, description="The call reached Amazon Connect")
    queued_at: Timestamp | None = Field(default=None, description="The call entered the operators' queue")
    answered_at: Timestamp | None = Field(default=None, description="An operator's softphone took the call")
    answered_by_agent: str | None = Field(default=None, description="That operator's agent id in Connect")
    answered_by: str | None = Field(default=None, description="That operator's username")
    disconnected_at: Timestamp | None = None
    disconnected_by: DisconnectedBy | None = Field(default=None, description="Where the event says")
    events: dict[str, Timestamp] = Field(
        default_factory=dict, description="Each contact event type received, with its earliest time"
    )
    revision: int = Field(default=1, ge=1, description="Incremented by every change to the record")
    updated_at: Timestamp


class CallTimes(CamelModel):
    """The call's times on an incident, and the intervals the answer-time standard counts (seconds)."""

    contact_id: str
    initiated_at: Timestamp | None = None
    queued_at: Timestamp | None = None
    answered_at: Timestamp | None = None
    answered_by: str | None = None
    disconnected_at: Timestamp | None = None
    disconnected_by: DisconnectedBy | None = None
    abandoned: bool = Field(description="Queued and disconnected without an operator answering")
    queue_wait_seconds: float | None = Field(
        default=None, description="Queued until answered, or until the caller hung up when abandoned"
    )
    ring_to_queue_seconds: float | None = None
    queue_to_answer_seconds: float | None = None
    ring_to_answer_seconds: float | None = Field(
        default=None, description="What the caller waited for a person: the answer time"
    )
    answer_to_claim_seconds: float | None = Field(
        default=None, description="From the answer until an operator claimed the incident"
    )


MAX_REPORT_TEXT = 2000  # a report's words on its parent; the whole text stays on the attached incident


class IncidentReport(CamelModel):
    """One more report of the same emergency on its incident: an attached incident's caller, or a follow-up
    message from the citizen who reported it (core/related.py, core/conversations.py)."""

    received_at: Timestamp = Field(description="When the report came in (its own incident's arrival)")
    channel: Channel
    caller: str | None = Field(default=None, description="E.164, when the channel gave a number")
    text: str | None = Field(default=None, max_length=MAX_REPORT_TEXT, description="What the citizen said")
    summary: str | None = Field(default=None, max_length=2000, description="The operator's summary, if any")
    location: Location | None = None
    aml: AmlFix | None = Field(default=None, description="The handset's position (AML), when it sent one")
    source: dict[str, str] = Field(default_factory=dict, description="Channel metadata, as on an incident")
    incident_id: IncidentId | None = Field(
        default=None, description="The attached incident it came from; null for a follow-up message"
    )
    message_id: str | None = Field(default=None, max_length=128, description="The platform's message id")
    added_at: Timestamp
    added_by: Actor


MAX_OUTBOUND_TEXT = 1000  # Instagram's bound for a message's text; X's direct messages take 10,000
MAX_OUTBOUND = 50  # messages an incident keeps: a conversation, not a chat log (the item stays small)
# The panel's own id for a message it writes: the same id again is the same message (a retry).
OUTBOUND_ID_PATTERN = r"^[0-9A-Za-z_-]{8,64}$"


class OutboundState(StrEnum):
    QUEUED = "QUEUED"  # recorded and handed to the reply sender
    SENT = "SENT"  # the platform took it (platformMessageId)
    FAILED = "FAILED"  # refused for good, or not sent after the queue's attempts (problem)


class OutboundMessage(CamelModel):
    """A message an operator wrote to the citizen on the channel they reported on (core/conversations.py)."""

    message_id: str = Field(pattern=OUTBOUND_ID_PATTERN, description="The panel's id for it: once per id")
    channel: Channel
    text: str = Field(min_length=1, max_length=MAX_OUTBOUND_TEXT, description="What was written (personal)")
    sent_by: Actor
    sent_at: Timestamp
    state: OutboundState = OutboundState.QUEUED
    platform_message_id: str | None = Field(default=None, max_length=128)
    problem: str | None = Field(default=None, max_length=300, description="Why it was not sent (FAILED)")
    outcome_at: Timestamp | None = None


class Incident(CamelModel):
    id: IncidentId
    status: Status
    channel: Channel
    caller: str | None = Field(
        default=None, pattern=r"^\+[1-9][0-9]{7,14}$", description="E.164, or null when unknown"
    )
    contact_id: str | None = Field(default=None, description="Amazon Connect ContactId for calls")
    category: Category | None = None
    priority: Priority | None = None
    location: Location | None = None
    summary: str | None = None
    report: str | None = Field(default=None, description="What the citizen wrote, as received (web, social)")
    aml: AmlFix | None = Field(default=None, description="The caller's handset position (AML), latest")
    agencies: list[AgencyCode] = Field(default_factory=list, description="Agency types to dispatch to")
    posts: list[PostId] = Field(
        default_factory=list,
        description="The posts or units of those types to notify (the agency directory's ids), chosen at "
        "verification: those covering the incident's kecamatan, or the regency-level ones",
    )
    assigned_to: str | None = None
    rejection: Rejection | None = None
    cancellation: Cancellation | None = Field(
        default=None, description="CLOSED as a false alarm found after verification: why, when, by whom"
    )
    flags: list[Flag] = Field(default_factory=list)
    recent_pranks: int | None = Field(
        default=None,
        ge=0,
        description="Calls from this number rejected as PRANK in the caller history's window, counted "
        "when the call came in (112 calls with a known number)",
    )
    caller_masked: str | None = Field(
        default=None,
        description="The caller's number, masked, once the retention period has passed (caller is then null)",
    )
    callback: Callback | None = Field(
        default=None, description="The callback desk's record: why it needs a callback, the attempts so far"
    )
    source: dict[str, str] = Field(default_factory=dict, description="Channel metadata (dialled number, …)")
    parent_id: IncidentId | None = Field(
        default=None, description="ATTACHED: the incident this one is part of (the same emergency)"
    )
    reports: list[IncidentReport] = Field(
        default_factory=list,
        description="More reports of the same emergency, oldest first: attached incidents and follow-ups",
    )
    outbound: list[OutboundMessage] = Field(
        default_factory=list,
        description="What operators wrote to the citizen (Instagram, X direct messages), oldest first",
    )
    reports_not_kept: int = Field(
        default=0,
        ge=0,
        description="Reports beyond the list's bound: attached all the same, their details on their own "
        "incidents (the timeline names each)",
    )
    created_by: Actor
    received_at: Timestamp
    claimed_at: Timestamp | None = None
    verified_at: Timestamp | None = None
    rejected_at: Timestamp | None = None
    dispatched_at: Timestamp | None = None
    acknowledged_at: Timestamp | None = None
    closed_at: Timestamp | None = None
    ack_due_at: Timestamp | None = Field(
        default=None,
        description="When escalation steps in next if an agency has not confirmed (none: no step left)",
    )
    escalation_level: int = Field(
        default=0, ge=0, le=2, description="0 none, 1 second contacts notified, 2 regency-level posts too"
    )
    updated_at: Timestamp
    version: int = Field(ge=1, description="Incremented by every state change")


class AuditEntry(CamelModel):
    """One state change: who, when, from what, to what, and why."""

    incident_id: IncidentId
    version: int = Field(ge=1, description="The incident version this change produced")
    at: Timestamp
    actor: Actor
    action: Action
    from_status: Status | None = None
    to_status: Status
    reason: str | None = None
    details: dict[str, str] = Field(default_factory=dict)


class Dispatch(CamelModel):
    incident_id: IncidentId
    agency: AgencyCode
    posts: list[PostId] = Field(default_factory=list, description="The incident's posts of this agency type")
    status: DispatchStatus
    notified_at: Timestamp
    message_id: str
    acknowledged_at: Timestamp | None = None
    acknowledged_by: str | None = Field(
        default=None, description="post:<id>, or the operator who recorded it"
    )
    en_route_at: Timestamp | None = None
    on_scene_at: Timestamp | None = None
    cleared_at: Timestamp | None = None
    updated_by: str | None = Field(default=None, description="Who moved it last (post:<id> or an operator)")
    note: str | None = None
    withdrawn_at: Timestamp | None = Field(
        default=None, description="The agency was taken off the incident by an update: its posts were told"
    )
    withdrawn_by: str | None = None

    @property
    def pending(self) -> bool:
        """Still waiting for the agency to confirm (a withdrawn agency waits for nothing)."""
        return self.status is DispatchStatus.NOTIFIED and self.withdrawn_at is None


class IncidentDetail(Incident):
    timeline: list[AuditEntry] = Field(default_factory=list, description="Every state change, oldest first")
    dispatches: list[Dispatch] = Field(default_factory=list)
    call: CallTimes | None = Field(
        default=None, description="A 112 call as Amazon Connect's contact events told it (VOICE only)"
    )


class OperatorAccount(CamelModel):
    username: str
    name: str
    groups: list[str]
    enabled: bool = True


class Page(CamelModel):
    items: list[Incident]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to get the next page")
