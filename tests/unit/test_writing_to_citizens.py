"""Operators write to the citizen (issue 13, part 5): who may, on which channels, the bounds, a retried
request sent once, and the reply sender's outcome on the timeline (core/conversations.py, decision 60)."""

from __future__ import annotations

import copy
import json
import urllib.error
from dataclasses import dataclass, field
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from core.errors import CannotWrite, IllegalTransition, InvalidRequest, NotAssignee, ReplyNotQueued
from core.graph_api import ReplyRejected
from core.idempotency import InProgress
from core.incidents import IncidentService, Report
from core.models import (
    MAX_OUTBOUND,
    Action,
    Channel,
    Flag,
    OutboundState,
    Rejection,
    RejectionReason,
)
from core.regency import REGENCIES
from core.replies import SEND_ATTEMPTS, Reply
from core.x_api import XDirectMessageSender, oauth1_header
from reply.sender import lambda_handler as reply_sender
from tests.fakes import InMemoryIncidentRepository
from tests.support import Clock, FakeLambdaContext, apigw_event, load_event, response_json
from tests.unit.test_reply_sender import GraphStandIn, graph  # noqa: F401 - the HTTP server fixture
from verify.api import lambda_handler as verify_api

IGSID = "6104825538412345"
X_USER = "1400000000000000777"
FIRST = "01KB0Z9A1B2C3D4E5F6G7H8J9K"
SECOND = "01KB0Z9A1B2C3D4E5F6G7H8J9M"
WHERE = "Petugas 112 di sini. Di mana tepatnya kejadiannya?"


class Replies:
    """The replies queue: what was queued, or an outage."""

    def __init__(self) -> None:
        self.sent: list[Reply] = []
        self.down = False

    def enqueue(self, reply: Reply) -> str:
        if self.down:
            raise ConnectionError("SQS is unreachable")
        self.sent.append(reply)
        return f"sqs-{len(self.sent)}"


@pytest.fixture
def replies() -> Replies:
    return Replies()


@pytest.fixture
def writer(repo: InMemoryIncidentRepository, clock: Clock, replies: Replies) -> IncidentService:
    return IncidentService(repo, REGENCIES["banyuwangi"], clock=clock, replies=replies)


def instagram(service: IncidentService, claim: str | None = "operator1") -> str:
    incident, _ = service.register(
        Report(
            channel=Channel.INSTAGRAM,
            actor="system:instagram",
            dedupe_key="INSTAGRAM#mid.1",
            text="Tolong, ada kebakaran!",
            source={"instagramSender": IGSID, "messageId": "mid.1"},
            flags=(Flag.LOCATION_ASKED,),
            sender=f"INSTAGRAM#{IGSID}",
        )
    )
    if claim:
        service.claim(incident.id, claim)
    return incident.id


def other(
    service: IncidentService, channel: Channel, source: dict[str, str], caller: str | None = None
) -> str:
    incident, _ = service.register(
        Report(channel=channel, actor="system:test", text="Kebakaran", source=source, caller=caller)
    )
    service.claim(incident.id, "operator1")
    return incident.id


# -- the rule --------------------------------------------------------------------------------------------


def test_the_holder_writes_it_is_recorded_then_queued_once(
    writer: IncidentService, repo: InMemoryIncidentRepository, replies: Replies, clock: Clock
) -> None:
    incident_id = instagram(writer)

    incident, written = writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)

    assert written
    (message,) = incident.outbound
    assert (message.message_id, message.text, message.sent_by, message.state) == (
        FIRST, WHERE, "operator1", OutboundState.QUEUED,
    )  # fmt: skip
    assert message.sent_at == clock.now
    entry = repo.timelines[incident_id][-1]
    assert (entry.action, entry.actor, entry.details) == (
        Action.MESSAGE_SENT, "operator1", {"channel": "INSTAGRAM", "messageId": FIRST},
    )  # fmt: skip
    assert WHERE not in json.dumps(entry.details)  # the words are on the incident, not in the audit
    assert replies.sent == [
        Reply(
            channel=Channel.INSTAGRAM, recipient=IGSID, text=WHERE, incident_id=incident_id, message_id=FIRST
        )
    ]
    assert replies.sent[0].dedupe_key == f"REPLY#{incident_id}#{FIRST}"


