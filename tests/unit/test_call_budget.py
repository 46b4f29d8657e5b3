"""How many AWS calls each operation makes, pinned: the 112 path's budget is part of its design.

Counts are deterministic (bench/calls.py counts boto3 client calls on moto), so a change that adds a
round trip to a use case fails here and has to say why. `make bench` prints the same table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ConnectTimeoutError
from moto import mock_aws

from bench.calls import CallCounter
from core.agency_directory import CachedDirectory, DirectoryService
from core.agency_store import DynamoAgencyStore
from core.deliveries import Deadline, DeliveryRegistrar, Pending
from core.directory_models import PostUpdate
from core.directory_seed import SEEDS
from core.dispatching import Dispatcher
from core.idempotency import IdempotentNotifier, dynamodb_persistence, notification_config
from core.incidents import IncidentService, Report, VerifyCommand
from core.major_incidents import DeclareMajorIncident
from core.messaging import SnsAgencyNotifier, SqsDispatchQueue, SqsReplyQueue, SqsReportBacklog
from core.models import (
    AmlFix,
    AmlTransport,
    Category,
    Channel,
    Flag,
    Location,
    Priority,
    Rejection,
    RejectionReason,
)
from core.positions import PositionService
from core.ratelimit import RateLimit, RateLimiter
from core.regency import REGENCIES
from core.repository import DynamoIncidentRepository
from core.storage import S3RawArchive
from intake.routes.request import Ports
from intake.web import lambda_handler
from tests.fakes import RecordingBacklog
from tests.support import FakeLambdaContext, create_tables, load_event
from tests.unit.test_intake_web import sample_secrets

BANYUWANGI = REGENCIES["banyuwangi"]


class Stack:
    def __init__(self) -> None:
        self.names = names = create_tables()
        self.ddb, self.sqs, self.sns = boto3.client("dynamodb"), boto3.client("sqs"), boto3.client("sns")
        queue_url = self.sqs.create_queue(QueueName="budget-dispatch")["QueueUrl"]
        replies_url = self.sqs.create_queue(QueueName="budget-replies")["QueueUrl"]
        backlog_url = self.sqs.create_queue(QueueName="budget-backlog")["QueueUrl"]
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
        self.deliveries = DeliveryRegistrar(
            IncidentService(repository, BANYUWANGI),
            SqsReplyQueue(replies_url, self.sqs),
            SqsReportBacklog(backlog_url, self.sqs),
        )

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


INTAKE_BUDGET = 3  # AWS calls a 112 call may cost the intake, whatever happens (issue 12)


def test_a_112_call_costs_one_read_by_key_and_one_transaction(stack: Stack) -> None:
    # One BatchGetItem reads the number's record (the calls its standing counts) and a handset position
    # (AML) that arrived before the call, by their keys: no Query of the history (decision 42).
    assert stack.calls(lambda: stack.service.register(call())) == {
        "dynamodb.BatchGetItem": 1,
        "dynamodb.TransactWriteItems": 1,
    }


def test_a_call_with_a_history_and_a_kept_position_costs_the_same_read(stack: Stack) -> None:
    for n in range(4):
        incident, _ = stack.service.register(call(contact=f"old-{n}"))
        stack.service.claim(incident.id, "operator1")
        stack.service.reject(incident.id, "operator1", Rejection(reason=RejectionReason.PRANK))
    fix = AmlFix(lat=-8.36, lon=114.15, received_at=datetime.now(UTC), transport=AmlTransport.SMS,
                 number="+6281234567890")  # fmt: skip
    repository = DynamoIncidentRepository(stack.names["TABLE_NAME"], stack.ddb)
    repository.keep_position("+6281234567890", fix, int(datetime.now(UTC).timestamp()) + 600)

    calls = stack.calls(lambda: stack.service.register(call(contact="new")))

    # the kept position becomes a LOCATE change of its own: the transaction it always was (decision 15)
    assert calls == {"dynamodb.BatchGetItem": 1, "dynamodb.TransactWriteItems": 2}
    incident = stack.service.detail(stack.service.register(call(contact="new"))[0].id)
    assert (incident.flags, incident.recent_pranks) == ([Flag.WARNED], 4)  # the record counted them


def test_a_major_incident_active_costs_a_call_nothing_more(stack: Stack) -> None:
    """The active major incidents are one item read in the same BatchGetItem as the caller's record: the
    message every caller hears adds no AWS call (decision 59)."""
    parent, _ = stack.service.register(call(caller="+6281299999999", contact="parent"))
    stack.service.claim(parent.id, "operator1")
    message = "Kami sudah menerima laporan kebakaran di Pasar Genteng. Petugas sedang menuju lokasi."
    request = DeclareMajorIncident.model_validate(
        {"parentId": parent.id, "area": {"district": "Genteng"}, "message": message}
    )
    stack.service.major.declare("supervisor", request)
    registered: list[Any] = []

    calls = stack.calls(lambda: registered.append(stack.service.register_call(call())))

    assert calls == {"dynamodb.BatchGetItem": 1, "dynamodb.TransactWriteItems": 1}
    _, created, majors = registered[0]
    assert created
    assert majors is not None
    assert majors.spoken() == message


def test_a_withheld_number_reads_the_major_incidents_only(stack: Stack) -> None:
    # No number, no record: the BatchGetItem reads the major incidents' item alone, since every caller
    # hears an active one's message (decision 59).
    assert stack.calls(lambda: stack.service.register(call(caller="anonymous"))) == {
        "dynamodb.BatchGetItem": 1,
        "dynamodb.TransactWriteItems": 1,
    }


def test_a_connect_retry_costs_one_more_read(stack: Stack) -> None:
    stack.service.register(call())
    calls = stack.calls(lambda: stack.service.register(call()))
    assert calls == {
        "dynamodb.BatchGetItem": 1,
        "dynamodb.TransactWriteItems": 1,
        "dynamodb.GetItem": 1,  # the incident the dedupe item names
    }
    assert sum(calls.values()) <= INTAKE_BUDGET


def test_a_failed_lookup_reads_the_kept_position_itself_within_the_budget(stack: Stack) -> None:
    def unavailable(**_: Any) -> None:
        raise ConnectTimeoutError(endpoint_url="https://dynamodb.ap-southeast-1.amazonaws.com")

    stack.ddb.meta.events.register("before-call.dynamodb.BatchGetItem", unavailable)
    calls = stack.calls(lambda: stack.service.register(call()))
    assert calls == {"dynamodb.BatchGetItem": 1, "dynamodb.TransactWriteItems": 1, "dynamodb.GetItem": 1}
    assert sum(calls.values()) <= INTAKE_BUDGET


def test_a_cannot_speak_key_costs_two_reads_and_two_transactions(stack: Stack) -> None:
    # The flow's second invocation registers as the first did (the caller's record, which brings a kept
    # position too, the refused registration and the read of the incident it names), then adds the flag in
    # one transaction: four calls, as many as before the record's read replaced the position's.
    stack.service.register(call())
    assert stack.calls(lambda: stack.service.flag_call(call(), Flag.CANNOT_SPEAK)) == {
        "dynamodb.BatchGetItem": 1,
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 2,
    }
    # pressed again (a retry): the flag is there, nothing is written but the refused registration
    assert stack.calls(lambda: stack.service.flag_call(call(), Flag.CANNOT_SPEAK)) == {
        "dynamodb.BatchGetItem": 1,
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 1,
    }


def test_the_operators_workflow(stack: Stack) -> None:
    incident, _ = stack.service.register(call())
    command = VerifyCommand(Category.FIRE, Priority.P1, Location(district="Genteng"), "Rumah terbakar")

    assert stack.calls(lambda: stack.service.claim(incident.id, "operator1")) == {
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 1,
    }
    # After the dispatch request, the caller's history is read again: a verified A1 resets the number's
    # standing, and its record (when it has one) is brought up to date for the supervisors' list.
    assert stack.calls(lambda: stack.service.verify(incident.id, "operator1", command)) == {
        "dynamodb.TransactWriteItems": 1,
        "sqs.SendMessage": 1,
        "dynamodb.Query": 1,
        "dynamodb.GetItem": 2,  # the incident, and the number's record (consistent, to change it)
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


def instagram(n: int) -> Pending:
    report = Report(
        channel=Channel.INSTAGRAM,
        actor="system:instagram",
        dedupe_key=f"INSTAGRAM#mid.{n}",
        text=f"Tolong, pesan {n}",
        flags=(Flag.LOCATION_ASKED,),
    )
    return Pending(report, reply_to=f"6104{n:012d}")


NEVER = Deadline(3600)  # registering inline never runs out of time in these counts
PASSED = Deadline(0)


def test_a_webhook_message_costs_one_transaction_and_its_reply(stack: Stack) -> None:
    assert stack.calls(lambda: stack.deliveries.register([instagram(1)], NEVER)) == {
        "dynamodb.TransactWriteItems": 1,
        "sqs.SendMessage": 1,
    }


def test_a_redelivered_message_costs_its_transaction_and_one_read_and_asks_nobody(stack: Stack) -> None:
    stack.deliveries.register([instagram(1)], NEVER)
    assert stack.calls(lambda: stack.deliveries.register([instagram(1)], NEVER)) == {
        "dynamodb.TransactWriteItems": 1,
        "dynamodb.GetItem": 1,  # the incident the dedupe item names (the failed condition returns it)
    }


def test_handing_300_messages_to_the_backlog_costs_two_sqs_calls(stack: Stack) -> None:
    """25 reports a queue message, 10 messages a SendMessageBatch: Meta's largest batch (1,000) is four
    calls, which is what keeps the answer in time whatever the delivery's size."""
    items = [instagram(n) for n in range(300)]
    assert stack.calls(lambda: stack.deliveries.register(items, PASSED)) == {"sqs.SendMessageBatch": 2}


