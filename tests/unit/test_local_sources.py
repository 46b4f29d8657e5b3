"""local.sources: the SQS event source mapping and the schedule of the local stack, against moto.

The dispatch queue's real visibility timeout (120 s) makes the redrive to the DLQ too slow to watch end to
end; here the poller runs against a queue with VisibilityTimeout=0, so a message it leaves on the queue is
received again at once, and a stand-in for the runtime decides what the function reports."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, cast

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import SqsModel
from moto import mock_aws

from infra.definitions import DISPATCH_QUEUE, function
from local.config import REGION
from local.runtime import Invocation, Runtime
from local.sources import QueuePoller, Schedule, scheduled_event, sqs_event

WORKER = function("dispatch-worker")
RECONCILER = function("dispatch-reconciler")

Answer = Callable[[dict[str, Any]], Invocation]


def invocation(payload: Any, error: str | None = None) -> Invocation:
    return Invocation(WORKER.name, str(uuid.uuid4()), json.dumps(payload), error, 1.0, None)


def all_failed(event: dict[str, Any]) -> Invocation:
    return invocation({"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]})


def none_failed(event: dict[str, Any]) -> Invocation:
    return invocation({"batchItemFailures": []})


def crashed(event: dict[str, Any]) -> Invocation:
    return invocation({"errorMessage": "boom", "errorType": "RuntimeError"}, error="Unhandled")


class FakeRuntime:
    """What QueuePoller needs of local.runtime.Runtime: invoke(name, event) -> Invocation."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def invoke(self, name: str, event: dict[str, Any]) -> Invocation:
        self.calls.append((name, event))
        return self.answer(event)

    def bodies(self) -> list[str]:
        return [record["body"] for _, event in self.calls for record in event["Records"]]


