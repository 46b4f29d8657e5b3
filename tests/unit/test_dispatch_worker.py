"""dispatch.worker.lambda_handler: SQS batches of dispatch requests, partial failures, redeliveries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.typing import LambdaContext
from moto import mock_aws

from core.dispatching import Dispatcher
from core.idempotency import IdempotentNotifier, dynamodb_persistence, notification_config
from core.incidents import SYSTEM_INTAKE, IncidentService, Report, VerifyCommand
from core.models import Agency, Category, Channel, DispatchStatus, Location, Priority, Status
from dispatch.worker import lambda_handler
from tests.fakes import InMemoryIncidentRepository, RecordingNotifier
from tests.support import Clock, FakeLambdaContext, create_tables, load_event

BATCH = "sqs/dispatch-batch.json"
INVALID_BATCH = "sqs/dispatch-batch-invalid.json"


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def dispatcher(repo: InMemoryIncidentRepository, notifier: RecordingNotifier, clock: Clock) -> Dispatcher:
    return Dispatcher(repo, notifier, clock)


def verified_incident(
    service: IncidentService, clock: Clock, category: Category = Category.FIRE, operator: str = "operator1"
) -> str:
    """A VERIFIED incident, as the verify API leaves it (the queue message is the test's to send)."""
    incident, _ = service.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller="081234567890"))
    service.claim(incident.id, operator)
    service.verify(
        incident.id,
        operator,
        VerifyCommand(
            category=category,
            priority=Priority.P1,
            location=Location(district="Genteng"),
            summary="Kejadian di Jl. Raya Genteng",
        ),
    )
    clock.advance(seconds=1)
    return incident.id


def with_incidents(event: dict[str, Any], *incident_ids: str) -> dict[str, Any]:
    """The sample's first records, each asking to dispatch one of `incident_ids` instead."""
    records = event["Records"][: len(incident_ids)]
    assert len(records) == len(incident_ids), "the sample has fewer records than the test needs"
    for record, incident_id in zip(records, incident_ids, strict=True):
        body = json.loads(record["body"])
        body["incidentId"] = incident_id
        record["body"] = json.dumps(body)
    event["Records"] = records
    return event


def message_ids(event: dict[str, Any]) -> list[str]:
    return [record["messageId"] for record in event["Records"]]


