"""Search of past incidents (core/search.py) on the embedded DynamoDB: by day partitions and the caller
index, never a Scan; filters by kecamatan, category and outcome; pages with a cursor; and the status
index that no longer holds closed or rejected incidents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from core import lifecycle
from core.errors import InvalidRequest
from core.ids import new_ulid, ulid_floor
from core.incidents import IncidentService
from core.intervals import Outcome, outcome
from core.lifecycle import Verification
from core.models import (
    Agency,
    Category,
    Channel,
    Incident,
    Location,
    Priority,
    Rejection,
    RejectionReason,
    Status,
)
from core.regency import REGENCIES
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.retention import START
from core.search import MAX_READS, Search
from tests.fakes import FakeDirectory, InMemoryIncidentRepository, RecordingDispatchQueue
from tests.support import Clock, apigw_event, create_tables, load_event, response_json
from verify.api import lambda_handler

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


class Counting:
    """The DynamoDB client, counting what it is asked (a Scan would fail the test)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.queries = 0

    def query(self, **kwargs: Any) -> Any:
        self.queries += 1
        return self._client.query(**kwargs)

    def scan(self, **kwargs: Any) -> Any:
        raise AssertionError("a Scan")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def client() -> Iterator[Counting]:
    with mock_aws():
        create_tables()
        yield Counting(dynamodb_client())


@pytest.fixture
def repo(client: Counting) -> DynamoIncidentRepository:
    return DynamoIncidentRepository("respon112-test-incidents", client)  # type: ignore[arg-type]


@pytest.fixture
def service(repo: DynamoIncidentRepository) -> IncidentService:
    return IncidentService(repo, REGENCIES["banyuwangi"], None, Clock())


def incident(
    at: datetime, caller: str | None = "+6281234567890", district: str | None = "Genteng"
) -> Incident:
    return Incident(
        id=new_ulid(int(at.timestamp() * 1000)),
        status=Status.RECEIVED,
        channel=Channel.WEB,
        caller=caller,
        location=Location(district=district) if district else None,
        created_by="system:intake",
        received_at=at,
        updated_at=at,
        version=1,
    )


def closed_fire(repo: DynamoIncidentRepository, at: datetime, district: str = "Genteng") -> Incident:
    created, _ = repo.create(incident(at, district=district))
    step = repo.commit(lifecycle.claim(created, "operator1", at + timedelta(minutes=1)))
    verification = Verification(
        Category.FIRE, Priority.P1, Location(district=district), "Kebakaran", (Agency.DAMKAR,)
    )
    step = repo.commit(lifecycle.verify(step, "operator1", verification, at + timedelta(minutes=2)))
    step = repo.commit(
        lifecycle.dispatch(step, {Agency.DAMKAR: "m"}, "system:dispatch", at + timedelta(minutes=3))
    )
    dispatches = repo.get_detail(step.id).dispatches
    step = repo.commit(
        lifecycle.acknowledge(step, dispatches, Agency.DAMKAR, "agency:DAMKAR", at + timedelta(minutes=4))
    )
    return repo.commit(lifecycle.close(step, "operator1", "Padam", at + timedelta(hours=1)))


def prank(repo: DynamoIncidentRepository, at: datetime, caller: str) -> Incident:
    created, _ = repo.create(incident(at, caller=caller, district="Glagah"))
    step = repo.commit(lifecycle.claim(created, "operator2", at + timedelta(minutes=1)))
    return repo.commit(
        lifecycle.reject(
            step, "operator2", Rejection(reason=RejectionReason.PRANK), at + timedelta(minutes=2)
        )
    )