def test_a_retry_is_the_same_message_queued_again_until_sent(
    writer: IncidentService, repo: InMemoryIncidentRepository, replies: Replies
) -> None:
    incident_id = instagram(writer)
    writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)
    version = repo.incidents[incident_id].version

    again, written = writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)

    assert not written
    assert again.version == version
    assert len(again.outbound) == 1
    # queued again (the first may not have reached the queue); the sender sends each id once
    assert [r.dedupe_key for r in replies.sent] == [f"REPLY#{incident_id}#{FIRST}"] * 2
    writer.conversations.record_outcome(incident_id, FIRST, OutboundState.SENT, "mid.out.1")
    writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)
    assert len(replies.sent) == 2  # sent: nothing more to queue


def test_an_id_reused_for_other_words_is_refused(writer: IncidentService) -> None:
    incident_id = instagram(writer)
    writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)

    with pytest.raises(InvalidRequest, match="messageId"):
        writer.conversations.write(incident_id, "operator1", False, FIRST, "Kata lain")


def test_only_the_holder_or_a_supervisor_writes(writer: IncidentService, replies: Replies) -> None:
    unclaimed = instagram(writer, claim=None)
    with pytest.raises(NotAssignee):
        writer.conversations.write(unclaimed, "operator1", False, FIRST, WHERE)
    held = instagram(writer)
    with pytest.raises(NotAssignee):
        writer.conversations.write(held, "operator2", False, FIRST, WHERE)
    assert replies.sent == []

    incident, _ = writer.conversations.write(held, "supervisor1", True, FIRST, WHERE)
    assert incident.outbound[0].sent_by == "supervisor1"


def test_a_web_report_a_call_or_a_public_post_has_no_conversation(
    writer: IncidentService, replies: Replies
) -> None:
    web = other(writer, Channel.WEB, {}, caller="+6281234567890")
    call = other(writer, Channel.VOICE, {}, caller="+6281234567891")
    mention = other(writer, Channel.TWITTER, {"twitterUser": X_USER, "kind": "mention", "tweetId": "1"})
    for incident_id in (web, call, mention):
        with pytest.raises(CannotWrite) as refused:
            writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)
        assert refused.value.code == "NO_CONVERSATION"
        assert "telepon balik" in str(refused.value)
        assert "call the reporter" in str(refused.value)
    assert replies.sent == []


def test_an_x_direct_message_is_answered_to_its_sender(writer: IncidentService, replies: Replies) -> None:
    dm = other(writer, Channel.TWITTER, {"twitterUser": X_USER, "kind": "dm"})

    writer.conversations.write(dm, "operator1", False, FIRST, WHERE)

    assert (replies.sent[0].channel, replies.sent[0].recipient) == (Channel.TWITTER, X_USER)


def test_a_closed_incident_takes_no_message(writer: IncidentService, replies: Replies) -> None:
    incident_id = instagram(writer)
    writer.reject(incident_id, "operator1", Rejection(reason=RejectionReason.NON_EMERGENCY))

    with pytest.raises(IllegalTransition):
        writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)
    assert replies.sent == []


def test_an_incident_keeps_a_bounded_number_of_messages(
    writer: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    incident_id = instagram(writer)
    for n in range(MAX_OUTBOUND):
        writer.conversations.write(incident_id, "operator1", False, f"message-{n:04d}", f"Pesan {n}")

    with pytest.raises(CannotWrite) as full:
        writer.conversations.write(incident_id, "operator1", False, "message-last", "Satu lagi")
    assert full.value.code == "CONVERSATION_FULL"
    assert len(repo.incidents[incident_id].outbound) == MAX_OUTBOUND


def test_a_queue_outage_keeps_the_message_and_the_retry_queues_it(
    writer: IncidentService, repo: InMemoryIncidentRepository, replies: Replies
) -> None:
    incident_id = instagram(writer)
    replies.down = True
    with pytest.raises(ReplyNotQueued):
        writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)
    assert repo.incidents[incident_id].outbound[0].state is OutboundState.QUEUED

    replies.down = False
    _, written = writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)
    assert not written
    assert [r.message_id for r in replies.sent] == [FIRST]


