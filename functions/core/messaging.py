"""SQS and SNS data access: the dispatch, reply and backlog queues and the agency notification topic."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import boto3
from pydantic import TypeAdapter

from core.deliveries import Pending
from core.models import Incident
from core.notification import Addressee, agency_subject, built_in, sns_message
from core.regency import Regency
from core.replies import Reply

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

    from core.agency_delivery import DeliveryRequest
    from core.notices import Notice


class SqsDispatchQueue:
    """DispatchQueue on a standard SQS queue. The message only names the incident: the worker reads the
    incident itself, so a stale or duplicated message cannot dispatch an outdated version."""

    def __init__(self, queue_url: str, client: SQSClient | None = None) -> None:
        self._url = queue_url
        self._client = client or boto3.client("sqs")

    def enqueue(self, incident: Incident) -> str:
        response = self._client.send_message(
            QueueUrl=self._url,
            MessageBody=json.dumps({"incidentId": incident.id, "version": incident.version}),
            MessageAttributes={
                "category": {"DataType": "String", "StringValue": str(incident.category or "")},
                "priority": {"DataType": "String", "StringValue": str(incident.priority or "")},
            },
        )
        return response["MessageId"]

    def enqueue_notice(self, incident_id: str, notice: Notice) -> str:
        body = {
            "incidentId": incident_id,
            "version": notice.version,
            "notice": notice.model_dump(mode="json", by_alias=True),
        }
        response = self._client.send_message(QueueUrl=self._url, MessageBody=json.dumps(body))
        return response["MessageId"]


class SqsReplyQueue:
    """ReplyQueue on SQS: the reply sender answers citizens, with retries and a dead-letter queue."""

    def __init__(self, queue_url: str, client: SQSClient | None = None) -> None:
        self._url = queue_url
        self._client = client or boto3.client("sqs")

    def enqueue(self, reply: Reply) -> str:
        response = self._client.send_message(
            QueueUrl=self._url, MessageBody=reply.model_dump_json(by_alias=True)
        )
        return response["MessageId"]


# SQS takes at most 256 KiB per message and per SendMessageBatch call, and 10 messages per call. A report
# is at most ~20 KB (its text is cut to 4,000 characters), so a message of 25 reports or 200 KB, whichever
# comes first, fits, and the worker registers one message well within its time.
_REPORTS_PER_MESSAGE = 25
_MESSAGE_BYTES = 200 * 1024
_BATCH_BYTES = 250 * 1024
_BATCH_ENTRIES = 10
_PENDING = TypeAdapter(Pending)


def backlog_bodies(items: Sequence[Pending]) -> Iterator[str]:
    """The queue messages for `items`, in order: each a BacklogMessage of some of them."""
    parts: list[bytes] = []
    size = 0
    for item in items:
        part = _PENDING.dump_json(item)
        if parts and (len(parts) == _REPORTS_PER_MESSAGE or size + len(part) > _MESSAGE_BYTES):
            yield _body(parts)
            parts, size = [], 0
        parts.append(part)
        size += len(part) + 1
    if parts:
        yield _body(parts)


def _body(parts: list[bytes]) -> str:
    return (b'{"reports":[' + b",".join(parts) + b"]}").decode("utf-8")


class SqsReportBacklog:
    """ReportBacklog on SQS: the messages a delivery could not register in time, for intake-backlog."""

    def __init__(self, queue_url: str, client: SQSClient | None = None) -> None:
        self._url = queue_url
        self._client = client or boto3.client("sqs")

    def put(self, items: Sequence[Pending]) -> None:
        batch: list[str] = []
        size = 0
        for body in backlog_bodies(items):
            if batch and (len(batch) == _BATCH_ENTRIES or size + len(body) > _BATCH_BYTES):
                self._send(batch)
                batch, size = [], 0
            batch.append(body)
            size += len(body.encode("utf-8"))
        if batch:
            self._send(batch)

    def _send(self, bodies: list[str]) -> None:
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies)
        ]
        for _ in range(2):  # entries SQS failed alone (throttling, an internal error) get one more try
            failed = self._client.send_message_batch(QueueUrl=self._url, Entries=entries).get("Failed", [])
            if not failed:
                return
            again = {f["Id"] for f in failed}
            entries = [e for e in entries if e["Id"] in again]
        raise RuntimeError(f"SQS did not take {len(entries)} backlog messages: {failed[0].get('Code')}")


class SnsAgencyNotifier:
    """AgencyNotifier on one SNS topic; each agency's subscriptions filter on the `agency` attribute, and
    may filter on `posts` (the incident's posts of that agency type, a String.Array) to reach one post.
    `addressee` names them (the agency directory, core/agencies.py); without it, the built-in names."""

    def __init__(
        self,
        topic_arn: str,
        regency: Regency,
        client: SNSClient | None = None,
        addressee: Callable[[Incident, str], Addressee] | None = None,
    ) -> None:
        self._topic = topic_arn
        self._regency = regency
        self._client = client or boto3.client("sns")
        self._addressee = addressee or (lambda _, agency: built_in(agency))

    def notify(self, incident: Incident, agency: str) -> str:
        to = self._addressee(incident, agency)
        posts = [post for post, _ in to.posts]
        response = self._client.publish(
            TopicArn=self._topic,
            Subject=agency_subject(incident, self._regency),
            Message=sns_message(incident, agency, self._regency, to),
            MessageStructure="json",
            MessageAttributes={
                **(
                    {"posts": {"DataType": "String.Array", "StringValue": json.dumps(posts)}} if posts else {}
                ),
                "agency": {"DataType": "String", "StringValue": agency},
                "incidentId": {"DataType": "String", "StringValue": incident.id},
                "category": {"DataType": "String", "StringValue": str(incident.category or "OTHER")},
                "priority": {"DataType": "String", "StringValue": str(incident.priority or "")},
            },
        )
        return response["MessageId"]


class SqsDeliveryQueue:
    """DeliveryQueue on SQS: one message per incident x post x change, for agency-delivery."""

    def __init__(self, queue_url: str, client: SQSClient | None = None) -> None:
        self._url = queue_url
        self._client = client or boto3.client("sqs")

    def enqueue(self, requests: Sequence[DeliveryRequest]) -> None:
        for start in range(0, len(requests), _BATCH_ENTRIES):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(n), "MessageBody": request.model_dump_json(by_alias=True)}
                for n, request in enumerate(requests[start : start + _BATCH_ENTRIES])
            ]
            failed = self._client.send_message_batch(QueueUrl=self._url, Entries=entries).get("Failed", [])
            if failed:
                raise RuntimeError(f"SQS did not take {len(failed)} deliveries: {failed[0].get('Code')}")
