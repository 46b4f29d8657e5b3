"""local/contact_events.py, the one builder of a simulated call's contact events: what the flow runner's
calls and `call_events` emit is read by intake-calls' own parser as this stack's instance's events, and
the agent who answered is the local operator the stand-in resolves."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.calls import CallEvent, CallEvents, EventType
from core.incidents import IncidentService
from core.models import DisconnectedBy, Flag
from intake.contact_event import Ignored, parse
from local.config import CONNECT_INSTANCE_ARN
from local.contact_events import CallTimes, call_events, contact_events, send
from local.flow.call import TALK_SECONDS, CallSetup, simulate
from local.flow.contact import Contact
from local.standins import agent_arn
from tests.fakes import FakeAgents, InMemoryIncidentRepository
from tests.flows import CALLER, CONTACT_ID, InProcessIntake, StandInIntake

START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
AFTER = START + timedelta(hours=1)  # intake-calls reads the events an hour later: none lies ahead


def parsed(events: list[dict[str, Any]], now: datetime = AFTER) -> list[CallEvent]:
    read = [parse(json.dumps(event), now, CONNECT_INSTANCE_ARN) for event in events]
    assert not [r for r in read if isinstance(r, Ignored)], read  # none taken for another instance's
    return [r for r in read if isinstance(r, CallEvent)]


def test_the_runners_contact_is_on_the_local_instance() -> None:
    assert Contact.inbound(CALLER).instance_arn == CONNECT_INSTANCE_ARN


def test_an_answered_flow_call_names_the_operator_who_answered() -> None:
    call = simulate(
        CallSetup(CALLER, CONTACT_ID, answer_after=8, operator="operator4"), StandInIntake(), START
    )

    events = parsed(call.events)
    assert [e.type for e in events] == [
        EventType.INITIATED,
        EventType.CONNECTED_TO_SYSTEM,
        EventType.QUEUED,
        EventType.CONNECTED_TO_AGENT,
        EventType.DISCONNECTED,
    ]
    answered, ended = events[3], events[4]
    assert answered.agent_arn == agent_arn("operator4")
    assert answered.answered_at is not None
    assert answered.queued_at is not None
    assert answered.answered_at - answered.queued_at == timedelta(seconds=8)
    assert ended.disconnected_at == answered.answered_at + timedelta(seconds=TALK_SECONDS)
    assert ended.disconnected_by is None  # who hung up after the talk: the simulation does not say
    assert "operator4 answers after 8 s" in call.afterwards


def test_a_flow_call_abandoned_in_the_queue_was_ended_by_the_caller() -> None:
    call = simulate(CallSetup(CALLER, CONTACT_ID, abandon_after=30), StandInIntake(), START)

    gone = parsed(call.events)[-1]
    assert gone.type is EventType.DISCONNECTED
    assert (gone.answered_at, gone.agent_arn) == (None, None)
    assert gone.queued_at is not None
    assert gone.disconnected_at == gone.queued_at + timedelta(seconds=30)
    assert gone.disconnected_by is DisconnectedBy.CUSTOMER


def test_without_a_start_the_call_is_told_as_it_stands_now() -> None:
    before = datetime.now(UTC)
    call = simulate(CallSetup(CALLER, CONTACT_ID, answer_after=200), StandInIntake())
    after = datetime.now(UTC)

    assert call.times.disconnected is not None
    assert before - timedelta(seconds=1) <= call.times.disconnected <= after  # it has just ended
    events = parsed(call.events, after)
    assert all(e.at <= after for e in events)  # intake-calls would not read a time ahead of now
    assert events[-1].answered_at is not None  # a long wait in the queue is still recorded


def test_the_events_of_a_call_without_its_flow_come_from_the_same_builder() -> None:
    answered = parsed(call_events(CONTACT_ID, answered_by="operator3", start=START, queue_wait=9.5))
    abandoned = parsed(call_events(CONTACT_ID, answered_by=None, start=START, queue_wait=41))

    assert [e.type for e in answered] == [
        EventType.INITIATED,
        EventType.QUEUED,
        EventType.CONNECTED_TO_AGENT,
        EventType.DISCONNECTED,
    ]
    assert answered[-1].agent_arn == agent_arn("operator3")
    assert answered[-1].queued_at == START + timedelta(seconds=8)
    assert answered[-1].answered_at == START + timedelta(seconds=17.5)
    assert abandoned[-1].disconnected_by is DisconnectedBy.CUSTOMER
    assert abandoned[-1].disconnected_at == START + timedelta(seconds=49)
    # by default the call has just ended: intake-calls reads every time in it
    recent = parsed(call_events(CONTACT_ID, answered_by=None), datetime.now(UTC))
    assert recent[-1].disconnected_at is not None


def test_an_answered_call_needs_its_operator() -> None:
    with pytest.raises(ValueError, match="answered_by"):
        contact_events(CONTACT_ID, CallTimes(START, enqueued=START, answered=START))


def test_a_stack_without_the_queue_is_sent_nothing() -> None:
    assert send({"resources": {"queues": {}}}, call_events(CONTACT_ID, answered_by=None)) is None


def test_a_flow_call_reaches_its_incident_with_its_times_and_operator(
    service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    """The flow with the real intake, then the call's events through intake-calls' parser and recorder:
    queued, answered by the operator the agent pairs with, and the intervals."""
    call = simulate(
        CallSetup(CALLER, CONTACT_ID, answer_after=8, operator="operator2"), InProcessIntake(service)
    )
    recorder = CallEvents(repo, FakeAgents({agent_arn("operator2"): "operator2"}))
    for event in parsed(call.events, datetime.now(UTC)):
        recorder.record(event)

    (incident,) = repo.incidents.values()
    detail = repo.get_detail(incident.id)
    assert detail.call is not None
    assert detail.call.answered_by == "operator2"
    assert detail.call.queue_to_answer_seconds == 8.0
    assert call.times.enqueued is not None
    to_queue = (call.times.enqueued - call.times.initiated).total_seconds()
    assert detail.call.ring_to_queue_seconds == pytest.approx(to_queue, abs=0.001)
    assert Flag.ABANDONED not in repo.get(incident.id).flags
