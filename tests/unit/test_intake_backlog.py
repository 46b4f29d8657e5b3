"""intake.backlog (intake-backlog): the queued messages of a large webhook delivery become incidents, once
each, with one reply each, whatever SQS redelivers; and core.messaging's backlog messages fit SQS."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from core.deliveries import BacklogMessage, DeliveryRegistrar, Pending
from core.incidents import IncidentService, Report
from core.messaging import SqsReportBacklog, backlog_bodies
from core.models import Channel, Flag
from core.regency import REGENCIES
from core.replies import Reply
from intake.backlog import lambda_handler
from tests.fakes import InMemoryIncidentRepository
from tests.support import Clock, FakeLambdaContext, load_event

SAMPLE = "sqs/backlog-batch.json"
INVALID = "sqs/backlog-batch-invalid.json"


class Replies:
    def __init__(self) -> None:
        self.sent: list[Reply] = []

    def enqueue(self, reply: Reply) -> str:
        self.sent.append(reply)
        return f"reply-{len(self.sent)}"


class FailingOn(InMemoryIncidentRepository):
    """A repository that fails to store the report with this text, as an unreachable DynamoDB would."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def create(
        self,
        incident: Any,
        dedupe_key: str | None = None,
        reason: str | None = None,
        sender: str | None = None,
    ) -> Any:
        if incident.report == self.text:
            raise ConnectionError("DynamoDB unreachable")
        return super().create(incident, dedupe_key, reason, sender)


def registrar(repo: InMemoryIncidentRepository, replies: Replies, clock: Clock) -> DeliveryRegistrar:
    return DeliveryRegistrar(IncidentService(repo, REGENCIES["banyuwangi"], clock=clock), replies)


def failures(response: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


def report(n: int) -> Pending:
    return Pending(
        Report(
            channel=Channel.INSTAGRAM,
            actor="system:instagram",
            dedupe_key=f"INSTAGRAM#mid.{n}",
            text=f"Pesan {n} " + "x" * 3990,
            flags=(Flag.LOCATION_ASKED,),
        ),
        reply_to=f"6104{n:012d}",
    )


def test_the_sample_batch_registers_each_report_and_asks_each_sender(clock: Clock) -> None:
    repo, replies = InMemoryIncidentRepository(), Replies()

    response = lambda_handler(
        load_event(SAMPLE), FakeLambdaContext(), registrar=registrar(repo, replies, clock)
    )

    assert failures(response) == []
    assert len(repo.incidents) == 2
    assert {i.channel for i in repo.incidents.values()} == {Channel.INSTAGRAM}
    assert sorted(r.recipient for r in replies.sent) == ["6104825538412345", "6104825538419876"]
    assert {r.incident_id for r in replies.sent} == set(repo.incidents)


def test_a_redelivered_batch_registers_nothing_twice_and_asks_nobody_twice(clock: Clock) -> None:
    repo, replies = InMemoryIncidentRepository(), Replies()
    worker = registrar(repo, replies, clock)

    lambda_handler(load_event(SAMPLE), FakeLambdaContext(), registrar=worker)
    lambda_handler(load_event(SAMPLE), FakeLambdaContext(), registrar=worker)

    assert len(repo.incidents) == 2
    assert len(replies.sent) == 2


def test_the_invalid_sample_fails_without_registering(clock: Clock) -> None:
    repo, replies = InMemoryIncidentRepository(), Replies()

    with pytest.raises(BatchProcessingError):  # every record failed: the whole batch comes back
        lambda_handler(load_event(INVALID), FakeLambdaContext(), registrar=registrar(repo, replies, clock))

    assert repo.incidents == {}
    assert replies.sent == []


def test_a_failing_record_is_retried_alone_and_its_registered_reports_are_not_doubled(clock: Clock) -> None:
    """The record's first report was stored before the second failed: SQS brings the record back, and
    the second try stores the second report only."""
    event = load_event(SAMPLE)
    second = copy.deepcopy(event["Records"][0])
    second["messageId"] = "second-record"
    (second["body"],) = _bodies(report(7))
    event["Records"].append(second)
    text = BacklogMessage.model_validate_json(event["Records"][0]["body"]).reports[1].report.text
    assert text is not None
    flaky, replies = FailingOn(text), Replies()

    response = lambda_handler(event, FakeLambdaContext(), registrar=registrar(flaky, replies, clock))

    assert failures(response) == [event["Records"][0]["messageId"]]
    assert len(flaky.incidents) == 2  # the first report of the failed record, and the other record's
    flaky.text = "nothing fails now"
    retry = {"Records": [event["Records"][0]]}
    assert (
        failures(lambda_handler(retry, FakeLambdaContext(), registrar=registrar(flaky, replies, clock))) == []
    )
    assert len(flaky.incidents) == 3
    assert len(replies.sent) == 3


def _bodies(*items: Pending) -> list[str]:
    return list(backlog_bodies(items))


def test_backlog_messages_hold_at_most_25_reports_and_200_kb_in_delivery_order() -> None:
    items = [report(n) for n in range(1000)]

    bodies = _bodies(*items)

    back = [BacklogMessage.model_validate_json(body).reports for body in bodies]
    assert [p for reports in back for p in reports] == items
    assert all(len(reports) <= 25 for reports in back)
    assert all(len(body.encode()) <= 200 * 1024 for body in bodies)
    assert len(bodies) == 40


class RecordingSqs:
    """send_message_batch as SQS answers it; `fail_once` ids fail the first time they are sent."""

    def __init__(self, fail_once: set[str] | None = None, fail_always: bool = False) -> None:
        self.calls: list[list[dict[str, str]]] = []
        self.fail_once = set(fail_once or ())
        self.fail_always = fail_always

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:  # noqa: N803
        self.calls.append(Entries)
        failed = [e["Id"] for e in Entries if self.fail_always or e["Id"] in self.fail_once]
        self.fail_once -= set(failed)
        return {"Failed": [{"Id": i, "Code": "InternalError", "SenderFault": False} for i in failed]}


def test_the_sqs_backlog_sends_batches_of_ten_within_sqs_limits() -> None:
    sqs = RecordingSqs()

    SqsReportBacklog("https://sqs.example/backlog", sqs).put([report(n) for n in range(1000)])  # type: ignore[arg-type]

    assert sum(len(entries) for entries in sqs.calls) == 40
    assert all(len(entries) <= 10 for entries in sqs.calls)
    assert all(sum(len(e["MessageBody"].encode()) for e in entries) <= 256 * 1024 for entries in sqs.calls)


def test_entries_sqs_failed_are_sent_again_and_a_second_failure_raises() -> None:
    sqs = RecordingSqs(fail_once={"1"})
    SqsReportBacklog("https://sqs.example/backlog", sqs).put([report(n) for n in range(30)])  # type: ignore[arg-type]
    assert [[e["Id"] for e in entries] for entries in sqs.calls] == [["0", "1"], ["1"]]

    with pytest.raises(RuntimeError, match="did not take"):
        SqsReportBacklog("https://sqs.example/backlog", RecordingSqs(fail_always=True)).put([report(1)])  # type: ignore[arg-type]
