"""core.calls: a call's contact events merged into one record whatever their order, repeats and gaps, copied
onto its incident, and an abandoned call flagged for the callback desk (events/connect/contact-event-*)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.calls import (
    SYSTEM_CONNECT,
    CallEvent,
    CallEvents,
    CallWithoutIncident,
    EventType,
    abandoned,
    call_times,
    merge,
    same_call,
)
from core.contacts import contact_dedupe_key
from core.incidents import IncidentService, Report
from core.lifecycle import awaiting_callback
from core.models import (
    Action,
    CallbackOutcome,
    CallbackReason,
    CallRecord,
    Channel,
    DisconnectedBy,
    Flag,
    Rejection,
    RejectionReason,
    Status,
)
from core.observability import metrics
from core.regency import REGENCIES
from intake.contact_event import parse
from tests.fakes import FakeAgents, InMemoryIncidentRepository
from tests.support import Clock, load_event

CONTACT = "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"  # the samples' call
INSTANCE = "arn:aws:connect:ap-southeast-1:123456789012:instance/9d1f0a3e-6c4b-4f57-8d3c-2b7a5e1f0c11"
AGENT_ID = "14c2e23e-14be-5070-9208-9fe232d2d9ca"
AGENT_ARN = f"{INSTANCE}/agent/{AGENT_ID}"
NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


def sample(name: str, **detail: Any) -> CallEvent:
    """events/connect/contact-event-<name>.json as a call event, with `detail` keys replaced."""
    raw = load_event(f"connect/contact-event-{name}.json")
    raw["detail"].update(detail)
    event = parse(json.dumps(raw), NOW, INSTANCE)
    assert isinstance(event, CallEvent), event
    return event


ANSWERED = ("initiated", "queued", "connected-to-agent", "disconnected-answered")
ABANDONED = ("initiated", "queued", "disconnected-abandoned")


def fold(events: list[CallEvent]) -> CallRecord:
    record: CallRecord | None = None
    for n, event in enumerate(events):
        record = merge(record, event, NOW + timedelta(seconds=n), "operator1")
    assert record is not None
    return record


# -- the merge -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("story", [ANSWERED, ABANDONED], ids=["answered", "abandoned"])
def test_every_order_of_a_calls_events_gives_the_same_record(story: tuple[str, ...]) -> None:
    events = [sample(name) for name in story]
    records = [fold(list(order)) for order in itertools.permutations(events)]
    assert all(same_call(record, records[0]) for record in records)


def test_the_answered_call_as_its_events_tell_it() -> None:
    record = fold([sample(name) for name in ANSWERED])
    assert record.contact_id == CONTACT
    assert record.initiated_at == datetime(2026, 11, 29, 3, 40, 10, 120000, tzinfo=UTC)
    assert record.queued_at == datetime(2026, 11, 29, 3, 40, 18, 450000, tzinfo=UTC)
    assert record.answered_at == datetime(2026, 11, 29, 3, 40, 27, 900000, tzinfo=UTC)
    assert (record.answered_by_agent, record.answered_by) == (AGENT_ID, "operator1")
    assert record.disconnected_at == datetime(2026, 11, 29, 3, 43, 2, 310000, tzinfo=UTC)
    assert record.disconnected_by is None  # the event does not say who hung up
    assert set(record.events) == {"INITIATED", "QUEUED", "CONNECTED_TO_AGENT", "DISCONNECTED"}
    assert not abandoned(record)


def test_the_abandoned_call_as_its_events_tell_it() -> None:
    record = fold([sample(name) for name in ABANDONED])
    assert abandoned(record)
    assert record.answered_at is None
    assert record.disconnected_by is DisconnectedBy.CUSTOMER
    times = call_times(record, None)
    assert times.abandoned
    assert times.queue_wait_seconds == 46.55  # queued 03:40:18.450, hung up 03:41:05.000


@pytest.mark.parametrize("story", [ANSWERED, ABANDONED], ids=["answered", "abandoned"])
def test_a_repeated_event_changes_nothing(story: tuple[str, ...]) -> None:
    record = fold([sample(name) for name in story])
    for name in story:
        assert merge(record, sample(name), NOW + timedelta(hours=1), "operator1") is record


def test_the_disconnect_alone_tells_what_it_carries() -> None:
    """Events are best effort: the one that arrives carries what it knows, and the record keeps it."""
    record = fold([sample("disconnected-answered")])
    assert record.initiated_at is not None
    assert record.queued_at is not None
    assert record.answered_at is not None
    assert record.disconnected_at is not None
    assert not abandoned(record)


def test_missing_events_leave_what_can_be_known() -> None:
    record = fold([sample("initiated"), sample("connected-to-agent")])
    times = call_times(record, None)
    assert times.ring_to_answer_seconds == 17.78
    assert times.queue_to_answer_seconds == 9.45
    assert times.disconnected_at is None
    assert not times.abandoned  # not queued-and-disconnected: nothing says it was abandoned


def test_queued_and_nothing_more_is_not_abandoned_yet() -> None:
    assert not abandoned(fold([sample("initiated"), sample("queued")]))


def test_the_earliest_answer_and_its_agent_win_and_the_latest_disconnect() -> None:
    early, late = "2026-11-29T03:40:20.000Z", "2026-11-29T03:40:40.000Z"
    other = "0d6ffbc5-9b2a-4a58-8f1e-2c3d4e5f6a7b"
    first = sample(
        "connected-to-agent",
        agentInfo={"agentArn": f"{INSTANCE}/agent/{other}", "connectedToAgentTimestamp": early},
    )
    second = sample(
        "connected-to-agent", agentInfo={"agentArn": AGENT_ARN, "connectedToAgentTimestamp": late}
    )
    for order in ([first, second], [second, first]):
        record = fold(order)
        assert (record.answered_at, record.answered_by_agent) == (
            datetime(2026, 11, 29, 3, 40, 20, tzinfo=UTC),
            other,
        )
    end_1 = sample("disconnected-abandoned", disconnectTimestamp="2026-11-29T03:41:00.000Z")
    end_2 = sample(
        "disconnected-abandoned",
        disconnectTimestamp="2026-11-29T03:42:00.000Z",
        disconnectReason="AGENT_DISCONNECT",
    )
    for order in ([end_1, end_2], [end_2, end_1]):
        record = fold(order)
        assert (record.disconnected_at, record.disconnected_by) == (
            datetime(2026, 11, 29, 3, 42, tzinfo=UTC),
            DisconnectedBy.AGENT,
        )


def test_a_username_found_later_fills_the_same_agents_answer() -> None:
    answered = sample("connected-to-agent")
    unresolved = merge(None, answered, NOW, None)
    assert (unresolved.answered_by_agent, unresolved.answered_by) == (AGENT_ID, None)
    resolved = merge(unresolved, sample("disconnected-answered"), NOW, "operator1")
    assert resolved.answered_by == "operator1"
    assert resolved.revision == unresolved.revision + 1


def test_a_record_that_changes_takes_the_next_revision_and_time() -> None:
    first = merge(None, sample("initiated"), NOW)
    second = merge(first, sample("queued"), NOW + timedelta(seconds=5))
    assert (first.revision, second.revision) == (1, 2)
    assert second.updated_at == NOW + timedelta(seconds=5)


def test_the_intervals_from_ring_to_claim() -> None:
    record = fold([sample(name) for name in ANSWERED])
    claimed = datetime(2026, 11, 29, 3, 40, 31, 400000, tzinfo=UTC)
    times = call_times(record, claimed)
    assert times.ring_to_queue_seconds == 8.33
    assert times.queue_to_answer_seconds == 9.45
    assert times.ring_to_answer_seconds == 17.78
    assert times.answer_to_claim_seconds == 3.5
    assert times.queue_wait_seconds == 9.45
    assert times.answered_by == "operator1"


# -- the service: the record, its copy on the incident, the ABANDONED flag ---------------------------------


class Setup:
    def __init__(self) -> None:
        self.clock = Clock(datetime(2026, 11, 29, 3, 40, 30, tzinfo=UTC))
        self.repo = InMemoryIncidentRepository()
        self.agents = FakeAgents({AGENT_ARN: "operator1"})
        self.calls = CallEvents(self.repo, self.agents, self.clock)
        self.service = IncidentService(self.repo, REGENCIES["banyuwangi"], clock=self.clock)

    def register(self, contact: str = CONTACT, caller: str | None = "+6281234567890") -> str:
        report = Report(
            channel=Channel.VOICE,
            actor="system:intake",
            caller=caller,
            dedupe_key=contact_dedupe_key(contact),
            contact_id=contact,
        )
        return self.service.register(report)[0].id


@pytest.fixture
def setup() -> Setup:
    return Setup()


def test_events_reach_the_incident_with_the_operator_who_answered(setup: Setup) -> None:
    incident_id = setup.register()
    for name in ANSWERED:
        setup.calls.record(sample(name))
    setup.service.claim(incident_id, "operator1")
    detail = setup.service.detail(incident_id)
    assert detail.call is not None
    assert detail.call.answered_by == "operator1"
    assert detail.call.ring_to_answer_seconds == 17.78
    assert detail.call.answer_to_claim_seconds is not None
    assert not detail.call.abandoned
    assert Flag.ABANDONED not in detail.flags
    # pure times change no state: the timeline has the registration and the claim only
    assert [entry.action for entry in detail.timeline] == [Action.REGISTER, Action.CLAIM]


def test_an_event_before_its_incident_is_kept_and_folded_in_by_the_next(setup: Setup) -> None:
    """INITIATED fires before the intake registers the call: its record waits under the contact's key."""
    recorded = setup.calls.record(sample("initiated"))
    assert recorded.incident_id is None
    incident_id = setup.register()
    setup.calls.record(sample("queued"))
    call = setup.service.detail(incident_id).call
    assert call is not None
    assert call.initiated_at == datetime(2026, 11, 29, 3, 40, 10, 120000, tzinfo=UTC)
    assert call.queued_at is not None


