"""dispatch.reconciler.lambda_handler: the scheduled sweep that re-queues stalled dispatches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from core.agencies import built_in_snapshot
from core.dispatching import Dispatcher
from core.escalation import Escalator
from core.incidents import SYSTEM_INTAKE, IncidentService, Report, VerifyCommand
from core.models import Category, Channel, Location, Priority, Status
from core.notices import Notice, NoticeKind, PendingNotice
from core.regency import DEFAULT_ACK_DEADLINE_SECONDS, REGENCIES
from core.settings import get_settings
from dispatch import reconciler
from dispatch.reconciler import lambda_handler
from tests.fakes import (
    InMemoryIncidentRepository,
    RecordingDeliveryQueue,
    RecordingDispatchQueue,
    RecordingNotifier,
)
from tests.support import Clock, FakeLambdaContext, load_event


@pytest.fixture(autouse=True)
def no_escalation_env(
    monkeypatch: pytest.MonkeyPatch, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    """The sweep's escalation on the same repository (tests/unit/test_escalation.py tests it)."""
    escalator = Escalator(
        repo, RecordingDeliveryQueue(), built_in_snapshot, DEFAULT_ACK_DEADLINE_SECONDS, clock
    )
    monkeypatch.setattr(reconciler, "default_escalator", lambda: escalator)


SCHEDULE_SAMPLES = ["schedule/reconcile.json", "schedule/reconcile-invalid.json"]
GRACE = timedelta(minutes=2)


def verified_incident(service: IncidentService) -> str:
    incident, _ = service.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller="081234567890"))
    service.claim(incident.id, "operator1")
    service.verify(
        incident.id,
        "operator1",
        VerifyCommand(Category.FIRE, Priority.P1, Location(district="Genteng"), "Rumah terbakar"),
    )
    return incident.id


@pytest.mark.parametrize("sample", SCHEDULE_SAMPLES)
def test_a_stalled_verified_incident_is_requeued_and_a_fresh_one_is_not(
    sample: str,
    service: IncidentService,
    queue: RecordingDispatchQueue,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    stalled = verified_incident(service)
    clock.advance(minutes=5)
    fresh = verified_incident(service)
    clock.advance(seconds=30)
    assert queue.sent == [stalled, fresh]  # verification queued each once

    response = lambda_handler(load_event(sample), lambda_context, service=service, grace=GRACE)

    assert response == {"requeued": [stalled], "notices": 0, "escalated": []}
    assert queue.sent == [stalled, fresh, stalled]


@pytest.mark.parametrize("sample", SCHEDULE_SAMPLES)
def test_nothing_to_requeue(
    sample: str, service: IncidentService, queue: RecordingDispatchQueue, lambda_context: FakeLambdaContext
) -> None:
    response = lambda_handler(load_event(sample), lambda_context, service=service, grace=GRACE)

    assert response == {"requeued": [], "notices": 0, "escalated": []}
    assert queue.sent == []


def test_an_incident_exactly_at_the_grace_is_requeued(
    service: IncidentService, queue: RecordingDispatchQueue, clock: Clock, lambda_context: FakeLambdaContext
) -> None:
    incident_id = verified_incident(service)
    clock.advance(seconds=GRACE.total_seconds())

    response = lambda_handler(
        load_event("schedule/reconcile.json"), lambda_context, service=service, grace=GRACE
    )

    assert response == {"requeued": [incident_id], "notices": 0, "escalated": []}


def test_dispatched_and_unverified_incidents_are_left_alone(
    service: IncidentService,
    repo: InMemoryIncidentRepository,
    queue: RecordingDispatchQueue,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    dispatched = verified_incident(service)
    Dispatcher(repo, RecordingNotifier(), clock).dispatch(dispatched)
    received, _ = service.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE))
    stalled = verified_incident(service)
    clock.advance(hours=1)
    queued_before = list(queue.sent)

    response = lambda_handler(
        load_event("schedule/reconcile.json"), lambda_context, service=service, grace=GRACE
    )

    # an hour without a confirmation: escalated (tests/unit/test_escalation.py), never re-queued
    assert response == {"requeued": [stalled], "notices": 0, "escalated": [dispatched]}
    assert queue.sent == [*queued_before, stalled]
    assert repo.incidents[dispatched].status is Status.DISPATCHED
    assert repo.incidents[received.id].status is Status.RECEIVED


def test_every_stalled_incident_is_found_across_pages(
    service: IncidentService, queue: RecordingDispatchQueue, clock: Clock, lambda_context: FakeLambdaContext
) -> None:
    stalled = []
    for _ in range(105):  # more than one page of the status index (100)
        stalled.append(verified_incident(service))
        clock.advance(milliseconds=10)
    clock.advance(minutes=10)

    response = lambda_handler(
        load_event("schedule/reconcile.json"), lambda_context, service=service, grace=GRACE
    )

    assert response["requeued"] == stalled
    assert queue.sent[len(stalled) :] == stalled


def test_a_queue_outage_does_not_fail_the_sweep(
    repo: InMemoryIncidentRepository, clock: Clock, lambda_context: FakeLambdaContext
) -> None:
    queue = RecordingDispatchQueue()
    service = IncidentService(repo, REGENCIES["banyuwangi"], queue, clock)
    incident_id = verified_incident(service)
    clock.advance(minutes=10)
    queue.failing = True

    response = lambda_handler(
        load_event("schedule/reconcile.json"), lambda_context, service=service, grace=GRACE
    )

    assert response == {
        "requeued": [],
        "notices": 0,
        "escalated": [],
    }  # nothing reached the queue; the next sweep tries again
    assert repo.incidents[incident_id].status is Status.VERIFIED


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("fresh_settings")
def test_without_a_grace_the_handler_uses_dispatch_grace_seconds(
    monkeypatch: pytest.MonkeyPatch,
    service: IncidentService,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    monkeypatch.setenv("DISPATCH_GRACE_SECONDS", "300")
    stalled = verified_incident(service)
    clock.advance(seconds=200)
    fresh = verified_incident(service)
    clock.advance(seconds=100)

    response = lambda_handler(load_event("schedule/reconcile.json"), lambda_context, service=service)

    assert response == {"requeued": [stalled], "notices": 0, "escalated": []}
    assert fresh not in response["requeued"]


def test_a_notice_left_in_the_outbox_is_queued_by_the_sweep(
    service: IncidentService,
    queue: RecordingDispatchQueue,
    repo: InMemoryIncidentRepository,
    clock: Clock,
    lambda_context: FakeLambdaContext,
) -> None:
    """The operators' API commits a change with its notice and queues it second (core/notices.py,
    tests/unit/test_amend.py); one the queue refused is queued by this sweep after the grace."""
    incident_id = verified_incident(service)
    notice = Notice(
        kind=NoticeKind.NOTE, version=4, text="Korban dua orang", told={"damkar-genteng": "DAMKAR"}
    )
    repo.keep_notice(PendingNotice(incident_id=incident_id, notice=notice, at=clock()))
    clock.advance(seconds=int(GRACE.total_seconds()) + 1)

    response = lambda_handler(
        load_event("schedule/reconcile.json"), lambda_context, service=service, grace=GRACE
    )

    assert response["notices"] == 1
    assert queue.notices == [(incident_id, notice)]
    assert repo.outbox == {}
