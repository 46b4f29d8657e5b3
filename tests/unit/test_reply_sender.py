"""reply.sender (the reply sender), core.graph_api.GraphApiSender against a local HTTP server, and the
local simulator's AML message length."""

from __future__ import annotations

import copy
import json
import logging
import threading
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from core.graph_api import GraphApiSender, ReplyRejected
from core.models import Channel
from core.observability import logger as powertools_logger
from core.replies import Reply, ask_for_location
from intake.aml_message import parse_sms
from local.simulator import with_length
from reply.sender import lambda_handler
from tests.support import Clock, FakeLambdaContext, load_event

INCIDENT_A = "01KB0Z3Q7M2X8N4P6R9T1V5W3Y"
INCIDENT_B = "01KB0Z1A2B3C4D5E6F7G8H9J0K"
CITIZEN = "6104825538412345"
TOKEN = "sample-page-access-token"


def reply(
    incident_id: str = INCIDENT_A, recipient: str = CITIZEN, channel: Channel = Channel.INSTAGRAM
) -> Reply:
    return Reply(
        channel=channel, recipient=recipient, text=ask_for_location(incident_id), incident_id=incident_id
    )


def sqs_event(*bodies: str) -> dict[str, Any]:
    """An SQS batch from the replies queue (events/sqs/reply-batch.json) carrying `bodies`, message ids
    m-0, m-1, …"""
    template = load_event("sqs/reply-batch.json")["Records"][0]
    records = []
    for n, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record["messageId"] = f"m-{n}"
        record["body"] = body
        records.append(record)
    return {"Records": records}


def queued(item: Reply) -> str:
    """The message body as intake's SqsReplyQueue writes it."""
    return item.model_dump_json(by_alias=True)


@dataclass
class FakeSender:
    """Remembers every reply; raises what `failures` says for a recipient."""

    failures: dict[str, Exception] = field(default_factory=dict)
    sent: list[Reply] = field(default_factory=list)

    def __call__(self, item: Reply) -> str:
        if item.recipient in self.failures:
            raise self.failures[item.recipient]
        self.sent.append(item)
        return f"mid.{len(self.sent)}"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged() -> Iterator[Records]:
    handler = Records()
    target = logging.getLogger(powertools_logger.name)
    target.addHandler(handler)
    yield handler
    target.removeHandler(handler)


def failures(response: dict[str, Any]) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


# -- the reply sender ---------------------------------------------------------------------------------


def test_the_sample_batch_is_sent() -> None:
    send = FakeSender()
    event = load_event("sqs/reply-batch.json")

    response = lambda_handler(event, FakeLambdaContext(), send=send)

    assert failures(response) == []
    (sent,) = send.sent
    assert sent == Reply.model_validate_json(event["Records"][0]["body"])
    assert (sent.channel, sent.recipient) == (Channel.INSTAGRAM, "6104825538412345")


def test_the_invalid_sample_batch_fails_without_sending() -> None:
    """Every record of the batch is bad: Powertools fails the whole invocation, so SQS retries and then
    moves it to the dead-letter queue."""
    send = FakeSender()

    with pytest.raises(BatchProcessingError):
        lambda_handler(load_event("sqs/reply-batch-invalid.json"), FakeLambdaContext(), send=send)
    assert send.sent == []


def test_each_records_reply_reaches_send() -> None:
    send = FakeSender()
    replies = [reply(INCIDENT_A, "111"), reply(INCIDENT_B, "222")]

    response = lambda_handler(sqs_event(*map(queued, replies)), FakeLambdaContext(), send=send)

    assert failures(response) == []
    assert send.sent == replies


def test_a_reply_refused_for_good_is_logged_and_not_retried(logged: Records) -> None:
    send = FakeSender(failures={"111": ReplyRejected("Graph API refused the reply: 400 blocked")})

    response = lambda_handler(
        sqs_event(queued(reply(INCIDENT_A, "111")), queued(reply(INCIDENT_B, "222"))),
        FakeLambdaContext(),
        send=send,
    )

    assert failures(response) == []
    assert [r.recipient for r in send.sent] == ["222"]
    refused = [r for r in logged.records if r.getMessage() == "reply refused for good"]
    assert len(refused) == 1
    assert refused[0].levelno == logging.ERROR
    assert refused[0].__dict__.get("incident_id") == INCIDENT_A


def test_a_batch_of_refused_replies_is_not_retried() -> None:
    send = FakeSender(failures={"111": ReplyRejected("blocked")})

    response = lambda_handler(sqs_event(queued(reply(INCIDENT_A, "111"))), FakeLambdaContext(), send=send)

    assert failures(response) == []


@pytest.mark.parametrize(
    "error",
    [
        ConnectionError("Meta unreachable"),
        RuntimeError("instagramPageAccessToken is not set"),
        TimeoutError(),
    ],
)
def test_another_error_puts_the_record_in_batch_item_failures(error: Exception) -> None:
    send = FakeSender(failures={"111": error})

    response = lambda_handler(
        sqs_event(queued(reply(INCIDENT_B, "222")), queued(reply(INCIDENT_A, "111"))),
        FakeLambdaContext(),
        send=send,
    )

    assert failures(response) == ["m-1"]
    assert [r.recipient for r in send.sent] == ["222"]


