"""The local stack under concurrency: as safe as AWS (decision 30).

Amazon Connect invokes the intake function for every 112 call at once during a surge, and retries an
invocation that failed or was throttled. DynamoDB serialises conflicting writes; moto's server did not
(its transact_write_items copies and restores whole tables unlocked), so the twin lost calls and stored
one call twice. These tests drive a stack as `make dev` starts it through the local Lambda Invoke API,
every caller released together, and count what was stored through the status index (the operators'
queue) and each incident's own partition. They also send to and drain one queue of the embedded SQS
from many threads, since moto's SQS rebuilds a queue's messages on every delete.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.tables import INCIDENTS, STATUS_INDEX
from local.config import CREDENTIALS
from local.simulator import INTAKE_FUNCTION, connect_event
from tests.integration.helpers import DEFAULT_SERVE_ARGS, running_stack

CALLS = 200  # distinct calls of a surge, all at once
SAME_CONTACT = 30  # concurrent invocations for one ContactId (Connect's retries and a redelivery storm)
CONNECT_RETRIES = 3  # Connect retries a failed or throttled invocation
MESSAGES = 400  # sent to one queue by SENDERS threads while CONSUMERS threads drain it
SENDERS = 8
CONSUMERS = 2
# Bounds that only a broken stack reaches: a barrier every thread arrives at, a queue drained.
BARRIER_TIMEOUT = 60.0
DRAIN_TIMEOUT = 60.0
# What a clean run never prints: moto's tracebacks, λ lines of failed invocations, an API's 5xx.
LOG_PROBLEMS = re.compile(r"Traceback|Error|ERROR|Exception| → 5\d\d ")


@pytest.fixture(scope="module")
def surge_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path]]:
    """A stack as `make dev` starts it, of this module's own: its log holds only what these tests did."""
    state_dir: Path = tmp_path_factory.mktemp("surge-stack")
    with running_stack(state_dir, *DEFAULT_SERVE_ARGS) as endpoints:
        yield endpoints, state_dir / "stack.log"


def aws(endpoints: dict[str, Any], service: str, url: str, connections: int = 10) -> Any:
    """A client that tries once (retries are the caller's, and counted) and waits as long as the local
    stack queues it: the tests count what was stored, never how fast."""
    config = Config(
        retries={"total_max_attempts": 1},
        max_pool_connections=connections,
        connect_timeout=10,
        read_timeout=60,
    )
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=url,
        region_name=endpoints["region"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=config,
    )


@dataclass
class Caller:
    """One call as Connect places it: the invocation, and Connect's retries while it fails."""

    event: dict[str, Any]
    answer: dict[str, str] | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def contact_id(self) -> str:
        return str(self.event["Details"]["ContactData"]["ContactId"])


def place(lambda_client: Any, caller: Caller) -> None:
    for _ in range(1 + CONNECT_RETRIES):
        try:
            response = lambda_client.invoke(
                FunctionName=INTAKE_FUNCTION, Payload=json.dumps(caller.event).encode()
            )
        except (BotoCoreError, ClientError) as error:  # a 5xx or a throttle: Connect tries again
            caller.failures.append(f"{type(error).__name__}: {error}"[:300])
            continue
        payload = json.loads(response["Payload"].read())
        if "FunctionError" in response:
            caller.failures.append(f"{payload.get('errorType')}: {payload.get('errorMessage')}"[:300])
            continue
        caller.answer = payload
        return


def all_at_once(count: int, work: Callable[[int], None]) -> None:
    """work(0) … work(count - 1), each in a thread of its own, released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        barrier.wait(timeout=BARRIER_TIMEOUT)
        work(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        for future in [pool.submit(run, n) for n in range(count)]:
            future.result()


def surge(endpoints: dict[str, Any], callers: list[Caller]) -> None:
    connect = aws(endpoints, "lambda", endpoints["lambda"], connections=len(callers))
    all_at_once(len(callers), lambda n: place(connect, callers[n]))


def received(endpoints: dict[str, Any], contact_ids: set[str]) -> list[dict[str, Any]]:
    """The RECEIVED incidents of these contacts: the operators' queue, a Query on the status index,
    page by page, as the API reads it (read here directly: the test counts, it does not time)."""
    ddb = aws(endpoints, "dynamodb", endpoints["aws"])
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "TableName": endpoints["resources"][INCIDENTS.env_var],
        "IndexName": STATUS_INDEX.name,
        "KeyConditionExpression": "#pk = :status",
        "ExpressionAttributeNames": {"#pk": STATUS_INDEX.partition_key.name},
        "ExpressionAttributeValues": {":status": {"S": "STATUS#RECEIVED"}},
        "Limit": 100,
    }
    for _ in range(100):  # bounded: 10,000 incidents
        page = ddb.query(**request)
        items += [i for i in page["Items"] if i.get("contact_id", {}).get("S") in contact_ids]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    pytest.fail("the status index kept returning a LastEvaluatedKey")


def partition(endpoints: dict[str, Any], incident_id: str) -> set[str]:
    """The sort keys under an incident: its item and its audit entries (one Query on pk)."""
    ddb = aws(endpoints, "dynamodb", endpoints["aws"])
    response = ddb.query(
        TableName=endpoints["resources"][INCIDENTS.env_var],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"INCIDENT#{incident_id}"}},
        ConsistentRead=True,
    )
    return {item["sk"]["S"] for item in response["Items"]}


def log_since(log_path: Path, offset: int) -> list[str]:
    """The lines of the stack's log written since `offset` that show a problem."""
    with log_path.open("rb") as log:
        log.seek(offset)
        text = log.read().decode("utf-8", errors="replace")
    return [line for line in text.splitlines() if LOG_PROBLEMS.search(line)]