def test_the_outcome_is_recorded_once(writer: IncidentService, repo: InMemoryIncidentRepository) -> None:
    incident_id = instagram(writer)
    writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)

    sent = writer.conversations.record_outcome(incident_id, FIRST, OutboundState.SENT, "mid.out.1")
    assert sent is not None
    assert (sent.outbound[0].state, sent.outbound[0].platform_message_id) == (OutboundState.SENT, "mid.out.1")
    assert writer.conversations.record_outcome(incident_id, FIRST, OutboundState.FAILED, problem="x") is None
    assert writer.conversations.record_outcome(incident_id, "no-such-message", OutboundState.SENT) is None
    outcomes = [e for e in repo.timelines[incident_id] if e.action is Action.MESSAGE_OUTCOME]
    assert [e.details for e in outcomes] == [{"messageId": FIRST, "state": "SENT"}]


def test_an_outcome_after_closing_is_still_recorded(writer: IncidentService) -> None:
    incident_id = instagram(writer)
    writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)
    writer.reject(incident_id, "operator1", Rejection(reason=RejectionReason.NON_EMERGENCY))

    failed = writer.conversations.record_outcome(incident_id, FIRST, OutboundState.FAILED, problem="blocked")

    assert failed is not None
    assert failed.outbound[0].problem == "blocked"


# -- the route -------------------------------------------------------------------------------------------


def call(service: IncidentService, incident_id: str, body: Any = ..., **kwargs: Any) -> tuple[int, Any]:
    event = apigw_event("write-message", incident_id=incident_id, body=body, **kwargs)
    response = verify_api(event, FakeLambdaContext(), service=service)
    return response["statusCode"], response_json(response)


def test_the_route_writes_then_answers_a_retry_with_the_same_incident(
    writer: IncidentService, replies: Replies
) -> None:
    incident_id = instagram(writer)
    body = {"messageId": FIRST, "text": f"  {WHERE}  "}

    status, written = call(writer, incident_id, body)
    assert status == 201, written
    assert written["outbound"][0] == {
        "messageId": FIRST, "channel": "INSTAGRAM", "text": WHERE, "sentBy": "operator1",
        "sentAt": written["outbound"][0]["sentAt"], "state": "QUEUED", "platformMessageId": None,
        "problem": None, "outcomeAt": None,
    }  # fmt: skip
    status, again = call(writer, incident_id, body)
    assert status == 200
    assert again["version"] == written["version"]
    assert len({r.dedupe_key for r in replies.sent}) == 1


def test_the_sample_event_writes(writer: IncidentService, replies: Replies) -> None:
    incident_id = instagram(writer)
    status, written = call(writer, incident_id)
    assert status == 201, written
    assert replies.sent[0].text.startswith("Petugas 112")


def test_the_route_answers_a_web_report_with_a_bilingual_409(writer: IncidentService) -> None:
    web = other(writer, Channel.WEB, {}, caller="+6281234567890")

    status, body = call(writer, web, {"messageId": FIRST, "text": WHERE})

    assert status == 409
    assert body["code"] == "NO_CONVERSATION"
    assert "telepon balik" in body["message"]
    assert "call the reporter" in body["message"]


def test_the_route_refuses_another_operator_an_admin_and_too_long_a_text(writer: IncidentService) -> None:
    incident_id = instagram(writer)
    status, body = call(writer, incident_id, {"messageId": FIRST, "text": WHERE}, username="operator2")
    assert (status, body["code"]) == (409, "CLAIMED_BY_OTHER")
    status, _ = call(
        writer, incident_id, {"messageId": FIRST, "text": WHERE}, username="root", groups="admin"
    )
    assert status == 403
    status, body = call(writer, incident_id, {"messageId": FIRST, "text": "x" * 1001})
    assert status == 422
    assert [d["loc"] for d in body["detail"]] == [["body", "text"]]


