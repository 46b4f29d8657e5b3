"""Event sources, as Lambda runs them: SQS and DynamoDB stream event source mappings, and schedules."""

from __future__ import annotations

import base64
import json
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


def stream_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    """The event Lambda's DynamoDB stream event source mapping hands the function (times as epoch
    seconds, as Lambda sends them; boto3 parsed them into datetimes)."""
    converted = []
    for record in records:
        dynamodb = dict(record["dynamodb"])
        created = dynamodb.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            dynamodb["ApproximateCreationDateTime"] = created.timestamp()
        converted.append({**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn, "awsRegion": REGION})
    return {"Records": converted}


class StreamPoller(threading.Thread):
    """Reads a table's stream from its start and invokes the function with batches, in order. A record
    the function reports in `batchItemFailures` (or every record, when it fails) is read again with the
    ones after it, up to the source's retry attempts; then it is skipped, as Lambda would send it to the
    mapping's on-failure destination. The function must be idempotent: records are seen again."""

    def __init__(
        self,
        design: FunctionDesign,
        table_name: str,
        runtime: Runtime,
        streams: Any,
        ddb: Any,
        stop: threading.Event,
        log: LogLine,
        failed: tuple[Any, str] | None = None,
    ) -> None:
        super().__init__(name=f"stream:{design.name}", daemon=True)
        assert design.stream is not None
        self._design = design
        self._source = design.stream
        self._table = table_name
        self._runtime = runtime
        self._streams = streams
        self._ddb = ddb
        self._stopping = stop
        self._log = log
        self._arn = ""
        self._shard = ""
        self._iterator: str | None = None
        self._failures = 0
        self._failed = failed  # (sqs client, URL) of the on-failure queue

    def _start(self) -> None:
        self._arn = self._ddb.describe_table(TableName=self._table)["Table"]["LatestStreamArn"]
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        self._shard = shards[0]["ShardId"]  # the embedded DynamoDB keeps one shard per table
        self._iterator = self._streams.get_shard_iterator(
            StreamArn=self._arn, ShardId=self._shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                if not self.poll_once():
                    self._stopping.wait(0.2)  # the stream has nothing new: look again shortly
            except Exception as error:  # keep polling, like the managed mapping does
                self._log(f"STREAM poller {self._design.name}: {type(error).__name__}: {error}")
                self._iterator = None
                self._stopping.wait(1)

    def poll_once(self) -> int:
        """Hands the next batch to the function; the number of records read."""
        if self._iterator is None:
            self._start()
        response = self._streams.get_records(ShardIterator=self._iterator, Limit=self._source.batch_size)
        records = response.get("Records", [])
        following = response.get("NextShardIterator")
        if not records:
            self._iterator = following
            return 0
        invocation = self._runtime.invoke(self._design.name, stream_event(records, self._arn))
        if invocation.ok:
            result = invocation.result() or {}
            failed = [str(f["itemIdentifier"]) for f in result.get("batchItemFailures", [])]
        else:
            failed = [records[0]["dynamodb"]["SequenceNumber"]]
        if failed and self._failures < self._source.retry_attempts:
            self._failures += 1
            first = min(failed, key=int)
            self._iterator = self._streams.get_shard_iterator(
                StreamArn=self._arn,
                ShardId=self._shard,
                ShardIteratorType="AT_SEQUENCE_NUMBER",
                SequenceNumber=first,
            )["ShardIterator"]
            self._log(f"STREAM {self._design.name}: batch of {len(records)}, retried from {first}")
            return len(records)
        if failed:
            self._log(f"STREAM {self._design.name}: gave up on {failed} after {self._failures} retries")
            self._give_up(records)
        self._failures = 0
        self._iterator = following
        self._log(f"STREAM {self._design.name}: batch of {len(records)}")
        return len(records)

    def _give_up(self, records: list[dict[str, Any]]) -> None:
        """What Lambda sends the on-failure destination: where the batch lies in the stream, not the
        records themselves (they stay readable in the stream for 24 hours)."""
        if self._failed is None:
            return
        sqs, url = self._failed
        numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
        body = {
            "requestContext": {
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self._failures + 1,
            },
            "DDBStreamBatchInfo": {
                "shardId": self._shard,
                "startSequenceNumber": numbers[0],
                "endSequenceNumber": numbers[-1],
                "batchSize": len(records),
                "streamArn": self._arn,
            },
        }
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))


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
