"""Escalation (core/escalation.py): past the deadline, the second contact, then the regency-level post;
each step once, in the timeline, the incident flagged OVERDUE until its agencies confirm."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import lifecycle
from core.agency_delivery import Contact
from core.agency_directory import DirectoryService
from core.directory_seed import SEEDS
from core.escalation import Escalator
from core.ids import new_ulid
from core.models import Action, Category, Channel, DispatchStatus, Flag, Incident, Location, Priority, Status
from core.regency import REGENCIES
from tests.fakes import (
    InMemoryAgencyStore,
    InMemoryIncidentRepository,
    RecordingDeliveryQueue,
    ReversibleSealer,
)
from tests.support import Clock

DEADLINES = {"P1": 60, "P2": 600, "P3": 1800}


@pytest.fixture
def directory(clock: Clock) -> DirectoryService:
    service = DirectoryService(InMemoryAgencyStore(), REGENCIES["banyuwangi"], ReversibleSealer(), clock)
    service.seed(SEEDS["banyuwangi"])
    return service


@pytest.fixture
def deliveries() -> RecordingDeliveryQueue:
    return RecordingDeliveryQueue()


@pytest.fixture
def escalator(
    repo: InMemoryIncidentRepository,
    deliveries: RecordingDeliveryQueue,
    directory: DirectoryService,
    clock: Clock,
) -> Escalator:
    return Escalator(repo, deliveries, directory.snapshot, DEADLINES, clock)


def dispatched_fire(repo: InMemoryIncidentRepository, clock: Clock, priority: Priority = Priority.P1) -> str:
    incident = Incident(
        id=new_ulid(int(clock.now.timestamp() * 1000)),
        status=Status.RECEIVED,
        channel=Channel.VOICE,
        created_by="system:intake",
        received_at=clock.now,
        updated_at=clock.now,
        version=1,
    )
    repo.create(incident)
    incident = repo.commit(lifecycle.claim(incident, "operator1", clock.now))
    verification = lifecycle.Verification(
        Category.FIRE,
        priority,
        Location(district="Genteng"),
        "Kios terbakar",
        ("DAMKAR",),
        ("damkar-genteng",),
    )
    incident = repo.commit(lifecycle.verify(incident, "operator1", verification, clock.now))
    due = clock.now + timedelta(seconds=DEADLINES[priority.value])
    change = lifecycle.dispatch(
        incident,
        {"DAMKAR": "m-1"},
        "system:dispatch",
        clock.now,
        {"DAMKAR": ["damkar-genteng"]},
        ack_due_at=due,
    )
    return repo.commit(change).id


def test_nothing_happens_before_the_deadline(
    escalator: Escalator, repo: InMemoryIncidentRepository, deliveries: RecordingDeliveryQueue, clock: Clock
) -> None:
    dispatched_fire(repo, clock)
    clock.advance(seconds=59)
    assert escalator.sweep() == []
    assert deliveries.requests == []


def test_past_the_deadline_the_second_contact_then_the_regency_level_post_each_once(
    escalator: Escalator, repo: InMemoryIncidentRepository, deliveries: RecordingDeliveryQueue, clock: Clock
) -> None:
    incident_id = dispatched_fire(repo, clock)
    clock.advance(seconds=60)

    assert escalator.sweep() == [incident_id]
    assert escalator.sweep() == []  # the same minute again, or a second reconciler: never twice

    incident = repo.get(incident_id)
    assert (incident.status, incident.escalation_level, Flag.OVERDUE in incident.flags) == (
        Status.DISPATCHED, 1, True,
    )  # fmt: skip
    assert [(r.post_id, r.change, r.contact) for r in deliveries.requests] == [
        ("damkar-genteng", "escalation-1", Contact.ESCALATION)
    ]

    clock.advance(seconds=59)
    assert escalator.sweep() == []
    clock.advance(seconds=1)
    assert escalator.sweep() == [incident_id]
    assert escalator.sweep() == []
    second = [(r.post_id, r.change, r.contact) for r in deliveries.requests[1:]]
    assert second == [("damkar-banyuwangi", "escalation-2", Contact.POST)]  # the regency-level Damkar post
    incident = repo.get(incident_id)
    assert (incident.escalation_level, incident.ack_due_at) == (2, None)

    clock.advance(hours=1)
    assert escalator.sweep() == []  # no third step
    steps = [
        (e.action, e.actor, e.details["level"])
        for e in repo.timelines[incident_id]
        if e.action is Action.ESCALATE
    ]
    assert steps == [(Action.ESCALATE, "system:escalation", "1"), (Action.ESCALATE, "system:escalation", "2")]


def test_a_confirmed_dispatch_is_not_escalated_and_clears_the_overdue_flag(
    escalator: Escalator, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = dispatched_fire(repo, clock)
    clock.advance(seconds=61)
    escalator.sweep()
    detail = repo.get_detail(incident_id)
    incident = repo.get(incident_id)

    change = lifecycle.agency_status(
        incident, detail.dispatches, "DAMKAR", DispatchStatus.ACKNOWLEDGED, "post:damkar-genteng", clock.now
    )
    assert change is not None
    repo.commit(change)
    clock.advance(hours=1)

    assert escalator.sweep() == []
    incident = repo.get(incident_id)
    assert (incident.status, incident.flags, incident.ack_due_at) == (Status.ACKNOWLEDGED, [], None)


def test_the_deadline_follows_the_priority(
    escalator: Escalator, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    p3 = dispatched_fire(repo, clock, Priority.P3)
    clock.advance(seconds=600)
    assert escalator.sweep() == []
    clock.advance(seconds=1200)
    assert escalator.sweep() == [p3]