def test_the_route_answers_503_when_the_queue_is_down_and_the_retry_sends(
    writer: IncidentService, replies: Replies
) -> None:
    incident_id = instagram(writer)
    replies.down = True
    status, body = call(writer, incident_id, {"messageId": FIRST, "text": WHERE})
    assert (status, body["code"]) == (503, "NOT_QUEUED")

    replies.down = False
    status, _ = call(writer, incident_id, {"messageId": FIRST, "text": WHERE})
    assert status == 200
    assert len(replies.sent) == 1


# -- the reply sender ------------------------------------------------------------------------------------


@dataclass
class MemoryOnce:
    """The idempotency table: each key's first result; a send that raised records nothing."""

    done: dict[str, str] = field(default_factory=dict)

    def run(self, key: str, send: Any) -> str:
        if key not in self.done:
            self.done[key] = send()
        return self.done[key]


@dataclass
class Platform:
    sent: list[Reply] = field(default_factory=list)
    failure: Exception | None = None

    def __call__(self, reply: Reply) -> str:
        if self.failure:
            raise self.failure
        self.sent.append(reply)
        return f"mid.out.{len(self.sent)}"


def batch(*replies: Reply, receive_count: int = 1) -> dict[str, Any]:
    template = load_event("sqs/reply-batch.json")["Records"][0]
    records = []
    for n, reply in enumerate(replies):
        record = copy.deepcopy(template)
        record["messageId"] = f"m-{n}"
        record["body"] = reply.model_dump_json(by_alias=True)
        record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
        records.append(record)
    return {"Records": records}


def written(writer: IncidentService, replies: Replies) -> tuple[str, Reply]:
    incident_id = instagram(writer)
    writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)
    writer.conversations.write(incident_id, "operator1", False, FIRST, WHERE)  # a retried request
    assert len(replies.sent) == 2
    return incident_id, replies.sent[0]


def test_a_message_queued_twice_is_sent_once_and_recorded_sent(
    writer: IncidentService, replies: Replies, repo: InMemoryIncidentRepository
) -> None:
    incident_id, _ = written(writer, replies)
    platform, once = Platform(), MemoryOnce()

    for reply in replies.sent:  # each in its own batch, as two deliveries would come
        response = reply_sender(
            batch(reply), FakeLambdaContext(), send=platform, outcomes=writer.conversations, once=once
        )
        assert response["batchItemFailures"] == []

    assert len(platform.sent) == 1
    message = repo.incidents[incident_id].outbound[0]
    assert (message.state, message.platform_message_id) == (OutboundState.SENT, "mid.out.1")
    assert [e.action for e in repo.timelines[incident_id]][-1:] == [Action.MESSAGE_OUTCOME]


def test_a_message_refused_for_good_is_recorded_failed(
    writer: IncidentService, replies: Replies, repo: InMemoryIncidentRepository
) -> None:
    incident_id, reply = written(writer, replies)
    platform = Platform(
        failure=ReplyRejected("Graph API refused the reply: 400 outside the messaging window")
    )

    response = reply_sender(
        batch(reply), FakeLambdaContext(), send=platform, outcomes=writer.conversations, once=MemoryOnce()
    )

    assert response["batchItemFailures"] == []
    message = repo.incidents[incident_id].outbound[0]
    assert message.state is OutboundState.FAILED
    assert message.problem is not None
    assert "messaging window" in message.problem


def test_a_message_not_sent_is_retried_then_recorded_failed_on_the_last_attempt(
    writer: IncidentService, replies: Replies, repo: InMemoryIncidentRepository
) -> None:
    incident_id, reply = written(writer, replies)
    platform = Platform(failure=TimeoutError("Meta did not answer"))

    def deliver(attempt: int) -> None:
        with pytest.raises(BatchProcessingError):  # the whole batch failed: SQS delivers it again
            reply_sender(
                batch(reply, receive_count=attempt), FakeLambdaContext(), send=platform,
                outcomes=writer.conversations, once=MemoryOnce(),
            )  # fmt: skip

    deliver(1)
    assert repo.incidents[incident_id].outbound[0].state is OutboundState.QUEUED
    deliver(SEND_ATTEMPTS)
    message = repo.incidents[incident_id].outbound[0]
    assert message.state is OutboundState.FAILED
    assert message.problem == f"not sent after {SEND_ATTEMPTS} attempts: Meta did not answer"