def test_a_call_that_ended_without_an_incident_is_retried_until_one_names_it(setup: Setup) -> None:
    """The intake failed and the operator opens the call's incident late: the ended call is not lost."""
    with pytest.raises(CallWithoutIncident):
        setup.calls.record(sample("disconnected-answered"))
    incident, _ = setup.service.open_call("operator1", CONTACT)  # under the intake's key
    setup.calls.record(sample("disconnected-answered"))  # SQS delivers it again
    call = setup.service.detail(incident.id).call
    assert call is not None
    assert call.answered_by == "operator1"


@pytest.mark.parametrize("order", list(itertools.permutations(ABANDONED)), ids=str)
def test_an_abandoned_call_is_flagged_once_and_goes_to_the_desk_in_any_order(
    setup: Setup, order: tuple[str, ...]
) -> None:
    incident_id = setup.register()
    for name in [*order, *order]:  # and every event again
        setup.calls.record(sample(name))
    detail = setup.service.detail(incident_id)
    assert detail.status is Status.RECEIVED  # a flag, not a state: the incident still needs a decision
    assert detail.flags.count(Flag.ABANDONED) == 1
    assert detail.callback is not None
    assert detail.callback.reason is CallbackReason.ABANDONED
    assert detail.callback.queue_wait_seconds == 47
    assert awaiting_callback(detail)
    [abandon] = [entry for entry in detail.timeline if entry.action is Action.ABANDON]
    assert (abandon.actor, abandon.from_status, abandon.to_status) == (
        SYSTEM_CONNECT,
        Status.RECEIVED,
        Status.RECEIVED,
    )
    assert abandon.details == {"queueWaitSeconds": "47"}
    assert [item.id for item in setup.repo.list_callbacks(10).items] == [incident_id]


