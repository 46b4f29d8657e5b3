"""intake.web.lambda_handler end to end, with its ports built from fakes: the web report form, the
Instagram and X webhooks, Advanced Mobile Location and the public OpenAPI document."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any

import pytest

import tools.generated
import tools.openapi
from core.deliveries import DeliveryRegistrar
from core.ids import is_ulid
from core.incidents import SYSTEM_INTAKE, IncidentService, Report
from core.models import AmlTransport, Channel, Flag, Incident, Status
from core.positions import PositionService
from core.ratelimit import RateLimit, RateLimiter
from core.regency import REGENCIES
from core.replies import Reply, ask_for_location
from core.secrets import ChannelSecrets
from intake.archiving import REFUSED_BYTES
from intake.backlog import lambda_handler as backlog_handler
from intake.routes.request import Ports
from intake.signatures import meta_signature, x_signature
from intake.web import INLINE_SECONDS, OPENAPI_FILE, lambda_handler, openapi_schema
from intake.web_report import RECEIVED_EN, RECEIVED_ID
from tests.fakes import InMemoryIncidentRepository, RecordingBacklog
from tests.support import EVENTS, ROOT, Clock, FakeLambdaContext, load_event

CALLER = "+6281234567890"
IMEI = "356938035643809"
IG_SENDER = "6104825538412345"
SECRETS_JSON: dict[str, str] = json.loads((EVENTS / "webhooks" / "sample-secrets.json").read_text("utf-8"))
GOOGLE_NO_LOCATION = (
    'A"ML=1;lt=+00.00000;lg=+000.00000;rd=N;top=20220131173734;lc=0;pm=N;si=234159000000000;'
    "ei=123456789012345;mcc=234;mnc=15;ml=127"
)


# -- ports -------------------------------------------------------------------------------------------------


class RecordingArchive:
    """RawArchive that keeps (channel, body, metadata), kept and refused apart, and hands out keys
    <channel>/raw/1, refused/<channel>/raw/1, …"""

    def __init__(self) -> None:
        self.items: list[tuple[str, bytes, dict[str, str]]] = []
        self.refused: list[tuple[str, bytes, dict[str, str]]] = []

    def put(self, channel: str, body: bytes, metadata: Mapping[str, str]) -> str:
        self.items.append((channel, body, dict(metadata)))
        return f"{channel}/raw/{len(self.items)}"

    def put_refused(self, channel: str, body: bytes, metadata: Mapping[str, str]) -> str:
        self.refused.append((channel, body, dict(metadata)))
        return f"refused/{channel}/raw/{len(self.refused)}"


class FailingArchive:
    def put(self, channel: str, body: bytes, metadata: Mapping[str, str]) -> str:
        raise ConnectionError("S3 unreachable")

    def put_refused(self, channel: str, body: bytes, metadata: Mapping[str, str]) -> str:
        raise ConnectionError("S3 unreachable")


class Monotonic:
    """A monotonic clock tests move by hand (the intake's deadline reads it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RecordingReplyQueue:
    def __init__(self, failing: bool = False) -> None:
        self.sent: list[Reply] = []
        self.failing = failing

    def enqueue(self, reply: Reply) -> str:
        if self.failing:
            raise ConnectionError("SQS unreachable")
        self.sent.append(reply)
        return f"reply-{len(self.sent)}"


def sample_secrets() -> ChannelSecrets:
    return ChannelSecrets.model_validate(SECRETS_JSON)


@pytest.fixture
def archive() -> RecordingArchive:
    return RecordingArchive()


@pytest.fixture
def replies() -> RecordingReplyQueue:
    return RecordingReplyQueue()


@pytest.fixture
def service(repo: InMemoryIncidentRepository, clock: Clock) -> IncidentService:
    return IncidentService(repo, REGENCIES["banyuwangi"], clock=clock)


@pytest.fixture
def backlog() -> RecordingBacklog:
    return RecordingBacklog()


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


@pytest.fixture
def make_ports(
    repo: InMemoryIncidentRepository,
    service: IncidentService,
    clock: Clock,
    archive: RecordingArchive,
    replies: RecordingReplyQueue,
    backlog: RecordingBacklog,
    monotonic: Monotonic,
) -> Callable[..., Ports]:
    def make(**overrides: Any) -> Ports:
        ports = Ports(
            service=service,
            positions=PositionService(repo, clock),
            archive=archive,
            replies=replies,
            secrets=sample_secrets,
            limiter=RateLimiter(repo, RateLimit(limit=5, window_seconds=600), clock),
            backlog=backlog,
            monotonic=monotonic,
        )
        return dataclasses.replace(ports, **overrides)

    return make


@pytest.fixture
def ports(make_ports: Callable[..., Ports]) -> Ports:
    return make_ports()


def handle(event: dict[str, Any], ports: Ports, remaining_ms: int = 10_000) -> dict[str, Any]:
    """The handler's answer, invoked with `remaining_ms` of the function's time left (10 s: all of it)."""
    context = FakeLambdaContext(remaining_ms=remaining_ms)
    response: dict[str, Any] = lambda_handler(event, context, ports=ports)
    return response


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def header(response: dict[str, Any], name: str) -> str | None:
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower():
            return str(values[0])
    return None


# -- events ------------------------------------------------------------------------------------------------


def with_body(name: str, body: bytes | str) -> dict[str, Any]:
    event = load_event(f"apigw/{name}.json")
    event["body"] = body.decode() if isinstance(body, bytes) else body
    return event


def report_event(
    changes: Mapping[str, Any] | None = None, source_ip: str | None = None, drop: tuple[str, ...] = ()
) -> dict[str, Any]:
    event = load_event("apigw/post-report.json")
    if changes or drop:
        body = {k: v for k, v in json.loads(event["body"]).items() if k not in drop}
        event["body"] = json.dumps(body | dict(changes or {}))
    if source_ip:
        event["requestContext"]["identity"]["sourceIp"] = source_ip
    return event


def instagram_event(body: bytes) -> dict[str, Any]:
    event = with_body("instagram-messages", body)
    event["headers"]["X-Hub-Signature-256"] = meta_signature(body, SECRETS_JSON["instagramAppSecret"])
    return event


def twitter_event(body: bytes) -> dict[str, Any]:
    event = with_body("twitter-events", body)
    event["headers"]["x-twitter-webhooks-signature"] = x_signature(
        body, SECRETS_JSON["twitterConsumerSecret"]
    )
    return event


def sms_event(text: str, sender: str = CALLER) -> dict[str, Any]:
    return with_body("aml-sms", json.dumps({"from": sender, "text": text}))


def https_event(form: str) -> dict[str, Any]:
    """The HTTPS sample (with the sample's ?token=) carrying another form."""
    return with_body("aml-https", form)


def with_query(event: dict[str, Any], **query: str) -> dict[str, Any]:
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    return event


def call(service: IncidentService, caller: str = CALLER) -> Incident:
    incident, _ = service.register(Report(channel=Channel.VOICE, actor=SYSTEM_INTAKE, caller=caller))
    return incident


def only(repo: InMemoryIncidentRepository) -> Incident:
    [incident] = repo.incidents.values()
    return incident


# -- POST /reports -----------------------------------------------------------------------------------------


def test_a_web_report_is_received(
    ports: Ports, repo: InMemoryIncidentRepository, archive: RecordingArchive
) -> None:
    response = handle(load_event("apigw/post-report.json"), ports)

    assert response["statusCode"] == 202
    body = body_of(response)
    assert is_ulid(body["incidentId"])
    assert body["message"] == RECEIVED_ID
    assert body["messageEn"] == RECEIVED_EN
    incident = repo.incidents[body["incidentId"]]
    assert incident.channel is Channel.WEB
    assert incident.status is Status.RECEIVED
    assert incident.caller == CALLER
    assert incident.created_by == "system:web"
    assert incident.report == "Pohon besar tumbang menimpa rumah warga, ada yang terjepit di dalam"
    assert incident.location is not None
    assert incident.location.district == "Glagah"
    assert incident.location.address == "Jl. Raya Glagah, depan balai desa"
    assert (incident.location.lat, incident.location.lon) == (-8.2092, 114.3287)
    assert incident.source == {"name": "Siti Aminah", "rawKey": "web/raw/1", "locationAccuracyM": "25"}
    assert incident.flags == []
    assert len(archive.items) == 1


def test_the_same_client_report_id_is_the_same_incident(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    first = handle(report_event(), ports)
    retry = handle(report_event(), ports)

    assert retry["statusCode"] == 202
    assert body_of(retry)["incidentId"] == body_of(first)["incidentId"]
    assert len(repo.incidents) == 1


def test_the_same_client_report_id_with_other_words_is_a_new_incident(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    """An edited form sent with the id of the first: both reports are kept, neither is silently lost."""
    first = handle(report_event(), ports)
    edited = handle(report_event({"description": "Api sudah menjalar ke rumah sebelah, tolong cepat"}), ports)

    assert edited["statusCode"] == 202
    assert body_of(edited)["incidentId"] != body_of(first)["incidentId"]
    assert len(repo.incidents) == 2


def test_reports_without_a_client_report_id_are_separate(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    first = handle(report_event(drop=("clientReportId",)), ports)
    second = handle(report_event(drop=("clientReportId",)), ports)

    assert body_of(first)["incidentId"] != body_of(second)["incidentId"]
    assert len(repo.incidents) == 2


def test_the_district_is_stored_as_the_regency_spells_it(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    location = {"district": "  glagah ", "address": "depan balai desa"}

    response = handle(report_event({"location": location}), ports)

    assert response["statusCode"] == 202
    stored = only(repo).location
    assert stored is not None
    assert stored.district == "Glagah"


def test_an_invalid_report_lists_each_bad_field_and_is_kept_unparsed(
    ports: Ports, repo: InMemoryIncidentRepository, archive: RecordingArchive
) -> None:
    event = load_event("apigw/post-report-invalid.json")

    response = handle(event, ports)

    assert response["statusCode"] == 422
    body = body_of(response)
    locations = {tuple(d["loc"]) for d in body["detail"]}
    assert {
        ("body", "description"),
        ("body", "phone"),
        ("body", "location"),
        ("body", "favouriteColour"),
    } <= locations
    for field in ("body.description", "body.phone", "body.location", "body.favouriteColour"):
        assert field in body["message"]
    incident = repo.incidents[body["incidentId"]]
    assert Flag.UNPARSED in incident.flags
    assert incident.channel is Channel.WEB
    assert incident.status is Status.RECEIVED
    assert incident.report == event["body"]
    assert incident.source["rawKey"] == "web/raw/1"
    assert "description" in incident.source["problem"]


def test_an_invalid_reports_redelivery_is_one_incident(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    first = handle(load_event("apigw/post-report-invalid.json"), ports)
    again = handle(load_event("apigw/post-report-invalid.json"), ports)

    assert again["statusCode"] == 422
    assert body_of(again)["incidentId"] == body_of(first)["incidentId"]
    assert len(repo.incidents) == 1


def test_a_body_that_is_not_json_is_kept_unparsed(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    response = handle(with_body("post-report", "tolong ada kebakaran di Genteng"), ports)

    assert response["statusCode"] == 400
    assert body_of(response)["incidentId"] == only(repo).id
    assert only(repo).report == "tolong ada kebakaran di Genteng"
    assert Flag.UNPARSED in only(repo).flags


def test_an_unknown_district_is_named_and_the_report_kept(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    response = handle(report_event({"location": {"district": "Atlantis", "address": "di laut"}}), ports)

    assert response["statusCode"] == 422
    body = body_of(response)
    assert "location.district" in body["message"]
    assert "Atlantis" in body["message"]
    assert [d["loc"] for d in body["detail"]] == [["body", "location", "district"]]
    kept = only(repo)
    assert body["incidentId"] == kept.id
    assert Flag.UNPARSED in kept.flags
    assert "di laut" in (kept.report or "")
    assert "Atlantis" in kept.source["problem"]


def test_the_sixth_report_from_one_address_is_refused(
    ports: Ports, repo: InMemoryIncidentRepository, archive: RecordingArchive
) -> None:
    for n in range(5):
        accepted = handle(report_event({"clientReportId": f"client-{n:08d}"}, "198.51.100.9"), ports)
        assert accepted["statusCode"] == 202
    sixth = report_event({"clientReportId": "client-sixth-one"}, "198.51.100.9")

    response = handle(sixth, ports)

    assert response["statusCode"] == 429
    assert header(response, "Retry-After") == "587"  # the clock's 03:40:13 to the window's end, 03:50:00
    assert "112" in body_of(response)["message"]
    assert len(repo.incidents) == 5
    assert len(archive.items) == 5  # the five accepted, whole
    [(channel, body, metadata)] = archive.refused  # the sixth: not kept with the reports
    assert (channel, body, metadata["refused"]) == ("web", sixth["body"].encode(), "rate limit")


def test_another_address_is_still_allowed(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    for n in range(6):
        handle(report_event({"clientReportId": f"client-{n:08d}"}, "198.51.100.9"), ports)

    response = handle(report_event({"clientReportId": "client-other-ip"}, "203.0.113.200"), ports)

    assert response["statusCode"] == 202
    assert len(repo.incidents) == 6


def test_the_limit_is_lifted_in_the_next_window(ports: Ports, clock: Clock) -> None:
    for n in range(6):
        handle(report_event({"clientReportId": f"client-{n:08d}"}), ports)
    clock.advance(seconds=587)

    assert handle(report_event({"clientReportId": "client-later-on"}), ports)["statusCode"] == 202


def test_the_rate_limit_is_only_for_the_web_form(ports: Ports) -> None:
    for n in range(6):
        handle(report_event({"clientReportId": f"client-{n:08d}"}), ports)

    response = handle(load_event("apigw/aml-sms.json"), ports)  # same address, another route

    assert response["statusCode"] == 200


CORS_SCRIPT = """
import json
from core.incidents import IncidentService
from core.positions import PositionService
from core.ratelimit import RateLimit, RateLimiter
from core.regency import REGENCIES
from intake.routes.request import Ports
from intake.web import lambda_handler
from tests.fakes import InMemoryIncidentRepository, RecordingBacklog
from tests.support import Clock, FakeLambdaContext, load_event
from tests.unit.test_intake_web import RecordingArchive, RecordingReplyQueue, sample_secrets

repo, clock = InMemoryIncidentRepository(), Clock()
ports = Ports(
    IncidentService(repo, REGENCIES["banyuwangi"], clock=clock), PositionService(repo, clock),
    RecordingArchive(), RecordingReplyQueue(), sample_secrets, RateLimiter(repo, RateLimit(1, 600), clock),
    RecordingBacklog(),
)
answers = []
for _ in range(2):
    event = load_event("apigw/post-report.json")
    event["headers"]["Origin"] = "https://panel.example.org"
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    response = lambda_handler(event, FakeLambdaContext(), ports=ports)
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    headers |= {k.lower(): v[0] for k, v in (response.get("multiValueHeaders") or {}).items()}
    answers.append([response["statusCode"], headers])
print("ANSWERS" + json.dumps(answers))
"""


def test_the_429_carries_the_forms_cors_headers_too() -> None:
    """The form posts cross-origin (CloudFront -> API Gateway): a 429 without Access-Control-Allow-Origin
    reaches the form as a network error, not as "try again in N seconds". CORS is read from the
    environment when intake.web is imported, so this runs in a fresh interpreter."""
    env = os.environ | {
        "CORS_ALLOW_ORIGINS": "https://panel.example.org",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
    }
    result = subprocess.run(
        [sys.executable, "-c", CORS_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    [line] = [x for x in result.stdout.splitlines() if x.startswith("ANSWERS")]
    (accepted, accepted_headers), (limited, limited_headers) = json.loads(line.removeprefix("ANSWERS"))

    assert (accepted, limited) == (202, 429)
    assert accepted_headers["access-control-allow-origin"] == "https://panel.example.org"
    assert limited_headers["retry-after"] == "587"
    assert limited_headers.get("access-control-allow-origin") == "https://panel.example.org"


# -- the raw archive ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "channel", "status", "kept"),
    [
        ("post-report", "web", 202, True),
        ("post-report-invalid", "web", 422, True),
        ("instagram-messages", "instagram", 200, True),
        ("instagram-messages-invalid", "instagram", 401, False),
        ("twitter-events", "twitter", 200, True),
        ("twitter-events-invalid", "twitter", 401, False),
        ("aml-sms", "other", 200, True),
        ("aml-sms-invalid", "other", 422, True),
        ("aml-https", "other", 200, True),
        ("aml-https-invalid", "other", 401, False),
    ],
)
def test_every_post_is_archived_once_whole_or_as_refused(
    ports: Ports, archive: RecordingArchive, sample: str, channel: str, status: int, kept: bool
) -> None:
    event = load_event(f"apigw/{sample}.json")

    response = handle(event, ports)

    assert response["statusCode"] == status
    [(archived_channel, body, metadata)] = archive.items if kept else archive.refused
    assert (archive.refused if kept else archive.items) == []
    assert archived_channel == channel
    assert body == event["body"].encode("utf-8")
    assert ("refused" in metadata) is not kept
    assert metadata["path"] == event["path"]
    assert metadata["source-ip"] == "203.0.113.7"
    assert metadata["content-type"] == event["headers"]["Content-Type"]
    if channel == "instagram":
        assert metadata["x-hub-signature-256"] == event["headers"]["X-Hub-Signature-256"]
    if channel == "twitter":
        assert metadata["x-twitter-webhooks-signature"] == event["headers"]["x-twitter-webhooks-signature"]


@pytest.mark.parametrize("sample", ["instagram-handshake", "twitter-crc"])
def test_gets_are_not_archived(ports: Ports, archive: RecordingArchive, sample: str) -> None:
    assert handle(load_event(f"apigw/{sample}.json"), ports)["statusCode"] == 200
    assert archive.items == []


def test_a_base64_body_is_archived_and_verified_decoded(
    ports: Ports, archive: RecordingArchive, repo: InMemoryIncidentRepository
) -> None:
    event = load_event("apigw/instagram-messages.json")
    raw = event["body"].encode()
    event["body"] = base64.b64encode(raw).decode()
    event["isBase64Encoded"] = True

    response = handle(event, ports)

    assert response["statusCode"] == 200
    assert archive.items[0][1] == raw
    assert len(repo.incidents) == 1


def test_an_archive_that_fails_does_not_stop_the_report(
    make_ports: Callable[..., Ports], repo: InMemoryIncidentRepository
) -> None:
    response = handle(load_event("apigw/post-report.json"), make_ports(archive=FailingArchive()))

    assert response["statusCode"] == 202
    incident = repo.incidents[body_of(response)["incidentId"]]
    assert "rawKey" not in incident.source
    assert incident.source["name"] == "Siti Aminah"


def test_an_archive_that_fails_does_not_stop_a_webhook(
    make_ports: Callable[..., Ports], repo: InMemoryIncidentRepository
) -> None:
    response = handle(load_event("apigw/instagram-messages.json"), make_ports(archive=FailingArchive()))

    assert response["statusCode"] == 200
    assert len(repo.incidents) == 1


def test_a_refused_body_is_kept_cut_short_with_its_length_and_hash(
    ports: Ports, repo: InMemoryIncidentRepository, archive: RecordingArchive
) -> None:
    """A forged POST may carry up to 10 MB: only its start is kept, where it expires within days."""
    body = json.dumps({"object": "instagram", "entry": [], "padding": "x" * 1_000_000}).encode()
    event = with_body("instagram-messages", body)
    event["headers"]["X-Hub-Signature-256"] = meta_signature(body, "not-the-app-secret")

    response = handle(event, ports)

    assert response["statusCode"] == 401
    assert archive.items == []
    [(channel, kept, metadata)] = archive.refused
    assert (channel, kept) == ("instagram", body[:REFUSED_BYTES])
    assert REFUSED_BYTES == 64 * 1024
    assert metadata["length"] == str(len(body))
    assert metadata["sha256"] == hashlib.sha256(body).hexdigest()
    assert metadata["refused"] == "signature"
    assert metadata["path"] == "/webhooks/instagram"
    assert repo.incidents == {}


def test_a_request_refused_before_its_gate_is_archived_as_refused(
    ports: Ports, archive: RecordingArchive
) -> None:
    """An AML token longer than the route takes fails validation before the token is compared: nothing
    vouched for the body, so it is kept as refused, with the answer's status."""
    event = with_query(with_body("aml-https-invalid", "location_latitude=-8.3"), token="x" * 300)

    response = handle(event, ports)

    assert response["statusCode"] == 422
    assert archive.items == []
    [(_, _, metadata)] = archive.refused
    assert metadata["refused"] == "answered 422"


def test_a_refused_aml_request_is_archived_as_refused(ports: Ports, archive: RecordingArchive) -> None:
    response = handle(load_event("apigw/aml-https-invalid.json"), ports)

    assert response["statusCode"] == 401
    assert archive.items == []
    assert [metadata["refused"] for _, _, metadata in archive.refused] == ["token"]


# -- Instagram --------------------------------------------------------------------------------------------


def test_the_handshake_echoes_the_challenge(ports: Ports) -> None:
    response = handle(load_event("apigw/instagram-handshake.json"), ports)

    assert response["statusCode"] == 200
    assert (header(response, "Content-Type") or "").startswith("text/plain")
    assert response["body"] == "1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "unsubscribe", "hub.verify_token": "sample-verify-token", "hub.challenge": "1158201444"},
        {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1158201444"},
    ],
    ids=["wrong-mode", "empty-token"],
)
def test_a_handshake_that_is_not_ours_is_forbidden(ports: Ports, query: dict[str, str]) -> None:
    response = handle(with_query(load_event("apigw/instagram-handshake.json"), **query), ports)

    assert "1158201444" not in response["body"]
    assert response["statusCode"] == 403


def test_the_invalid_handshake_sample_is_forbidden(ports: Ports) -> None:
    """The sample's wrong verify token. Today this answers 422 "response: Input should be a valid string":
    the route is annotated `-> Response[str]` and Powertools validates the 403's dict body against str."""
    response = handle(load_event("apigw/instagram-handshake-invalid.json"), ports)

    assert "1158201444" not in response["body"]
    assert response["statusCode"] == 403
    assert "verify_token" in body_of(response)["message"]


def test_a_handshake_is_forbidden_while_no_verify_token_is_configured(
    make_ports: Callable[..., Ports],
) -> None:
    event = with_query(
        load_event("apigw/instagram-handshake.json"),
        **{"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"},
    )

    response = handle(event, make_ports(secrets=ChannelSecrets))

    assert response["statusCode"] == 403


def test_signed_messages_become_incidents_and_the_sender_is_asked_where(
    ports: Ports, repo: InMemoryIncidentRepository, replies: RecordingReplyQueue
) -> None:
    response = handle(load_event("apigw/instagram-messages.json"), ports)

    assert response["statusCode"] == 200
    [incident_id] = body_of(response)["incidents"]
    incident = repo.incidents[incident_id]
    assert incident.channel is Channel.INSTAGRAM
    assert incident.report is not None
    assert incident.report.startswith("Tolong! Ada rumah terbakar di dekat pasar Genteng")
    assert incident.source["instagramSender"] == IG_SENDER
    assert Flag.LOCATION_ASKED in incident.flags
    assert replies.sent == [
        Reply(
            channel=Channel.INSTAGRAM,
            recipient=IG_SENDER,
            text=ask_for_location(incident_id),
            incident_id=incident_id,
        )
    ]


def test_each_sender_is_one_incident_with_one_reply_and_a_follow_up_joins_it(
    ports: Ports, repo: InMemoryIncidentRepository, replies: RecordingReplyQueue
) -> None:
    payload = json.loads((EVENTS / "webhooks" / "instagram-messages.json").read_text("utf-8"))
    other = json.loads(json.dumps(payload["entry"][0]["messaging"][0]))
    other["sender"]["id"] = "6104000000000999"
    other["message"] = {"mid": "mid.other", "text": "Ada kecelakaan di Rogojampi"}
    follow_up = json.loads(json.dumps(payload["entry"][0]["messaging"][0]))
    follow_up["message"] = {"mid": "mid.second", "text": "Di Jl. Raya Genteng 12"}
    payload["entry"][0]["messaging"] += [other, follow_up]

    response = handle(instagram_event(json.dumps(payload).encode()), ports)

    assert response["statusCode"] == 200
    first, second, joined = body_of(response)["incidents"]
    assert joined == first != second
    assert len(repo.incidents) == 2
    assert [r.text for r in repo.incidents[first].reports] == ["Di Jl. Raya Genteng 12"]
    assert sorted(r.incident_id for r in replies.sent) == sorted([first, second])


def test_a_redelivery_is_the_same_incident_and_no_second_reply(
    ports: Ports, repo: InMemoryIncidentRepository, replies: RecordingReplyQueue
) -> None:
    first = handle(load_event("apigw/instagram-messages.json"), ports)
    again = handle(load_event("apigw/instagram-messages.json"), ports)

    assert again["statusCode"] == 200
    assert body_of(again)["incidents"] == body_of(first)["incidents"]
    assert len(repo.incidents) == 1
    assert len(replies.sent) == 1


def test_a_reply_that_cannot_be_queued_does_not_lose_the_incident(
    make_ports: Callable[..., Ports], repo: InMemoryIncidentRepository
) -> None:
    response = handle(
        load_event("apigw/instagram-messages.json"), make_ports(replies=RecordingReplyQueue(True))
    )

    assert response["statusCode"] == 200
    assert len(repo.incidents) == 1


def test_a_forged_signature_is_refused_and_creates_nothing(
    ports: Ports, repo: InMemoryIncidentRepository, archive: RecordingArchive, replies: RecordingReplyQueue
) -> None:
    event = load_event("apigw/instagram-messages-invalid.json")

    response = handle(event, ports)

    assert response["statusCode"] == 401
    assert repo.incidents == {}
    assert replies.sent == []
    assert archive.items == []
    assert [(channel, body) for channel, body, _ in archive.refused] == [
        ("instagram", event["body"].encode())
    ]


def test_a_missing_signature_is_refused(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    event = load_event("apigw/instagram-messages.json")
    del event["headers"]["X-Hub-Signature-256"]

    assert handle(event, ports)["statusCode"] == 401
    assert repo.incidents == {}


def test_the_signature_is_over_the_exact_bytes(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    event = load_event("apigw/instagram-messages.json")
    event["body"] = json.dumps(json.loads(event["body"]))  # the same JSON, other whitespace

    assert handle(event, ports)["statusCode"] == 401
    assert repo.incidents == {}


def test_signatures_are_refused_while_no_app_secret_is_configured(
    make_ports: Callable[..., Ports], repo: InMemoryIncidentRepository
) -> None:
    body = load_event("apigw/instagram-messages.json")["body"].encode()
    event = with_body("instagram-messages", body)
    event["headers"]["X-Hub-Signature-256"] = meta_signature(body, "")

    assert handle(event, make_ports(secrets=ChannelSecrets))["statusCode"] == 401
    assert repo.incidents == {}


def test_signed_malformed_json_is_a_400_and_kept_unparsed(
    ports: Ports, repo: InMemoryIncidentRepository, replies: RecordingReplyQueue
) -> None:
    raw = (EVENTS / "webhooks" / "instagram-messages-invalid.json").read_bytes()

    response = handle(instagram_event(raw), ports)
    again = handle(instagram_event(raw), ports)

    assert response["statusCode"] == 400
    incident = repo.incidents[body_of(response)["incidentId"]]
    assert incident.channel is Channel.INSTAGRAM
    assert Flag.UNPARSED in incident.flags
    assert incident.report == raw.decode()
    assert incident.source["rawKey"] == "instagram/raw/1"
    assert body_of(again)["incidentId"] == incident.id
    assert len(repo.incidents) == 1
    assert replies.sent == []


@pytest.mark.parametrize("payload", [{"object": "page", "entry": []}, {"text": "tolong kebakaran"}])
def test_another_object_is_a_400_and_kept_for_an_operator(
    ports: Ports, repo: InMemoryIncidentRepository, payload: dict[str, Any]
) -> None:
    """Signed by Meta but not an Instagram payload (a page subscription, a changed format): refused, and
    kept as an UNPARSED incident, since it was signed with our app secret."""
    body = json.dumps(payload).encode()
    response = handle(instagram_event(body), ports)

    assert response["statusCode"] == 400
    assert "instagram" in body_of(response)["message"]
    kept = only(repo)
    assert body_of(response)["incidentId"] == kept.id
    assert (kept.channel, kept.report, kept.flags[-1]) == (Channel.INSTAGRAM, body.decode(), Flag.UNPARSED)


# -- X ------------------------------------------------------------------------------------------------------


def test_the_crc_answers_with_the_response_token(ports: Ports) -> None:
    event = load_event("apigw/twitter-crc.json")
    token = event["queryStringParameters"]["crc_token"]
    digest = hmac.new(SECRETS_JSON["twitterConsumerSecret"].encode(), token.encode(), hashlib.sha256).digest()

    response = handle(event, ports)

    assert response["statusCode"] == 200
    assert body_of(response) == {"response_token": "sha256=" + base64.b64encode(digest).decode()}


@pytest.mark.parametrize(
    "token",
    [
        '{"for_user_id":"1","direct_message_events":[]}',  # a body to forge a POST signature with
        "abc def",
        "token;drop",
    ],
)
def test_the_crc_signs_only_what_looks_like_a_token(ports: Ports, token: str) -> None:
    """The CRC answer is HMAC(consumer secret, token), the very signature of a POST body equal to the
    token: a token that could be a JSON body would let anyone sign one. Refused, nothing signed."""
    response = handle(with_query(load_event("apigw/twitter-crc.json"), crc_token=token), ports)

    assert response["statusCode"] == 422
    assert "response_token" not in response["body"]
    assert ["query", "crc_token"] in [d["loc"] for d in body_of(response)["detail"]]


def test_a_crc_without_a_token_is_a_422(ports: Ports) -> None:
    response = handle(load_event("apigw/twitter-crc-invalid.json"), ports)

    assert response["statusCode"] == 422
    assert ["query", "crc_token"] in [d["loc"] for d in body_of(response)["detail"]]


def test_a_crc_without_a_consumer_secret_is_a_503(make_ports: Callable[..., Ports]) -> None:
    response = handle(load_event("apigw/twitter-crc.json"), make_ports(secrets=ChannelSecrets))

    assert response["statusCode"] == 503


def test_signed_events_give_the_dm_and_the_mention(
    ports: Ports, repo: InMemoryIncidentRepository, replies: RecordingReplyQueue
) -> None:
    response = handle(load_event("apigw/twitter-events.json"), ports)

    assert response["statusCode"] == 200
    dm_id, mention_id = body_of(response)["incidents"]
    dm, mention = repo.incidents[dm_id], repo.incidents[mention_id]
    assert dm.channel is mention.channel is Channel.TWITTER
    assert dm.source["kind"] == "dm"
    assert dm.source["screenName"] == "wargarogojampi"
    assert mention.source["kind"] == "mention"
    assert mention.location is not None
    assert (mention.location.lat, mention.location.lon) == (-8.4378, 114.3381)
    assert len(repo.incidents) == 2
    assert replies.sent == []  # no automatic replies on X


def test_x_redelivery_is_the_same_incidents(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    first = handle(load_event("apigw/twitter-events.json"), ports)
    again = handle(load_event("apigw/twitter-events.json"), ports)

    assert body_of(again)["incidents"] == body_of(first)["incidents"]
    assert len(repo.incidents) == 2


def test_forged_x_events_are_refused(
    ports: Ports, repo: InMemoryIncidentRepository, archive: RecordingArchive
) -> None:
    response = handle(load_event("apigw/twitter-events-invalid.json"), ports)

    assert response["statusCode"] == 401
    assert repo.incidents == {}
    assert (len(archive.items), len(archive.refused)) == (0, 1)


def test_signed_x_events_that_are_not_an_object_create_nothing(
    ports: Ports, repo: InMemoryIncidentRepository, archive: RecordingArchive
) -> None:
    """A signed body that is not a JSON object is no Account Activity payload, and its signature proves
    nothing: the CRC signs such bodies for anyone (below)."""
    raw = (EVENTS / "webhooks" / "twitter-events-invalid.json").read_bytes()

    response = handle(twitter_event(raw), ports)

    assert response["statusCode"] == 400
    assert "incidentId" not in body_of(response)
    assert repo.incidents == {}
    assert archive.items == []
    assert [metadata["refused"] for _, _, metadata in archive.refused] == ["not an Account Activity object"]


def crc_signature(ports: Ports, token: str) -> str:
    """What anyone gets from GET /webhooks/twitter?crc_token=<token>: the signature of a body `token`."""
    response = handle(with_query(load_event("apigw/twitter-crc.json"), crc_token=token), ports)
    assert response["statusCode"] == 200, response["body"]
    signature: str = body_of(response)["response_token"]
    return signature


def test_twenty_bodies_signed_through_the_crc_create_nothing(
    ports: Ports, repo: InMemoryIncidentRepository, archive: RecordingArchive
) -> None:
    tokens = [f"tolong-kebakaran-{n}" for n in range(16)] + ["12345", "true", "null", "1e5"]
    answers = []
    for token in tokens:
        event = with_body("twitter-events", token)
        event["headers"]["x-twitter-webhooks-signature"] = crc_signature(ports, token)
        answers.append(handle(event, ports))

    assert [a["statusCode"] for a in answers] == [400] * 20
    assert all("incidentId" not in body_of(a) for a in answers)
    assert repo.incidents == {}
    assert archive.items == []
    assert [body for _, body, _ in archive.refused] == [t.encode() for t in tokens]


# -- AML -------------------------------------------------------------------------------------------------


def test_an_sms_for_a_caller_with_an_open_incident_is_attached(
    ports: Ports, service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    incident = call(service)

    response = handle(load_event("apigw/aml-sms.json"), ports)

    assert response["statusCode"] == 200
    assert body_of(response) == {"outcome": "ATTACHED", "incidentId": incident.id}
    aml = repo.incidents[incident.id].aml
    assert aml is not None
    assert (aml.lat, aml.lon, aml.transport) == (-8.36611, 114.15012, AmlTransport.SMS)
    assert aml.number == CALLER
    assert aml.imei == IMEI


def test_an_sms_without_an_incident_is_kept(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    response = handle(load_event("apigw/aml-sms.json"), ports)

    assert response["statusCode"] == 200
    assert body_of(response) == {"outcome": "KEPT"}
    assert set(repo.positions) == {CALLER, f"IMEI#{IMEI}"}


def test_an_https_message_with_the_query_token_is_attached(
    ports: Ports, service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    incident = call(service)

    response = handle(load_event("apigw/aml-https.json"), ports)

    assert response["statusCode"] == 200
    assert body_of(response) == {"outcome": "ATTACHED", "incidentId": incident.id}
    aml = repo.incidents[incident.id].aml
    assert aml is not None
    assert aml.transport is AmlTransport.HTTPS
    assert aml.accuracy_m == 9.5


def test_an_https_message_without_an_incident_is_kept(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    response = handle(load_event("apigw/aml-https.json"), ports)

    assert body_of(response) == {"outcome": "KEPT"}
    assert CALLER in repo.positions


def test_a_kept_position_reaches_the_call_that_follows_not_a_web_report(
    ports: Ports, service: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    handle(load_event("apigw/aml-sms.json"), ports)

    response = handle(report_event({"phone": CALLER}), ports)
    incident = call(service)

    assert repo.incidents[body_of(response)["incidentId"]].aml is None
    aml = repo.incidents[incident.id].aml
    assert aml is not None
    assert (aml.lat, aml.lon) == (-8.36611, 114.15012)


def test_the_aml_samples_without_token_are_refused(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    response = handle(load_event("apigw/aml-https-invalid.json"), ports)

    assert response["statusCode"] == 401
    assert repo.positions == {}


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer guessed", "Bearer ", "sample-aml-token-and-more", "Basic sample-aml-tokeN"],
)
def test_an_sms_without_the_right_token_is_refused(
    ports: Ports, repo: InMemoryIncidentRepository, authorization: str | None
) -> None:
    event = load_event("apigw/aml-sms.json")
    del event["headers"]["Authorization"]
    if authorization is not None:
        event["headers"]["Authorization"] = authorization

    response = handle(event, ports)

    assert response["statusCode"] == 401
    assert repo.positions == {}


@pytest.mark.parametrize("token", ["guessed", "", "SAMPLE-AML-TOKEN"])
def test_an_https_message_with_a_wrong_query_token_is_refused(
    ports: Ports, repo: InMemoryIncidentRepository, token: str
) -> None:
    event = load_event("apigw/aml-https.json")
    with_query(event, token=token)

    assert handle(event, ports)["statusCode"] == 401
    assert repo.positions == {}


def test_an_empty_token_is_refused_while_none_is_configured(
    make_ports: Callable[..., Ports], repo: InMemoryIncidentRepository
) -> None:
    event = load_event("apigw/aml-https.json")
    with_query(event, token="")

    assert handle(event, make_ports(secrets=ChannelSecrets))["statusCode"] == 401
    assert repo.positions == {}


def test_an_unauthenticated_aml_request_never_becomes_an_incident(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    """POST /aml is for token holders only. Today a query token longer than 256 characters fails
    Powertools' validation before the token is checked, and the validation handler keeps the body as an
    UNPARSED incident in the operators' queue: anyone can write there, as often as they like."""
    event = with_body("aml-https-invalid", "Ada kebakaran besar di Genteng! (not an AML message)")
    with_query(event, token="x" * 300)

    response = handle(event, ports)

    assert response["statusCode"] in (401, 422)
    assert "incidentId" not in body_of(response)
    assert repo.incidents == {}


def test_an_invalid_sms_is_a_422_naming_the_problem(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    response = handle(load_event("apigw/aml-sms-invalid.json"), ports)

    assert response["statusCode"] == 422
    assert "unknown key 'color'" in body_of(response)["message"]
    assert repo.positions == {}


def test_a_relay_without_the_sender_is_a_422(ports: Ports) -> None:
    event = with_body("aml-sms", json.dumps({"text": 'A"ML=1;lt=-8.3;lg=114.1'}))

    response = handle(event, ports)

    assert response["statusCode"] == 422
    assert ["body", "from"] in [d["loc"] for d in body_of(response)["detail"]]


def test_an_invalid_https_form_is_discarded_with_a_2xx(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    form = (EVENTS / "webhooks" / "aml-https-invalid.form").read_text("utf-8").strip()

    response = handle(https_event(form), ports)

    assert response["statusCode"] == 200
    body = body_of(response)
    assert body["outcome"] == "DISCARDED"
    assert "location_longitude" in body["reason"]
    assert repo.positions == {}


def test_an_https_location_time_out_of_range_keeps_the_position_with_a_2xx(ports: Ports) -> None:
    form = "location_latitude=-8.36611&location_longitude=114.15012&location_time=1e17&device_imei=" + IMEI

    response = handle(https_event(form), ports)

    assert response["statusCode"] == 200
    assert body_of(response)["outcome"] == "KEPT"


def test_an_https_position_outside_the_globe_is_discarded_with_a_2xx(ports: Ports) -> None:
    response = handle(
        https_event("location_latitude=-98.3&location_longitude=114.15&device_imei=" + IMEI), ports
    )

    assert response["statusCode"] == 200
    assert body_of(response)["outcome"] == "DISCARDED"


def test_an_sms_without_position_is_no_position(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    response = handle(sms_event(GOOGLE_NO_LOCATION), ports)

    assert response["statusCode"] == 200
    assert body_of(response) == {"outcome": "NO_POSITION"}
    assert repo.positions == {}


def test_an_https_message_without_position_is_no_position(ports: Ports) -> None:
    response = handle(https_event("v=3&device_number=%2B6281234567890&device_imei=356938035643809"), ports)

    assert body_of(response) == {"outcome": "NO_POSITION"}


def test_a_fix_without_number_or_imei_is_unmatchable(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    response = handle(https_event("location_latitude=-8.36611&location_longitude=114.15012"), ports)

    assert body_of(response) == {"outcome": "UNMATCHABLE"}
    assert repo.positions == {}


# -- the OpenAPI document -----------------------------------------------------------------------------


def test_the_document_is_served(ports: Ports) -> None:
    event = load_event("apigw/openapi.json")
    event["resource"] = event["path"] = event["requestContext"]["resourcePath"] = "/intake/openapi.json"
    event["requestContext"].pop("authorizer", None)

    response = handle(event, ports)

    assert response["statusCode"] == 200
    assert (header(response, "Content-Type") or "").startswith("application/json")
    assert body_of(response) == json.loads(OPENAPI_FILE.read_text("utf-8"))


def test_the_committed_document_is_what_the_routes_render() -> None:
    assert OPENAPI_FILE == tools.openapi.ROOT / "functions" / "intake" / "openapi.json"
    assert OPENAPI_FILE in tools.openapi.DOCUMENTS

    rendered = tools.generated.render(openapi_schema())

    assert OPENAPI_FILE.read_text(encoding="utf-8") == rendered, "stale: run `make openapi`"


# -- inputs that must never make a 5xx -----------------------------------------------------------------


DEEP = "[" * 100_000 + "]" * 100_000  # deeper than Python's recursion limit


def test_a_report_nested_too_deeply_is_a_400_and_kept(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    response = handle(with_body("post-report", DEEP), ports)

    assert response["statusCode"] == 400
    assert "not JSON" in body_of(response)["message"]
    kept = only(repo)
    assert body_of(response)["incidentId"] == kept.id
    assert Flag.UNPARSED in kept.flags


def test_a_signed_instagram_delivery_nested_too_deeply_is_a_400_and_kept(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    response = handle(instagram_event(DEEP.encode()), ports)

    assert response["statusCode"] == 400
    assert Flag.UNPARSED in only(repo).flags


def test_a_signed_x_delivery_nested_too_deeply_is_a_400_and_creates_nothing(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    response = handle(twitter_event(DEEP.encode()), ports)

    assert response["statusCode"] == 400
    assert repo.incidents == {}


def test_a_lone_surrogate_in_a_signed_message_is_stored_as_a_replacement_character(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    """JSON may escape half of a surrogate pair; no UTF-8 store can hold it. The message is kept, with
    U+FFFD where the broken character was, and an emoji escaped as a valid pair survives."""
    payload = json.loads(load_event("apigw/instagram-messages.json")["body"])
    payload["entry"] = payload["entry"][:1]
    payload["entry"][0]["messaging"] = payload["entry"][0]["messaging"][:1]
    payload["entry"][0]["messaging"][0]["message"]["text"] = "TEXT"
    body = json.dumps(payload).replace("TEXT", "tolong \\ud800 kebakaran \\ud83d\\udd25").encode()

    response = handle(instagram_event(body), ports)

    assert response["statusCode"] == 200, response["body"]
    assert (only(repo).report or "").startswith("tolong \ufffd kebakaran \N{FIRE}")


def test_a_lone_surrogate_in_a_web_report_is_replaced(ports: Ports, repo: InMemoryIncidentRepository) -> None:
    event = report_event({"description": "DESCRIPTION"})
    event["body"] = event["body"].replace("DESCRIPTION", "Pohon tumbang \\udc00 menimpa rumah warga")

    response = handle(event, ports)

    assert response["statusCode"] == 202, response["body"]
    assert only(repo).report == "Pohon tumbang \ufffd menimpa rumah warga"


HUGE_INTEGER = "9" * 5000  # more digits than Python converts to an int (4,300)


def test_a_report_with_an_integer_python_cannot_convert_is_a_400_and_kept(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    event = report_event({"accuracyM": 0})
    event["body"] = event["body"].replace('"accuracyM": 0', f'"accuracyM": {HUGE_INTEGER}')

    response = handle(event, ports)

    assert response["statusCode"] == 400, response["body"][:300]
    assert "not JSON" in body_of(response)["message"]
    kept = only(repo)
    assert body_of(response)["incidentId"] == kept.id
    assert Flag.UNPARSED in kept.flags


def test_a_signed_instagram_delivery_with_such_an_integer_is_a_400_and_kept(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    body = f'{{"object": "instagram", "entry": [{{"time": {HUGE_INTEGER}}}]}}'.encode()

    response = handle(instagram_event(body), ports)

    assert response["statusCode"] == 400
    assert Flag.UNPARSED in only(repo).flags


def test_a_signed_x_delivery_with_such_an_integer_is_a_400_and_creates_nothing(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    body = f'{{"for_user_id": {HUGE_INTEGER}, "direct_message_events": []}}'.encode()

    response = handle(twitter_event(body), ports)

    assert response["statusCode"] == 400
    assert repo.incidents == {}


# -- platform ids no key can hold --------------------------------------------------------------------------


def instagram_delivery(*messages: tuple[str, str, str]) -> bytes:
    """One signed-to-be Meta delivery with these (sender, mid, text) messages, in order."""
    payload = json.loads((EVENTS / "webhooks" / "instagram-messages.json").read_text("utf-8"))
    template = payload["entry"][0]["messaging"][0]
    events = []
    for sender, mid, text in messages:
        event = json.loads(json.dumps(template))
        event["sender"]["id"] = sender
        event["message"] = {"mid": mid, "text": text}
        events.append(event)
    payload["entry"][0]["messaging"] = events
    return json.dumps(payload).encode()


def test_an_over_long_mid_is_kept_unparsed_and_the_rest_of_the_delivery_registers(
    ports: Ports, repo: InMemoryIncidentRepository, replies: RecordingReplyQueue
) -> None:
    body = instagram_delivery(
        ("6104000000000001", "mid.first", "Pesan pertama"),
        ("6104000000000002", "m" * 3000, "Pesan kedua"),
        ("6104000000000003", "mid.third", "Pesan ketiga"),
    )

    first = handle(instagram_event(body), ports)
    again = handle(instagram_event(body), ports)  # Meta's retry

    assert first["statusCode"] == again["statusCode"] == 200
    incidents = body_of(first)["incidents"]
    assert body_of(again)["incidents"] == incidents
    assert len(incidents) == len(repo.incidents) == 3
    one, two, three = (repo.incidents[i] for i in incidents)
    assert (one.report, three.report) == ("Pesan pertama", "Pesan ketiga")
    assert two.flags == [Flag.CALLER_UNKNOWN, Flag.UNPARSED]
    assert "Pesan kedua" in (two.report or "")
    assert len(two.report or "") <= 4000
    assert sorted(r.recipient for r in replies.sent) == ["6104000000000001", "6104000000000003"]


def test_an_over_long_x_id_is_kept_unparsed_and_the_rest_of_the_delivery_registers(
    ports: Ports, repo: InMemoryIncidentRepository
) -> None:
    payload = json.loads((EVENTS / "webhooks" / "twitter-events.json").read_text("utf-8"))
    payload["direct_message_events"][0]["message_create"]["sender_id"] = "7" * 3000

    response = handle(twitter_event(json.dumps(payload).encode()), ports)

    assert response["statusCode"] == 200
    dm, mention = (repo.incidents[i] for i in body_of(response)["incidents"])
    assert Flag.UNPARSED in dm.flags
    assert mention.source["kind"] == "mention"


# -- a delivery larger than the answer's time --------------------------------------------------------------


class SlowRepository(InMemoryIncidentRepository):
    """Each registration takes `seconds` of the intake's monotonic clock, as DynamoDB would take time."""

    def __init__(self, monotonic: Monotonic, seconds: float) -> None:
        super().__init__()
        self._monotonic = monotonic
        self._seconds = seconds

    def create(
        self,
        incident: Incident,
        dedupe_key: str | None = None,
        reason: str | None = None,
        sender: str | None = None,
    ) -> tuple[Incident, bool]:
        self._monotonic.now += self._seconds
        return super().create(incident, dedupe_key, reason, sender)

    def sender_incident(self, sender: str, now_epoch: int) -> str | None:
        # A round trip as any other: each sender's conversation is read before their message registers.
        self._monotonic.now += self._seconds
        return super().sender_incident(sender, now_epoch)


def bulk(count: int) -> list[tuple[str, str, str]]:
    return [(f"6104{n:012d}", f"bulk.{n}", f"Pesan {n}") for n in range(count)]


def drain(
    backlog: RecordingBacklog, service: IncidentService, replies: RecordingReplyQueue
) -> dict[str, Any]:
    """Hand what intake-web queued to intake-backlog, as the queue's event source would."""
    registrar = DeliveryRegistrar(service, replies)
    response: dict[str, Any] = backlog_handler(backlog.take_batch(), FakeLambdaContext(), registrar=registrar)
    return response


def test_what_does_not_fit_in_the_time_is_queued_and_registered_once_by_the_backlog(
    make_ports: Callable[..., Ports],
    monotonic: Monotonic,
    clock: Clock,
    backlog: RecordingBacklog,
    replies: RecordingReplyQueue,
) -> None:
    """Round trips take 1 s each here, two a message (its sender's conversation, then its registration):
    INLINE_SECONDS / 2 of them fit, the other messages go to the backlog, and the answer comes when they
    are queued, not when they are registered."""
    repo = SlowRepository(monotonic, seconds=1.0)
    service = IncidentService(repo, REGENCIES["banyuwangi"], clock=clock)
    ports = make_ports(service=service)
    messages = bulk(30)
    body = instagram_delivery(*messages)

    response = handle(instagram_event(body), ports)

    assert response["statusCode"] == 200
    answer = body_of(response)
    inline = int(INLINE_SECONDS // 2)
    assert (len(answer["incidents"]), answer["queued"]) == (inline, 30 - inline)
    assert backlog.queued == 30 - inline
    assert drain(backlog, service, replies) == {"batchItemFailures": []}
    assert sorted(i.report or "" for i in repo.incidents.values()) == sorted(text for _, _, text in messages)
    assert sorted(r.recipient for r in replies.sent) == sorted(sender for sender, _, _ in messages)
    # Meta's retry of the whole delivery (our answer lost): nothing new, nobody asked twice.
    again = handle(instagram_event(body), ports)
    assert again["statusCode"] == 200
    drain(backlog, service, replies)
    assert len(repo.incidents) == 30
    assert len(replies.sent) == 30


def test_with_little_time_left_a_delivery_is_queued_whole(
    ports: Ports, repo: InMemoryIncidentRepository, backlog: RecordingBacklog
) -> None:
    response = handle(instagram_event(instagram_delivery(*bulk(3))), ports, remaining_ms=3000)

    assert response["statusCode"] == 200
    assert body_of(response) == {"incidents": [], "queued": 3}
    assert repo.incidents == {}
    assert backlog.queued == 3


def test_a_backlog_that_cannot_be_reached_is_a_503_and_the_redelivery_completes(
    make_ports: Callable[..., Ports],
    monotonic: Monotonic,
    clock: Clock,
    replies: RecordingReplyQueue,
) -> None:
    """Nothing is lost: without the queue the platform is told to deliver again, and the redelivery
    registers the rest without doubling what the first attempt registered."""
    repo = SlowRepository(monotonic, seconds=1.0)
    service = IncidentService(repo, REGENCIES["banyuwangi"], clock=clock)
    body = instagram_delivery(*bulk(10))

    refused = handle(
        instagram_event(body), make_ports(service=service, backlog=RecordingBacklog(failing=True))
    )
    working = RecordingBacklog()
    again = handle(instagram_event(body), make_ports(service=service, backlog=working))
    drain(working, service, replies)

    assert refused["statusCode"] == 503
    assert "deliver it again" in body_of(refused)["message"]
    assert again["statusCode"] == 200
    assert sorted(i.report or "" for i in repo.incidents.values()) == sorted(t for _, _, t in bulk(10))
    assert len(replies.sent) == 10


def test_an_x_delivery_larger_than_the_time_is_finished_by_the_backlog(
    ports: Ports, repo: InMemoryIncidentRepository, backlog: RecordingBacklog, service: IncidentService
) -> None:
    response = handle(load_event("apigw/twitter-events.json"), ports, remaining_ms=1000)

    assert body_of(response) == {"incidents": [], "queued": 2}
    drain(backlog, service, RecordingReplyQueue())
    assert {i.source["kind"] for i in repo.incidents.values()} == {"dm", "mention"}
