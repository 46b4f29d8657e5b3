"""Dispatcher on the in-memory fakes, and the idempotent notifier on moto's DynamoDB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from moto import mock_aws

from core import lifecycle
from core.dispatching import SYSTEM_DISPATCH, Dispatcher, Outcome
from core.idempotency import IdempotentNotifier, dynamodb_persistence, notification_config
from core.ids import new_ulid
from core.models import (
    Action,
    Agency,
    Category,
    Channel,
    DispatchStatus,
    Incident,
    Location,
    Priority,
    Rejection,
    RejectionReason,
    Status,
)
from core.tables import IDEMPOTENCY
from tests.fakes import InMemoryIncidentRepository, RecordingNotifier
from tests.support import Clock, FakeLambdaContext, create_tables

OPERATOR = "operator1"
AGENCIES = (Agency.POLICE, Agency.PSC119)


def received(repo: InMemoryIncidentRepository, clock: Clock) -> Incident:
    incident = Incident(
        id=new_ulid(int(clock.now.timestamp() * 1000)),
        status=Status.RECEIVED,
        channel=Channel.VOICE,
        caller="+6281234567890",
        created_by="system:intake",
        received_at=clock.now,
        updated_at=clock.now,
        version=1,
    )
    repo.create(incident)
    return incident


def in_review(repo: InMemoryIncidentRepository, clock: Clock) -> Incident:
    incident = received(repo, clock)
    return repo.commit(lifecycle.claim(incident, OPERATOR, clock.advance(seconds=20)))


def verified(repo: InMemoryIncidentRepository, clock: Clock) -> Incident:
    incident = in_review(repo, clock)
    verification = lifecycle.Verification(
        Category.TRAFFIC_ACCIDENT, Priority.P1, Location(district="Genteng"), "Tabrakan motor", AGENCIES
    )
    return repo.commit(lifecycle.verify(incident, OPERATOR, verification, clock.advance(seconds=40)))


# -- Dispatcher -----------------------------------------------------------------------------------


def test_verified_incident_is_notified_once_per_agency(
    repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = verified(repo, clock)
    notifier = RecordingNotifier()
    clock.advance(seconds=3)

    result = Dispatcher(repo, notifier, clock).dispatch(incident.id)

    assert result.outcome is Outcome.DISPATCHED
    assert result.incident_id == incident.id
    assert result.agencies == AGENCIES
    assert notifier.sent == [(incident.id, Agency.POLICE), (incident.id, Agency.PSC119)]
    detail = repo.get_detail(incident.id)
    assert detail.status is Status.DISPATCHED
    assert detail.dispatched_at == clock.now
    assert detail.version == incident.version + 1
    assert [(d.agency, d.status, d.message_id) for d in detail.dispatches] == [
        (Agency.POLICE, DispatchStatus.NOTIFIED, f"sns-{incident.id}-POLICE"),
        (Agency.PSC119, DispatchStatus.NOTIFIED, f"sns-{incident.id}-PSC119"),
    ]
    last = detail.timeline[-1]
    assert (last.action, last.actor, last.at) == (Action.DISPATCH, SYSTEM_DISPATCH, clock.now)
    assert last.actor == "system:dispatch"


def test_dispatching_again_notifies_no_one(repo: InMemoryIncidentRepository, clock: Clock) -> None:
    incident = verified(repo, clock)
    notifier = RecordingNotifier()
    dispatcher = Dispatcher(repo, notifier, clock)
    dispatcher.dispatch(incident.id)
    before = repo.get_detail(incident.id)

    result = dispatcher.dispatch(incident.id)

    assert result.outcome is Outcome.ALREADY_DISPATCHED
    assert result.agencies == ()
    assert len(notifier.sent) == 2
    assert repo.get_detail(incident.id) == before


def test_acknowledged_incident_is_already_dispatched(repo: InMemoryIncidentRepository, clock: Clock) -> None:
    incident = verified(repo, clock)
    dispatcher = Dispatcher(repo, RecordingNotifier(), clock)
    dispatcher.dispatch(incident.id)
    for agency in AGENCIES:
        current = repo.get(incident.id)
        dispatches = repo.get_detail(incident.id).dispatches
        repo.commit(lifecycle.acknowledge(current, dispatches, agency, f"agency:{agency}", clock.now))
    notifier = RecordingNotifier()
    assert Dispatcher(repo, notifier, clock).dispatch(incident.id).outcome is Outcome.ALREADY_DISPATCHED
    assert notifier.sent == []


@pytest.mark.parametrize("make", [received, in_review])
def test_unverified_incident_is_not_dispatched(
    repo: InMemoryIncidentRepository,
    clock: Clock,
    make: Callable[[InMemoryIncidentRepository, Clock], Incident],
) -> None:
    incident = make(repo, clock)
    notifier = RecordingNotifier()

    result = Dispatcher(repo, notifier, clock).dispatch(incident.id)

    assert result.outcome is Outcome.NOT_VERIFIED
    assert notifier.sent == []
    assert repo.get(incident.id) == incident


def test_rejected_incident_is_not_dispatched(repo: InMemoryIncidentRepository, clock: Clock) -> None:
    incident = in_review(repo, clock)
    rejected = repo.commit(
        lifecycle.reject(incident, OPERATOR, Rejection(reason=RejectionReason.PRANK), clock.now)
    )
    notifier = RecordingNotifier()
    assert Dispatcher(repo, notifier, clock).dispatch(incident.id).outcome is Outcome.NOT_VERIFIED
    assert notifier.sent == []
    assert repo.get(incident.id) == rejected


def test_notifier_failure_raises_and_leaves_the_incident_verified(
    repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = verified(repo, clock)
    notifier = RecordingNotifier(failing_for={Agency.PSC119})

    with pytest.raises(ConnectionError, match="PSC119"):
        Dispatcher(repo, notifier, clock).dispatch(incident.id)

    detail = repo.get_detail(incident.id)
    assert detail.status is Status.VERIFIED
    assert detail.version == incident.version
    assert detail.dispatches == []


class RacingNotifier:
    """Notifies like RecordingNotifier, but a concurrent delivery of the same request completes the whole
    dispatch while this one is still notifying its first agency."""

    def __init__(self, repo: InMemoryIncidentRepository, clock: Clock) -> None:
        self.inner = RecordingNotifier()
        self.rival = Dispatcher(repo, self.inner, clock)
        self.raced = False

    def notify(self, incident: Incident, agency: str) -> str:
        if not self.raced:
            self.raced = True
            assert self.rival.dispatch(incident.id).outcome is Outcome.DISPATCHED
        return self.inner.notify(incident, agency)


def test_losing_the_race_to_a_concurrent_delivery_is_success(
    repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = verified(repo, clock)
    notifier = RacingNotifier(repo, clock)

    result = Dispatcher(repo, notifier, clock).dispatch(incident.id)

    assert notifier.raced
    assert result.outcome is Outcome.ALREADY_DISPATCHED
    detail = repo.get_detail(incident.id)
    assert detail.status is Status.DISPATCHED
    assert [e.action for e in detail.timeline].count(Action.DISPATCH) == 1


# -- IdempotentNotifier ---------------------------------------------------------------------------


@pytest.fixture
def idempotency_table() -> Iterator[str]:
    with mock_aws():
        yield create_tables()[IDEMPOTENCY.env_var]


def idempotent(inner: RecordingNotifier, table: str) -> IdempotentNotifier:
    notifier = IdempotentNotifier(inner, dynamodb_persistence(table), notification_config())
    notifier.config.register_lambda_context(cast(LambdaContext, FakeLambdaContext()))
    return notifier


def test_same_incident_and_agency_is_notified_once(
    idempotency_table: str, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = verified(repo, clock)
    inner = RecordingNotifier()
    notifier = idempotent(inner, idempotency_table)

    first = notifier.notify(incident, Agency.POLICE)
    second = notifier.notify(incident, Agency.POLICE)

    assert first == second == f"sns-{incident.id}-POLICE"
    assert inner.sent == [(incident.id, Agency.POLICE)]


def test_the_record_outlives_the_notifier_instance(
    idempotency_table: str, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = verified(repo, clock)
    first_inner, second_inner = RecordingNotifier(), RecordingNotifier()
    first = idempotent(first_inner, idempotency_table).notify(incident, Agency.POLICE)
    second = idempotent(second_inner, idempotency_table).notify(incident, Agency.POLICE)
    assert first == second
    assert len(first_inner.sent) == 1
    assert second_inner.sent == []


def test_another_agency_is_notified_separately(
    idempotency_table: str, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = verified(repo, clock)
    inner = RecordingNotifier()
    notifier = idempotent(inner, idempotency_table)

    police = notifier.notify(incident, Agency.POLICE)
    ambulance = notifier.notify(incident, Agency.PSC119)

    assert police != ambulance
    assert inner.sent == [(incident.id, Agency.POLICE), (incident.id, Agency.PSC119)]


def test_another_incident_is_notified_separately(
    idempotency_table: str, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    first = verified(repo, clock)
    clock.advance(seconds=1)
    second = verified(repo, clock)
    inner = RecordingNotifier()
    notifier = idempotent(inner, idempotency_table)
    notifier.notify(first, Agency.POLICE)
    notifier.notify(second, Agency.POLICE)
    assert inner.sent == [(first.id, Agency.POLICE), (second.id, Agency.POLICE)]


def test_a_failed_notification_is_tried_again(
    idempotency_table: str, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = verified(repo, clock)
    inner = RecordingNotifier(failing_for={Agency.POLICE})
    notifier = idempotent(inner, idempotency_table)
    with pytest.raises(ConnectionError):
        notifier.notify(incident, Agency.POLICE)
    inner.failing_for.clear()
    assert notifier.notify(incident, Agency.POLICE) == f"sns-{incident.id}-POLICE"
    assert inner.sent == [(incident.id, Agency.POLICE)]


def test_redelivery_after_a_partial_failure_notifies_only_the_missing_agency(
    idempotency_table: str, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident = verified(repo, clock)
    inner = RecordingNotifier(failing_for={Agency.PSC119})
    dispatcher = Dispatcher(repo, idempotent(inner, idempotency_table), clock)
    with pytest.raises(ConnectionError):
        dispatcher.dispatch(incident.id)
    inner.failing_for.clear()

    result = dispatcher.dispatch(incident.id)

    assert result.outcome is Outcome.DISPATCHED
    assert inner.sent == [(incident.id, Agency.POLICE), (incident.id, Agency.PSC119)]
    dispatches = repo.get_detail(incident.id).dispatches
    assert [d.message_id for d in dispatches] == [f"sns-{incident.id}-POLICE", f"sns-{incident.id}-PSC119"]
