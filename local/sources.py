"""Event sources, as Lambda runs them: SQS event source mappings and schedules."""

from __future__ import annotations

import base64
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from infra.definitions import FunctionDesign
from local.config import ACCOUNT_ID, REGION
from local.gateway import LogLine
from local.runtime import Runtime


def _message_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    converted = {}
    for name, value in attributes.items():
        attribute = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
        if "StringValue" in value:
            attribute["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        converted[name] = attribute
    return converted


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping hands the function."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": _message_attributes(m.get("MessageAttributes", {})),
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


class QueuePoller(threading.Thread):
    """Long-polls a queue and invokes the function with batches. Messages the function reports in
    `batchItemFailures`, or all of them when it fails, stay on the queue: they come back after the
    visibility timeout, and the queue's redrive policy moves them to the DLQ after maxReceiveCount."""

    def __init__(
        self,
        design: FunctionDesign,
        queue_url: str,
        queue_arn: str,
        runtime: Runtime,
        sqs: Any,
        stop: threading.Event,
        log: LogLine,
    ) -> None:
        super().__init__(name=f"poller:{design.name}", daemon=True)
        assert design.source is not None
        self._design = design
        self._batch = design.source.batch_size
        self._url = queue_url
        self._arn = queue_arn
        self._runtime = runtime
        self._sqs = sqs
        self._stopping = stop
        self._log = log

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once(wait_seconds=1)
            except Exception as error:  # keep polling, like the managed mapping does
                self._log(f"SQS    poller {self._design.name}: {type(error).__name__}: {error}")
                self._stopping.wait(1)

    def poll_once(self, wait_seconds: int = 0) -> int:
        response = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=self._batch,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return 0
        invocation = self._runtime.invoke(self._design.name, sqs_event(messages, self._arn))
        if not invocation.ok:
            failed = {m["MessageId"] for m in messages}
        else:
            result = invocation.result() or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        note = f", {len(failed)} failed (retried after the visibility timeout)" if failed else ""
        self._log(f"SQS    {self._design.name}: batch of {len(messages)}{note}")
        return len(messages)


def scheduled_event(design: FunctionDesign) -> dict[str, Any]:
    """What EventBridge Scheduler / a schedule rule passes to the function."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{design.name}-schedule"],
        "detail": {},
    }


class Schedule(threading.Thread):
    def __init__(self, design: FunctionDesign, runtime: Runtime, stop: threading.Event, log: LogLine) -> None:
        super().__init__(name=f"schedule:{design.name}", daemon=True)
        assert design.schedule_minutes is not None
        self._design = design
        self._period = design.schedule_minutes * 60
        self._runtime = runtime
        self._stopping = stop
        self._log = log

    def run(self) -> None:
        next_run = time.monotonic() + self._period
        while not self._stopping.wait(max(0.0, next_run - time.monotonic())):
            next_run += self._period
            try:
                self._runtime.invoke(self._design.name, scheduled_event(self._design))
            except Exception as error:
                self._log(f"CRON   {self._design.name}: {type(error).__name__}: {error}")
