"""Amazon Connect's contact events of a simulated 112 call, in EventBridge's envelope (the shapes of
events/connect/contact-event-*.json), sent to the local stack's contact-events queue as the cloud's
EventBridge rule sends them: intake-calls records them on the call's incident.

    events = call_events(contact_id, answered_by="operator3")       # initiated, queued, answered, ended
    events = call_events(contact_id, answered_by=None)              # abandoned in the queue
    send(endpoints, events)
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from local.aws import client
from local.config import ACCOUNT_ID, CONNECT_INSTANCE_ARN, REGION
from local.standins import agent_arn

QUEUE = "contact-events"
QUEUE_ARN = f"{CONNECT_INSTANCE_ARN}/queue/3b1f2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"  # the operators' queue


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def contact_event(event_type: str, contact_id: str, at: datetime, **detail: Any) -> dict[str, Any]:
    """One contact event of an inbound 112 call (`detail` adds to or replaces the event's fields)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Amazon Connect Contact Event",
        "source": "aws.connect",
        "account": ACCOUNT_ID,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"{CONNECT_INSTANCE_ARN}/contact/{contact_id}", CONNECT_INSTANCE_ARN],
        "detail": {
            "eventType": event_type,
            "contactId": contact_id,
            "initialContactId": contact_id,
            "channel": "VOICE",
            "instanceArn": CONNECT_INSTANCE_ARN,
            "initiationMethod": "INBOUND",
            **detail,
        },
    }


def call_events(
    contact_id: str,
    *,
    answered_by: str | None,
    start: datetime | None = None,
    queue_wait: float = 12.0,
    talk: float = 60.0,
) -> list[dict[str, Any]]:
    """The events of one call, in the order Connect emits them: initiated, queued after its greeting, then
    answered by `answered_by` (a local operator's agent) after `queue_wait` seconds and disconnected after
    `talk` more; or, with `answered_by=None`, disconnected by the caller in the queue: abandoned."""
    initiated = start or datetime.now(UTC) - timedelta(seconds=queue_wait + talk + 10)
    queued = initiated + timedelta(seconds=8)  # the greeting and the intake
    base = {"initiationTimestamp": _iso(initiated)}
    queue = {"queueInfo": {"queueArn": QUEUE_ARN, "queueType": "STANDARD", "enqueueTimestamp": _iso(queued)}}
    events = [
        contact_event("INITIATED", contact_id, initiated, **base),
        contact_event("QUEUED", contact_id, queued, **base, **queue),
    ]
    if answered_by is None:
        hung_up = queued + timedelta(seconds=queue_wait)
        ended = {"disconnectTimestamp": _iso(hung_up), "disconnectReason": "CUSTOMER_DISCONNECT"}
        events.append(contact_event("DISCONNECTED", contact_id, hung_up, **base, **queue, **ended))
        return events
    answered = queued + timedelta(seconds=queue_wait)
    agent = {"agentInfo": {"agentArn": agent_arn(answered_by), "connectedToAgentTimestamp": _iso(answered)}}
    ended_at = answered + timedelta(seconds=talk)
    events.append(contact_event("CONNECTED_TO_AGENT", contact_id, answered, **base, **queue, **agent))
    events.append(
        contact_event(
            "DISCONNECTED", contact_id, ended_at, **base, **queue, **agent, disconnectTimestamp=_iso(ended_at)
        )
    )
    return events


def send(endpoints: dict[str, Any], events: Iterable[dict[str, Any]]) -> None:
    """Send the events to the local contact-events queue, as the cloud's EventBridge rule does."""
    sqs = client("sqs", endpoints["aws"], endpoints["region"])
    url = endpoints["resources"]["queues"][QUEUE]
    for event in events:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