def test_a_late_answer_withdraws_the_flag_while_nobody_has_called_back(setup: Setup) -> None:
    """A disconnect without the agent's part, then the answer: it was not abandoned after all."""
    incident_id = setup.register()
    bare = sample("disconnected-answered", AgentInfo=None)
    setup.calls.record(sample("queued"))
    setup.calls.record(bare)
    assert Flag.ABANDONED in setup.repo.get(incident_id).flags
    setup.calls.record(sample("connected-to-agent"))
    setup.calls.record(bare)
    incident = setup.repo.get(incident_id)
    assert Flag.ABANDONED not in incident.flags
    assert incident.callback is None
    assert not awaiting_callback(incident)
    actions = [e.action for e in setup.service.detail(incident_id).timeline]
    assert actions == [Action.REGISTER, Action.ABANDON, Action.ABANDON_WITHDRAWN]


def test_once_the_desk_called_back_a_late_answer_changes_no_flag(setup: Setup) -> None:
    incident_id = setup.register()
    setup.calls.record(sample("queued"))
    setup.calls.record(sample("disconnected-answered", AgentInfo=None))
    setup.service.desk.record_attempt(incident_id, "operator2", CallbackOutcome.NO_ANSWER)
    setup.calls.record(sample("connected-to-agent"))
    setup.calls.record(sample("disconnected-answered"))
    assert Flag.ABANDONED in setup.repo.get(incident_id).flags


