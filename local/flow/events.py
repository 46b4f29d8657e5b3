"""Amazon Connect's contact events of a simulated call, as EventBridge delivers them to an SQS queue:
the envelope (`detail-type` "Amazon Connect Contact Event", `source` aws.connect) around a `detail` that
says what happened to the contact and when (formats.md §1.5: INITIATED, CONNECTED_TO_SYSTEM, QUEUED,
CONNECTED_TO_AGENT, DISCONNECTED). Each event carries what was known at its moment, and its time is
the simulated clock's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local.flow.contact import Contact

DETAIL_TYPE = "Amazon Connect Contact Event"
SOURCE = "aws.connect"
# The local operator who answers a simulated call (no agent exists locally): a stable agent ARN.
LOCAL_AGENT = uuid.uuid5(uuid.NAMESPACE_URL, "respon112:local-operator")


@dataclass(frozen=True)
class CallTimes:
    """When each thing happened to the contact (None: it did not)."""

    initiated: datetime
    connected_to_system: datetime
    enqueued: datetime | None = None
    queue_arn: str | None = None
    connected_to_agent: datetime | None = None
    disconnected: datetime | None = None


def timestamp(moment: datetime) -> str:
    """Connect's timestamps in events: UTC, milliseconds, Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def agent_arn(contact: Contact) -> str:
    return f"{contact.instance_arn}/agent/{LOCAL_AGENT}"


def contact_events(contact: Contact, times: CallTimes, account: str, region: str) -> list[dict[str, Any]]:
    """The contact events of the call, in the order they happened."""
    detail: dict[str, Any] = {
        "contactId": contact.contact_id,
        "initialContactId": contact.contact_id,
        "channel": contact.channel,
        "instanceArn": contact.instance_arn,
        "initiationMethod": "INBOUND",
        "initiationTimestamp": timestamp(times.initiated),
    }
    moments: list[tuple[str, datetime, dict[str, Any]]] = [("INITIATED", times.initiated, {})]
    moments.append(
        (
            "CONNECTED_TO_SYSTEM",
            times.connected_to_system,
            {"connectedToSystemTimestamp": timestamp(times.connected_to_system)},
        )
    )
    if times.enqueued is not None:
        queue = {
            "queueArn": times.queue_arn,
            "queueType": "STANDARD",
            "enqueueTimestamp": timestamp(times.enqueued),
        }
        moments.append(("QUEUED", times.enqueued, {"queueInfo": queue}))
    if times.connected_to_agent is not None:
        agent = {
            "agentArn": agent_arn(contact),
            "connectedToAgentTimestamp": timestamp(times.connected_to_agent),
        }
        moments.append(("CONNECTED_TO_AGENT", times.connected_to_agent, {"agentInfo": agent}))
    if times.disconnected is not None:
        moments.append(
            ("DISCONNECTED", times.disconnected, {"disconnectTimestamp": timestamp(times.disconnected)})
        )
    events = []
    for event_type, moment, learnt in moments:
        detail = {**detail, **learnt}
        events.append(
            {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": DETAIL_TYPE,
                "source": SOURCE,
                "account": account,
                "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": region,
                "resources": [f"{contact.instance_arn}/contact/{contact.contact_id}", contact.instance_arn],
                "detail": {"eventType": event_type, **detail},
            }
        )
    return events