def test_a_batch_that_fails_entirely_fails_the_invocation() -> None:
    send = FakeSender(failures={"111": ConnectionError("Meta unreachable")})

    with pytest.raises(BatchProcessingError):
        lambda_handler(sqs_event(queued(reply(INCIDENT_A, "111"))), FakeLambdaContext(), send=send)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"incidentId": INCIDENT_A, "version": 3}),  # a dispatch request, not a reply
        json.dumps({"channel": "INSTAGRAM", "recipient": "", "text": "x", "incidentId": INCIDENT_A}),
        json.dumps({"channel": "FAX", "recipient": "1", "text": "x", "incidentId": INCIDENT_A}),
        json.dumps({"channel": "INSTAGRAM", "recipient": "1", "text": "x", "incidentId": "not-a-ulid"}),
    ],
)
def test_a_body_that_is_not_a_reply_is_a_failure(body: str) -> None:
    send = FakeSender()

    response = lambda_handler(sqs_event(queued(reply()), body), FakeLambdaContext(), send=send)

    assert failures(response) == ["m-1"]
    assert send.sent == [reply()]


# -- the Graph API sender against a real local HTTP server ----------------------------------------------


@dataclass
class GraphStandIn:
    base_url: str
    status: int = 200
    answer: dict[str, Any] = field(default_factory=lambda: {"recipient_id": CITIZEN, "message_id": "mid.42"})
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def graph() -> Iterator[GraphStandIn]:
    state = GraphStandIn(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.requests.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": self.rfile.read(length),
                }
            )
            payload = json.dumps(state.answer if state.status == 200 else {"error": {"code": 10}}).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    state.base_url = f"http://{host!s}:{port}/"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_sender_posts_the_reply_to_me_messages(graph: GraphStandIn) -> None:
    message_id = GraphApiSender(TOKEN, graph.base_url).send(reply())

    assert message_id == "mid.42"
    [request] = graph.requests
    assert request["path"] == "/v21.0/me/messages"
    assert request["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["content-type"] == "application/json"
    assert json.loads(request["body"]) == {
        "recipient": {"id": CITIZEN},
        "message": {"text": ask_for_location(INCIDENT_A)},
    }


def test_a_400_is_refused_for_good(graph: GraphStandIn) -> None:
    graph.status = 400

    with pytest.raises(ReplyRejected, match="400"):
        GraphApiSender(TOKEN, graph.base_url).send(reply())


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_raised_for_sqs_to_retry(graph: GraphStandIn, status: int) -> None:
    graph.status = status

    with pytest.raises(urllib.error.HTTPError) as raised:
        GraphApiSender(TOKEN, graph.base_url).send(reply())

    assert raised.value.code == status
    assert not isinstance(raised.value, ReplyRejected)


@pytest.mark.parametrize("channel", [Channel.TWITTER, Channel.WEB, Channel.VOICE])
def test_another_channel_is_refused_without_calling_meta(graph: GraphStandIn, channel: Channel) -> None:
    with pytest.raises(ReplyRejected, match="no sender"):
        GraphApiSender(TOKEN, graph.base_url).send(reply(channel=channel))

    assert graph.requests == []


def test_the_reply_sender_with_the_graph_api(graph: GraphStandIn) -> None:
    send = GraphApiSender(TOKEN, graph.base_url).send
    event = sqs_event(queued(reply(INCIDENT_A, "111")), queued(reply(INCIDENT_B, "222")))

    ok = lambda_handler(event, FakeLambdaContext(), send=send)
    graph.status = 400
    refused = lambda_handler(event, FakeLambdaContext(), send=send)
    graph.status = 500
    with pytest.raises(BatchProcessingError):  # every record failed: SQS delivers the batch again
        lambda_handler(event, FakeLambdaContext(), send=send)

    assert failures(ok) == []
    assert failures(refused) == []
    assert [json.loads(r["body"])["recipient"]["id"] for r in graph.requests] == ["111", "222"] * 3


# -- local.simulator.with_length ------------------------------------------------------------------------


def prefix_of(length: int) -> str:
    """An AML SMS up to `ml=`, `length` characters long (padded in the IMSI)."""
    head = 'A"ML=1;lt=-08.36611;lg=+114.15012;rd=14;pm=W;si='
    tail = ";ml="
    padding = length - len(head) - len(tail)
    assert padding >= 1
    return head + "5" * padding + tail


@pytest.mark.parametrize(
    ("prefix_length", "total"), [(95, 97), (96, 98), (97, 99), (98, 101), (99, 102), (100, 103)]
)
def test_with_length_around_100(prefix_length: int, total: int) -> None:
    text = with_length(prefix_of(prefix_length))

    assert len(text) == total
    assert text.startswith(prefix_of(prefix_length))
    assert text.rsplit("ml=", 1)[1] == str(len(text))


@pytest.mark.parametrize(
    ("prefix_length", "total"), [(995, 998), (996, 999), (997, 1001), (998, 1002), (999, 1003)]
)
def test_with_length_around_1000(prefix_length: int, total: int) -> None:
    text = with_length(prefix_of(prefix_length))

    assert len(text) == total
    assert text.rsplit("ml=", 1)[1] == str(len(text))


def test_a_message_with_length_passes_the_ml_check() -> None:
    text = with_length(prefix_of(120))

    message = parse_sms(text, "+6281234567890", Clock()())

    assert message.warnings == ()
    assert message.fix is not None