class Queues:
    def __init__(self, sqs: Any, max_receive_count: int) -> None:
        self.sqs = sqs
        self.dlq_url = sqs.create_queue(QueueName=f"dispatch-dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        dlq_arn = self.arn(self.dlq_url)
        self.url = sqs.create_queue(
            QueueName=f"dispatch-{uuid.uuid4().hex[:8]}",
            Attributes={
                "VisibilityTimeout": "0",
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
                ),
            },
        )["QueueUrl"]
        self.queue_arn = self.arn(self.url)

    def arn(self, url: str) -> str:
        return str(
            self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        )

    def send(self, body: str, **attributes: str) -> str:
        return str(
            self.sqs.send_message(
                QueueUrl=self.url,
                MessageBody=body,
                MessageAttributes={
                    k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
                },
            )["MessageId"]
        )

    def count(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def dlq_bodies(self) -> list[str]:
        response = self.sqs.receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        return [m["Body"] for m in response.get("Messages", [])]


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


@pytest.fixture
def queues(sqs: Any) -> Queues:
    return Queues(sqs, max_receive_count=2)


def poller(
    queues: Queues, runtime: FakeRuntime, stop: threading.Event | None = None, log: list[str] | None = None
) -> QueuePoller:
    lines = log if log is not None else []
    return QueuePoller(
        WORKER, queues.url, queues.queue_arn, cast(Runtime, runtime), queues.sqs, stop or threading.Event(),
        lines.append,
    )  # fmt: skip


# -- what the function reports decides what stays on the queue ------------------------------------


@pytest.mark.parametrize("max_receive_count", [2, DISPATCH_QUEUE.max_receive_count])
def test_a_message_that_always_fails_goes_to_the_dlq_after_max_receive_count(
    sqs: Any, max_receive_count: int
) -> None:
    queues = Queues(sqs, max_receive_count)
    runtime = FakeRuntime(all_failed)
    queues.send('{"incidentId": "01JDQ2V7X5T8K3M9P4R6S1W0YZ"}')
    mapping = poller(queues, runtime)

    for _ in range(max_receive_count + 3):
        mapping.poll_once()

    assert len(runtime.calls) == max_receive_count  # delivered maxReceiveCount times, then moved
    assert queues.count(queues.url) == 0
    assert queues.dlq_bodies() == ['{"incidentId": "01JDQ2V7X5T8K3M9P4R6S1W0YZ"}']


def test_a_message_that_fails_is_kept_and_delivered_again(queues: Queues) -> None:
    runtime = FakeRuntime(all_failed)
    queues.send("again")
    mapping = poller(queues, runtime)

    assert mapping.poll_once() == 1
    assert queues.count(queues.url) == 1
    assert mapping.poll_once() == 1

    assert runtime.bodies() == ["again", "again"]
    receive_counts = [
        event["Records"][0]["attributes"]["ApproximateReceiveCount"] for _, event in runtime.calls
    ]
    assert receive_counts == ["1", "2"]


def test_messages_none_failed_are_deleted(queues: Queues) -> None:
    runtime = FakeRuntime(none_failed)
    for n in range(3):
        queues.send(f"message {n}")

    handled = poller(queues, runtime).poll_once()

    assert handled == 3
    assert sorted(runtime.bodies()) == ["message 0", "message 1", "message 2"]
    assert queues.count(queues.url) == 0
    assert queues.count(queues.dlq_url) == 0


def test_a_handler_returning_nothing_is_a_success(queues: Queues) -> None:
    runtime = FakeRuntime(lambda event: invocation(None))
    queues.send("fire and forget")

    poller(queues, runtime).poll_once()

    assert queues.count(queues.url) == 0


def test_only_the_reported_failures_stay(queues: Queues) -> None:
    def second_fails(event: dict[str, Any]) -> Invocation:
        bad = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return invocation({"batchItemFailures": [{"itemIdentifier": m} for m in bad]})

    runtime = FakeRuntime(second_fails)
    for body in ("good", "bad", "also good"):
        queues.send(body)
    mapping = poller(queues, runtime)

    mapping.poll_once()

    assert queues.count(queues.url) == 1
    mapping.poll_once()
    assert runtime.bodies()[-1:] == ["bad"]


def test_when_the_invocation_errors_nothing_is_deleted(queues: Queues) -> None:
    runtime = FakeRuntime(crashed)
    for body in ("one", "two"):
        queues.send(body)
    mapping = poller(queues, runtime)

    assert mapping.poll_once() == 2

    assert queues.count(queues.url) == 2
    mapping.poll_once()
    mapping.poll_once()  # the third receive: over maxReceiveCount=2
    assert queues.count(queues.url) == 0
    assert sorted(queues.dlq_bodies()) == ["one", "two"]


def test_an_empty_queue_invokes_nothing(queues: Queues) -> None:
    runtime = FakeRuntime(none_failed)

    assert poller(queues, runtime).poll_once() == 0
    assert runtime.calls == []


def test_batches_are_at_most_the_mappings_batch_size(queues: Queues) -> None:
    assert WORKER.source is not None
    runtime = FakeRuntime(none_failed)
    total = WORKER.source.batch_size + 2
    for n in range(total):
        queues.send(str(n))
    mapping = poller(queues, runtime)

    while mapping.poll_once():
        pass

    assert all(len(event["Records"]) <= WORKER.source.batch_size for _, event in runtime.calls)
    assert sorted(runtime.bodies(), key=int) == [str(n) for n in range(total)]
    assert {name for name, _ in runtime.calls} == {"dispatch-worker"}


# -- the event the function gets ----------------------------------------------------------------------


def test_sqs_event_shape(queues: Queues) -> None:
    runtime = FakeRuntime(none_failed)
    message_id = queues.send('{"incidentId": "01JDQ2V7X5T8K3M9P4R6S1W0YZ"}', category="FIRE", priority="P1")

    poller(queues, runtime).poll_once()

    [(_, event)] = runtime.calls
    [record] = event["Records"]
    assert record["messageId"] == message_id
    assert record["receiptHandle"]
    assert record["body"] == '{"incidentId": "01JDQ2V7X5T8K3M9P4R6S1W0YZ"}'
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= record["attributes"].keys()
    assert record["messageAttributes"]["category"]["stringValue"] == "FIRE"
    assert record["messageAttributes"]["category"]["dataType"] == "String"
    assert record["messageAttributes"]["priority"]["stringValue"] == "P1"
    assert record["md5OfBody"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queues.queue_arn
    assert record["awsRegion"] == REGION


def test_sqs_event_from_receive_message_fields() -> None:
    message = {
        "MessageId": "m-1",
        "ReceiptHandle": "rh-1",
        "Body": "hello",
        "MD5OfBody": "5d41402abc4b2a76b9719d911017c592",
        "Attributes": {"ApproximateReceiveCount": "3"},
        "MessageAttributes": {"agency": {"DataType": "String", "StringValue": "DAMKAR"}},
    }
    arn = f"arn:aws:sqs:{REGION}:123456789012:q"

    event = sqs_event([message, {**message, "MessageId": "m-2", "MessageAttributes": {}}], arn)

    first, second = event["Records"]
    assert first["messageId"] == "m-1"
    assert first["receiptHandle"] == "rh-1"
    assert first["body"] == "hello"
    assert first["md5OfBody"] == message["MD5OfBody"]
    assert first["attributes"] == {"ApproximateReceiveCount": "3"}
    assert first["messageAttributes"]["agency"]["stringValue"] == "DAMKAR"
    assert first["messageAttributes"]["agency"]["dataType"] == "String"
    assert first["messageAttributes"]["agency"]["stringListValues"] == []
    assert first["messageAttributes"]["agency"]["binaryListValues"] == []
    assert (first["eventSource"], first["eventSourceARN"], first["awsRegion"]) == ("aws:sqs", arn, REGION)
    assert second["messageId"] == "m-2"
    assert second["messageAttributes"] == {}
    assert sqs_event([], arn) == {"Records": []}


def test_sqs_event_is_what_powertools_parses(queues: Queues) -> None:
    """The dispatch worker parses records with Powertools' SqsRecordModel: the local event must pass."""
    runtime = FakeRuntime(none_failed)
    queues.send('{"incidentId": "01JDQ2V7X5T8K3M9P4R6S1W0YZ"}', category="FIRE")
    poller(queues, runtime).poll_once()

    parsed = SqsModel.model_validate(runtime.calls[0][1])

    assert parsed.Records[0].messageAttributes["category"].stringValue == "FIRE"


def test_scheduled_event_shape() -> None:
    event = scheduled_event(RECONCILER)

    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["region"] == REGION
    assert event["detail"] == {}
    assert event["resources"][0].endswith("dispatch-reconciler-schedule")
    assert time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")


# -- as threads: they run until the stack's stop event, then join --------------------------------------


def test_poller_thread_handles_messages_then_stops_when_told(queues: Queues) -> None:
    runtime = FakeRuntime(none_failed)
    stop = threading.Event()
    queues.send("in the background")
    thread = poller(queues, runtime, stop)
    thread.start()
    deadline = time.monotonic() + 10
    while not runtime.calls and time.monotonic() < deadline:
        time.sleep(0.05)

    stop.set()
    thread.join(timeout=5)

    assert runtime.bodies() == ["in the background"]
    assert not thread.is_alive()


def test_poller_thread_keeps_polling_after_an_error(queues: Queues) -> None:
    attempts: list[int] = []

    def flaky(event: dict[str, Any]) -> Invocation:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("worker pipe broke")
        return none_failed(event)

    runtime = FakeRuntime(flaky)
    stop = threading.Event()
    log: list[str] = []
    queues.send("survives")
    thread = poller(queues, runtime, stop, log)
    thread.start()
    deadline = time.monotonic() + 15
    while queues.count(queues.url) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=5)

    assert len(attempts) == 2
    assert queues.count(queues.url) == 0
    assert any("ConnectionError: worker pipe broke" in line for line in log)
    assert not thread.is_alive()


def test_schedule_thread_stops_when_told() -> None:
    runtime = FakeRuntime(none_failed)
    stop = threading.Event()
    thread = Schedule(RECONCILER, cast(Runtime, runtime), stop, lambda line: None)
    thread.start()

    stop.set()
    thread.join(timeout=5)

    assert not thread.is_alive()
    assert runtime.calls == []  # the first run is one period (a minute) away