def test_a_copy_being_sent_meanwhile_is_not_recorded_failed(
    writer: IncidentService, replies: Replies, repo: InMemoryIncidentRepository
) -> None:
    incident_id, reply = written(writer, replies)

    class Busy:
        def run(self, key: str, send: Any) -> str:
            raise InProgress("another copy is being sent")

    with pytest.raises(BatchProcessingError):  # delivered again later, when the other copy is done
        reply_sender(
            batch(reply, receive_count=SEND_ATTEMPTS), FakeLambdaContext(), send=Platform(),
            outcomes=writer.conversations, once=Busy(),
        )  # fmt: skip
    assert repo.incidents[incident_id].outbound[0].state is OutboundState.QUEUED


def test_the_automatic_question_records_nothing(
    writer: IncidentService, repo: InMemoryIncidentRepository
) -> None:
    incident_id = instagram(writer)
    before = repo.incidents[incident_id].version
    question = Reply(channel=Channel.INSTAGRAM, recipient=IGSID, text=WHERE, incident_id=incident_id)
    platform = Platform()

    reply_sender(
        batch(question), FakeLambdaContext(), send=platform, outcomes=writer.conversations, once=MemoryOnce()
    )

    assert platform.sent == [question]
    assert repo.incidents[incident_id].version == before


# -- X's direct messages (core/x_api.py) -----------------------------------------------------------------


def test_the_oauth1_signature_is_xs_documented_example() -> None:
    # X's "Creating a signature" example (developer.x.com, OAuth 1.0a): the same inputs, the same signature.
    header = oauth1_header(
        "POST",
        "https://api.twitter.com/1.1/statuses/update.json",
        "xvz1evFS4wEEPTGEFPHBog",
        "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        timestamp=1318622958,
        params={"include_entities": "true", "status": "Hello Ladies + Gentlemen, a signed OAuth request!"},
    )

    assert 'oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"' in header
    assert header.startswith('OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce=')


def x_reply(recipient: str = X_USER, channel: Channel = Channel.TWITTER) -> Reply:
    return Reply(channel=channel, recipient=recipient, text=WHERE, incident_id="01KB0Z3Q7M2X8N4P6R9T1V5W3Y")


def test_the_x_sender_posts_the_direct_message_as_the_account(graph: GraphStandIn) -> None:  # noqa: F811
    graph.answer = {"data": {"dm_conversation_id": f"112-{X_USER}", "dm_event_id": "1582838736422948864"}}

    event_id = XDirectMessageSender("key", "secret", "token", "token-secret", graph.base_url).send(x_reply())

    assert event_id == "1582838736422948864"
    [request] = graph.requests
    assert request["path"] == f"/2/dm_conversations/with/{X_USER}/messages"
    assert json.loads(request["body"]) == {"text": WHERE}
    authorization = request["headers"]["authorization"]
    assert authorization.startswith('OAuth oauth_consumer_key="key"')
    assert 'oauth_token="token"' in authorization
    assert "oauth_signature=" in authorization
    assert "secret" not in authorization.replace("oauth_", "")  # the secrets sign; they are never sent


def test_the_x_sender_refuses_for_good_what_x_refuses_and_what_is_no_x_user(graph: GraphStandIn) -> None:  # noqa: F811
    sender = XDirectMessageSender("key", "secret", "token", "token-secret", graph.base_url)
    with pytest.raises(ReplyRejected, match="not an X user id"):
        sender.send(x_reply(recipient="../../me"))
    with pytest.raises(ReplyRejected, match="no X sender"):
        sender.send(x_reply(channel=Channel.INSTAGRAM))
    assert graph.requests == []
    graph.status = 403
    with pytest.raises(ReplyRejected, match="403"):
        sender.send(x_reply())
    graph.status = 429
    with pytest.raises(urllib.error.HTTPError):  # throttled: SQS delivers it again
        sender.send(x_reply())