def test_a_decided_incident_is_not_flagged(setup: Setup) -> None:
    incident_id = setup.register()
    setup.service.claim(incident_id, "operator1")
    setup.service.reject(incident_id, "operator1", Rejection(reason=RejectionReason.PRANK))
    for name in ABANDONED:
        setup.calls.record(sample(name))
    incident = setup.repo.get(incident_id)
    assert Flag.ABANDONED not in incident.flags
    assert setup.service.detail(incident_id).call is not None  # the times are still recorded


def test_the_agent_is_asked_about_only_when_an_event_names_one(setup: Setup) -> None:
    setup.register()
    setup.calls.record(sample("initiated"))
    setup.calls.record(sample("queued"))
    assert setup.agents.asked == []
    setup.calls.record(sample("connected-to-agent"))
    assert setup.agents.asked == [AGENT_ARN]


def test_an_unknown_agent_leaves_the_answer_without_a_username(setup: Setup) -> None:
    setup.agents.usernames.clear()
    incident_id = setup.register()
    setup.calls.record(sample("connected-to-agent"))
    call = setup.service.detail(incident_id).call
    assert call is not None
    assert call.answered_at is not None
    assert call.answered_by is None


def test_the_answer_time_is_measured_once_per_call(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    setup.register()
    measured: list[tuple[str, float]] = []
    monkeypatch.setattr(metrics, "add_metric", lambda name, unit, value: measured.append((name, value)))
    for name in [*ANSWERED, *ANSWERED]:
        setup.calls.record(sample(name))
    assert measured == [("AnswerTimeSeconds", 17.78), ("QueueWaitSeconds", 9.45)]


def test_a_repeated_event_writes_nothing(setup: Setup) -> None:
    setup.register()
    setup.calls.record(sample("queued"))
    before = setup.repo.calls["save_call_record"]
    recorded = setup.calls.record(sample("queued"))
    assert not recorded.changed
    assert setup.repo.calls["save_call_record"] == before


class Racing(InMemoryIncidentRepository):
    """Another event of the same call is merged between this one's read and write, once."""

    def __init__(self, other: CallEvent) -> None:
        super().__init__()
        self.other = other
        self.raced = False

    def save_call_record(self, record: CallRecord, expected_revision: int | None) -> None:
        if not self.raced:
            self.raced = True
            super().save_call_record(merge(None, self.other, record.updated_at), None)
        super().save_call_record(record, expected_revision)


def test_a_merge_that_loses_a_race_merges_into_the_winner() -> None:
    repo = Racing(sample("initiated"))
    CallEvents(repo, FakeAgents(), Clock()).record(sample("queued"))
    record = repo.call_records[CONTACT]
    assert record.initiated_at is not None
    assert record.queued_at is not None
    assert set(record.events) == {"INITIATED", "QUEUED"}


def test_event_types_are_connects_names() -> None:
    assert {t.value for t in EventType} >= {"INITIATED", "QUEUED", "CONNECTED_TO_AGENT", "DISCONNECTED"}
