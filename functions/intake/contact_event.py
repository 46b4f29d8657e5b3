"""Amazon Connect's contact events (EventBridge, through the contact-events queue), read tolerantly.

The event's keys are matched regardless of case: AWS's own samples spell `agentInfo` and `AgentInfo`,
`VOICE` and `Voice` (../shared/reference/formats.md §1.5). Unknown keys and event types are ignored, as
Amazon Connect asks; a value of the wrong type, a time that cannot be read or lies ahead of now, an id that
is not Connect's shape counts as absent. What is read is bounded before it becomes a key.

Three answers: a `CallEvent` to record; `Ignored` (a well-formed event that is not about a 112 call: another
channel, an outbound call such as a callback, a type we do not record), which is acknowledged; or
`Unreadable` (not JSON, not a contact event, no contact id), which the function fails so that SQS keeps it
and, after its retries, the dead-letter queue.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.calls import DISCONNECT_REASONS, CallEvent, EventType
from core.contacts import CONTACT_ID_PATTERN
from core.models import DisconnectedBy

DETAIL_TYPE = "amazon connect contact event"
SOURCE = "aws.connect"
# The initiation methods of a call someone made to 112; OUTBOUND (the callback desk's own calls),
# CALLBACK, MONITOR, DISCONNECT and others are not.
INBOUND = frozenset({"INBOUND", "TRANSFER", "QUEUE_TRANSFER"})
MAX_DEPTH = 6  # EventBridge's contact event nests three levels; deeper is not Connect's
MAX_KEYS = 200
MAX_TEXT = 256
_CONTACT_ID = re.compile(CONTACT_ID_PATTERN)
_AGENT_ARN = re.compile(
    r"^arn:aws[a-z-]{0,20}:connect:[a-z0-9-]{1,30}:\d{12}:instance/([0-9a-fA-F-]{36})/agent/([0-9a-fA-F-]{36})$"
)
_FUTURE = timedelta(minutes=5)  # a clock this far ahead is not Connect's
_EARLIEST = datetime(2017, 1, 1, tzinfo=UTC)  # before Amazon Connect existed


class Unreadable(ValueError):
    """Not a contact event we can read: the message is failed, kept by SQS and its dead-letter queue."""


@dataclass(frozen=True)
class Ignored:
    why: str


def _folded(value: Any, depth: int = 0) -> Any:
    """The JSON with every object's keys in lower case (the first of two spellings wins), bounded."""
    if depth > MAX_DEPTH:
        raise Unreadable("nested deeper than a contact event")
    if isinstance(value, dict):
        if len(value) > MAX_KEYS:
            raise Unreadable("more keys than a contact event has")
        folded: dict[str, Any] = {}
        for key, item in value.items():
            folded.setdefault(str(key).lower(), _folded(item, depth + 1))
        return folded
    if isinstance(value, list):
        return [_folded(item, depth + 1) for item in value[:MAX_KEYS]]
    return value


def _text(value: Any) -> str | None:
    if isinstance(value, str) and 0 < len(value.strip()) <= MAX_TEXT:
        return value.strip()
    return None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _time(value: Any, now: datetime) -> datetime | None:
    """An ISO 8601 time as Connect writes it (`2026-11-29T03:40:13.123Z`), in UTC to the millisecond;
    None for anything else, for a time before Connect existed, or one ahead of now."""
    text = _text(value)
    if text is None or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    moment = moment.astimezone(UTC)
    if not _EARLIEST <= moment <= now + _FUTURE:
        return None
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _disconnected_by(value: Any) -> DisconnectedBy | None:
    reason = _text(value) or _text(_object(value).get("code"))
    if reason is None:
        return None
    return DISCONNECT_REASONS.get(reason.upper(), DisconnectedBy.OTHER)


def parse(body: str, now: datetime, instance_arn: str | None = None) -> CallEvent | Ignored:
    """The SQS message's body (EventBridge's event) as a call event, or why it is ignored; Unreadable
    when it is no contact event at all. `instance_arn`: this deployment's instance, whose events only
    are recorded (the cloud's rule filters on it already; the local queue takes anything)."""
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, an integer Python will not read, nesting
        raise Unreadable("not JSON") from None
    if not isinstance(raw, dict):
        raise Unreadable("not a JSON object")
    envelope = _folded(raw)
    if (_text(envelope.get("detail-type")) or "").lower() != DETAIL_TYPE or envelope.get("source") != SOURCE:
        raise Unreadable("not an Amazon Connect contact event")
    detail = _object(envelope.get("detail"))
    contact = _text(detail.get("initialcontactid")) or _text(detail.get("contactid"))
    if contact is None or not _CONTACT_ID.fullmatch(contact):
        raise Unreadable("no contact id of Connect's shape")
    kind = (_text(detail.get("eventtype")) or "").upper()
    if kind not in EventType.__members__:
        return Ignored(f"event type {kind[:40] or 'missing'}")
    channel = _text(detail.get("channel"))
    if channel is not None and channel.upper() != "VOICE":
        return Ignored(f"channel {channel[:20]}")
    method = _text(detail.get("initiationmethod"))
    if method is not None and method.upper() not in INBOUND:
        return Ignored(f"initiation method {method[:20]}")
    instance = _text(detail.get("instancearn"))
    if instance_arn and instance and instance != instance_arn:
        return Ignored("another Amazon Connect instance")
    agent = _object(detail.get("agentinfo"))
    agent_arn = _text(agent.get("agentarn"))
    agent_match = _AGENT_ARN.fullmatch(agent_arn) if agent_arn else None
    if agent_match and instance_arn and not instance_arn.endswith(f"instance/{agent_match.group(1)}"):
        agent_match = None  # an agent of another instance cannot have answered our call
    at = _time(envelope.get("time"), now) or now
    return CallEvent(
        contact_id=contact.lower(),
        type=EventType(kind),
        at=at,
        initiated_at=_time(detail.get("initiationtimestamp"), now),
        queued_at=_time(_object(detail.get("queueinfo")).get("enqueuetimestamp"), now),
        answered_at=_time(agent.get("connectedtoagenttimestamp"), now),
        agent_id=agent_match.group(2).lower() if agent_match else None,
        agent_arn=agent_arn if agent_match else None,
        disconnected_at=_time(detail.get("disconnecttimestamp"), now),
        disconnected_by=_disconnected_by(detail.get("disconnectreason")),
    )
