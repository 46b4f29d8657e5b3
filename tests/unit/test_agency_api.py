"""agency-api: a post's page and an agency's system report statuses; proof first, forward only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agency.api import Ports, lambda_handler
from core import lifecycle, responder_links, signing
from core.agency_directory import DirectoryService
from core.directory_models import HttpsEndpoint
from core.directory_seed import SEEDS
from core.errors import ConcurrentModification
from core.ids import new_ulid
from core.models import Category, Channel, Incident, Location, Priority, Status
from core.regency import REGENCIES
from core.responders import ResponderService
from tests.fakes import InMemoryAgencyStore, InMemoryIncidentRepository, ReversibleSealer
from tests.support import Clock, FakeLambdaContext

KEY = "link-key-" * 5
SECRET = "s" * 40
BANYUWANGI = REGENCIES["banyuwangi"]


@pytest.fixture
def store(clock: Clock) -> InMemoryAgencyStore:
    store = InMemoryAgencyStore()
    DirectoryService(store, BANYUWANGI, ReversibleSealer(), clock).seed(SEEDS["banyuwangi"])
    post = store.posts["damkar-genteng"]
    store.posts["damkar-genteng"] = post.model_copy(
        update={
            "contacts": post.contacts.model_copy(
                update={"https": HttpsEndpoint(url="https://cad.example.go.id")}
            ),
            "sealed_secret": ReversibleSealer().seal("damkar-genteng", SECRET),
        }
    )
    return store


@pytest.fixture
def ports(repo: InMemoryIncidentRepository, store: InMemoryAgencyStore, clock: Clock) -> Ports:
    return Ports(ResponderService(repo, store, clock), store, ReversibleSealer(), lambda: KEY, clock)


def dispatched(
    repo: InMemoryIncidentRepository, clock: Clock, agencies: tuple[str, ...] = ("DAMKAR",)
) -> str:
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
    incident = repo.commit(lifecycle.claim(incident, "operator1", clock.now))
    verification = lifecycle.Verification(
        Category.FIRE,
        Priority.P1,
        Location(district="Genteng"),
        "Kios terbakar",
        agencies,
        ("damkar-genteng",),
    )
    incident = repo.commit(lifecycle.verify(incident, "operator1", verification, clock.now))
    ids = {agency: f"m-{agency}" for agency in agencies}
    posts = {"DAMKAR": ["damkar-genteng"]}
    return repo.commit(lifecycle.dispatch(incident, ids, "system:dispatch", clock.now, posts)).id


def event(
    method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    resource, params = path, None
    if path.startswith("/respond/"):
        resource, params = "/respond/{token}", {"token": path.removeprefix("/respond/")}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params,
        "requestContext": {
            "requestId": "r-1",
            "stage": "test",
            "resourcePath": resource,
            "httpMethod": method,
        },
        "body": body,
        "isBase64Encoded": False,
    }


def call(
    ports: Ports, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    response = lambda_handler(event(method, path, text, headers), FakeLambdaContext(), ports=ports)
    return response["statusCode"], json.loads(response["body"])


def token(incident_id: str, clock: Clock, post: str = "damkar-genteng") -> str:
    return responder_links.issue(KEY, incident_id, post, clock.now)


def test_the_page_shows_what_responders_need(
    ports: Ports, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = dispatched(repo, clock)

    status, view = call(ports, "GET", f"/respond/{token(incident_id, clock)}")

    assert status == 200
    assert view["post"]["id"] == "damkar-genteng"
    assert (view["categoryText"], view["priority"], view["location"]["district"]) == (
        "KEBAKARAN",
        "P1",
        "Genteng",
    )
    assert view["caller"] == "+6281234567890"
    assert (view["status"], view["next"]) == ("NOTIFIED", ["ACKNOWLEDGED", "EN_ROUTE", "ON_SCENE", "CLEARED"])


def test_a_post_moves_its_dispatch_forward_each_step_in_the_timeline(
    ports: Ports, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = dispatched(repo, clock)
    link = f"/respond/{token(incident_id, clock)}"

    for step in ("ACKNOWLEDGED", "EN_ROUTE", "ON_SCENE", "CLEARED"):
        clock.advance(minutes=1)
        status, view = call(ports, "POST", link, {"status": step, "note": "Regu 1\x07 berangkat"})
        assert (status, view["status"]) == (200, step)

    detail = repo.get_detail(incident_id)
    assert detail.status is Status.ACKNOWLEDGED
    [dispatch] = detail.dispatches
    assert dispatch.acknowledged_by == "post:damkar-genteng"
    assert dispatch.note == "Regu 1 berangkat"  # a control character dropped
    times = [dispatch.acknowledged_at, dispatch.en_route_at, dispatch.on_scene_at, dispatch.cleared_at]
    assert None not in times
    assert times == sorted(times)  # type: ignore[type-var]
    assert len(set(times)) == 4
    steps = [(e.action.value, e.actor, e.details.get("status")) for e in detail.timeline[-4:]]
    assert steps == [
        ("ACKNOWLEDGE", "post:damkar-genteng", "ACKNOWLEDGED"),
        ("AGENCY_STATUS", "post:damkar-genteng", "EN_ROUTE"),
        ("AGENCY_STATUS", "post:damkar-genteng", "ON_SCENE"),
        ("AGENCY_STATUS", "post:damkar-genteng", "CLEARED"),
    ]


def test_a_repeat_or_an_earlier_status_changes_nothing(
    ports: Ports, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = dispatched(repo, clock)
    link = f"/respond/{token(incident_id, clock)}"
    call(ports, "POST", link, {"status": "EN_ROUTE"})
    version = repo.get(incident_id).version

    for again in ("EN_ROUTE", "ACKNOWLEDGED"):
        status, view = call(ports, "POST", link, {"status": again})
        assert (status, view["status"]) == (200, "EN_ROUTE")
    assert repo.get(incident_id).version == version


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.replace("damkar-genteng", "polsek-genteng"),
        lambda t: "0" * 26 + t[26:],
        lambda t: "x" * 400,
        lambda t: "%2e%2e",
    ],
)
def test_a_forged_link_opens_nothing_and_writes_nothing(
    ports: Ports, repo: InMemoryIncidentRepository, clock: Clock, forge: Any
) -> None:
    incident_id = dispatched(repo, clock)
    version = repo.get(incident_id).version

    status, _ = call(
        ports, "POST", f"/respond/{forge(token(incident_id, clock))}", {"status": "ACKNOWLEDGED"}
    )

    assert status in (404, 422)
    assert repo.get(incident_id).version == version


def test_an_expired_link_or_one_for_a_post_not_sent_is_404(
    ports: Ports, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = dispatched(repo, clock)
    old = token(incident_id, clock)
    clock.advance(days=4)
    assert call(ports, "GET", f"/respond/{old}")[0] == 404
    other = token(incident_id, clock, post="damkar-rogojampi")  # a Damkar post, not this incident's
    assert call(ports, "GET", f"/respond/{other}")[0] == 404


def test_hostile_bodies_are_4xx(ports: Ports, repo: InMemoryIncidentRepository, clock: Clock) -> None:
    incident_id = dispatched(repo, clock)
    link = f"/respond/{token(incident_id, clock)}"
    for body in (
        {"status": "NOTIFIED"},
        {"status": "DONE"},
        {"status": "CLEARED", "note": "x" * 501},
        "[" * 5000,
        "{",
    ):
        assert call(ports, "POST", link, body)[0] in (400, 422), body


def test_a_closed_incident_takes_no_status(
    ports: Ports, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = dispatched(repo, clock)
    repo.commit(lifecycle.close(repo.get(incident_id), "operator1", "Ditutup", clock.now))

    status, body = call(ports, "POST", f"/respond/{token(incident_id, clock)}", {"status": "ACKNOWLEDGED"})

    assert (status, body["code"]) == (409, "ILLEGAL_TRANSITION")


def signed(body: bytes, at: int, secret: str = SECRET, post: str = "damkar-genteng") -> dict[str, str]:
    return {signing.POST_HEADER: post, **signing.signed_headers(secret, at, body)}


def test_an_agencys_system_reports_a_signed_status(
    ports: Ports, repo: InMemoryIncidentRepository, clock: Clock
) -> None:
    incident_id = dispatched(repo, clock)
    body = json.dumps({"incidentId": incident_id, "status": "ON_SCENE", "note": "Unit 3"})
    now = int(clock.now.timestamp())

    status, answer = call(ports, "POST", "/agency/status", body, signed(body.encode(), now))

    assert (status, answer) == (200, {"incidentId": incident_id, "agency": "DAMKAR", "status": "ON_SCENE"})
    [dispatch] = repo.get_detail(incident_id).dispatches
    assert (dispatch.updated_by, dispatch.acknowledged_at is not None) == ("post:damkar-genteng", True)


@pytest.mark.parametrize("problem", ["wrong secret", "replayed", "no post", "body changed", "another post"])
def test_an_unsigned_or_replayed_status_is_401_and_writes_nothing(
    ports: Ports, repo: InMemoryIncidentRepository, clock: Clock, problem: str
) -> None:
    incident_id = dispatched(repo, clock)
    body = json.dumps({"incidentId": incident_id, "status": "ACKNOWLEDGED"})
    now = int(clock.now.timestamp())
    headers = {
        "wrong secret": signed(body.encode(), now, secret="t" * 40),
        "replayed": signed(body.encode(), now - 301),
        "no post": {k: v for k, v in signed(body.encode(), now).items() if k != signing.POST_HEADER},
        "body changed": signed(body.encode() + b" ", now),
        "another post": signed(body.encode(), now, post="polsek-genteng"),
    }[problem]
    version = repo.get(incident_id).version

    status, answer = call(ports, "POST", "/agency/status", body, headers)

    assert (status, answer["message"]) == (401, "signature")
    assert repo.get(incident_id).version == version


def test_a_race_lost_to_another_writer_is_409_and_a_retry_then_succeeds(
    ports: Ports, repo: InMemoryIncidentRepository, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = dispatched(repo, clock)
    link = f"/respond/{token(incident_id, clock)}"
    commit = repo.commit

    def lose(change: Any) -> Any:
        monkeypatch.setattr(repo, "commit", commit)  # the other writer's change lands first
        raise ConcurrentModification(incident_id)

    monkeypatch.setattr(repo, "commit", lose)
    status, body = call(ports, "POST", link, {"status": "ACKNOWLEDGED"})
    assert (status, body["code"]) == (409, "CONFLICT")

    assert call(ports, "POST", link, {"status": "ACKNOWLEDGED"})[1]["status"] == "ACKNOWLEDGED"