def test_200_concurrent_calls_are_200_incidents(surge_stack: tuple[dict[str, Any], Path]) -> None:
    endpoints, log_path = surge_stack
    offset = log_path.stat().st_size
    callers = [Caller(connect_event(f"+62812{n:08d}")) for n in range(CALLS)]

    surge(endpoints, callers)

    stored = received(endpoints, {caller.contact_id for caller in callers})
    unanswered = [c.failures for c in callers if c.answer is None]
    assert len(stored) == CALLS, (
        f"{len(stored)} incidents; {len(unanswered)} calls unanswered: {unanswered[:3]}"
    )
    assert sorted(i["contact_id"]["S"] for i in stored) == sorted(c.contact_id for c in callers)
    # Every caller got an answer, and every answer names an incident that is still there, whole.
    assert not unanswered
    answered = {c.answer["incidentId"] for c in callers if c.answer}
    assert answered == {i["id"]["S"] for i in stored}
    incomplete = {
        i: keys for i in answered if (keys := partition(endpoints, i)) != {"INCIDENT", "AUDIT#00000001"}
    }
    assert not incomplete
    # Nothing needed Connect's retries, and the stack's log is clean.
    retried = [c.failures for c in callers if c.failures]
    assert not retried, f"{len(retried)} calls were retried: {retried[:3]}"
    assert not log_since(log_path, offset)


def test_30_concurrent_invocations_of_one_contact_are_1_incident(
    surge_stack: tuple[dict[str, Any], Path],
) -> None:
    endpoints, log_path = surge_stack
    offset = log_path.stat().st_size
    contact_id = str(uuid.uuid4())
    callers = [Caller(connect_event("+6281299990000", contact_id)) for _ in range(SAME_CONTACT)]

    surge(endpoints, callers)

    stored = received(endpoints, {contact_id})
    assert len(stored) == 1, f"{len(stored)} incidents for one contact: {[i['id']['S'] for i in stored]}"
    assert all(c.answer for c in callers), [c.failures for c in callers]
    assert {c.answer["incidentId"] for c in callers if c.answer} == {stored[0]["id"]["S"]}
    # The first registration says so; the other 29 are told it is a repeat.
    repeats = sorted(c.answer["repeatInvocation"] for c in callers if c.answer)
    assert repeats == ["false"] + ["true"] * (SAME_CONTACT - 1)
    assert partition(endpoints, stored[0]["id"]["S"]) == {"INCIDENT", "AUDIT#00000001"}
    retried = [c.failures for c in callers if c.failures]
    assert not retried, f"{len(retried)} invocations were retried: {retried[:3]}"
    assert not log_since(log_path, offset)


def test_a_queue_sent_to_and_drained_concurrently_loses_nothing(
    surge_stack: tuple[dict[str, Any], Path],
) -> None:
    """SQS is at-least-once: a message may come twice, never not at all. An agency inbox (no poller of
    the stack reads it) takes MESSAGES from SENDERS threads while CONSUMERS threads receive and delete."""
    endpoints, log_path = surge_stack
    offset = log_path.stat().st_size
    sqs = aws(endpoints, "sqs", endpoints["aws"], connections=SENDERS + CONSUMERS)
    url = endpoints["resources"]["agencyInboxes"]["BPBD"]
    bodies = {f"{uuid.uuid4()}" for _ in range(MESSAGES)}
    batches = [sorted(bodies)[n::SENDERS] for n in range(SENDERS)]
    seen: set[str] = set()
    seen_lock = threading.Lock()
    errors: list[str] = []
    deadline = time.monotonic() + DRAIN_TIMEOUT

    def send(batch: list[str]) -> None:
        for body in batch:
            sqs.send_message(QueueUrl=url, MessageBody=body)

    def all_seen() -> bool:
        with seen_lock:
            return bodies <= seen

    def drain() -> None:
        while not all_seen() and time.monotonic() < deadline:
            answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            messages = answer.get("Messages", [])
            with seen_lock:
                seen.update(m["Body"] for m in messages)
            if messages:
                entries = [
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
                ]
                deleted = sqs.delete_message_batch(QueueUrl=url, Entries=entries)
                errors.extend(str(failed) for failed in deleted.get("Failed", []))

    all_at_once(SENDERS + CONSUMERS, lambda n: send(batches[n]) if n < SENDERS else drain())

    assert len(bodies - seen) == 0, f"{len(bodies - seen)} of {MESSAGES} messages never received"
    assert not errors
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert not log_since(log_path, offset)
