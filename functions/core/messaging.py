"""SQS and SNS data access: the dispatch queue and the agency notification topic."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import boto3

from core.models import Agency, Incident
from core.notification import agency_subject, sns_message
from core.regency import Regency
from core.replies import Reply

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient


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


class SnsAgencyNotifier:
    """AgencyNotifier on one SNS topic; each agency's subscriptions filter on the `agency` attribute."""

    def __init__(self, topic_arn: str, regency: Regency, client: SNSClient | None = None) -> None:
        self._topic = topic_arn
        self._regency = regency
        self._client = client or boto3.client("sns")

    def notify(self, incident: Incident, agency: Agency) -> str:
        response = self._client.publish(
            TopicArn=self._topic,
            Subject=agency_subject(incident, self._regency),
            Message=sns_message(incident, agency, self._regency),
            MessageStructure="json",
            MessageAttributes={
                "agency": {"DataType": "String", "StringValue": agency.value},
                "incidentId": {"DataType": "String", "StringValue": incident.id},
                "category": {"DataType": "String", "StringValue": str(incident.category or "OTHER")},
                "priority": {"DataType": "String", "StringValue": str(incident.priority or "")},
            },
        )
        return response["MessageId"]