def every_page(service: IncidentService, search: Search, limit: int) -> list[str]:
    found: list[str] = []
    cursor: str | None = None
    for _ in range(100):
        page = service.search(search, limit, cursor)
        assert len(page.items) <= limit
        found.extend(i.id for i in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return found
    raise AssertionError("endless pages")


def test_a_closed_incident_is_found_by_number_and_by_kecamatan_and_date(
    repo: DynamoIncidentRepository, service: IncidentService, client: Counting
) -> None:
    fire = closed_fire(repo, T0)
    joke = prank(repo, T0 + timedelta(hours=5), "+6285700001111")
    closed_fire(repo, T0 + timedelta(days=3), district="Muncar")  # another day, another kecamatan
    week = Search(T0 - timedelta(days=1), T0 + timedelta(days=6))

    by_number = service.search(Search(week.start, week.end, caller="0857-0000-1111"), 10)
    assert [i.id for i in by_number.items] == [joke.id]
    genteng = service.search(Search(week.start, week.end, district="genteng"), 10)
    assert [(i.id, i.status) for i in genteng.items] == [(fire.id, Status.CLOSED)]
    pranks = service.search(Search(week.start, week.end, outcome=Outcome.PRANK), 10)
    assert [i.id for i in pranks.items] == [joke.id]
    assert [i.outcome for i in pranks.items] == [Outcome.PRANK]
    fires = every_page(service, Search(week.start, week.end, category=Category.FIRE), 1)
    assert len(fires) == 2
    same_day = service.search(Search(T0, T0 + timedelta(hours=4)), 10)  # the range is exact, not the day
    assert [i.id for i in same_day.items] == [fire.id]
    assert client.queries > 0


def test_each_incident_found_carries_the_outcome_the_statistics_count(
    repo: DynamoIncidentRepository, service: IncidentService
) -> None:
    fire = closed_fire(repo, T0)
    joke = prank(repo, T0 + timedelta(hours=1), "+6285700001111")
    waiting, _ = repo.create(incident(T0 + timedelta(hours=2)))
    claimed = repo.commit(lifecycle.claim(waiting, "operator1", T0 + timedelta(hours=3)))

    found = service.search(Search(T0, T0 + timedelta(days=1)), 10).items

    assert [(i.id, i.outcome) for i in found] == [
        (claimed.id, Outcome.OPEN),
        (joke.id, Outcome.PRANK),
        (fire.id, Outcome.VERIFIED),
    ]
    for item in found:  # the same function the rollups apply to the stored incident
        assert item.outcome == outcome(repo.get(item.id).model_dump(mode="json"))
        assert Incident.model_validate(item.model_dump()) == repo.get(item.id)  # and the incident as it is


def test_pages_are_newest_first_and_bounded(
    repo: DynamoIncidentRepository, service: IncidentService, client: Counting
) -> None:
    made = [repo.create(incident(T0 + timedelta(hours=hour)))[0].id for hour in range(0, 24 * 20, 7)]
    search = Search(T0, T0 + timedelta(days=20))

    found = every_page(service, search, limit=4)
    assert found == sorted(made, reverse=True)

    client.queries = 0
    rare = service.search(Search(T0, T0 + timedelta(days=200), district="Muncar"), 10)  # nothing matches
    assert rare.items == []
    assert rare.next_cursor is not None  # 200 days cannot be read in one page
    assert client.queries == MAX_READS


def test_the_api_lists_no_terminal_status_but_the_retention_sweep_still_walks_them(
    repo: DynamoIncidentRepository, service: IncidentService, client: Counting
) -> None:
    closed_fire(repo, T0)
    prank(repo, T0, "+6285700001111")

    for status in (Status.CLOSED, Status.REJECTED):
        with pytest.raises(InvalidRequest, match="GET /search"):
            service.queue(status, 10)
    # decision 54: the terminal lists stay in the status index for core/retention.py, oldest first
    until = ulid_floor(int((T0 + timedelta(days=1)).timestamp() * 1000))
    for status in (Status.CLOSED, Status.REJECTED):
        assert [i.status for i in repo.incidents_between(status, START, until, 10)] == [status]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"caller": "not a number"}, "caller"),
        ({"district": "Atlantis"}, "district"),
    ],
)
def test_a_search_it_cannot_do_is_refused(
    service: IncidentService, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        service.search(Search(T0, T0 + timedelta(days=1), **changes), 10)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (T0, T0),  # empty
        (T0, T0 - timedelta(days=1)),  # backwards
        (T0, T0 + timedelta(days=367)),  # too long
        (T0.replace(tzinfo=None), T0 + timedelta(days=1)),  # no zone
    ],
)
def test_a_range_it_cannot_search_is_refused(start: datetime, end: datetime) -> None:
    with pytest.raises(InvalidRequest):
        Search(start, end)


@pytest.mark.parametrize(
    "cursor", ["garbage", "eyJwIjoiREFZIzIwMjYtMDEtMDEiLCJrIjp7fX0", "eyJwIjogMX0", "e30"]
)
def test_a_cursor_it_did_not_hand_out_is_refused(service: IncidentService, cursor: str) -> None:
    with pytest.raises(InvalidRequest, match="cursor"):
        service.search(Search(T0, T0 + timedelta(days=1)), 10, cursor)


def test_the_search_route_and_the_queue_of_closed_incidents(lambda_context: Any) -> None:
    repo = InMemoryIncidentRepository()
    service = IncidentService(repo, REGENCIES["banyuwangi"], RecordingDispatchQueue(), Clock())
    mine, _ = repo.create(incident(datetime(2026, 11, 15, 3, 0, tzinfo=UTC)))
    repo.create(incident(datetime(2026, 11, 16, 3, 0, tzinfo=UTC), caller="+6285700001111"))

    def call(event: dict[str, Any]) -> tuple[int, Any]:
        response = lambda_handler(event, lambda_context, service=service, directory=FakeDirectory())
        return response["statusCode"], response_json(response)

    status, page = call(load_event("apigw/search-incidents.json"))
    assert status == 200, page
    assert [(item["id"], item["outcome"]) for item in page["items"]] == [(mine.id, "open")]
    status, body = call(apigw_event("list-incidents", query={"status": "CLOSED"}))
    assert status == 422
    assert "GET /search" in body["message"]
