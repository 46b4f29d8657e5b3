"""Delivery per post (core/agency_delivery.py): each post on its own channels, read at sending time, the
signed record valid against the committed schema, each channel once, placeholders never."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import jsonschema  # type: ignore[import-untyped]  # no stubs among the dependencies
import pytest
from moto import mock_aws

from core import lifecycle, responder_links, signing
from core.agency_channels import AwsChannels, DeliveryFailed
from core.agency_delivery import AgencyDelivery, Contact, DeliveryRequest
from core.agency_directory import DirectoryService
from core.directory_models import Contacts, EscalationContact, HttpsEndpoint
from core.directory_seed import SEEDS
from core.dispatch_record import record_schema
from core.dispatching import Dispatcher
from core.idempotency import IdempotentOnce, dynamodb_persistence
from core.ids import new_ulid
from core.models import Category, Channel, Incident, Location, Priority, Status
from core.regency import REGENCIES
from tests.fakes import InMemoryAgencyStore, InMemoryIncidentRepository, RecordingNotifier, ReversibleSealer
from tests.support import Clock, create_tables

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "schemas" / "dispatch-record-v1.json"
BANYUWANGI = REGENCIES["banyuwangi"]
LINK_KEY = "k" * 43
SECRET = "s" * 40
PAGE = "https://panel.example.go.id"


class FakeChannels:
    def __init__(self) -> None:
        self.sent: list[tuple[str, ...]] = []
        self.bodies: list[tuple[str, bytes, dict[str, str]]] = []
        self.https_failing = False

    def sms(self, number: str, text: str) -> str:
        self.sent.append(("sms", number, text))
        return f"sms-{len(self.sent)}"

    def email(self, address: str, subject: str, text: str) -> str:
        self.sent.append(("email", address, subject, text))
        return f"email-{len(self.sent)}"

    def https(self, url: str, body: bytes, headers: dict[str, str]) -> str:
        if self.https_failing:
            raise DeliveryFailed("down")
        self.sent.append(("https", url))
        self.bodies.append((url, body, headers))
        return "https:200"


class FakeOnce:
    def __init__(self) -> None:
        self.results: dict[str, str] = {}

    def run(self, key: str, send: Callable[[], str]) -> str:
        if key not in self.results:
            self.results[key] = send()  # a send that raises records nothing: the next try sends
        return self.results[key]


@pytest.fixture
def store(clock: Clock) -> InMemoryAgencyStore:
    store = InMemoryAgencyStore()
    DirectoryService(store, BANYUWANGI, ReversibleSealer(), clock).seed(SEEDS["banyuwangi"])
    return store


def give_contacts(store: InMemoryAgencyStore, post_id: str, **contacts: Any) -> None:
    post = store.posts[post_id]
    sealed = ReversibleSealer().seal(post_id, SECRET) if "https" in contacts else None
    escalation = contacts.pop("escalation", None)
    store.posts[post_id] = post.model_copy(
        update={"contacts": Contacts(**contacts), "sealed_secret": sealed, "escalation": escalation}
    )


def dispatched_fire(repo: InMemoryIncidentRepository, clock: Clock) -> Incident:
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
    incident = repo.commit(lifecycle.claim(incident, "operator1", clock.advance(seconds=5)))
    verification = lifecycle.Verification(
        Category.FIRE,
        Priority.P1,
        Location(district="Genteng", address="Pasar Genteng"),
        "Kios terbakar",
        ("DAMKAR",),
        ("damkar-genteng",),
    )
    incident = repo.commit(lifecycle.verify(incident, "operator1", verification, clock.advance(seconds=30)))
    return repo.commit(lifecycle.dispatch(incident, {"DAMKAR": "m-1"}, "system:dispatch", clock.now))


@pytest.fixture
def repo() -> InMemoryIncidentRepository:
    return InMemoryIncidentRepository()


def delivery(
    repo: InMemoryIncidentRepository,
    store: InMemoryAgencyStore,
    channels: FakeChannels,
    once: FakeOnce,
    clock: Clock,
) -> AgencyDelivery:
    return AgencyDelivery(
        repo,
        store,
        ReversibleSealer(),
        channels,
        once,
        lambda: LINK_KEY,
        BANYUWANGI,
        PAGE,
        "https://api.example.go.id/prod/agency/status",
        clock,
    )


def request(incident: Incident, post: str = "damkar-genteng", **changes: Any) -> DeliveryRequest:
    return DeliveryRequest.model_validate(
        {"incidentId": incident.id, "postId": post, "agency": "DAMKAR", "change": "dispatch", **changes}
    )


def test_a_post_is_told_on_each_of_its_channels_with_its_link(
    repo: InMemoryIncidentRepository, store: InMemoryAgencyStore, clock: Clock
) -> None:
    incident = dispatched_fire(repo, clock)
    give_contacts(
        store,
        "damkar-genteng",
        sms=["+6281111111111"],
        emails=["piket@damkar.example.go.id"],
        https=HttpsEndpoint(url="https://cad.damkar.example.go.id/112"),
    )
    channels, once = FakeChannels(), FakeOnce()

    sent = delivery(repo, store, channels, once, clock).deliver(request(incident))

    assert [entry[:2] for entry in channels.sent] == [
        ("sms", "+6281111111111"),
        ("email", "piket@damkar.example.go.id"),
        ("https", "https://cad.damkar.example.go.id/112"),
    ]
    assert len(sent) == 3
    sms_text = channels.sent[0][2]
    assert "KEBAKARAN P1 untuk Pos Damkar Genteng" in sms_text
    assert "Kec. Genteng" in sms_text
    assert "Konfirmasi" in sms_text
    link = sms_text.rsplit(" ", 1)[1]
    token = link.split("#t=", 1)[1]
    grant = responder_links.verify(LINK_KEY, token, clock.now)
    assert (grant.incident_id, grant.post_id) == (incident.id, "damkar-genteng")


def test_the_record_is_signed_over_its_exact_bytes_and_valid_against_the_committed_schema(
    repo: InMemoryIncidentRepository, store: InMemoryAgencyStore, clock: Clock
) -> None:
    incident = dispatched_fire(repo, clock)
    give_contacts(store, "damkar-genteng", https=HttpsEndpoint(url="https://cad.damkar.example.go.id/112"))
    channels = FakeChannels()

    delivery(repo, store, channels, FakeOnce(), clock).deliver(request(incident))

    [(_, body, headers)] = channels.bodies
    now = int(clock.now.timestamp())
    timestamp = headers[signing.TIMESTAMP_HEADER]
    assert signing.verify(SECRET, timestamp, headers[signing.SIGNATURE_HEADER], body, now) is None
    assert signing.verify("x" * 40, timestamp, headers[signing.SIGNATURE_HEADER], body, now) is not None
    assert signing.verify(SECRET, timestamp, headers[signing.SIGNATURE_HEADER], body + b" ", now) is not None
    record = json.loads(body)
    jsonschema.validate(record, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert record["recordId"] == f"{incident.id}:damkar-genteng:dispatch"
    assert record["incident"]["location"]["district"] == "Genteng"
    assert record["post"] == {"id": "damkar-genteng", "name": store.posts["damkar-genteng"].name}
    assert record["response"]["statusEndpoint"] == "https://api.example.go.id/prod/agency/status"


def test_the_committed_schema_is_the_models_and_refuses_what_the_model_refuses() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema == record_schema()  # python tools/schemas.py writes it
    jsonschema.Draft202012Validator.check_schema(schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schemaVersion": "1"}, schema)


def test_the_number_is_read_when_sending_so_a_change_takes_effect_without_a_deploy(
    repo: InMemoryIncidentRepository, store: InMemoryAgencyStore, clock: Clock
) -> None:
    incident = dispatched_fire(repo, clock)
    give_contacts(store, "damkar-genteng", sms=["+6281111111111"])
    channels, once = FakeChannels(), FakeOnce()
    sender = delivery(repo, store, channels, once, clock)
    sender.deliver(request(incident))

    give_contacts(store, "damkar-genteng", sms=["+6282222222222"])
    sender.deliver(request(incident, change="escalation-2"))

    assert [entry[1] for entry in channels.sent] == ["+6281111111111", "+6282222222222"]


def test_each_channel_is_sent_once_and_a_failed_one_alone_is_sent_again(
    repo: InMemoryIncidentRepository, store: InMemoryAgencyStore, clock: Clock
) -> None:
    incident = dispatched_fire(repo, clock)
    give_contacts(
        store,
        "damkar-genteng",
        sms=["+6281111111111"],
        https=HttpsEndpoint(url="https://cad.example.go.id/a"),
    )
    channels, once = FakeChannels(), FakeOnce()
    sender = delivery(repo, store, channels, once, clock)
    channels.https_failing = True

    with pytest.raises(DeliveryFailed):
        sender.deliver(request(incident))
    channels.https_failing = False
    sender.deliver(request(incident))  # the queue's redelivery
    sender.deliver(request(incident))  # and a duplicate

    assert [entry[0] for entry in channels.sent] == ["sms", "https"]


def test_placeholders_are_never_sent_to(
    repo: InMemoryIncidentRepository, store: InMemoryAgencyStore, clock: Clock
) -> None:
    incident = dispatched_fire(repo, clock)  # the seed's contacts are all placeholders
    channels = FakeChannels()

    assert delivery(repo, store, channels, FakeOnce(), clock).deliver(request(incident)) == []
    assert channels.sent == []


def test_the_escalation_goes_to_the_second_contact(
    repo: InMemoryIncidentRepository, store: InMemoryAgencyStore, clock: Clock
) -> None:
    incident = dispatched_fire(repo, clock)
    give_contacts(
        store,
        "damkar-genteng",
        sms=["+6281111111111"],
        escalation=EscalationContact(name="Kepala Pos", sms=["+6283333333333"]),
    )
    channels = FakeChannels()

    delivery(repo, store, channels, FakeOnce(), clock).deliver(
        request(incident, change="escalation-1", contact=Contact.ESCALATION)
    )

    [(kind, number, text)] = channels.sent
    assert (kind, number) == ("sms", "+6283333333333")
    assert text.startswith("[112 Kabupaten Banyuwangi] ESKALASI")


def test_the_dispatcher_queues_each_post_and_sets_the_acknowledgement_deadline(
    repo: InMemoryIncidentRepository, store: InMemoryAgencyStore, clock: Clock
) -> None:
    incident = dispatched_fire(repo, clock)
    verified = incident.model_copy(update={"status": Status.VERIFIED, "dispatched_at": None})
    fresh = InMemoryIncidentRepository()
    fresh.create(verified)
    queued: list[DeliveryRequest] = []

    class Queue:
        def enqueue(self, requests: Sequence[DeliveryRequest]) -> None:
            queued.extend(requests)

    service = DirectoryService(store, BANYUWANGI, ReversibleSealer(), clock)
    dispatcher = Dispatcher(
        fresh, RecordingNotifier(), clock, service.snapshot, Queue(), {"P1": 60, "P2": 600, "P3": 1800}
    )
    dispatcher.dispatch(incident.id)

    assert [(r.post_id, r.change, r.contact) for r in queued] == [
        ("damkar-genteng", "dispatch", Contact.POST)
    ]
    assert fresh.get(incident.id).ack_due_at == clock.now + timedelta(seconds=60)


# -- the signature and the link -----------------------------------------------------------------------


def test_a_signature_out_of_its_time_is_a_replay() -> None:
    headers = signing.signed_headers(SECRET, 1_000_000, b"{}")
    stamp, mac = headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER]
    assert signing.verify(SECRET, stamp, mac, b"{}", 1_000_000 + 299) is None
    assert signing.verify(SECRET, stamp, mac, b"{}", 1_000_000 + 301) == "timestamp outside the tolerance"
    assert signing.verify(SECRET, "1e9", mac, b"{}", 1_000_000) is not None
    assert signing.verify(SECRET, stamp, "v1=" + "0" * 64 + "," + mac, b"{}", 1_000_000) is None  # rotation


def test_a_link_is_bound_to_its_incident_and_post_and_expires(clock: Clock) -> None:
    incident_id = new_ulid(0)
    token = responder_links.issue(LINK_KEY, incident_id, "damkar-genteng", clock.now)
    incident, post, expires, mac = token.split(".")
    for forged in (
        f"{incident}.polsek-genteng.{expires}.{mac}",
        f"{incident}.{post}.{int(expires) + 86400}.{mac}",
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token + "x",
        "../" + token,
    ):
        with pytest.raises(responder_links.InvalidToken):
            responder_links.verify(LINK_KEY, forged, clock.now)
    with pytest.raises(responder_links.InvalidToken, match="expired"):
        responder_links.verify(
            LINK_KEY, token, clock.now + responder_links.LINK_LIFETIME + timedelta(seconds=1)
        )
    with pytest.raises(responder_links.InvalidToken):
        responder_links.verify("another key" * 4, token, clock.now)


# -- the channels' adapter ----------------------------------------------------------------------------


class Answer:
    def __init__(self, status: int) -> None:
        self.status = status

    def __enter__(self) -> Answer:
        return self

    def __exit__(self, *_: object) -> None:
        return None


def test_https_is_retried_with_backoff_then_gives_up() -> None:
    pauses: list[float] = []
    tried: list[str] = []

    def opener(request: Any, timeout: float) -> Answer:
        tried.append(request.full_url)
        raise OSError("connection refused")

    channels = AwsChannels(None, sns=object(), ses=object(), sleep=pauses.append, opener=opener)
    with pytest.raises(DeliveryFailed, match="after 3 attempts"):
        channels.https("https://cad.example.go.id/112", b"{}", {})
    assert len(tried) == 3
    assert len(pauses) == 2
    assert 0.5 <= pauses[0] <= 0.75
    assert 2.0 <= pauses[1] <= 3.0


def test_https_succeeds_on_a_later_attempt_and_posts_the_signed_headers() -> None:
    answers: Iterator[OSError | Answer] = iter([OSError("reset"), Answer(503), Answer(202)])
    seen: list[Any] = []

    def opener(request: Any, timeout: float) -> Answer:
        seen.append(request)
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    channels = AwsChannels(None, sns=object(), ses=object(), sleep=lambda _: None, opener=opener)
    assert (
        channels.https("https://cad.example.go.id/112", b"{}", {"X-Respon112-Signature": "v1=ab"})
        == "https:202"
    )
    assert seen[-1].get_header("X-respon112-signature") == "v1=ab"
    assert seen[-1].data == b"{}"


def test_plain_http_only_to_a_localhost_endpoint_and_only_when_the_local_stack_says_so() -> None:
    local = AwsChannels(None, sns=object(), ses=object(), plain_http_localhost=True)
    cloud = AwsChannels(None, sns=object(), ses=object())
    assert local.target("https://receiver.localhost:9100/112") == "http://127.0.0.1:9100/112"
    assert local.target("https://cad.example.go.id/112") == "https://cad.example.go.id/112"
    assert cloud.target("https://receiver.localhost:9100/112") == "https://receiver.localhost:9100/112"


def test_sms_and_email_reach_sns_and_ses_and_each_key_is_sent_once_on_the_idempotency_table() -> None:
    with mock_aws():
        names = create_tables()
        ses = boto3.client("ses")
        ses.verify_email_identity(EmailAddress="112@banyuwangi.example.go.id")
        channels = AwsChannels("112@banyuwangi.example.go.id", sns=boto3.client("sns"), ses=ses)
        once = IdempotentOnce(dynamodb_persistence(names["IDEMPOTENCY_TABLE_NAME"]))
        sent: list[str] = []

        def text() -> str:
            sent.append("sms")
            return channels.sms("+6281111111111", "Uji")

        first = once.run("incident:post:dispatch:sms:+6281111111111", text)
        again = once.run("incident:post:dispatch:sms:+6281111111111", text)
        mail = channels.email("piket@damkar.example.go.id", "112", "Uji")

        assert first == again
        assert sent == ["sms"]
        assert mail
        assert ses.get_send_quota()["SentLast24Hours"] == 1
