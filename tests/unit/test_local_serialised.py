"""local.serialised: what the embedded AWS runs one at a time, and DynamoDB transactions that roll back
their own items. moto runs in-process here; its classes are changed with monkeypatch, so other tests
keep moto as it ships. The concurrent proof on the real server is tests/integration/test_concurrency.py."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from moto.sqs.models import Queue

from core.tables import INCIDENTS
from local.aws import create_table
from local.config import ACCOUNT_ID, REGION
from local.serialised import OneDynamoDbRequestAtATime, compensations

TABLE = "incidents"
THREADS = 12
BARRIER_TIMEOUT = 10.0  # seconds; reached only when requests that should overlap are serialised


@pytest.fixture
def compensated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for owner, name, replacement in compensations():
        monkeypatch.setattr(owner, name, replacement)
    with mock_aws():
        yield


# -- the middleware ----------------------------------------------------------------------------------


class Overlaps:
    """A WSGI app that records how many requests are inside it at once; each waits at a barrier of
    `meet` requests first (1: none), so requests that may overlap are made to."""

    def __init__(self, meet: int = 1) -> None:
        self.inside = 0
        self.most = 0
        self._lock = threading.Lock()
        self._meet = threading.Barrier(meet) if meet > 1 else None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        if self._meet:
            self._meet.wait(timeout=BARRIER_TIMEOUT)
        with self._lock:
            self.inside -= 1
        start_response("200 OK", [])
        return iter([b"{", b"}"])


def requests_at_once(app: Any, target: str) -> list[bytes]:
    answers: list[bytes] = [b""] * THREADS
    start = threading.Barrier(THREADS)

    def one(n: int) -> None:
        start.wait(timeout=BARRIER_TIMEOUT)
        answers[n] = b"".join(app({"HTTP_X_AMZ_TARGET": target}, lambda *_: None))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_dynamodb_requests_run_one_at_a_time_with_their_answer() -> None:
    inner = Overlaps()
    answers = requests_at_once(OneDynamoDbRequestAtATime(inner), "DynamoDB_20120810.TransactWriteItems")
    assert inner.most == 1
    assert answers == [b"{}"] * THREADS


def test_other_services_requests_still_overlap() -> None:
    inner = Overlaps(meet=THREADS)  # every request waits inside until all are: a lock would break this
    answers = requests_at_once(OneDynamoDbRequestAtATime(inner), "AmazonSQS.SendMessage")
    assert inner.most == THREADS
    assert answers == [b"{}"] * THREADS


# -- transactions roll back their own items ------------------------------------------------------------


def item(pk: str, sk: str, **attributes: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in attributes.items()}}


def stored(ddb: Any) -> dict[tuple[str, str], dict[str, Any]]:
    items = ddb.scan(TableName=TABLE, ConsistentRead=True)["Items"]  # a test's look at all of it
    return {(i["pk"]["S"], i["sk"]["S"]): i for i in items}


def test_a_failed_transaction_puts_back_the_items_it_named_and_keeps_the_table(compensated: None) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    create_table(ddb, INCIDENTS, TABLE)
    ddb.put_item(TableName=TABLE, Item=item("A", "1", note="before"))
    ddb.put_item(TableName=TABLE, Item=item("B", "1", note="before"))
    ddb.put_item(TableName=TABLE, Item=item("C", "1", note="untouched"))
    before = stored(ddb)
    table = dynamodb_backends[ACCOUNT_ID][REGION].tables[TABLE]

    with pytest.raises(ClientError) as raised:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("N", "1", note="new")}},
                {"Update": {"TableName": TABLE, "Key": item("A", "1"), "UpdateExpression": "SET note = :n",
                            "ExpressionAttributeValues": {":n": {"S": "changed"}}}},
                {"Delete": {"TableName": TABLE, "Key": item("B", "1")}},
                {"ConditionCheck": {"TableName": TABLE, "Key": item("C", "1"),
                                    "ConditionExpression": "attribute_not_exists(pk)"}},
            ]
        )  # fmt: skip

    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert stored(ddb) == before
    # Rolled back in place: moto's own rollback would have put a copy of the whole table instead.
    assert dynamodb_backends[ACCOUNT_ID][REGION].tables[TABLE] is table


def test_a_transaction_naming_one_item_twice_is_refused_and_changes_nothing(compensated: None) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    create_table(ddb, INCIDENTS, TABLE)
    ddb.put_item(TableName=TABLE, Item=item("A", "1", note="before"))
    before = stored(ddb)

    with pytest.raises(ClientError) as raised:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("A", "1", note="first")}},
                {"Put": {"TableName": TABLE, "Item": item("A", "1", note="second")}},
            ]
        )

    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert stored(ddb) == before


def test_a_transaction_that_succeeds_writes_every_item(compensated: None) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    create_table(ddb, INCIDENTS, TABLE)
    ddb.put_item(TableName=TABLE, Item=item("A", "1", note="before"))

    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": item("N", "1", note="new"),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": TABLE, "Key": item("A", "1"), "UpdateExpression": "SET note = :n",
                        "ExpressionAttributeValues": {":n": {"S": "changed"}}}},
        ]
    )  # fmt: skip

    assert {key: i["note"]["S"] for key, i in stored(ddb).items()} == {
        ("A", "1"): "changed",
        ("N", "1"): "new",
    }


# -- SQS: a long poll waits outside the lock -------------------------------------------------------------


def test_a_long_poll_gets_a_message_sent_while_it_waits(
    compensated: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The send happens while the receive is waiting: were the wait inside the lock, the send would
    wait for the poll to end empty (20 s) and the poll would get nothing."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    waiting = threading.Event()
    wait_for_messages = Queue.wait_for_messages

    def announced(queue: Queue, timeout: int) -> None:
        waiting.set()
        wait_for_messages(queue, timeout)

    monkeypatch.setattr(Queue, "wait_for_messages", announced)
    got: list[str] = []

    def poll_once() -> None:
        answer = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        got.extend(m["Body"] for m in answer.get("Messages", []))

    poll = threading.Thread(target=poll_once)
    poll.start()
    assert waiting.wait(timeout=BARRIER_TIMEOUT)

    sqs.send_message(QueueUrl=url, MessageBody="sent while the poll waited")
    poll.join()

    assert got == ["sent while the poll waited"]
