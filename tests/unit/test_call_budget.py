"""How many AWS calls each operation makes, pinned: the 112 path's budget is part of its design.

Counts are deterministic (bench/calls.py counts boto3 client calls on moto), so a change that adds a
round trip to a use case fails here and has to say why. `make bench` prints the same table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from moto import mock_aws

from bench.calls import CallCounter
from core.dispatching import Dispatcher
from core.idempotency import IdempotentNotifier, dynamodb_persistence, notification_config
from core.incidents import IncidentService, Report, VerifyCommand
from core.messaging import SnsAgencyNotifier, SqsDispatchQueue
from core.models import AmlFix, AmlTransport, Category, Channel, Location, Priority
from core.positions import PositionService
from core.regency import REGENCIES
from core.repository import DynamoIncidentRepository
from tests.support import FakeLambdaContext, create_tables

BANYUWANGI = REGENCIES["banyuwangi"]


class Stack:
    def __init__(self) -> None:
        names = create_tables()
        self.ddb, self.sqs, self.sns = boto3.client("dynamodb"), boto3.client("sqs"), boto3.client("sns")
        queue_url = self.sqs.create_queue(QueueName="budget-dispatch")["QueueUrl"]
        topic = self.sns.create_topic(Name="budget-agencies")["TopicArn"]
        self.counter = CallCounter().attach(self.ddb, self.sqs, self.sns)
        repository = DynamoIncidentRepository(names["TABLE_NAME"], self.ddb)
        self.service = IncidentService(repository, BANYUWANGI, SqsDispatchQueue(queue_url, self.sqs))
        self.positions = PositionService(repository)
        config = notification_config()
        config.register_lambda_context(cast(LambdaContext, FakeLambdaContext()))
        notifier = IdempotentNotifier(
            SnsAgencyNotifier(topic, BANYUWANGI, self.sns),
            dynamodb_persistence(names["IDEMPOTENCY_TABLE_NAME"]),
            config,
        )
        self.dispatcher = Dispatcher(repository, notifier)

    def calls(self, operation: Any) -> Counter[str]:
        self.counter.reset()
        operation()
        return Counter(self.counter.calls)


@pytest.fixture
def stack() -> Iterator[Stack]:
    with mock_aws():
        yield Stack()


def call(caller: str = "+6281234567890", contact: str = "c-1") -> Report:
    return Report(
        channel=Channel.VOICE, actor="system:intake", caller=caller, dedupe_key=f"CONTACT#{contact}"
    )


def test_a_112_call_costs_one_read_and_one_transaction(stack: Stack) -> None:
    # The read looks for a handset position (AML) that arrived before the call.
    assert stack.calls(lambda: stack.service.register(call())) == {
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 1,
    }


def test_a_withheld_number_skips_the_position_read(stack: Stack) -> None:
    assert stack.calls(lambda: stack.service.register(call(caller="anonymous"))) == {
        "dynamodb.TransactWriteItems": 1
    }


def test_a_connect_retry_costs_one_more_read(stack: Stack) -> None:
    stack.service.register(call())
    assert stack.calls(lambda: stack.service.register(call())) == {
        "dynamodb.GetItem": 2,
        "dynamodb.TransactWriteItems": 1,
    }


def test_the_operators_workflow(stack: Stack) -> None:
    incident, _ = stack.service.register(call())
    command = VerifyCommand(Category.FIRE, Priority.P1, Location(district="Genteng"), "Rumah terbakar")

    assert stack.calls(lambda: stack.service.claim(incident.id, "operator1")) == {
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 1,
    }
    assert stack.calls(lambda: stack.service.verify(incident.id, "operator1", command)) == {
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 1,
        "sqs.SendMessage": 1,
    }
    assert stack.calls(lambda: stack.service.detail(incident.id)) == {"dynamodb.Query": 1}
    # Dispatch: the idempotency layer's own reads and writes go through Powertools' client, not counted.
    assert stack.calls(lambda: stack.dispatcher.dispatch(incident.id)) == {
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 1,
        "sns.Publish": 1,
    }
    assert stack.calls(lambda: stack.dispatcher.dispatch(incident.id)) == {"dynamodb.GetItem": 1}


def test_an_aml_position_for_an_open_call(stack: Stack) -> None:
    stack.service.register(call())
    fix = AmlFix(lat=-8.36, lon=114.15, received_at=datetime.now(UTC), transport=AmlTransport.SMS,
                 number="+6281234567890")  # fmt: skip

    assert stack.calls(lambda: stack.positions.receive(fix)) == {
        "dynamodb.Query": 1,
        "dynamodb.TransactWriteItems": 1,
    }
