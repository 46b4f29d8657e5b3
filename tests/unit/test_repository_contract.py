"""One contract, two repositories: the in-memory fake the handler tests use and DynamoDB (on moto).

If both pass, a test written against the fake says something about production.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from moto import mock_aws

from core import lifecycle
from core.errors import ConcurrentModification, IncidentNotFound, InvalidRequest, MessageRepeated
from core.ids import new_ulid
from core.lifecycle import Verification
from core.models import (
    Action,
    Agency,
    Category,
    Channel,
    Dispatch,
    DispatchStatus,
    Flag,
    Incident,
    IncidentReport,
    Location,
    Priority,
    Status,
)
from core.notices import Notice, NoticeKind, PendingNotice
from core.ports import IncidentRepository
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.tables import INCIDENTS
from tests.fakes import InMemoryIncidentRepository
from tests.support import create_tables

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T0 = datetime(2026, 11, 29, 3, 40, 13, 123000, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
OPERATOR = "operator1"


@dataclasses.dataclass
class Backend:
    repo: IncidentRepository
    kind: str
    table: str | None = None
    client: DynamoDBClient | None = None


@pytest.fixture(params=["memory", "dynamodb"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        yield Backend(InMemoryIncidentRepository(), "memory")
        return
    with mock_aws():
        table = create_tables()[INCIDENTS.env_var]
        client = dynamodb_client()
        yield Backend(DynamoIncidentRepository(table, client), "dynamodb", table, client)


@pytest.fixture
def repo(backend: Backend) -> IncidentRepository:
    return backend.repo


def new_incident(seconds: float = 0, **updates: Any) -> Incident:
    at = T0 + timedelta(seconds=seconds)
    data: dict[str, Any] = {
        "id": new_ulid(int(at.timestamp() * 1000)),
        "status": Status.RECEIVED,
        "channel": Channel.VOICE,
        "caller": "+6281234567890",
        "contact_id": "5ca32fbd-8f92-46af-92a5-6b0f970f0efe",
        "location": Location(lat=-8.2192, lon=114.3691, address="Jl. Ahmad Yani 1"),
        "source": {"dialledNumber": "+62333112112", "attribute.language": "id-ID"},
        "created_by": "system:intake",
        "received_at": at,
        "updated_at": at,
        "version": 1,
    }
    data.update(updates)
    return Incident.model_validate(data)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def advance(repo: IncidentRepository, incident_id: str, to: Status) -> Incident:
    """Walk an incident through the lifecycle, committing each step, until it is in `to`."""
    steps = [Status.IN_REVIEW, Status.VERIFIED, Status.DISPATCHED, Status.ACKNOWLEDGED, Status.CLOSED]
    incident = repo.get(incident_id)
    start = steps.index(incident.status) + 1 if incident.status in steps else 0
    for minute, target in enumerate(steps[start : steps.index(to) + 1], start=start + 1):
        if target is Status.IN_REVIEW:
            change = lifecycle.claim(incident, OPERATOR, at(minute))
        elif target is Status.VERIFIED:
            verification = Verification(
                Category.TRAFFIC_ACCIDENT, Priority.P1, Location(district="Genteng"), "Tabrakan",
                (Agency.POLICE, Agency.PSC119),
            )  # fmt: skip
            change = lifecycle.verify(incident, OPERATOR, verification, at(minute))
        elif target is Status.DISPATCHED:
            ids: dict[str, str] = {Agency.POLICE: "sns-police", Agency.PSC119: "sns-psc119"}
            change = lifecycle.dispatch(incident, ids, "system:dispatch", at(minute))
        elif target is Status.ACKNOWLEDGED:
            for agency in (Agency.POLICE, Agency.PSC119):
                dispatches = repo.get_detail(incident_id).dispatches
                change = lifecycle.acknowledge(incident, dispatches, agency, f"agency:{agency}", at(minute))
                incident = repo.commit(change)
            continue
        else:
            change = lifecycle.close(incident, "agency:police", "Selesai", at(minute))
        incident = repo.commit(change)
    return incident


def all_ids(repo: IncidentRepository, status: Status, limit: int = 100) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page = repo.list_by_status(status, limit, cursor)
        assert len(page.items) <= limit
        ids.extend(i.id for i in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return ids


# -- create and read ------------------------------------------------------------------------------


def test_create_then_get_returns_the_same_incident(repo: IncidentRepository) -> None:
    incident = new_incident(flags=[Flag.CALLER_UNKNOWN], caller=None)
    stored, created = repo.create(incident)
    assert created is True
    assert stored == incident
    assert repo.get(incident.id) == incident


def test_get_detail_has_the_registration_entry(repo: IncidentRepository) -> None:
    incident = new_incident()
    repo.create(incident)
    detail = repo.get_detail(incident.id)
    assert detail.id == incident.id
    assert detail.location == incident.location
    assert detail.dispatches == []
    [entry] = detail.timeline
    assert entry.action is Action.REGISTER
    assert (entry.from_status, entry.to_status) == (None, Status.RECEIVED)
    assert (entry.actor, entry.at, entry.version) == ("system:intake", T0, 1)
    assert entry.details == {"channel": "VOICE"}


def test_the_registration_entry_says_why_when_told(repo: IncidentRepository) -> None:
    incident = new_incident(created_by=OPERATOR)
    repo.create(incident, "CONTACT#abc", reason="CALL_WITHOUT_INCIDENT")
    [entry] = repo.get_detail(incident.id).timeline
    assert (entry.actor, entry.action, entry.reason) == (OPERATOR, Action.REGISTER, "CALL_WITHOUT_INCIDENT")


def test_dedupe_key_returns_the_first_incident(repo: IncidentRepository) -> None:
    first, second = new_incident(), new_incident(seconds=5)
    assert repo.create(first, "CONTACT#abc") == (first, True)
    stored, created = repo.create(second, "CONTACT#abc")
    assert created is False
    assert stored == first
    with pytest.raises(IncidentNotFound):
        repo.get(second.id)
    assert all_ids(repo, Status.RECEIVED) == [first.id]


def test_different_dedupe_keys_make_different_incidents(repo: IncidentRepository) -> None:
    first, second = new_incident(), new_incident(seconds=5)
    assert repo.create(first, "CONTACT#abc")[1] is True
    assert repo.create(second, "CONTACT#def")[1] is True
    assert all_ids(repo, Status.RECEIVED) == [first.id, second.id]


@pytest.mark.parametrize("read", ["get", "get_detail"])
def test_unknown_incident_is_not_found(repo: IncidentRepository, read: str) -> None:
    unknown = new_ulid()
    with pytest.raises(IncidentNotFound) as caught:
        getattr(repo, read)(unknown)
    assert caught.value.incident_id == unknown


# -- commit ---------------------------------------------------------------------------------------


def test_commit_at_the_expected_version_applies_the_change(repo: IncidentRepository) -> None:
    incident = new_incident()
    repo.create(incident)
    change = lifecycle.claim(incident, OPERATOR, at(1))
    assert repo.commit(change) == change.incident
    stored = repo.get(incident.id)
    assert (stored.status, stored.version, stored.assigned_to) == (Status.IN_REVIEW, 2, OPERATOR)
    assert stored.claimed_at == at(1)
    timeline = repo.get_detail(incident.id).timeline
    assert [e.action for e in timeline] == [Action.REGISTER, Action.CLAIM]
    assert timeline[-1] == change.audit


def test_commit_at_a_stale_version_changes_nothing(repo: IncidentRepository) -> None:
    incident = new_incident()
    repo.create(incident)
    winner = repo.commit(lifecycle.claim(incident, OPERATOR, at(1)))
    with pytest.raises(ConcurrentModification) as caught:
        repo.commit(lifecycle.claim(incident, "operator2", at(2)))
    assert caught.value.incident_id == incident.id
    assert repo.get(incident.id) == winner
    assert len(repo.get_detail(incident.id).timeline) == 2


def test_commit_on_an_unknown_incident_is_a_conflict(repo: IncidentRepository) -> None:
    incident = new_incident()
    with pytest.raises(ConcurrentModification):
        repo.commit(lifecycle.claim(incident, OPERATOR, at(1)))
    with pytest.raises(IncidentNotFound):
        repo.get(incident.id)


# -- one emergency, many reports: two incidents in one transaction; a follow-up once -------------------


def test_commit_together_applies_both_changes_or_neither(repo: IncidentRepository) -> None:
    parent, child = new_incident(), new_incident(1, caller="+6281200000002")
    repo.create(parent)
    repo.create(child)
    stale_parent = repo.get(parent.id)
    repo.commit(lifecycle.claim(stale_parent, OPERATOR, at(1)))  # the parent moves on meanwhile
    with pytest.raises(ConcurrentModification):
        repo.commit_together(lifecycle.attach(child, stale_parent, OPERATOR, at(2)))
    assert repo.get(child.id) == child
    assert repo.get(parent.id).reports == []

    attached, grown = repo.commit_together(lifecycle.attach(child, repo.get(parent.id), OPERATOR, at(3)))
    assert repo.get(child.id) == attached
    assert attached.status is Status.ATTACHED
    assert repo.get(parent.id) == grown
    assert [r.caller for r in grown.reports] == ["+6281200000002"]
    assert [e.action for e in repo.get_detail(child.id).timeline] == [Action.REGISTER, Action.ATTACH]
    assert repo.get_detail(parent.id).timeline[-1].action is Action.REPORT_ADDED
    assert [i.id for i in repo.list_by_status(Status.ATTACHED, 10).items] == [child.id]


def test_a_message_is_recorded_once_and_its_repeat_names_the_incident(repo: IncidentRepository) -> None:
    incident = new_incident(channel=Channel.INSTAGRAM, caller=None)
    repo.create(incident, "INSTAGRAM#mid.1", sender="INSTAGRAM#6104000000000001")
    assert repo.sender_incident("INSTAGRAM#6104000000000001", int(T0.timestamp())) == incident.id
    assert repo.sender_incident("INSTAGRAM#6104000000000001", int(T0.timestamp()) + 86400) is None
    assert repo.sender_incident("INSTAGRAM#6104000000000002", int(T0.timestamp())) is None
    report = IncidentReport(received_at=at(1), channel=Channel.INSTAGRAM, text="Di pasar", message_id="mid.2",
                            added_at=at(1), added_by="system:instagram")  # fmt: skip
    change = lifecycle.add_message(incident, report, "INSTAGRAM#mid.2", at(1))
    assert change is not None
    joined = repo.commit(change)
    assert joined.reports == [report]
    again = lifecycle.add_message(joined, report, "INSTAGRAM#mid.2", at(2))
    assert again is not None
    with pytest.raises(MessageRepeated) as caught:
        repo.commit(again)
    assert caught.value.incident_id == incident.id
    first = lifecycle.add_message(joined, report, "INSTAGRAM#mid.1", at(2))  # the first message, again
    assert first is not None
    with pytest.raises(MessageRepeated):
        repo.commit(first)
    assert repo.get(incident.id) == joined


def test_recent_by_status_is_newest_first_within_the_window(repo: IncidentRepository) -> None:
    old, middle, new = new_incident(0), new_incident(600), new_incident(1200)
    for incident in (old, middle, new):
        repo.create(incident)
    assert [i.id for i in repo.recent_by_status(Status.RECEIVED, T0 + timedelta(seconds=300), 10)] == [
        new.id,
        middle.id,
    ]
    assert [i.id for i in repo.recent_by_status(Status.RECEIVED, T0, 1)] == [new.id]


def test_full_lifecycle_timeline_and_dispatches(repo: IncidentRepository) -> None:
    incident = new_incident()
    repo.create(incident)
    advance(repo, incident.id, Status.CLOSED)
    detail = repo.get_detail(incident.id)
    assert detail.status is Status.CLOSED
    assert detail.version == 7
    assert [e.action for e in detail.timeline] == [
        Action.REGISTER, Action.CLAIM, Action.VERIFY, Action.DISPATCH,
        Action.AGENCY_ACKNOWLEDGE, Action.ACKNOWLEDGE, Action.CLOSE,
    ]  # fmt: skip
    assert [e.version for e in detail.timeline] == [1, 2, 3, 4, 5, 6, 7]
    assert [(d.agency, d.status, d.message_id) for d in detail.dispatches] == [
        (Agency.POLICE, DispatchStatus.ACKNOWLEDGED, "sns-police"),
        (Agency.PSC119, DispatchStatus.ACKNOWLEDGED, "sns-psc119"),
    ]
    assert detail.dispatches[0].acknowledged_by == "agency:POLICE"


def test_dispatch_write_for_a_new_record_fails_if_it_exists(repo: IncidentRepository) -> None:
    incident = new_incident()
    repo.create(incident)
    dispatched = advance(repo, incident.id, Status.DISPATCHED)
    before = repo.get_detail(incident.id)
    # A legal move at the current version, but writing a dispatch "that must not exist yet".
    change = lifecycle.acknowledge(dispatched, before.dispatches, Agency.POLICE, "agency:police", at(9))
    again = Dispatch(
        incident_id=incident.id, agency=Agency.POLICE, status=DispatchStatus.NOTIFIED, notified_at=at(9),
        message_id="sns-second-time",
    )  # fmt: skip
    forged = dataclasses.replace(change, dispatch_writes=(lifecycle.DispatchWrite(again, None),))
    with pytest.raises(ConcurrentModification):
        repo.commit(forged)
    assert repo.get_detail(incident.id) == before


def test_dispatch_write_expecting_notified_fails_if_already_acknowledged(repo: IncidentRepository) -> None:
    incident = new_incident()
    repo.create(incident)
    dispatched = advance(repo, incident.id, Status.DISPATCHED)
    stale_dispatches = repo.get_detail(incident.id).dispatches
    current = repo.commit(
        lifecycle.acknowledge(dispatched, stale_dispatches, Agency.POLICE, "agency:police", at(9))
    )
    before = repo.get_detail(incident.id)
    # The incident version is current, but the dispatch record is no longer NOTIFIED.
    change = lifecycle.acknowledge(current, stale_dispatches, Agency.POLICE, "agency:police", at(10))
    assert change.dispatch_writes[0].expected_status is DispatchStatus.NOTIFIED
    with pytest.raises(ConcurrentModification):
        repo.commit(change)
    assert repo.get_detail(incident.id) == before


def test_dispatch_write_expecting_notified_fails_if_missing(repo: IncidentRepository) -> None:
    incident = new_incident()
    repo.create(incident)
    dispatched = advance(repo, incident.id, Status.DISPATCHED)
    before = repo.get_detail(incident.id)
    ghost = Dispatch(
        incident_id=incident.id, agency=Agency.BASARNAS, status=DispatchStatus.NOTIFIED, notified_at=at(3),
        message_id="sns-ghost",
    )  # fmt: skip
    change = lifecycle.acknowledge(dispatched, [ghost], Agency.BASARNAS, "agency:basarnas", at(9))
    with pytest.raises(ConcurrentModification):
        repo.commit(change)
    assert repo.get_detail(incident.id) == before


# -- lists by status ------------------------------------------------------------------------------


def test_list_by_status_is_oldest_first(repo: IncidentRepository) -> None:
    incidents = [new_incident(seconds=s) for s in (30, 0, 90, 60, 0.001)]
    for incident in incidents:
        repo.create(incident)
    page = repo.list_by_status(Status.RECEIVED, 10)
    assert [i.id for i in page.items] == sorted(i.id for i in incidents)
    assert [i.received_at for i in page.items] == sorted(i.received_at for i in incidents)
    assert page.next_cursor is None


def test_list_by_status_of_an_empty_status(repo: IncidentRepository) -> None:
    repo.create(new_incident())
    page = repo.list_by_status(Status.VERIFIED, 10)
    assert page.items == []
    assert page.next_cursor is None


@pytest.mark.parametrize(("count", "limit"), [(5, 2), (4, 2), (3, 1), (3, 3), (1, 5)])
def test_pagination_walks_every_item_exactly_once(repo: IncidentRepository, count: int, limit: int) -> None:
    incidents = [new_incident(seconds=s) for s in range(count)]
    for incident in reversed(incidents):
        repo.create(incident)
    assert all_ids(repo, Status.RECEIVED, limit) == [i.id for i in incidents]


def test_first_page_of_a_longer_list_has_a_cursor(repo: IncidentRepository) -> None:
    incidents = [new_incident(seconds=s) for s in range(3)]
    for incident in incidents:
        repo.create(incident)
    page = repo.list_by_status(Status.RECEIVED, 2)
    assert [i.id for i in page.items] == [incidents[0].id, incidents[1].id]
    assert page.next_cursor
    rest = repo.list_by_status(Status.RECEIVED, 2, page.next_cursor)
    assert [i.id for i in rest.items] == [incidents[2].id]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _forged(**changes: Any) -> str:
    plain = {"pk": "INCIDENT#X", "sk": "INCIDENT", "gsi1pk": "STATUS#RECEIVED", "gsi1sk": "X"}
    plain.update(changes)
    return _b64(json.dumps({k: v for k, v in plain.items() if v is not None}).encode())


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "%%%",
        "eyJ",  # truncated base64 of JSON
        _b64(b"\xff\xfe\x00garbage"),
        _b64(b"[1, 2, 3]"),
        _b64(b'"a string"'),
        _b64(b"{}"),
        _forged(gsi1sk=None),  # a key missing
        _forged(extra="key"),  # a key too many
        _forged(gsi1sk=7),  # not a string
        _forged(gsi1pk="STATUS#VERIFIED"),  # a cursor for another status
    ],
)
def test_forged_or_garbled_cursor_is_invalid(repo: IncidentRepository, cursor: str) -> None:
    repo.create(new_incident())
    with pytest.raises(InvalidRequest) as caught:
        repo.list_by_status(Status.RECEIVED, 10, cursor)
    assert caught.value.field == "cursor"


def test_cursor_from_another_status_is_invalid(repo: IncidentRepository) -> None:
    for seconds in range(3):
        repo.create(new_incident(seconds=seconds))
    cursor = repo.list_by_status(Status.RECEIVED, 1).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidRequest) as caught:
        repo.list_by_status(Status.IN_REVIEW, 1, cursor)
    assert caught.value.field == "cursor"


def test_a_status_change_moves_the_incident_between_lists(repo: IncidentRepository) -> None:
    first, second = new_incident(), new_incident(seconds=1)
    repo.create(first)
    repo.create(second)
    repo.commit(lifecycle.claim(first, OPERATOR, at(1)))
    assert all_ids(repo, Status.RECEIVED) == [second.id]
    in_review = repo.list_by_status(Status.IN_REVIEW, 10).items
    assert [i.id for i in in_review] == [first.id]
    assert in_review[0].assigned_to == OPERATOR
    advance(repo, first.id, Status.VERIFIED)
    assert all_ids(repo, Status.IN_REVIEW) == []
    assert all_ids(repo, Status.VERIFIED) == [first.id]


# -- DynamoDB item layout -------------------------------------------------------------------------


@pytest.fixture
def dynamo() -> Iterator[Backend]:
    with mock_aws():
        table = create_tables()[INCIDENTS.env_var]
        client = dynamodb_client()
        yield Backend(DynamoIncidentRepository(table, client), "dynamodb", table, client)


def _raw_incident_item(backend: Backend, incident_id: str) -> dict[str, Any]:
    assert backend.client is not None
    assert backend.table is not None
    raw = backend.client.get_item(
        TableName=backend.table, Key={"pk": {"S": f"INCIDENT#{incident_id}"}, "sk": {"S": "INCIDENT"}}
    )
    return dict(raw["Item"])


def test_dynamodb_incident_item_layout(dynamo: Backend) -> None:
    incident = new_incident()
    dynamo.repo.create(incident)
    item = _raw_incident_item(dynamo, incident.id)
    assert item["pk"] == {"S": f"INCIDENT#{incident.id}"}
    assert item["sk"] == {"S": "INCIDENT"}
    assert item["gsi1pk"] == {"S": "STATUS#RECEIVED"}
    assert item["gsi1sk"] == {"S": incident.id}
    assert item["received_at"] == {"S": "2026-11-29T03:40:13.123Z"}
    dynamo.repo.commit(lifecycle.claim(incident, OPERATOR, at(1)))
    assert _raw_incident_item(dynamo, incident.id)["gsi1pk"] == {"S": "STATUS#IN_REVIEW"}


# -- the agencies' notices' outbox (core/notices.py) --------------------------------------------------


def test_a_change_commits_its_notice_into_the_outbox_and_a_lost_race_commits_none(
    repo: IncidentRepository,
) -> None:
    created = new_incident()
    repo.create(created)
    incident = advance(repo, created.id, Status.DISPATCHED)
    notice = Notice(kind=NoticeKind.NOTE, version=incident.version + 1, told={"polsek-genteng": "POLICE"})
    change = lifecycle.note(incident, OPERATOR, "Korban dua orang", at(30))
    noted = repo.commit(dataclasses.replace(change, notice=notice))

    (kept,) = repo.pending_notices(at(31), 10)
    assert (kept.incident_id, kept.notice, kept.at) == (noted.id, notice, at(30))
    assert repo.pending_notices(at(30), 10) == []  # committed at 30: not before it
    with pytest.raises(ConcurrentModification):  # the same change again: lost, and no second notice
        repo.commit(dataclasses.replace(change, notice=notice.model_copy(update={"text": "lagi"})))
    assert [p.notice for p in repo.pending_notices(at(31), 10)] == [notice]

    repo.notice_queued(kept)
    repo.notice_queued(kept)  # gone already: nothing happens
    assert repo.pending_notices(at(31), 10) == []


def test_the_outbox_is_read_oldest_first_a_page_at_a_time(repo: IncidentRepository) -> None:
    notices = [
        PendingNotice(
            incident_id=new_ulid(T0_MS + minute),
            notice=Notice(kind=NoticeKind.CLOSED, version=3, told={"psc119": "PSC119"}),
            at=at(minute),
        )
        for minute in (5, 1, 3)
    ]
    for pending in notices:
        repo.keep_notice(pending)
    assert [p.at for p in repo.pending_notices(at(10), 2)] == [at(1), at(3)]
    assert [p.at for p in repo.pending_notices(at(10), 10)] == [at(1), at(3), at(5)]
