"""reply-sender: answers citizens on the social channel they wrote on (queued by the intake and by
operators), through Meta's Graph API (core/graph_api.py) or X's direct messages (core/x_api.py).

A reply the platform refuses for good (the user blocked us, the conversation window closed) is logged
and dropped; anything else (throttling, an outage, secrets not configured yet) is retried by SQS and
ends in the dead-letter queue, never lost.

An operator's message (a reply with a message id, core/conversations.py) is sent once per id however
often it was queued (a retried request queues it again; the idempotency table remembers what was sent),
and its outcome is recorded on the incident's timeline: SENT, or FAILED when refused for good or on the
queue's last attempt (decision 60).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json

from core.agency_delivery import Once
from core.conversations import Conversations
from core.graph_api import GraphApiSender, ReplyRejected
from core.idempotency import IdempotentOnce, InProgress, dynamodb_persistence
from core.models import Channel, OutboundState
from core.observability import MetricUnit, logger, metrics, tracer
from core.replies import SEND_ATTEMPTS, Reply
from core.repository import DynamoIncidentRepository, dynamodb_client
from core.secrets import load_reply_secrets
from core.settings import get_settings
from core.x_api import XDirectMessageSender

_tracer = tracer()

Sender = Callable[[Reply], str]


class ReplyMessage(SqsRecordModel):
    body: Json[Reply]


processor = BatchProcessor(event_type=EventType.SQS, model=ReplyMessage)


class NotConfigured(RuntimeError):
    pass


@functools.cache
def default_sender() -> Sender:
    """Sends through Meta's Graph API with the page token from the reply secrets (read per batch from
    Powertools' five-minute cache, so a token put after deployment is used without a restart)."""
    settings = get_settings()
    secrets_name = settings.require("reply_secrets_name")
    graph_url, x_url = settings.graph_api_url, settings.x_api_url

    def send(reply: Reply) -> str:
        secrets = load_reply_secrets(secrets_name)
        if reply.channel is Channel.TWITTER:
            if secrets.twitter is None:
                raise NotConfigured("the X credentials (xApiKey, …) are not set in the reply secrets")
            return XDirectMessageSender(*secrets.twitter, base_url=x_url).send(reply)
        token = secrets.instagram_page_access_token
        if not token:
            raise NotConfigured("instagramPageAccessToken is not set in the reply secrets")
        return GraphApiSender(token, graph_url).send(reply)

    return send


@functools.cache
def default_outcomes() -> tuple[Conversations, IdempotentOnce]:
    """Where an operator's message is recorded (the incidents table) and remembered as sent (idempotency)."""
    settings = get_settings()
    repository = DynamoIncidentRepository(settings.require("table_name"), dynamodb_client())
    once = IdempotentOnce(dynamodb_persistence(settings.require("idempotency_table_name")))
    return Conversations(repository), once


def handle_record(
    record: ReplyMessage, send: Sender, outcomes: Conversations | None = None, once: Once | None = None
) -> None:
    reply = record.body
    key = reply.dedupe_key
    try:
        message_id = once.run(key, lambda: send(reply)) if key and once else send(reply)
    except ReplyRejected as error:
        logger.error(
            "reply refused for good", extra={"incident_id": reply.incident_id, "problem": str(error)}
        )
        metrics.add_metric(name="ReplyRefused", unit=MetricUnit.Count, value=1)
        _record(reply, outcomes, OutboundState.FAILED, problem=str(error))
        return
    except InProgress:
        raise  # another copy of the message is being sent right now: its outcome is the one to record
    except Exception as error:
        attempt = int(record.attributes.ApproximateReceiveCount or "1")
        # On the last attempt the queue gives it to the dead-letter queue next: say so on the incident.
        if attempt >= SEND_ATTEMPTS:
            problem = f"not sent after {attempt} attempts: {error}"
            _record(reply, outcomes, OutboundState.FAILED, problem=problem)
        raise
    logger.info("reply sent", extra={"incident_id": reply.incident_id, "message_id": message_id})
    metrics.add_metric(name="ReplySent", unit=MetricUnit.Count, value=1)
    _record(reply, outcomes, OutboundState.SENT, platform_message_id=message_id or None)


def _record(
    reply: Reply,
    outcomes: Conversations | None,
    state: OutboundState,
    platform_message_id: str | None = None,
    problem: str | None = None,
) -> None:
    """An operator's message: its outcome on the incident (the automatic question has none to record)."""
    if reply.message_id is None or outcomes is None:
        return
    outcomes.record_outcome(reply.incident_id, reply.message_id, state, platform_message_id, problem)


@logger.inject_lambda_context
@_tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(
    event: dict[str, Any],
    context: LambdaContext,
    send: Sender | None = None,
    outcomes: Conversations | None = None,
    once: Once | None = None,
) -> Any:
    if send is None:
        send = default_sender()
        outcomes, idempotent = default_outcomes()
        idempotent.config.register_lambda_context(context)
        once = idempotent
    return process_partial_response(
        event=event,
        record_handler=functools.partial(handle_record, send=send, outcomes=outcomes, once=once),
        processor=processor,
        context=context,
    )
