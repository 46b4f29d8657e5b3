"""Amazon Connect's contact events of a simulated 112 call, in EventBridge's envelope (the shapes of
events/connect/contact-event-*.json), and their delivery to the local stack's contact-events queue, as
the cloud's EventBridge rule delivers them: intake-calls records them on the call's incident.

One builder for every simulated call: the flow runner (local/flow/call.py) gives it the times its
simulated clock reached; `call_events` gives it the times of a call whose flow is not run (the tests
that place a call straight through the intake, then say what happened in the queue).

    events = contact_events(contact_id, CallTimes(initiated, enqueued=…, answered=…, answered_by="operator1"))
    events = call_events(contact_id, answered_by="operator3")       # initiated, queued, answered, ended
    events = call_events(contact_id, answered_by=None)              # abandoned in the queue
    send(endpoints, events)

Every event names this stack's Connect instance (local.config.CONNECT_INSTANCE_ARN: intake-calls ignores
another instance's), and the agent who answered is a local operator's agent (local.standins.agent_arn:
the DescribeUser stand-in resolves it to the operator's username).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from local.aws import client
from local.config import ACCOUNT_ID, CONNECT_INSTANCE_ARN, REGION
from local.standins import agent_arn

QUEUE = "contact-events"
DETAIL_TYPE = "Amazon Connect Contact Event"
SOURCE = "aws.connect"
OPERATORS_QUEUE_ARN = f"{CONNECT_INSTANCE_ARN}/queue/3b1f2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"  # the samples'
RING_SECONDS = 0.5  # from the caller dialling to the flow's first action (CONNECTED_TO_SYSTEM)
# Connect's DisconnectReason where the simulation knows who ended the call (docs/callbacks.md §1).
CALLER_HUNG_UP = "CUSTOMER_DISCONNECT"
FLOW_HUNG_UP = "CONTACT_FLOW_DISCONNECT"


@dataclass(frozen=True)
class CallTimes:
    """When each thing happened to the contact (None: it did not)."""

    initiated: datetime
    connected_to_system: datetime | None = None
    enqueued: datetime | None = None
    queue_arn: str | None = None
    answered: datetime | None = None
    answered_by: str | None = None  # the local operator (username) whose agent answered
    disconnected: datetime | None = None
    disconnect_reason: str | None = None  # Connect's DisconnectReason, when the simulation knows it


def timestamp(moment: datetime) -> str:
    """Connect's timestamps in events: UTC, milliseconds, Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _envelope(contact_id: str, moment: datetime, detail: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": ACCOUNT_ID,
        "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"{CONNECT_INSTANCE_ARN}/contact/{contact_id}", CONNECT_INSTANCE_ARN],
        "detail": dict(detail),
    }


def contact_events(contact_id: str, times: CallTimes) -> list[dict[str, Any]]:
    """The contact events of an inbound 112 call, in the order they happened. Each carries what was known
    of the call at its moment, as Connect's do (a DISCONNECTED event repeats the queue and the agent)."""
    known: dict[str, Any] = {
        "contactId": contact_id,
        "initialContactId": contact_id,
        "channel": "VOICE",
        "instanceArn": CONNECT_INSTANCE_ARN,
        "initiationMethod": "INBOUND",
        "initiationTimestamp": timestamp(times.initiated),
    }
    moments: list[tuple[str, datetime, dict[str, Any]]] = [("INITIATED", times.initiated, {})]
    if times.connected_to_system is not None:
        at = times.connected_to_system
        moments.append(("CONNECTED_TO_SYSTEM", at, {"connectedToSystemTimestamp": timestamp(at)}))
    if times.enqueued is not None:
        queue = {
            "queueArn": times.queue_arn or OPERATORS_QUEUE_ARN,
            "queueType": "STANDARD",
            "enqueueTimestamp": timestamp(times.enqueued),
        }
        moments.append(("QUEUED", times.enqueued, {"queueInfo": queue}))
    if times.answered is not None:
        if times.answered_by is None:
            raise ValueError("an answered call needs the operator who answered (answered_by)")
        agent = {
            "agentArn": agent_arn(times.answered_by),
            "connectedToAgentTimestamp": timestamp(times.answered),
        }
        moments.append(("CONNECTED_TO_AGENT", times.answered, {"agentInfo": agent}))
    if times.disconnected is not None:
        ended: dict[str, Any] = {"disconnectTimestamp": timestamp(times.disconnected)}
        if times.disconnect_reason is not None:
            ended["disconnectReason"] = times.disconnect_reason
        moments.append(("DISCONNECTED", times.disconnected, ended))
    events = []
    for event_type, moment, learnt in moments:
        known = {**known, **learnt}
        events.append(_envelope(contact_id, moment, {"eventType": event_type, **known}))
    return events


def call_events(
    contact_id: str,
    *,
    answered_by: str | None,
    start: datetime | None = None,
    ring_to_queue: float = 8.0,
    queue_wait: float = 12.0,
    talk: float = 60.0,
) -> list[dict[str, Any]]:
    """The events of a call whose flow is not run: initiated, queued `ring_to_queue` seconds later (the
    greeting and the intake), then answered by `answered_by` (a local operator's agent) after `queue_wait`
    seconds and disconnected after `talk` more; or, with `answered_by=None`, disconnected by the caller in
    the queue: abandoned. By default the call ended a few seconds ago (intake-calls reads no time ahead)."""
    initiated = start or datetime.now(UTC) - timedelta(seconds=ring_to_queue + queue_wait + talk + 2)
    queued = initiated + timedelta(seconds=ring_to_queue)
    left_queue = queued + timedelta(seconds=queue_wait)
    if answered_by is None:
        times = CallTimes(
            initiated, enqueued=queued, disconnected=left_queue, disconnect_reason=CALLER_HUNG_UP
        )
    else:
        times = CallTimes(
            initiated,
            enqueued=queued,
            answered=left_queue,
            answered_by=answered_by,
            disconnected=left_queue + timedelta(seconds=talk),
        )
    return contact_events(contact_id, times)


def send(
    endpoints: Mapping[str, Any], events: Iterable[dict[str, Any]], sqs: Any | None = None
) -> str | None:
    """Send the events to the local contact-events queue, as the cloud's EventBridge rule does (one message
    each; `sqs`: a client to reuse); the queue's URL, or None (nothing sent) when the stack has no such
    queue."""
    url: str | None = endpoints.get("resources", {}).get("queues", {}).get(QUEUE)
    if url is None:
        return None
    sqs = sqs or client("sqs", endpoints["aws"], endpoints["region"])
    for event in events:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    return url