def test_a_forged_webhook_costs_one_short_archive_write_and_nothing_else(stack: Stack) -> None:
    """The signature is checked in memory: a forged delivery reaches neither the table nor a queue."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="budget-raw", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    stack.counter.attach(s3)
    repository = DynamoIncidentRepository(stack.names["TABLE_NAME"], stack.ddb)
    ports = Ports(
        service=IncidentService(repository, BANYUWANGI),
        positions=PositionService(repository),
        archive=S3RawArchive("budget-raw", s3),
        replies=SqsReplyQueue("https://sqs.example/unused", stack.sqs),
        secrets=sample_secrets,
        limiter=RateLimiter(repository, RateLimit(5, 600)),
        backlog=RecordingBacklog(),
    )
    forged = load_event("apigw/instagram-messages-invalid.json")

    def post() -> None:
        assert lambda_handler(forged, FakeLambdaContext(), ports=ports)["statusCode"] == 401

    assert stack.calls(post) == {"s3.PutObject": 1}


def test_the_agency_directory_costs_one_query_per_copy_and_a_change_one_transaction(stack: Stack) -> None:
    """Verification routes with a copy of the directory read once per DIRECTORY_CACHE_SECONDS: a warm
    copy adds nothing to verify's budget above, a cold one a Query. A change reads its entry and writes
    it with its history in one transaction."""
    store = DynamoAgencyStore(stack.names["DIRECTORY_TABLE_NAME"], stack.ddb)
    directory = DirectoryService(store, BANYUWANGI)
    directory.seed(SEEDS["banyuwangi"])
    copy = CachedDirectory(directory.snapshot, ttl=10, monotonic=lambda: 0.0)
    repository = DynamoIncidentRepository(stack.names["TABLE_NAME"], stack.ddb)
    queue = SqsDispatchQueue(stack.sqs.create_queue(QueueName="budget-routed")["QueueUrl"], stack.sqs)
    service = IncidentService(repository, BANYUWANGI, queue, agencies=copy.snapshot)
    incident, _ = service.register(call(contact="c-routed"))
    service.claim(incident.id, "operator1")
    command = VerifyCommand(Category.FIRE, Priority.P1, Location(district="Genteng"), "Rumah terbakar")

    assert stack.calls(directory.directory) == {"dynamodb.Query": 1}
    assert stack.calls(lambda: service.suggest(Category.FIRE, (), "Genteng")) == {"dynamodb.Query": 1}
    assert stack.calls(lambda: service.suggest(Category.FIRE, (), "Genteng")) == {}  # the copy is warm
    # the same as test_the_operators_workflow's verify: the warm copy adds nothing
    assert stack.calls(lambda: service.verify(incident.id, "operator1", command)) == {
        "dynamodb.TransactWriteItems": 1,
        "sqs.SendMessage": 1,
        "dynamodb.Query": 1,
        "dynamodb.GetItem": 2,
    }
    post = directory.post_detail("polsek-genteng")
    kept = post.model_dump(by_alias=True, include={"name", "districts", "duty"})
    contacts = {"sms": ["081234567890"]}
    change = PostUpdate.model_validate(
        {**kept, "contacts": contacts, "version": post.version, "reason": "nomor baru"}
    )
    assert stack.calls(lambda: directory.update_post("polsek-genteng", change, "admin")) == {
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 1,
    }


# -- one emergency, many reports (docs/api.md#one-emergency-many-reports) -----------------------------


def web_report(n: int) -> Report:
    return Report(channel=Channel.WEB, actor="system:web", text=f"Kebakaran {n}",
                  location=Location(lat=-8.3695, lon=114.153, district="Genteng"))  # fmt: skip


def test_suggestions_cost_a_read_and_one_query_per_open_status(stack: Stack) -> None:
    """The status index over the last hour, one bounded Query per open status: never a Scan."""
    stack.service.register(web_report(1))
    child, _ = stack.service.register(web_report(2))
    calls = stack.calls(lambda: stack.service.related.suggest(child.id))
    # the incident and the major incidents' item; RECEIVED … ACKNOWLEDGED
    assert calls == {"dynamodb.GetItem": 2, "dynamodb.Query": 5}


def test_attach_and_detach_cost_two_reads_and_one_transaction(stack: Stack) -> None:
    parent, _ = stack.service.register(web_report(1))
    child, _ = stack.service.register(web_report(2))
    one_transaction = {"dynamodb.GetItem": 2, "dynamodb.TransactWriteItems": 1}
    assert (
        stack.calls(lambda: stack.service.related.attach(child.id, parent.id, "operator1")) == one_transaction
    )
    assert (
        stack.calls(lambda: stack.service.related.detach(child.id, "supervisor1", "salah")) == one_transaction
    )


def test_a_note_costs_a_read_and_a_transaction(stack: Stack) -> None:
    incident, _ = stack.service.register(web_report(1))
    assert stack.calls(lambda: stack.service.note(incident.id, "operator1", "catatan")) == {
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 1,
    }


def conversation(n: int) -> Pending:
    pending = instagram(n)
    return Pending(replace(pending.report, sender="INSTAGRAM#6104000000000001"), pending.reply_to)


def test_a_citizens_first_message_reads_their_conversation_first(stack: Stack) -> None:
    """One GetItem more than a message without a sender: the sender's latest incident, not there yet."""
    assert stack.calls(lambda: stack.deliveries.register([conversation(1)], NEVER)) == {
        "dynamodb.GetItem": 1,
        "dynamodb.TransactWriteItems": 1,
        "sqs.SendMessage": 1,
    }


def test_a_follow_up_joins_in_one_transaction_and_asks_nobody(stack: Stack) -> None:
    (first,) = stack.deliveries.register([conversation(1)], NEVER).incidents
    joined = {"dynamodb.GetItem": 2, "dynamodb.TransactWriteItems": 1}  # the sender's item, the incident
    calls = stack.calls(lambda: stack.deliveries.register([conversation(2)], NEVER))
    assert calls == joined
    # redelivered: the message's dedupe item refuses it, and names the incident it joined
    calls = stack.calls(lambda: stack.deliveries.register([conversation(2)], NEVER))
    assert calls == {"dynamodb.GetItem": 3, "dynamodb.TransactWriteItems": 1}
    detail = stack.service.detail(first)
    assert [report.message_id for report in detail.reports] == ["INSTAGRAM#mid.2"]  # once
    assert [e.action.value for e in detail.timeline] == ["REGISTER", "MESSAGE"]