def failures(response: dict[str, Any]) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def test_a_batch_dispatches_every_verified_incident(
    service: IncidentService,
    dispatcher: Dispatcher,
    repo: InMemoryIncidentRepository,
    notifier: RecordingNotifier,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    fire = verified_incident(service, clock, Category.FIRE)
    crime = verified_incident(service, clock, Category.CRIME)
    event = with_incidents(load_event(BATCH), fire, crime)

    response = lambda_handler(event, lambda_context, dispatcher=dispatcher)

    assert response == {"batchItemFailures": []}
    assert repo.incidents[fire].status is Status.DISPATCHED
    assert repo.incidents[crime].status is Status.DISPATCHED
    assert repo.incidents[fire].dispatched_at == clock.now
    assert sorted(notifier.sent) == sorted([(fire, Agency.DAMKAR), (crime, Agency.POLICE)])
    assert repo.dispatches[fire][Agency.DAMKAR].message_id == f"sns-{fire}-DAMKAR"
    assert repo.dispatches[crime][Agency.POLICE].status is DispatchStatus.NOTIFIED


def test_a_batch_where_every_body_is_invalid_raises_for_the_whole_batch(
    dispatcher: Dispatcher,
    repo: InMemoryIncidentRepository,
    notifier: RecordingNotifier,
    lambda_context: FakeLambdaContext,
) -> None:
    # Powertools raises when ALL records fail, so Lambda reports an error and SQS keeps every message.
    event = load_event(INVALID_BATCH)
    assert len(event["Records"]) == 2

    with pytest.raises(BatchProcessingError) as raised:
        lambda_handler(event, lambda_context, dispatcher=dispatcher)

    assert len(raised.value.child_exceptions) == 2
    assert "All records failed" in str(raised.value)
    assert notifier.sent == []
    assert repo.calls["get"] == 0


def test_invalid_bodies_are_reported_by_message_id(
    service: IncidentService,
    dispatcher: Dispatcher,
    repo: InMemoryIncidentRepository,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    incident_id = verified_incident(service, clock)
    event = with_incidents(load_event(BATCH), incident_id)
    invalid = load_event(INVALID_BATCH)["Records"]
    event["Records"] += invalid

    response = lambda_handler(event, lambda_context, dispatcher=dispatcher)

    assert failures(response) == [record["messageId"] for record in invalid]
    assert repo.incidents[incident_id].status is Status.DISPATCHED


def test_a_mixed_batch_reports_only_the_bad_message(
    service: IncidentService,
    dispatcher: Dispatcher,
    repo: InMemoryIncidentRepository,
    notifier: RecordingNotifier,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    incident_id = verified_incident(service, clock)
    event = with_incidents(load_event(BATCH), incident_id)
    bad = load_event(INVALID_BATCH)["Records"][0]
    event["Records"].append(bad)

    response = lambda_handler(event, lambda_context, dispatcher=dispatcher)

    assert failures(response) == [bad["messageId"]]
    assert repo.incidents[incident_id].status is Status.DISPATCHED
    assert notifier.sent == [(incident_id, Agency.DAMKAR)]


def test_a_request_for_an_unknown_incident_is_kept_for_a_retry(
    service: IncidentService,
    dispatcher: Dispatcher,
    repo: InMemoryIncidentRepository,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    known = verified_incident(service, clock)
    event = with_incidents(load_event(BATCH), known, "01KB0Z1A2B3C4D5E6F7G8H9J0K")

    response = lambda_handler(event, lambda_context, dispatcher=dispatcher)

    assert failures(response) == [message_ids(event)[1]]
    assert repo.incidents[known].status is Status.DISPATCHED


def test_a_redelivered_request_for_a_dispatched_incident_notifies_nobody_again(
    service: IncidentService,
    dispatcher: Dispatcher,
    repo: InMemoryIncidentRepository,
    notifier: RecordingNotifier,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    incident_id = verified_incident(service, clock)
    event = with_incidents(load_event(BATCH), incident_id)
    assert lambda_handler(event, lambda_context, dispatcher=dispatcher) == {"batchItemFailures": []}
    sent_before = list(notifier.sent)
    version = repo.incidents[incident_id].version

    redelivery = with_incidents(load_event(BATCH), incident_id)
    redelivery["Records"][0]["attributes"]["ApproximateReceiveCount"] = "2"
    response = lambda_handler(redelivery, lambda_context, dispatcher=dispatcher)

    assert response == {"batchItemFailures": []}
    assert sent_before == [(incident_id, Agency.DAMKAR)]
    assert notifier.sent == sent_before
    assert repo.incidents[incident_id].version == version
    assert [e.action.value for e in repo.timelines[incident_id]].count("DISPATCH") == 1


def test_a_request_for_an_unverified_incident_is_consumed_without_notifying(
    service: IncidentService,
    dispatcher: Dispatcher,
    repo: InMemoryIncidentRepository,
    notifier: RecordingNotifier,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    verified = verified_incident(service, clock)
    received, _ = service.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE))
    event = with_incidents(load_event(BATCH), verified, received.id)

    response = lambda_handler(event, lambda_context, dispatcher=dispatcher)

    assert response == {"batchItemFailures": []}  # retrying cannot make it verified
    assert repo.incidents[received.id].status is Status.RECEIVED
    assert notifier.sent == [(verified, Agency.DAMKAR)]


# -- a notifier that fails for one agency, behind the idempotent wrapper (DynamoDB on moto) ---------


@pytest.fixture
def idempotency_table() -> Iterator[str]:
    with mock_aws():
        yield create_tables()["IDEMPOTENCY_TABLE_NAME"]


def test_a_redelivery_after_a_partial_failure_notifies_only_the_missing_agency(
    idempotency_table: str,
    service: IncidentService,
    repo: InMemoryIncidentRepository,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    sns = RecordingNotifier(failing_for={Agency.PSC119})
    config = notification_config()
    config.register_lambda_context(cast(LambdaContext, lambda_context))  # as the handler's default path does
    notifier = IdempotentNotifier(sns, dynamodb_persistence(idempotency_table), config)
    dispatcher = Dispatcher(repo, notifier, clock)
    accident = verified_incident(service, clock, Category.TRAFFIC_ACCIDENT)
    fire = verified_incident(service, clock, Category.FIRE)
    assert repo.incidents[accident].agencies == [Agency.POLICE, Agency.PSC119]
    event = with_incidents(load_event(BATCH), accident, fire)

    response = lambda_handler(event, lambda_context, dispatcher=dispatcher)

    assert failures(response) == [message_ids(event)[0]]
    assert repo.incidents[accident].status is Status.VERIFIED
    assert repo.dispatches[accident] == {}
    assert repo.incidents[fire].status is Status.DISPATCHED
    assert sns.sent == [(accident, Agency.POLICE), (fire, Agency.DAMKAR)]

    sns.failing_for.clear()  # SNS is back
    redelivery = with_incidents(load_event(BATCH), accident)
    redelivery["Records"][0]["attributes"]["ApproximateReceiveCount"] = "2"
    response = lambda_handler(redelivery, lambda_context, dispatcher=dispatcher)

    assert response == {"batchItemFailures": []}
    assert sns.sent == [(accident, Agency.POLICE), (fire, Agency.DAMKAR), (accident, Agency.PSC119)]
    assert repo.incidents[accident].status is Status.DISPATCHED
    dispatches = repo.dispatches[accident]
    assert set(dispatches) == {Agency.POLICE, Agency.PSC119}
    # POLICE's record carries the message id of the first, real notification, replayed from the store.
    assert dispatches[Agency.POLICE].message_id == f"sns-{accident}-POLICE"
    assert dispatches[Agency.PSC119].message_id == f"sns-{accident}-PSC119"
